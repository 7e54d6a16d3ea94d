"""Size advice: which label of this brand's chart fits this body, how sure we are, and why.

The rules, in order:
1. The category's key measure decides (chest for tops and dresses, waist for trousers, jeans,
   skirts and shorts, foot length for shoes): the label whose range holds the body, read from
   the brand x category chart, so a brand's vanity sizing is taken into account.
2. Adjustments move the body value before it is read against the chart:
   - fit preference: slim -1 cm, regular 0, relaxed +2 cm (ease);
   - the customer's returns in this brand that the chart does not explain: a label returned as
     "too small" although the chart says it should have fitted (or was bigger) counts +2 cm,
     one returned "too large" although it was the chart's label or smaller counts -2 cm (at
     most 4 cm either way). A return the chart explains (they took their usual M where the
     chart said L) is not held against the chart;
   The product's fit reviews ("runs small") do not move a chart reading: reviewers compare
   with the label they usually wear, which is the brand's vanity sizing the chart already
   holds. They are shown as a note.
   Without a value for the key measure but with the label the customer usually wears, the
   advice starts from that label and moves one size up when at least 3 reviews say the product
   runs small and 60% of them agree (down for "runs large"), or when the customer returned
   this brand's items as too small (too large); confidence is then at most 50%.
3. Confidence is the probability that the (uncertain) body value falls in the chosen
   label's range: stated measurements have a standard deviation of 1.5 cm, estimates from a
   photo their own. Below 60%, or within 1 cm of a boundary, the neighbouring label is given
   as the alternative ("between M and L").
4. The other measures of the chart (waist and hip for a dress) are checked too: when one
   needs a bigger label, that label becomes the alternative, with the reason.
5. Refusals name what is missing: no chart for this brand and category, no value for the key
   measure, or a body outside the chart by more than 4 cm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from index.taxonomy import load_taxonomy

EASE_CM = {"slim": -1.0, "regular": 0.0, "relaxed": 2.0}
RETURN_STEP_CM, RETURN_CAP_CM = 2.0, 4.0
REVIEW_STEP_CM, REVIEW_MIN, REVIEW_AGREE = 2.0, 3, 0.6
STATED_SD_CM = 1.5
BETWEEN_CM = 1.0
MIN_CONFIDENCE = 0.6
OUTSIDE_CM = 4.0
MEASURE_WORDS = {"chest": "chest", "waist": "waist", "hip": "hips", "foot": "foot length", "inseam": "inseam",
                 "height": "height"}


@dataclass(frozen=True)
class ChartRow:
    size_label: str
    position: int
    ranges: dict[str, tuple[float, float]]  # measure -> (min, max) in cm


@dataclass
class Measurement:
    value: float
    sd: float = STATED_SD_CM
    source: str = "stated"  # stated, photo


@dataclass
class SizeAdvice:
    size: str | None
    confidence: float
    reason: str
    alternative: str | None = None
    alternative_reason: str = ""
    adjustments: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.size is None

    def as_dict(self) -> dict:
        return {"size": self.size, "confidence": round(self.confidence, 2), "reason": self.reason,
                "alternative": self.alternative, "alternative_reason": self.alternative_reason,
                "adjustments": self.adjustments}


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _in_range(value: float, sd: float, lo: float, hi: float) -> float:
    return _phi((hi - value) / sd) - _phi((lo - value) / sd)


def label_for(chart: list[ChartRow], measure: str, value: float) -> ChartRow:
    """The row whose range holds value, or the nearest one."""
    def distance(row: ChartRow) -> float:
        lo, hi = row.ranges[measure]
        return 0.0 if lo <= value < hi else (lo - value if value < lo else value - hi + 1e-6)
    return min((r for r in chart if measure in r.ranges), key=distance)


def adjustments(fit_preference: str, unexplained_returns: dict[str, int]) -> tuple[float, list[str]]:
    """Centimetres to add to the body value before reading the chart, and why."""
    shift, notes = EASE_CM.get(fit_preference, 0.0), []
    if shift:
        notes.append(f"{fit_preference} fit preferred ({shift:+.0f} cm)")
    net = unexplained_returns.get("too small", 0) - unexplained_returns.get("too large", 0)
    if net:
        moved = max(-RETURN_CAP_CM, min(RETURN_CAP_CM, RETURN_STEP_CM * net))
        shift += moved
        word = "too small" if net > 0 else "too large"
        notes.append(f"you returned {abs(net)} item(s) from this brand as {word} ({moved:+.0f} cm)")
    return shift, notes


def review_verdict(review_fit: dict[str, int]) -> tuple[int, str]:
    """(+1 runs small, -1 runs large, 0 no clear verdict) and a sentence."""
    total = sum(review_fit.get(k, 0) for k in ("small", "true", "large"))
    if total >= REVIEW_MIN:
        for kind, sign in (("small", 1), ("large", -1)):
            if review_fit.get(kind, 0) / total >= REVIEW_AGREE:
                return sign, f"{review_fit[kind]} of {total} reviews say it runs {kind}"
    return 0, ""


def unexplained(returns: list[tuple[str, str]], chart: list[ChartRow], chart_position: int) -> dict[str, int]:
    """Returns in this brand the chart cannot explain, by reason."""
    position = {r.size_label: r.position for r in chart}
    counts: dict[str, int] = {}
    for label, reason in returns:
        p = position.get(label)
        if p is None:
            continue
        if (reason == "too small" and p >= chart_position) or (reason == "too large" and p <= chart_position):
            counts[reason] = counts.get(reason, 0) + 1
    return counts


def advise(category: str, brand: str, chart: list[ChartRow], measurements: dict[str, Measurement],
           fit_preference: str = "regular", returns_in_brand: list[tuple[str, str]] | None = None,
           review_fit: dict[str, int] | None = None, usual_label: str | None = None) -> SizeAdvice:
    """The size to take, or a refusal that says what is missing."""
    cat = load_taxonomy().categories.get(category)
    if cat is None:
        return SizeAdvice(None, 0.0, f"I do not know the category {category!r}.")
    if cat.size_system == "one_size":
        return SizeAdvice("One size", 1.0, f"this {category} comes in one size.")
    if not chart:
        return SizeAdvice(None, 0.0, f"{brand} has no size chart for {category}s, so I cannot advise a size; "
                                     "the product page or customer service may know more.")
    key = cat.fit_measures[0]
    if key not in measurements and usual_label in {r.size_label for r in chart}:
        return _from_usual_label(category, brand, chart, usual_label, returns_in_brand or [], review_fit or {})
    if key not in measurements:
        need = MEASURE_WORDS[key]
        how = "your foot length in cm (heel to longest toe)" if key == "foot" else \
            f"your {need} in cm, or a full-body photo with your height"
        return SizeAdvice(None, 0.0, f"to size a {category} I need {how}.")
    body = measurements[key]
    plain = label_for(chart, key, body.value)
    shift, notes = adjustments(fit_preference, unexplained(returns_in_brand or [], chart, plain.position))
    verdict = review_verdict(review_fit or {})[1]
    if verdict:
        notes.append(f"{verdict}; the chart already holds the brand's sizing")
    value = body.value + shift
    row = label_for(chart, key, value)
    lo, hi = row.ranges[key]
    if value < chart[0].ranges[key][0] - OUTSIDE_CM or value >= chart[-1].ranges[key][1] + OUTSIDE_CM:
        end = "smallest" if value < lo else "largest"
        return SizeAdvice(None, 0.0, f"your {MEASURE_WORDS[key]} ({body.value:.0f} cm) is outside {brand}'s "
                                     f"{category} chart ({chart[0].ranges[key][0]:.0f}-{chart[-1].ranges[key][1]:.0f} "
                                     f"cm); even the {end} size would not fit well.", adjustments=notes)
    confidence = _in_range(value, body.sd, lo, hi)
    reason = (f"{brand}'s {row.size_label} is for a {MEASURE_WORDS[key]} of {lo:.0f}-{hi:.0f} cm and yours is "
              f"{body.value:.0f} cm" + (" (estimated from your photo)" if body.source == "photo" else "")
              + (f", adjusted {shift:+.0f} cm" if shift else "") + ".")
    advice = SizeAdvice(row.size_label, confidence, reason, adjustments=notes)
    _between(advice, chart, row, key, value, confidence)
    _other_measures(advice, chart, row, cat.fit_measures[1:], measurements, shift, brand)
    return advice


def _from_usual_label(category: str, brand: str, chart: list[ChartRow], usual: str,
                      returns: list[tuple[str, str]], review_fit: dict[str, int]) -> SizeAdvice:
    """No measurement: the customer's usual label, moved by reviews and by their returns in this brand."""
    position = {r.size_label: r.position for r in chart}
    by_position = {r.position: r for r in chart}
    move, notes = review_verdict(review_fit)
    notes_list = [notes] if notes else []
    returned = sum(1 if reason == "too small" else -1 for label, reason in returns
                   if reason in ("too small", "too large") and label == usual)
    if returned:
        move += 1 if returned > 0 else -1
        notes_list.append(f"you returned {brand}'s {usual} as {'too small' if returned > 0 else 'too large'}")
    move = max(-1, min(1, move))
    target = by_position.get(position[usual] + move, by_position[position[usual]])
    reason = (f"you usually wear {usual}" + (f" and {'; '.join(notes_list)}, so {target.size_label}" if move else "")
              + f"; without your measurements I cannot read {brand}'s chart, so this is a guess.")
    return SizeAdvice(target.size_label, 0.5 if move else 0.4, reason,
                      alternative=usual if target.size_label != usual else None, adjustments=notes_list)


def _between(advice: SizeAdvice, chart: list[ChartRow], row: ChartRow, key: str, value: float,
             confidence: float) -> None:
    lo, hi = row.ranges[key]
    by_position = {r.position: r for r in chart}
    if hi - value <= BETWEEN_CM or (confidence < MIN_CONFIDENCE and value >= (lo + hi) / 2):
        neighbour = by_position.get(row.position + 1)
        if neighbour:
            advice.alternative = neighbour.size_label
            advice.alternative_reason = (f"you are between {row.size_label} and {neighbour.size_label}: "
                                         f"{row.size_label} fits closer, {neighbour.size_label} looser.")
    elif value - lo <= BETWEEN_CM or confidence < MIN_CONFIDENCE:
        neighbour = by_position.get(row.position - 1)
        if neighbour:
            advice.alternative = neighbour.size_label
            advice.alternative_reason = (f"you are between {neighbour.size_label} and {row.size_label}: "
                                         f"{neighbour.size_label} fits closer, {row.size_label} looser.")


def _other_measures(advice: SizeAdvice, chart: list[ChartRow], row: ChartRow, measures: tuple[str, ...],
                    measurements: dict[str, Measurement], shift: float, brand: str) -> None:
    for measure in measures:
        if measure not in measurements or measure not in row.ranges:
            continue
        needed = label_for(chart, measure, measurements[measure].value + shift)
        if needed.position > row.position:
            advice.alternative = needed.size_label
            advice.alternative_reason = (f"{row.size_label} may be tight at the {MEASURE_WORDS[measure]}: "
                                         f"{brand}'s {needed.size_label} is cut for "
                                         f"{measurements[measure].value:.0f} cm there.")
            return
