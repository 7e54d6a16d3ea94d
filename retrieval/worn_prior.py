"""What the body tells about a garment worn on it, as a prior over the recogniser's categories.

The garment net reads a worn garment's region as it would a flat garment, and a region cut out of a
body says less than a product shot: a tank top and a t-shirt differ mostly in the arms, which are
not in the region, and a dress's top half looks like a top. Two things known from the body help:

- The part the shopper's words point at ("this dress", "these trousers"): then the garment is one
  of that part's families, and categories of other families get no weight. Only when named: with
  no words, the top region of a person in a dress is a dress's top half.
- How far the sleeves reach (tryon.worn.sleeve_length, from bare skin on the arms): a garment whose
  category has sleeves of another length is made less likely, not ruled out (the skin reading can
  be wrong: a skin-toned sleeve, a glove).

The weights were set from what each category is (a tank top has no sleeves), before looking at
any photo's reading.
"""

from __future__ import annotations

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
