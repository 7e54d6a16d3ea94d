"""What else is known of a garment: worn (the part the words name, the sleeves), or its shape in a product shot."""

from __future__ import annotations

import numpy as np

from retrieval.priors import shape_prior, worn_prior

CATEGORIES = ["t-shirt", "tank top", "longsleeve", "shirt", "dress", "trousers", "blazer"]


def test_a_named_part_leaves_only_its_families() -> None:
    prior = worn_prior(CATEGORIES, "dress", None, named=True)
    assert prior["dress"] == 1.0 and prior["t-shirt"] == 0.0 and prior["trousers"] == 0.0
    top = worn_prior(CATEGORIES, "top", None, named=True)
    assert top["t-shirt"] == top["shirt"] == 1.0 and top["blazer"] == 0.0  # "this top": not the jacket over it


def test_without_words_every_family_stays() -> None:
    assert set(worn_prior(CATEGORIES, "top", None, named=False).values()) == {1.0}  # a dress's top half is a top region


def test_the_sleeves_weigh_the_categories_that_have_them() -> None:
    bare = worn_prior(CATEGORIES, "top", "none", named=True)
    assert bare["tank top"] > bare["t-shirt"] > bare["longsleeve"] and bare["shirt"] == 1.0  # a shirt can be sleeveless
    long = worn_prior(CATEGORIES, "top", "long", named=True)
    assert long["longsleeve"] > long["t-shirt"] > 0  # made unlikely, never ruled out: the skin reading can be wrong


def _shape(category: str) -> dict[str, float]:
    from index.cutout import garment_mask
    from index.render import GarmentSpec, render_garment
    from index.vocab import COLOURS

    image = render_garment(GarmentSpec(category, COLOURS["navy"], COLOURS["white"], "solid", seed=1))[0]
    return shape_prior(garment_mask(np.asarray(image.convert("RGB"))))


def test_a_product_shots_sleeves_and_length_weigh_the_categories() -> None:
    tee, pullover = _shape("t-shirt"), _shape("pullover")
    assert tee["t-shirt"] == 1.0 and tee["longsleeve"] < 0.5 and tee["dress"] < 1.0  # short sleeves, a top's length
    assert pullover["longsleeve"] == 1.0 and pullover["t-shirt"] < 0.5
    assert _shape("trousers")["t-shirt"] < 1.0  # far too long for a top
    assert shape_prior(np.zeros((50, 50), bool)) == {}  # nothing to read
