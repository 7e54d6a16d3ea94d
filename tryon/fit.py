"""How a chosen size sits on a body, region by region: the ratio the try-on draws and the words we say.

For each region among chest, waist and hip that both the size's chart row and the body have:
- the garment's nominal body measurement is the middle of the size's range (the body it is cut for);
- `garment_width_over_body = nominal / body` is a circumference ratio, which is also a width ratio
  for the same cross-section: above 1 the try-on draws that region wider than the body, below 1
  narrower (TryOnOptions.fit);
- the word, read against the range itself (not the middle), so that a body the chart puts in this
  size is never called snug or loose except at its edges:
  - "snug": the body is within SNUG_WITHIN_CM of the range's max, or above it;
  - "loose": the body is more than LOOSE_BEYOND_CM below the range's min;
  - "fits" otherwise: anywhere else in the range, or just under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shopagent.errors import ShopError
from tryon.sizing import BETWEEN_CM, MEASURE_WORDS, ChartRow, Measurement

REGIONS = ("chest", "waist", "hip")  # the regions a silhouette can show wider or narrower, top to bottom
# The top centimetre of a range is where the size advisor already says "between M and L: M fits
# closer" (sizing.BETWEEN_CM); at and above the max the fabric meets the body, so it reads snug.
SNUG_WITHIN_CM = BETWEEN_CM
# Garments carry ease, so a body a little under the range still wears the size as designed. Only
# past 2 cm (a third of a 6 cm letter step, and more than a stated measurement's 1.5 cm
# uncertainty) does the extra room show.
LOOSE_BEYOND_CM = 2.0
# 1% of a garment's width is a few pixels in a photo: finer ratios would not change the picture,
# only split the try-on cache.
RATIO_DECIMALS = 2
VERBS = {"snug": "is snug at", "loose": "sits loose at", "fits": "fits at"}


class UnknownSize(ShopError, LookupError):
    """A size the product (or its chart) does not come in; the message names the sizes it does."""

    code = "unknown_size"


@dataclass(frozen=True)
class RegionFit:
    region: str  # chest, waist, hip
    body_cm: float
    range_cm: tuple[float, float]  # the body the size is cut for, (min, max)
    word: str  # snug, loose, fits
    source: str = "stated"  # where the body value came from: stated, photo

    @property
    def nominal_cm(self) -> float:
        """The body the garment is cut for: the middle of the size's range."""
        return (self.range_cm[0] + self.range_cm[1]) / 2

    @property
    def garment_width_over_body(self) -> float:
        return self.nominal_cm / self.body_cm


def find_size(labels: Sequence[str], size: str, what: str = "this garment") -> str:
    """The label as the product spells it ("m" -> "M"); UnknownSize names the sizes there are."""
    for label in labels:
        if label.upper() == size.strip().upper():
            return label
    raise UnknownSize(f"{what} comes in {', '.join(labels)}; there is no size {size}.")


def size_row(chart: Sequence[ChartRow], size: str, what: str = "this garment") -> ChartRow:
    """The chart's row for a size label, case-insensitively."""
    label = find_size([r.size_label for r in chart], size, what)
    return next(r for r in chart if r.size_label == label)


def fit_word(body_cm: float, low: float, high: float) -> str:
    """snug, loose or fits: where the body falls against the range the size is cut for."""
    if body_cm >= high - SNUG_WITHIN_CM:
        return "snug"
    if body_cm < low - LOOSE_BEYOND_CM:
        return "loose"
    return "fits"


def region_fits(row: ChartRow, body: dict[str, Measurement]) -> list[RegionFit]:
    """Each region both the chart row and the body have, top to bottom; the others are left out."""
    out = []
    for region in REGIONS:
        if region in row.ranges and region in body:
            low, high = row.ranges[region]
            value = body[region]
            out.append(RegionFit(region, value.value, (low, high), fit_word(value.value, low, high), value.source))
    return out


def fit_ratios(fits: Iterable[RegionFit]) -> dict[str, float]:
    """Region -> garment width over body width, rounded as the try-on draws (and caches) it."""
    return {f.region: round(f.garment_width_over_body, RATIO_DECIMALS) for f in fits}


def _regions(names: list[str]) -> str:
    words = [MEASURE_WORDS[n] for n in names]
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return f"the {listed}"


def fit_words(size: str, fits: Sequence[RegionFit]) -> str:
    """The fit in words: "M fits at the chest, waist and hips", "M is snug at the chest; it sits loose
    at the waist". Regions sharing a word are named together, in the order they first appear; "" when
    no region is known."""
    groups: dict[str, list[str]] = {}
    for f in fits:
        groups.setdefault(f.word, []).append(f.region)
    clauses = [f"{VERBS[word]} {_regions(regions)}" for word, regions in groups.items()]
    if not clauses:
        return ""
    rest = clauses[1:]
    tail = "" if not rest else "; it " + (rest[0] if len(rest) == 1 else f"{', '.join(rest[:-1])} and {rest[-1]}")
    return f"{size} {clauses[0]}{tail}"


def fit_sentence(size: str, fits: Sequence[RegionFit]) -> str:
    """fit_words as a sentence for the shopper, saying when the body was estimated from their photo."""
    words = fit_words(size, fits)
    if not words:
        return ""
    photo = [MEASURE_WORDS[f.region] for f in fits if f.source == "photo"]
    return words + (f" (your {_regions(photo).removeprefix('the ')} estimated from your photo)." if photo else ".")
