"""What reviews say about a product, counted: stars, sentiment, fit feedback, a few quotes.

Sentiment is read from the stars the reviewers gave (their own verdict), not guessed from the
text. Quotes are returned as data, cut short; they are the reviewers' words, never instructions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select

from index import models as m
from index.store import Store

QUOTE_CHARS = 160


@dataclass
class ReviewSummary:
    product_id: int
    count: int
    average_stars: float | None
    stars: dict[int, int]
    sentiment: str  # positive, mixed, negative, none
    fit: dict[str, int]  # small / true / large -> reviews
    quotes: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def sentiment(stars: dict[int, int]) -> str:
    total = sum(stars.values())
    if not total:
        return "none"
    good = (stars.get(4, 0) + stars.get(5, 0)) / total
    bad = (stars.get(1, 0) + stars.get(2, 0)) / total
    return "positive" if good >= 0.6 and bad < 0.2 else "negative" if bad >= 0.4 else "mixed"


def summarize(store: Store, product_id: int, quotes: int = 3) -> ReviewSummary:
    with store.session() as s:
        rows = s.scalars(select(m.Review).where(m.Review.product_id == product_id)
                         .order_by(m.Review.created_at.desc())).all()
        stars = {n: 0 for n in range(1, 6)}
        fit = {"small": 0, "true": 0, "large": 0}
        for r in rows:
            stars[r.stars] = stars.get(r.stars, 0) + 1
            if r.fit_feedback:
                fit[str(r.fit_feedback)] += 1
        average = round(sum(n * c for n, c in stars.items()) / len(rows), 2) if rows else None
        picked = _spread(rows, quotes)
        return ReviewSummary(product_id, len(rows), average, stars, sentiment(stars), fit,
                             [{"stars": r.stars, "size": r.size_label, "text": _cut(r.text)} for r in picked])


def _spread(rows: list[m.Review], n: int) -> list[m.Review]:
    """The newest review of the best, the worst and the middle star counts: both sides are heard."""
    picked: list[m.Review] = []
    for want in (max, min, lambda xs, key: sorted(xs, key=key)[len(xs) // 2]):
        rest = [r for r in rows if r not in picked and r.text]
        if rest and len(picked) < n:
            picked.append(want(rest, key=lambda r: r.stars))
    return picked


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
