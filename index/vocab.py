"""The demo catalog's vocabulary: its 15 categories, colours, patterns, size labels and charts.

What a category or colour *is* lives in index/taxonomy.yaml, read by index/taxonomy.py: a
category's group, size_system and fit_measures and a colour's sRGB come from there, so sizing,
try-on, import mapping and retrieval agree. This module keeps only what the demo catalog adds
(its Fashion-MNIST label, price, genders, materials) and the size labels and charts it renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.taxonomy import MULTI, load_taxonomy


@dataclass(frozen=True)
class Category:
    name: str
    group: str  # top, outer, dress, bottom, shoes, bag: what part of the body it dresses (from the taxonomy)
    size_system: str  # letter, waist, eu_shoe, one_size (from the taxonomy)
    fit_measures: tuple[str, ...]  # body measurements its size chart ranges over, key one first (from the taxonomy)
    fashion_mnist: int | None  # label in Fashion-MNIST, when it has one
    base_price: float
    genders: tuple[str, ...]
    materials: tuple[str, ...]


# The demo-only fields: name -> (Fashion-MNIST label, base price, genders, materials).
DEMO_FIELDS: dict[str, tuple[int | None, float, tuple[str, ...], tuple[str, ...]]] = {
    "t-shirt": (0, 19, ("women", "men", "unisex"), ("cotton", "jersey", "linen")),
    "trousers": (1, 55, ("women", "men"), ("cotton", "wool", "linen", "viscose")),
    "pullover": (2, 49, ("women", "men", "unisex"), ("wool", "cashmere", "cotton")),
    "dress": (3, 65, ("women",), ("viscose", "cotton", "silk", "linen")),
    "coat": (4, 149, ("women", "men"), ("wool", "polyester", "cashmere")),
    "sandal": (5, 45, ("women", "men", "unisex"), ("leather", "suede")),
    "shirt": (6, 45, ("women", "men"), ("cotton", "linen", "silk", "viscose")),
    "sneaker": (7, 85, ("women", "men", "unisex"), ("leather", "canvas", "suede")),
    "bag": (8, 69, ("women", "unisex"), ("leather", "canvas", "nylon")),
    "ankle-boot": (9, 110, ("women", "men"), ("leather", "suede")),
    "skirt": (None, 39, ("women",), ("cotton", "denim", "wool", "viscose")),
    "jeans": (None, 69, ("women", "men", "unisex"), ("denim",)),
    "shorts": (None, 29, ("women", "men", "unisex"), ("cotton", "denim", "linen")),
    "hoodie": (None, 55, ("women", "men", "unisex"), ("cotton", "fleece")),
    "jacket": (None, 99, ("women", "men", "unisex"), ("denim", "leather", "polyester", "cotton")),
}


def _demo_category(name: str) -> Category:
    """A demo category: its sizing fields from the taxonomy, its demo fields from DEMO_FIELDS."""
    info = load_taxonomy().categories[name]
    return Category(name, info.group, info.size_system, info.fit_measures, *DEMO_FIELDS[name])


CATEGORIES: dict[str, Category] = {name: _demo_category(name) for name in DEMO_FIELDS}

FASHION_MNIST_LABELS = ["t-shirt", "trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]

# Named colours in sRGB: the taxonomy's colour families that have one (all but "multi"), in the
# file's order. Grouped into palettes so that tastes have structure a recommender can learn.
COLOURS: dict[str, tuple[int, int, int]] = {
    name: rgb for name, rgb in load_taxonomy().colours.items() if rgb is not None and name != MULTI
}

PALETTES: dict[str, tuple[str, ...]] = {
    "neutrals": ("black", "white", "grey", "navy", "beige"),
    "earth": ("brown", "olive", "beige", "burgundy", "green"),
    "brights": ("red", "yellow", "orange", "blue", "green", "purple"),
    "pastels": ("pink", "light blue", "white", "beige", "teal"),
}

PATTERNS: tuple[str, ...] = load_taxonomy().patterns  # solid, stripes, checks, dots, print

FITS: tuple[str, ...] = ("slim", "regular", "relaxed")

LETTER_SIZES: tuple[str, ...] = ("XS", "S", "M", "L", "XL", "XXL")
WAIST_SIZES: tuple[str, ...] = tuple(f"W{w}" for w in range(26, 40, 2))
EU_SHOE_SIZES: tuple[str, ...] = tuple(str(s) for s in range(36, 47))
ONE_SIZE: tuple[str, ...] = ("One size",)

SIZE_LABELS: dict[str, tuple[str, ...]] = {
    "letter": LETTER_SIZES,
    "waist": WAIST_SIZES,
    "eu_shoe": EU_SHOE_SIZES,
    "one_size": ONE_SIZE,
}

# A neutral letter chart in cm (lower bounds; each size ends where the next begins). Brands shift it.
LETTER_CHART_CM: dict[str, tuple[float, ...]] = {
    "chest": (80, 86, 92, 98, 104, 112, 120),
    "waist": (62, 68, 74, 80, 88, 96, 104),
    "hip": (86, 92, 98, 104, 110, 117, 124),
}


def waist_chart_cm(label: str) -> tuple[float, float]:
    """Waist range of a W-size: the label's inches, plus or minus one inch."""
    inches = int(label.removeprefix("W"))
    return (inches - 1) * 2.54, (inches + 1) * 2.54


def shoe_chart_cm(label: str) -> tuple[float, float]:
    """Foot length range of an EU size (Paris points: EU = 1.5 x (foot + 1.5 cm))."""
    foot = int(label) / 1.5 - 1.5
    return foot - 1 / 3, foot + 1 / 3

# Which of a customer's known sizes ({"tops": "M", "bottoms": "W32", "shoes": "42"}) a size system reads.
KNOWN_SIZE_KEY: dict[str, str] = {"letter": "tops", "waist": "bottoms", "eu_shoe": "shoes"}
