"""The demo catalog: brands with their own size charts, products with rendered images,
customers with bodies and tastes, and the interactions, reviews and orders that follow.

Everything comes from one seed: two runs with the same seed give identical rows and images.
The hidden truth (product attributes, customer bodies and tastes, brand vanity sizing) is
written to ``demo_truth.json`` beside the database, for evaluation.

How the signal is made, so recommenders and size advice have something real to find:
- a customer's utility for a product = category, colour, pattern and brand affinities, a
  shared 8-d style vector, the product's quality, minus a penalty above their budget;
- views are drawn from a softmax of that utility; carts and purchases favour the best viewed;
- the size bought is the customer's usual label or the brand's chart; whether it fits
  comes from the customer's body against that brand's chart, which drives returns
  ("too small"), review stars and fit feedback.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import delete, insert, text
from tqdm import tqdm

from index import models as m
from index.render import GarmentSpec, render_garment
from index.store import Store
from index.vocab import (
    CATEGORIES,
    COLOURS,
    FITS,
    LETTER_CHART_CM,
    LETTER_SIZES,
    PALETTES,
    PATTERNS,
    SIZE_LABELS,
    shoe_chart_cm,
    waist_chart_cm,
)
from shopagent.errors import ShopError

GENERATOR_VERSION = 1
NOW = datetime(2026, 10, 31, 12, 0, tzinfo=timezone.utc)  # fixed, so runs are identical
HISTORY_DAYS = 365
STYLE_DIM = 8
TRUTH_FILE = "demo_truth.json"
IMAGE_DIR = "images"

CATEGORY_WEIGHTS = {
    "t-shirt": 12, "shirt": 9, "pullover": 7, "hoodie": 6, "jacket": 6, "coat": 4, "dress": 9, "skirt": 5,
    "trousers": 7, "jeans": 8, "shorts": 5, "sneaker": 7, "sandal": 4, "ankle-boot": 4, "bag": 5,
}
MEASURE_COLUMNS = [f"{m}_{end}" for m in ("chest", "waist", "hip", "inseam", "height", "foot") for end in ("min", "max")]
PATTERN_WEIGHTS = {"solid": 50, "stripes": 15, "checks": 12, "dots": 9, "print": 14}


@dataclass(frozen=True)
class BrandSpec:
    name: str
    code: str
    tier: float  # price multiplier
    size_offset_cm: float  # + runs large: a label fits a bigger body than the neutral chart
    palette: str
    description: str


BRANDS = [
    BrandSpec("Nordlys", "NRD", 1.3, 4.0, "neutrals", "Scandinavian basics with a generous cut."),
    BrandSpec("Calle Verde", "CLV", 0.8, -3.0, "brights", "Bright, fitted streetwear from Valencia."),
    BrandSpec("Maison Ardoise", "MAR", 2.2, -2.0, "neutrals", "Tailoring from Lyon, cut close to the body."),
    BrandSpec("Kowa Studio", "KWS", 1.1, -4.0, "pastels", "Soft pastels, small-running Japanese sizing."),
    BrandSpec("Tidewater", "TDW", 1.0, 2.0, "earth", "Outdoor-inspired everyday wear."),
    BrandSpec("Urban Fable", "UFB", 0.7, 0.0, "brights", "Affordable trend pieces, true to size."),
    BrandSpec("Bramble & Pine", "BRP", 1.5, 1.0, "earth", "Natural fabrics and earthy tones."),
    BrandSpec("Lumen Athletic", "LUA", 1.2, 3.0, "pastels", "Athleisure with a relaxed fit."),
]

MATERIAL_PRICE = {"cashmere": 2.2, "silk": 1.8, "leather": 1.7, "wool": 1.4, "suede": 1.5, "linen": 1.15}
FIRST_NAMES = ["Ana", "Ben", "Chloé", "David", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kaia", "Luca", "Maya",
               "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Xenia", "Yusuf", "Zoe"]
LAST_NAMES = ["Almeida", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Horvat", "Ivanova", "Jensen",
              "Kowalski", "Laine", "Moreau", "Nowak", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka", "Visser"]


@dataclass
class DemoResult:
    products: int
    customers: int
    interactions: int
    reviews: int
    orders: int
    images: int
    seconds: float
    kept: bool = False  # the store already held products (products) and they were kept


class CatalogNotEmpty(ShopError):
    """The store already holds products, and replacing them was not asked for."""

    code = "catalog_not_empty"

    def __init__(self, products: int) -> None:
        super().__init__(f"the catalog already holds {products} products.")
        self.products = products


# ---------------------------------------------------------------- size charts


def chart_rows(brand: BrandSpec, category: str) -> list[dict]:
    """One brand's chart for one category: body ranges in cm, shifted by its vanity offset."""
    cat = CATEGORIES[category]
    rows = []
    for pos, label in enumerate(SIZE_LABELS[cat.size_system]):
        row: dict = {"category": category, "size_label": label, "position": pos} | dict.fromkeys(MEASURE_COLUMNS)
        if cat.size_system == "letter":
            for measure in cat.fit_measures:
                lo, hi = LETTER_CHART_CM[measure][pos], LETTER_CHART_CM[measure][pos + 1]
                row[f"{measure}_min"], row[f"{measure}_max"] = lo + brand.size_offset_cm, hi + brand.size_offset_cm
        elif cat.size_system == "waist":
            lo, hi = waist_chart_cm(label)
            row["waist_min"], row["waist_max"] = lo + brand.size_offset_cm, hi + brand.size_offset_cm
            row["hip_min"], row["hip_max"] = lo + 16 + brand.size_offset_cm, hi + 18 + brand.size_offset_cm
        elif cat.size_system == "eu_shoe":
            lo, hi = shoe_chart_cm(label)
            shift = brand.size_offset_cm / 12  # shoes vary less between brands
            row["foot_min"], row["foot_max"] = round(lo + shift, 2), round(hi + shift, 2)
        rows.append({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()})
    return rows


def fit_outcome(body: dict[str, float], row: dict, key: str) -> str:
    """How a chart size fits a body on its key measure: small, true or large."""
    lo, hi = row.get(f"{key}_min"), row.get(f"{key}_max")
    if lo is None or hi is None:
        return "true"
    if body[key] > hi:
        return "small"
    if body[key] < lo:
        return "large"
    return "true"


def best_label(body: dict[str, float], rows: list[dict], key: str) -> str:
    """The chart's label whose range holds the body, or the nearest one."""
    def distance(row: dict) -> float:
        lo, hi = row[f"{key}_min"], row[f"{key}_max"]
        return 0.0 if lo <= body[key] <= hi else min(abs(body[key] - lo), abs(body[key] - hi))
    return min(rows, key=distance)["size_label"]


# ---------------------------------------------------------------- products


def _weighted(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[rng.choice(len(keys), p=p / p.sum())]


def category_attributes(rng: np.random.Generator, category: str) -> dict:
    """Sleeve and length, for the categories that have them (the attribute trainer draws from this too)."""
    if category in ("t-shirt",):
        return {"sleeve": str(rng.choice(["short", "short", "sleeveless"]))}
    if category == "shirt":
        return {"sleeve": str(rng.choice(["long", "long", "short"]))}
    if category == "dress":
        return {"length": str(rng.choice(["mini", "midi", "maxi"])), "sleeve": str(rng.choice(["sleeveless", "short"]))}
    if category == "skirt":
        return {"length": str(rng.choice(["mini", "midi", "maxi"]))}
    return {}


def _title(colour: str, pattern: str, material: str, category: str, attrs: dict) -> str:
    pattern_word = {"solid": "", "stripes": "striped", "checks": "checked", "dots": "polka-dot", "print": "floral"}[pattern]
    extra = attrs.get("length", "") if category in ("dress", "skirt") else ""
    words = [colour, pattern_word, extra, material, category.replace("-", " ")]
    return " ".join(w for w in words if w).capitalize()


def _description(brand: BrandSpec, fit: str, material: str, category: str, pattern: str, attrs: dict) -> str:
    sleeve = f" with {attrs['sleeve']} sleeves" if "sleeve" in attrs and attrs["sleeve"] != "sleeveless" else ""
    cut = {"slim": "a slim cut that sits close to the body", "regular": "a regular fit",
           "relaxed": "a relaxed, roomy fit"}[fit]
    return (f"A {pattern if pattern != 'solid' else 'plain'} {category.replace('-', ' ')} in {material}{sleeve}, "
            f"in {cut}. {brand.description}")


def make_products(rng: np.random.Generator, n: int) -> list[dict]:
    """Product rows with their hidden truth (style vector, quality)."""
    products = []
    for i in range(n):
        category = _weighted(rng, CATEGORY_WEIGHTS)
        cat = CATEGORIES[category]
        brand = BRANDS[int(rng.integers(len(BRANDS)))]
        gender = str(rng.choice(cat.genders))
        palette = PALETTES[brand.palette] if rng.random() < 0.6 else tuple(COLOURS)
        colour = str(rng.choice(palette))
        pattern = "solid" if category in ("sandal", "ankle-boot") else _weighted(rng, PATTERN_WEIGHTS)
        if category == "jeans":
            colour, pattern = str(rng.choice(["blue", "navy", "light blue", "black", "grey"])), "solid"
        secondary = str(rng.choice([c for c in COLOURS if c != colour]))
        colours = [colour] if pattern == "solid" else [colour, secondary]
        material = str(rng.choice(cat.materials))
        fit = str(rng.choice(FITS, p=[0.3, 0.5, 0.2])) if cat.size_system != "one_size" else "regular"
        attrs = category_attributes(rng, category)
        price = cat.base_price * brand.tier * MATERIAL_PRICE.get(material, 1.0) * float(rng.lognormal(0, 0.25))
        price = max(4.95, round(price) - 0.05)
        products.append({
            "id": i + 1,
            "sku": f"{brand.code}-{category[:3].upper()}-{i + 1:05d}",
            "brand": brand,
            "title": _title(colour, pattern, material, category, attrs),
            "description": _description(brand, fit, material, category, pattern, attrs),
            "category": category, "gender": gender, "colours": colours, "pattern": pattern,
            "material": material, "fit": fit, "price": Decimal(f"{price:.2f}"), "attributes": attrs,
            "style": rng.normal(0, 1, STYLE_DIM), "quality": float(rng.normal(0, 0.6)),
            "image_seed": int(rng.integers(0, 2**31)),
        })
    return products


def make_variants(rng: np.random.Generator, products: list[dict]) -> list[dict]:
    rows = []
    for p in products:
        labels = SIZE_LABELS[CATEGORIES[p["category"]].size_system]
        for pos, label in enumerate(labels):
            stock = 0 if rng.random() < 0.15 else int(rng.poisson(8)) + 1
            rows.append({"product_id": p["id"], "size_label": label, "position": pos, "stock": stock})
    return rows


# ---------------------------------------------------------------- customers


def make_customers(rng: np.random.Generator, n: int) -> list[dict]:
    """Customers with true bodies (cm), latent tastes, and what they state about themselves."""
    customers = []
    n_cat, n_col, n_pat, n_brand = len(CATEGORIES), len(COLOURS), len(PATTERNS), len(BRANDS)
    colour_index = {c: i for i, c in enumerate(COLOURS)}
    for i in range(n):
        gender = "women" if rng.random() < 0.55 else "men"
        build = float(rng.normal(0, 1))
        if gender == "women":
            height = float(rng.normal(165, 7))
            chest, waist, hip = 90 + 0.35 * (height - 165) + 7 * build, 74 + 0.3 * (height - 165) + 8 * build, 100 + 0.35 * (height - 165) + 7 * build
        else:
            height = float(rng.normal(178, 7))
            chest, waist, hip = 100 + 0.4 * (height - 178) + 7 * build, 86 + 0.3 * (height - 178) + 9 * build, 100 + 0.3 * (height - 178) + 6 * build
        body = {"height": height, "chest": chest + rng.normal(0, 2), "waist": waist + rng.normal(0, 2),
                "hip": hip + rng.normal(0, 2), "inseam": 0.45 * height + rng.normal(0, 2),
                "foot": 0.152 * height + rng.normal(0, 0.5)}
        body = {k: round(float(v), 1) for k, v in body.items()}
        palette = PALETTES[str(rng.choice(list(PALETTES)))]
        colour_aff = np.full(n_col, -1.0)
        for c in palette:
            colour_aff[colour_index[c]] = float(rng.uniform(0.5, 1.5))
        first, last = FIRST_NAMES[rng.integers(len(FIRST_NAMES))], LAST_NAMES[rng.integers(len(LAST_NAMES))]
        customers.append({
            "id": i + 1, "name": f"{first} {last}", "email": f"{first.lower()}.{last.lower()}.{i + 1}@example.com",
            "gender": gender, "body": body,
            "fit_preference": str(rng.choice(FITS, p=[0.25, 0.55, 0.2])),
            "tastes": {
                "category": rng.dirichlet(np.full(n_cat, 0.6)), "colour": colour_aff,
                "pattern": rng.normal(0, 0.8, n_pat), "brand": rng.normal(0, 0.7, n_brand),
                "style": rng.normal(0, 1, STYLE_DIM), "budget": float(rng.lognormal(np.log(60), 0.5)),
                "palette": [c for c in palette], "activity": float(rng.lognormal(np.log(92), 0.5)),
            },
            "states_height": bool(rng.random() < 0.8), "states_body": bool(rng.random() < 0.4),
        })
    return customers


def usual_labels(body: dict[str, float]) -> dict[str, str]:
    """The labels a customer believes they wear: the neutral chart (no brand's vanity)."""
    neutral = BrandSpec("neutral", "NEU", 1.0, 0.0, "neutrals", "")
    return {"tops": best_label(body, chart_rows(neutral, "t-shirt"), "chest"),
            "bottoms": best_label(body, chart_rows(neutral, "jeans"), "waist"),
            "shoes": best_label(body, chart_rows(neutral, "sneaker"), "foot")}


def _customer_row(c: dict, rng: np.random.Generator) -> dict:
    body = c["body"]
    stated = {k: (round(body[k] + float(rng.normal(0, 1.5)), 1) if c["states_body"] else None)
              for k in ("chest", "waist", "hip", "inseam")}
    return {"id": c["id"], "name": c["name"], "email": c["email"], "gender": c["gender"],
            "height_cm": body["height"] if c["states_height"] else None,
            "chest_cm": stated["chest"], "waist_cm": stated["waist"], "hip_cm": stated["hip"],
            "inseam_cm": stated["inseam"], "foot_cm": None,
            "fit_preference": m.FitPreference(c["fit_preference"]), "known_sizes": usual_labels(body),
            "created_at": NOW - timedelta(days=HISTORY_DAYS + int(rng.integers(0, 700)))}


# ---------------------------------------------------------------- behaviour


def utilities(customers: list[dict], products: list[dict]) -> np.ndarray:
    """Customer x product utility: the latent truth interactions are drawn from."""
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    col_index = {c: i for i, c in enumerate(COLOURS)}
    pat_index = {p: i for i, p in enumerate(PATTERNS)}
    brand_index = {b.name: i for i, b in enumerate(BRANDS)}
    p_cat = np.array([cat_index[p["category"]] for p in products])
    p_col = np.array([col_index[p["colours"][0]] for p in products])
    p_pat = np.array([pat_index[p["pattern"]] for p in products])
    p_brand = np.array([brand_index[p["brand"].name] for p in products])
    p_style = np.stack([p["style"] for p in products])
    p_quality = np.array([p["quality"] for p in products])
    p_price = np.array([float(p["price"]) for p in products])
    p_gender = np.array([p["gender"] for p in products])
    u = np.empty((len(customers), len(products)), dtype=np.float32)
    for ci, c in enumerate(customers):
        t = c["tastes"]
        row = (np.log(t["category"][p_cat] * len(CATEGORIES) + 1e-3) + 1.2 * t["colour"][p_col] + t["pattern"][p_pat]
               + t["brand"][p_brand] + 0.6 * (p_style @ t["style"]) / np.sqrt(STYLE_DIM) + p_quality
               - 1.5 * np.maximum(0.0, np.log(p_price / t["budget"])))
        row[(p_gender != c["gender"]) & (p_gender != "unisex")] = -np.inf
        u[ci] = row
    return u


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x[np.isfinite(x)].max())
    e[~np.isfinite(x)] = 0.0
    return e / e.sum()


def simulate(rng: np.random.Generator, customers: list[dict], products: list[dict], charts: dict,
             variants: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """Views, carts, purchases and returns; reviews; order lines. Returns (interactions, reviews, purchases)."""
    u = utilities(customers, products)
    stocked = defaultdict(set)
    for v in variants:
        if v["stock"] > 0:
            stocked[v["product_id"]].add(v["size_label"])
    interactions, reviews, purchases = [], [], []
    for ci, c in enumerate(tqdm(customers, desc="shoppers", unit="customer", leave=False)):
        p = _softmax(u[ci])
        finite = u[ci][np.isfinite(u[ci])]
        z = (u[ci] - finite.mean()) / (finite.std() + 1e-9)
        n_views = max(5, int(rng.poisson(c["tastes"]["activity"])))
        viewed = rng.choice(len(products), size=n_views, p=p)
        times = np.sort(rng.uniform(0, HISTORY_DAYS * 86400, n_views))
        usual = usual_labels(c["body"])
        for idx, seconds in zip(viewed, times):
            prod = products[idx]
            at = NOW - timedelta(seconds=HISTORY_DAYS * 86400 - float(seconds))
            interactions.append(_interaction(c, prod, m.InteractionKind.VIEW, at))
            if rng.random() > 0.02 + 0.4 / (1 + np.exp(-2.0 * (z[idx] - 2.8))):
                continue
            size = _choose_size(rng, c, prod, charts, usual)
            interactions.append(_interaction(c, prod, m.InteractionKind.CART, at + timedelta(minutes=2), size))
            if size not in stocked[prod["id"]] or rng.random() > 0.45:
                continue
            bought_at = at + timedelta(minutes=9)
            interactions.append(_interaction(c, prod, m.InteractionKind.PURCHASE, bought_at, size))
            outcome = _fit(c, prod, charts, size)
            returned, reason = _return_decision(rng, outcome)
            if returned:
                interactions.append(_interaction(c, prod, m.InteractionKind.RETURN, bought_at + timedelta(days=8),
                                                 size, reason))
            purchases.append({"customer": c, "product": prod, "size": size, "at": bought_at,
                              "returned": returned, "reason": reason})
            if rng.random() < 0.5:
                reviews.append(_review(rng, c, prod, size, outcome, float(z[idx]),
                                       bought_at + timedelta(days=12)))
    return interactions, reviews, purchases


def _interaction(c: dict, prod: dict, kind: m.InteractionKind, at: datetime, size: str | None = None,
                 reason: str | None = None) -> dict:
    return {"customer_id": c["id"], "product_id": prod["id"], "kind": kind, "size_label": size, "reason": reason,
            "created_at": at}


def _key_measure(category: str) -> str | None:
    measures = CATEGORIES[category].fit_measures
    return measures[0] if measures else None


def _choose_size(rng: np.random.Generator, c: dict, prod: dict, charts: dict, usual: dict[str, str]) -> str:
    cat = CATEGORIES[prod["category"]]
    rows = charts[(prod["brand"].name, prod["category"])]
    key = _key_measure(prod["category"])
    if key is None:
        return rows[0]["size_label"]
    if rng.random() < 0.45:  # read the brand's chart
        return best_label(c["body"], rows, key)
    group = {"letter": "tops", "waist": "bottoms", "eu_shoe": "shoes"}[cat.size_system]
    label = usual[group]
    if cat.size_system == "letter" and cat.group == "bottom":
        label = LETTER_SIZES[min(len(LETTER_SIZES) - 1, max(0, _letter_for(c["body"]["waist"], "waist")))]
    labels = [r["size_label"] for r in rows]
    return label if label in labels else labels[len(labels) // 2]


def _letter_for(value: float, measure: str) -> int:
    bounds = LETTER_CHART_CM[measure]
    return int(np.clip(np.searchsorted(bounds, value, side="right") - 1, 0, len(bounds) - 2))


def _fit(c: dict, prod: dict, charts: dict, size: str) -> str:
    key = _key_measure(prod["category"])
    if key is None:
        return "true"
    row = next(r for r in charts[(prod["brand"].name, prod["category"])] if r["size_label"] == size)
    return fit_outcome(c["body"], row, key)


def _return_decision(rng: np.random.Generator, outcome: str) -> tuple[bool, str | None]:
    if outcome == "small" and rng.random() < 0.7:
        return True, "too small"
    if outcome == "large" and rng.random() < 0.6:
        return True, "too large"
    if rng.random() < 0.05:
        return True, str(rng.choice(["changed my mind", "not as pictured", "arrived damaged"]))
    return False, None


REVIEW_TEXT = {
    "small": ["Runs small, I had to size up.", "Lovely but tight across the {measure}.", "Too snug; order a size bigger."],
    "large": ["Runs large, size down.", "Roomier than expected, a bit baggy.", "Too loose around the {measure}."],
    "true": ["True to size.", "Fits exactly as expected.", "Perfect fit in my usual size."],
}
STAR_TEXT = {1: "Disappointed.", 2: "Not great.", 3: "It's okay.", 4: "Really nice {colour} {category}.",
             5: "Love this {colour} {category}!"}


def _review(rng: np.random.Generator, c: dict, prod: dict, size: str, outcome: str, liking: float,
            at: datetime) -> dict:
    stars = int(np.clip(round(1.9 + 0.8 * liking - (1.5 if outcome != "true" else 0) + rng.normal(0, 0.7)), 1, 5))
    measure = _key_measure(prod["category"]) or "body"
    fit_text = str(rng.choice(REVIEW_TEXT[outcome])).format(measure=measure)
    star_text = STAR_TEXT[stars].format(colour=prod["colours"][0], category=prod["category"].replace("-", " "))
    feedback = outcome if rng.random() < 0.9 else "true"
    return {"product_id": prod["id"], "customer_id": c["id"], "stars": stars, "title": star_text,
            "text": f"{star_text} {fit_text} Bought {size}.", "size_label": size,
            "fit_feedback": m.FitFeedback(feedback), "created_at": at}


def make_orders(rng: np.random.Generator, purchases: list[dict]) -> tuple[list[dict], list[dict]]:
    """Purchases on the same day by the same customer make one order; status follows its age."""
    grouped: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for pur in purchases:
        grouped[(pur["customer"]["id"], pur["at"].date().isoformat())].append(pur)
    orders, lines = [], []
    for oid, ((cid, _day), items) in enumerate(sorted(grouped.items()), start=1):
        placed = min(p["at"] for p in items)
        age = (NOW - placed).days
        any_return = any(p["returned"] for p in items)
        if rng.random() < 0.03:
            status = m.OrderStatus.CANCELLED
        elif age < 2:
            status = m.OrderStatus.PLACED if rng.random() < 0.5 else m.OrderStatus.PAID
        elif age < 6:
            status = m.OrderStatus.SHIPPED
        elif any_return:
            status = m.OrderStatus.RETURN_REQUESTED if age < 20 else m.OrderStatus.RETURNED
        else:
            status = m.OrderStatus.DELIVERED
        shipped = placed + timedelta(days=1) if status not in (m.OrderStatus.PLACED, m.OrderStatus.PAID, m.OrderStatus.CANCELLED) else None
        delivered = placed + timedelta(days=4) if shipped and age >= 6 else None
        total = sum((p["product"]["price"] for p in items), Decimal("0"))
        orders.append({"id": oid, "customer_id": cid, "status": status, "placed_at": placed, "shipped_at": shipped,
                       "delivered_at": delivered, "tracking_number": f"TRK{oid:08d}" if shipped else None,
                       "total": total, "currency": "EUR"})
        for p in items:
            lines.append({"order_id": oid, "product_id": p["product"]["id"], "size_label": p["size"], "quantity": 1,
                          "unit_price": p["product"]["price"], "returned": p["returned"] and status != m.OrderStatus.CANCELLED,
                          "return_reason": p["reason"]})
    return orders, lines


# ---------------------------------------------------------------- images


def _render_one(args: tuple[dict, str]) -> tuple[int, int, dict]:
    spec_dict, path = args
    image, landmarks = render_garment(GarmentSpec(**spec_dict))
    image.save(path, compress_level=3)
    return image.width, image.height, landmarks


def render_images(products: list[dict], data_dir: Path, workers: int) -> dict[int, dict]:
    """Render every product shot into data_dir/images (in parallel); returns size and landmarks by product id."""
    out = data_dir / IMAGE_DIR
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for p in products:
        spec = GarmentSpec(category=p["category"], colour=COLOURS[p["colours"][0]],
                           secondary=COLOURS[p["colours"][-1]], pattern=p["pattern"], fit=p["fit"],
                           attributes=p["attributes"], seed=p["image_seed"])
        jobs.append((asdict(spec), str(out / f"{p['sku']}.png")))
    results = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        rendered = pool.map(_render_one, jobs, chunksize=16)
        for p, (w, h, landmarks) in tqdm(zip(products, rendered), total=len(products), desc="images",
                                                unit="img", leave=False):
            results[p["id"]] = {"width": w, "height": h, "path": f"{IMAGE_DIR}/{p['sku']}.png", "landmarks": landmarks}
    return results


# ---------------------------------------------------------------- writing


def _insert(conn, model: type[m.Base], rows: list[dict], chunk: int = 5000) -> None:  # noqa: ANN001
    for start in range(0, len(rows), chunk):
        conn.execute(insert(model), rows[start:start + chunk])


def _reset_sequences(conn) -> None:  # noqa: ANN001
    """Explicit ids leave PostgreSQL's sequences behind; move them past the rows written."""
    if conn.dialect.name != "postgresql":
        return
    for table in m.Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.type.python_type is int:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                              f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def clear_catalog(store: Store) -> None:
    """Delete every row (children first), keeping the schema."""
    with store.engine.begin() as conn:
        for table in reversed(m.Base.metadata.sorted_tables):
            conn.execute(delete(table))


@dataclass
class World:
    charts: dict
    products: list[dict]
    variants: list[dict]
    customers: list[dict]
    customer_rows: list[dict]
    interactions: list[dict]
    reviews: list[dict]
    purchases: list[dict]


def world(rng: np.random.Generator, n_products: int, n_customers: int) -> World:
    """Brands' charts, products, customers and their behaviour, in memory (benchmarks use it at scale)."""
    charts = {(b.name, cat): chart_rows(b, cat) for b in BRANDS for cat in CATEGORIES}
    products = make_products(np.random.default_rng(rng.integers(2**63)), n_products)
    variants = make_variants(np.random.default_rng(rng.integers(2**63)), products)
    customers = make_customers(np.random.default_rng(rng.integers(2**63)), n_customers)
    crng = np.random.default_rng(rng.integers(2**63))
    customer_rows = [_customer_row(c, crng) for c in customers]
    interactions, reviews, purchases = simulate(np.random.default_rng(rng.integers(2**63)), customers, products,
                                                charts, variants)
    return World(charts, products, variants, customers, customer_rows, interactions, reviews, purchases)


def generate(store: Store, data_dir: Path, seed: int = 7, n_products: int = 2000, n_customers: int = 1000,
             images: bool = True, workers: int | None = None,
             log: Callable[[str], None] = print) -> DemoResult:
    """Build the demo catalog into an empty store and data_dir; see the module docstring."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    w = world(rng, n_products, n_customers)
    charts, products, variants, customers, customer_rows = w.charts, w.products, w.variants, w.customers, w.customer_rows
    interactions, reviews = w.interactions, w.reviews
    orders, lines = make_orders(np.random.default_rng(rng.integers(2**63)), w.purchases)
    # 4. Images.
    rendered = render_images(products, data_dir, workers or max(1, min(4, os.cpu_count() or 1))) if images else {}
    log(f"generated {len(products)} products, {len(customers)} customers, {len(interactions)} interactions "
        f"in {time.perf_counter() - start:.1f} s; writing to {store!r}")

    # 5. Write everything in one transaction.
    brand_ids = {b.name: i + 1 for i, b in enumerate(BRANDS)}
    with store.engine.begin() as conn:
        _insert(conn, m.Brand, [{"id": brand_ids[b.name], "name": b.name, "description": b.description} for b in BRANDS])
        _insert(conn, m.SizeChartRow, [{"brand_id": brand_ids[b], **row} for (b, _c), rows in charts.items()
                                       for row in rows])
        _insert(conn, m.Product, [{k: v for k, v in p.items() if k in m.Product.__table__.c}
                                  | {"brand_id": brand_ids[p["brand"].name], "currency": "EUR",
                                     "created_at": NOW - timedelta(days=HISTORY_DAYS), "updated_at": NOW}
                                  for p in products])
        _insert(conn, m.Variant, variants)
        _insert(conn, m.ProductImage, [{"product_id": pid, "path": r["path"], "position": 0, "width": r["width"],
                                        "height": r["height"], "view": "front"} for pid, r in rendered.items()])
        _insert(conn, m.Customer, customer_rows)
        _insert(conn, m.Interaction, interactions)
        _insert(conn, m.Review, reviews)
        _insert(conn, m.Order, orders)
        _insert(conn, m.OrderLine, lines)
        conn.execute(insert(m.CatalogMeta), [{"key": "catalog_version", "value": "1"},
                                             {"key": "demo_seed", "value": str(seed)}])
        _reset_sequences(conn)

    write_truth(data_dir / TRUTH_FILE, seed, products, customers, rendered)
    return DemoResult(len(products), len(customers), len(interactions), len(reviews), len(orders), len(rendered),
                      time.perf_counter() - start)


def build_demo_catalog(store: Store, data_dir: Path, seed: int = 7, n_products: int = 2000, n_customers: int = 1000,
                       images: bool = True, existing: Literal["refuse", "replace", "keep"] = "refuse",
                       log: Callable[[str], None] = print) -> DemoResult:
    """`generate` into a store that may already hold a catalog. existing says what happens then:
    refuse (CatalogNotEmpty), replace (the rows, the demo images and the truth file go first), or
    keep (nothing is done; the result has kept=True and the number of products held)."""
    held = store.count(m.Product)
    if held and existing == "keep":
        return DemoResult(held, 0, 0, 0, 0, 0, 0.0, kept=True)
    if held and existing != "replace":
        raise CatalogNotEmpty(held)
    if held:
        clear_catalog(store)
        shutil.rmtree(data_dir / IMAGE_DIR, ignore_errors=True)
        (data_dir / TRUTH_FILE).unlink(missing_ok=True)
    return generate(store, data_dir, seed=seed, n_products=n_products, n_customers=n_customers, images=images,
                    log=log)


def write_truth(path: Path, seed: int, products: list[dict], customers: list[dict], rendered: dict) -> None:
    """The hidden truth, for evaluating attribute recognition, size advice and recommenders."""
    truth = {
        "generator_version": GENERATOR_VERSION, "seed": seed,
        "brands": {b.name: {"tier": b.tier, "size_offset_cm": b.size_offset_cm, "palette": b.palette} for b in BRANDS},
        "products": {p["sku"]: {"id": p["id"], "category": p["category"], "gender": p["gender"],
                                "colours": p["colours"], "pattern": p["pattern"], "material": p["material"],
                                "fit": p["fit"], "attributes": p["attributes"],
                                "style": np.round(p["style"], 4).tolist(), "quality": round(p["quality"], 4),
                                "landmarks": rendered.get(p["id"], {}).get("landmarks", {})}
                     for p in products},
        "customers": {str(c["id"]): {"gender": c["gender"], "body": c["body"], "fit_preference": c["fit_preference"],
                                     "usual_sizes": usual_labels(c["body"]),
                                     "tastes": {k: (np.round(v, 4).tolist() if isinstance(v, np.ndarray) else v)
                                                for k, v in c["tastes"].items()}}
                      for c in customers},
    }
    path.write_text(json.dumps(truth, indent=1, sort_keys=True))
