"""The catalog's controlled vocabulary: categories, colours, patterns, size systems.

Retrieval (query understanding, attribute recognition) and sizing read these same tables, so
a colour or category means one thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    group: str  # top, outer, dress, bottom, shoes, bag: what part of the body it dresses
    size_system: str  # letter, waist, eu_shoe, one_size
    fit_measures: tuple[str, ...]  # body measurements its size chart ranges over, key one first
    fashion_mnist: int | None  # label in Fashion-MNIST, when it has one
    base_price: float
    genders: tuple[str, ...]
    materials: tuple[str, ...]


CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in [
        Category("t-shirt", "top", "letter", ("chest",), 0, 19, ("women", "men", "unisex"), ("cotton", "jersey", "linen")),
        Category("trousers", "bottom", "waist", ("waist", "hip"), 1, 55, ("women", "men"), ("cotton", "wool", "linen", "viscose")),
        Category("pullover", "top", "letter", ("chest",), 2, 49, ("women", "men", "unisex"), ("wool", "cashmere", "cotton")),
        Category("dress", "dress", "letter", ("chest", "waist", "hip"), 3, 65, ("women",), ("viscose", "cotton", "silk", "linen")),
        Category("coat", "outer", "letter", ("chest",), 4, 149, ("women", "men"), ("wool", "polyester", "cashmere")),
        Category("sandal", "shoes", "eu_shoe", ("foot",), 5, 45, ("women", "men", "unisex"), ("leather", "suede")),
        Category("shirt", "top", "letter", ("chest",), 6, 45, ("women", "men"), ("cotton", "linen", "silk", "viscose")),
        Category("sneaker", "shoes", "eu_shoe", ("foot",), 7, 85, ("women", "men", "unisex"), ("leather", "canvas", "suede")),
        Category("bag", "bag", "one_size", (), 8, 69, ("women", "unisex"), ("leather", "canvas", "nylon")),
        Category("ankle-boot", "shoes", "eu_shoe", ("foot",), 9, 110, ("women", "men"), ("leather", "suede")),
        Category("skirt", "bottom", "letter", ("waist", "hip"), None, 39, ("women",), ("cotton", "denim", "wool", "viscose")),
        Category("jeans", "bottom", "waist", ("waist", "hip"), None, 69, ("women", "men", "unisex"), ("denim",)),
        Category("shorts", "bottom", "letter", ("waist", "hip"), None, 29, ("women", "men", "unisex"), ("cotton", "denim", "linen")),
        Category("hoodie", "top", "letter", ("chest",), None, 55, ("women", "men", "unisex"), ("cotton", "fleece")),
        Category("jacket", "outer", "letter", ("chest",), None, 99, ("women", "men", "unisex"), ("denim", "leather", "polyester", "cotton")),
    ]
}

FASHION_MNIST_LABELS = ["t-shirt", "trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]

# Named colours in sRGB. Grouped into palettes so that tastes have structure a recommender can learn.
COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (24, 24, 26),
    "white": (244, 244, 240),
    "grey": (130, 130, 132),
    "navy": (30, 40, 82),
    "blue": (38, 92, 184),
    "light blue": (152, 192, 230),
    "red": (192, 32, 42),
    "burgundy": (112, 22, 42),
    "pink": (236, 150, 182),
    "green": (40, 132, 62),
    "olive": (112, 112, 52),
    "beige": (216, 196, 160),
    "brown": (112, 72, 40),
    "yellow": (242, 202, 40),
    "orange": (236, 122, 30),
    "purple": (112, 62, 142),
    "teal": (20, 122, 122),
}

PALETTES: dict[str, tuple[str, ...]] = {
    "neutrals": ("black", "white", "grey", "navy", "beige"),
    "earth": ("brown", "olive", "beige", "burgundy", "green"),
    "brights": ("red", "yellow", "orange", "blue", "green", "purple"),
    "pastels": ("pink", "light blue", "white", "beige", "teal"),
}

PATTERNS: tuple[str, ...] = ("solid", "stripes", "checks", "dots", "print")

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
