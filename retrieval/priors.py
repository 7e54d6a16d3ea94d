"""What is known of a garment besides the net's reading, as a prior over the recogniser's categories.

Worn on a body (`worn_prior`), and laid out in a product shot (`shape_prior`).

The garment net reads a worn garment's region as it would a flat garment, and a region cut out of a
body says less than a product shot: a tank top and a t-shirt differ mostly in the arms, which are
not in the region, and a dress's top half looks like a top. Two things known from the body help:

- The part the shopper's words point at ("this dress", "these trousers"): then the garment is one
  of that part's families, and categories of other families get no weight. Only when named: with
  no words, the top region of a person in a dress is a dress's top half.
- How far the sleeves reach (tryon.worn.sleeve_length, from bare skin on the arms): a garment whose
  category has sleeves of another length is made less likely, not ruled out (the skin reading can
  be wrong: a skin-toned sleeve, a glove).

In a product shot on a plain background (`shape_prior`), the garment's parts (index.parts) say
what a net reading a small square view confuses: how long its sleeves are for its width (a t-shirt's
short sleeves, a longsleeve's long ones; sleeves lying against the body are not found, and then say
nothing) and how long the garment is for its width (a t-shirt against a dress).

The weights were set from what each category is (a tank top has no sleeves), before looking at
any photo's reading; the two cuts between short and long were set from what garments measure (a
t-shirt's sleeve is well under its chest's half-width, a long sleeve well over it).
"""

from __future__ import annotations

import numpy as np

from index.cutout import GarmentError
from index.parts import parse
from index.products import family_of

PART_OF_FAMILY = {"tops": "top", "bottoms": "bottom", "dresses": "dress", "footwear": "shoes",
                  "outerwear": "outerwear"}
# sleeve length read on the body -> weight, for the categories whose sleeves say something
NO_SLEEVES = {"none": 1.0, "short": 0.2, "long": 0.05}
SHORT_SLEEVES = {"none": 0.3, "short": 1.0, "long": 0.1}
LONG_SLEEVES = {"none": 0.05, "short": 0.1, "long": 1.0}
SLEEVE_FIT = {"tank top": NO_SLEEVES, "t-shirt": SHORT_SLEEVES, "polo": SHORT_SLEEVES,
              "longsleeve": LONG_SLEEVES, "pullover": LONG_SLEEVES, "hoodie": LONG_SLEEVES,
              "blazer": LONG_SLEEVES, "jacket": LONG_SLEEVES, "coat": LONG_SLEEVES}


def worn_prior(categories: list[str], part: str, sleeves: str | None, named: bool) -> dict[str, float]:
    """A weight per category for a garment worn on the body's `part` (tryon.worn's parts), its sleeves
    read as `sleeves` ("none", "short", "long" or None), the part `named` by the shopper's words or not."""
    prior = {}
    for category in categories:
        weight = 1.0
        if named and PART_OF_FAMILY.get(family_of(category)) != part:
            weight = 0.0
        if sleeves is not None and category in SLEEVE_FIT:
            weight *= SLEEVE_FIT[category][sleeves]
        prior[category] = weight
    return prior


LONG_SLEEVE_RATIO = 0.8  # a sleeve longer than this share of the garment's width (flat) is a long one
DRESS_LENGTH_RATIO = 2.4  # a garment longer than this many widths (flat, shoulder to hem) is dress length
TOP_LENGTH_RATIO = 2.1  # ...and shorter than this, top length
TOPS_BY_LENGTH = ("t-shirt", "tank top", "top", "shirt", "blouse", "polo", "longsleeve", "pullover", "hoodie")
LENGTH_WEIGHT = 0.3  # a dress's length for a top, or a top's for a dress
PARSE_SIDE = 256  # px: the silhouette is read this large (ratios do not need more)


def shape_prior(mask: np.ndarray) -> dict[str, float]:
    """A weight per category from a product shot's garment silhouette (bool, the whole frame): sleeves and
    length, read as a top's. Empty when its parts cannot be read."""
    ys, xs = np.nonzero(mask)
    if len(ys) < 100:
        return {}
    crop = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    step = max(1, int(np.ceil(max(crop.shape) / PARSE_SIDE)))
    try:
        parts = parse(crop[::step, ::step], "top")
    except GarmentError:
        return {}
    width = max(parts.width, 1.0)
    prior: dict[str, float] = {}
    if parts.sleeves:
        sleeves = "long" if np.mean([s.length for s in parts.sleeves]) > LONG_SLEEVE_RATIO * width else "short"
        prior |= {category: fit[sleeves] for category, fit in SLEEVE_FIT.items()}
    length = (parts.hem_y - parts.shoulder_y) / width
    if length < TOP_LENGTH_RATIO:
        prior["dress"] = LENGTH_WEIGHT
    elif length > DRESS_LENGTH_RATIO:
        prior |= {category: prior.get(category, 1.0) * LENGTH_WEIGHT for category in TOPS_BY_LENGTH}
    return prior
