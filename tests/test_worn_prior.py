"""What the body tells about a worn garment: the part the words name, and the sleeves."""

from __future__ import annotations

from retrieval.worn_prior import worn_prior

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
