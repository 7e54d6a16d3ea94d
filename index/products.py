"""The catalog as flat rows, for indexing and filtering: one query, no lazy loading.

`ProductTable` answers structured filters exactly (price, category, colour, pattern, brand,
material, gender, length, sleeve, size in stock) with numpy masks and sets, so a filtered
search never returns a product that breaks a constraint.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from index import models as m
from index.store import Store
from index.taxonomy import load_taxonomy
from index.vocab import SIZE_LABELS
from shopagent.errors import ShopError

PRODUCT_IMAGE_DIR = "images"  # demo renders and imported product shots live under it
MAX_ID = 2**63 - 1
OTHER = "other"  # the category of a product whose merchant's words match no category of the taxonomy


def family_of(category: str) -> str:
    """The taxonomy family of a category ('' for 'other' or a name the taxonomy lacks)."""
    info = load_taxonomy().categories.get(category)
    return info.family if info else ""


class ProductNotFound(ShopError, LookupError):
    """No product with that SKU or id; the message says what a reference looks like."""

    code = "unknown_product"


def unknown_value(kind: str, value: str, known: Iterable[str]) -> str:
    """The refusal for a filter value the vocabulary lacks: the close matches, then every valid one."""
    close = difflib.get_close_matches(value, sorted(known), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return f"unknown {kind} {value!r}.{hint} Known: {', '.join(sorted(known))}."


class BadFilterOption(ShopError):
    """A filter value given by a person (a form, a flag) that the vocabulary does not have."""

    code = "unknown_filter_value"


# An image-derived value stands in for a missing merchant value only at or above these confidences
# (category and pattern: the net's probability; colour: the colour's share of the garment's pixels).
CONFIDENT = {"category": 0.6, "pattern": 0.6, "colours": 0.3}
Source = tuple[str, float]  # ("merchant" | "image" | "none", confidence)


@dataclass(frozen=True)
class ProductRow:
    """A product as search, the agent and the index read it: merchant values, and where the merchant
    gave none, confident values read from its image (sources says which, with the confidence)."""

    id: int
    sku: str
    title: str
    description: str
    brand: str
    category: str  # 'other' when neither the merchant's words nor the image say
    gender: str
    colours: tuple[str, ...]  # colour families; empty when unknown
    pattern: str  # '' when unknown
    material: str
    fit: str
    price: float
    currency: str
    attributes: dict = field(hash=False, compare=False)
    sizes: tuple[str, ...] = ()
    sizes_in_stock: tuple[str, ...] = ()
    image: str | None = None  # path relative to the data directory
    family: str = ""
    merchant_category: str = ""
    colour_names: tuple[str, ...] = ()  # the merchant's own colour words
    size_system: str = ""
    sources: dict[str, Source] = field(default_factory=dict, hash=False, compare=False)

    def text(self) -> str:
        """What a text embedding of the product reads: the merchant's words only (the image speaks for itself)."""
        extras = " ".join(f"{v} {k}" for k, v in sorted(self.attributes.items()) if isinstance(v, str))
        colours = " and ".join(self.colour_names or (self.colours if self.source("colours") == "merchant" else ()))
        category = self.merchant_category or self.category.replace("-", " ")
        pattern = self.pattern if self.source("pattern") == "merchant" else ""
        return (f"{self.title}. {category}, {colours}, {pattern}, {self.material}, {self.fit} fit, {extras}. "
                f"{self.brand}. {self.description}")

    def source(self, name: str) -> str:
        """Where a value came from: merchant, image or none (the demo's rows are all merchant)."""
        return self.sources.get(name, ("merchant", 1.0))[0]

    def card(self) -> dict:
        """The product as results show it everywhere (search, the agent's tools, the UI)."""
        return {"product_id": self.id, "sku": self.sku, "title": self.title, "brand": self.brand,
                "category": self.category, "colours": list(self.colours), "pattern": self.pattern or None,
                "price": self.price, "currency": self.currency, "sizes_in_stock": list(self.sizes_in_stock),
                "image": self.image}

    def image_file(self, data_dir: Path) -> Path | None:
        """The product's image file, only when it lies in the catalog's images folder: the one
        place a product id may lead to over HTTP (never the database or shoppers' photos)."""
        if not self.image:
            return None
        folder = (Path(data_dir) / PRODUCT_IMAGE_DIR).resolve()
        path = (Path(data_dir) / self.image).resolve()
        return path if folder in path.parents and path.is_file() else None

    def content_hash(self, data_dir: Path) -> str:
        """Changes when anything an embedding reads changes (text, or the image file)."""
        h = hashlib.sha1(self.text().encode())
        if self.image:
            path = data_dir / self.image
            stat = path.stat() if path.is_file() else None
            h.update(f"|{self.image}|{stat.st_size if stat else 0}|{stat.st_mtime_ns if stat else 0}".encode())
        return h.hexdigest()[:16]


def load_products(store: Store, ids: list[int] | None = None, retired: bool = False) -> list[ProductRow]:
    """Every product (or the given ids), with brand, sizes and first image, ordered by id.

    Retired products (a full import no longer lists them) are left out unless retired=True:
    search, its index and the agent never show them; orders still name them.
    """
    where = m.Product.id.in_(ids) if ids is not None else None
    if not retired:
        where = m.Product.active.is_(True) if where is None else where & m.Product.active.is_(True)
    return _load(store, where)


def resolve_product(store: Store, ref: str | int) -> ProductRow:
    """The product a person names by SKU or by numeric id ("NRD-SHI-00042", "42").

    A number is an id first, then a SKU (a SKU may be all digits). ProductNotFound otherwise.
    """
    text = str(ref).strip()
    wheres = [m.Product.sku == text] if text else []
    if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        wheres.insert(0, m.Product.id == int(text))
    for where in wheres:
        found = _load(store, where)
        if found:
            return found[0]
    raise ProductNotFound(f"no product {text!r}: give a product's SKU or its numeric id, as search results show "
                          "them.")


def _load(store: Store, where) -> list[ProductRow]:  # noqa: ANN001 (a SQLAlchemy condition, or None for all)
    query = (select(m.Product).options(selectinload(m.Product.brand), selectinload(m.Product.variants),
                                       selectinload(m.Product.images)).order_by(m.Product.id))
    if where is not None:
        query = query.where(where)
    with store.session() as s:
        return [_row(p) for p in s.scalars(query)]


def _row(p: m.Product) -> ProductRow:
    category, colours, pattern, sources = _effective(p)
    return ProductRow(
        id=p.id, sku=p.sku, title=p.title, description=p.description, brand=p.brand.name, category=category,
        gender=p.gender, colours=colours, pattern=pattern, material=p.material, fit=p.fit,
        price=float(p.price), currency=p.currency, attributes=dict(p.attributes or {}),
        sizes=tuple(v.size_label for v in p.variants),
        sizes_in_stock=tuple(v.size_label for v in p.variants if v.stock > 0),
        image=p.images[0].path if p.images else None, family=p.family or family_of(category),
        merchant_category=p.merchant_category or "", colour_names=tuple(p.colour_names or ()),
        size_system=p.size_system or "", sources=sources,
    )


def _effective(p: m.Product) -> tuple[str, tuple[str, ...], str, dict[str, Source]]:
    """Category, colours and pattern as search uses them: the merchant's, else the image's when confident.

    The image's category stands in only when the merchant's words mapped to no category.
    """
    inferred = p.inferred or {}
    sources: dict[str, Source] = {}
    category = p.category
    if category != OTHER:
        sources["category"] = ("merchant", 1.0)
    elif (guess := inferred.get("category")) and guess[1] >= CONFIDENT["category"] \
            and (not p.family or family_of(guess[0]) == p.family):
        category, sources["category"] = guess[0], ("image", float(guess[1]))
    else:
        sources["category"] = ("none", 0.0)
    colours = tuple(p.colours or ())
    if colours:
        sources["colours"] = ("merchant", 1.0)
    else:
        confident = [(name, share) for name, share in inferred.get("colours", []) if share >= CONFIDENT["colours"]]
        colours = tuple(name for name, _ in confident)
        sources["colours"] = ("image", float(confident[0][1])) if confident else ("none", 0.0)
    pattern = p.pattern or ""
    if pattern:
        sources["pattern"] = ("merchant", 1.0)
    elif (guess := inferred.get("pattern")) and guess[1] >= CONFIDENT["pattern"]:
        pattern, sources["pattern"] = guess[0], ("image", float(guess[1]))
    else:
        sources["pattern"] = ("none", 0.0)
    return category, colours, pattern, sources


@dataclass
class Filters:
    """Hard constraints. Empty sets and None mean no constraint; sets mean any of them."""

    categories: set[str] = field(default_factory=set)
    colours: set[str] = field(default_factory=set)
    exclude_colours: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)
    exclude_patterns: set[str] = field(default_factory=set)
    brands: set[str] = field(default_factory=set)
    exclude_brands: set[str] = field(default_factory=set)
    materials: set[str] = field(default_factory=set)
    exclude_materials: set[str] = field(default_factory=set)
    exclude_categories: set[str] = field(default_factory=set)
    families: set[str] = field(default_factory=set)  # tops, bottoms, footwear...: any category in them
    exclude_families: set[str] = field(default_factory=set)
    gender: str | None = None
    lengths: set[str] = field(default_factory=set)
    sleeves: set[str] = field(default_factory=set)
    fits: set[str] = field(default_factory=set)  # slim, regular, relaxed
    exclude_fits: set[str] = field(default_factory=set)
    price_min: float | None = None
    price_max: float | None = None
    size: str | None = None  # only products with this size in stock
    in_stock: bool = False  # only products with some size in stock

    @classmethod
    def from_options(cls, *, category: str | None = None, brand: str | None = None, colour: str | None = None,
                     size: str | None = None, max_price: float | None = None) -> Filters:
        """The filters a person sets one by one (command-line flags, a form); None sets none.

        Category, colour and size must be in the vocabulary (BadFilterOption names the close
        matches and the valid values); brands depend on the catalog and are checked by the search.
        """
        taxonomy = load_taxonomy()
        for kind, value, known in (("category", category, taxonomy.categories), ("colour", colour, taxonomy.colours),
                                   ("size", size, {s for labels in SIZE_LABELS.values() for s in labels})):
            if value is not None and value not in known:
                raise BadFilterOption(unknown_value(kind, value, known))
        if max_price is not None and max_price < 0:
            raise BadFilterOption(f"a highest price of {max_price:g} is below 0; give a price in the shop's currency.")
        return cls(categories={category} if category else set(), brands={brand} if brand else set(),
                   colours={colour} if colour else set(), size=size, price_max=max_price)

    def is_empty(self) -> bool:
        return self == Filters()

    def merge(self, other: Filters) -> Filters:
        """Both sets of constraints at once: the tighter price bound; other's other scalars win when set."""
        merged = Filters()
        for name, value in vars(self).items():
            theirs = getattr(other, name)
            if isinstance(value, set):
                setattr(merged, name, value | theirs)
            elif name in ("price_min", "price_max") and value is not None and theirs is not None:
                setattr(merged, name, max(value, theirs) if name == "price_min" else min(value, theirs))
            else:
                setattr(merged, name, theirs if theirs not in (None, False) else value)
        return merged

    def violations(self, p: ProductRow) -> list[str]:
        """The constraints p breaks (empty when it satisfies all): the one definition of a match.

        A constraint on a value p's data does not know (no colour given or confidently read from the
        image, no pattern, no material, category 'other') is not broken: unknowns() names it, and search
        ranks by it instead.
        """
        colours = set(p.colours)
        checks = [
            (self.categories and p.category != OTHER and p.category not in self.categories, "category"),
            (self.categories and p.category == OTHER and p.family
             and p.family not in {family_of(c) for c in self.categories}, "category"),
            (self.families and p.family not in self.families and p.family != "", "family"),
            (p.category in self.exclude_categories, "excluded category"),
            (p.family in self.exclude_families, "excluded family"),
            (self.colours and colours and not self.colours & colours, "colour"),
            (self.exclude_colours & colours, "excluded colour"),
            (self.patterns and p.pattern and p.pattern not in self.patterns, "pattern"),
            (p.pattern in self.exclude_patterns, "excluded pattern"),
            (self.brands and p.brand not in self.brands, "brand"),
            (p.brand in self.exclude_brands, "excluded brand"),
            (self.materials and p.material and p.material not in self.materials, "material"),
            (p.material in self.exclude_materials, "excluded material"),
            (self.gender and p.gender not in (self.gender, "unisex"), "gender"),
            (self.lengths and p.attributes.get("length") not in self.lengths, "length"),
            (self.sleeves and p.attributes.get("sleeve") not in self.sleeves, "sleeve"),
            (self.fits and p.fit and p.fit not in self.fits, "fit"),
            (p.fit in self.exclude_fits, "excluded fit"),
            (self.price_min is not None and p.price < self.price_min, "price"),
            (self.price_max is not None and p.price > self.price_max, "price"),
            (self.size is not None and self.size not in p.sizes_in_stock, "size in stock"),
            (self.in_stock and not p.sizes_in_stock, "in stock"),
        ]
        return [name for broken, name in checks if broken]

    def unknowns(self, p: ProductRow) -> list[str]:
        """The wanted values p's data cannot confirm or deny: they rank p, they do not exclude it."""
        checks = [
            (self.categories and p.category == OTHER, "category"),
            (self.families and not p.family, "family"),
            (self.colours and not p.colours, "colour"),
            (self.patterns and not p.pattern, "pattern"),
            (self.materials and not p.material, "material"),
            (self.fits and not p.fit, "fit"),
        ]
        return [name for unknown, name in checks if unknown]


class ProductTable:
    """The catalog rows in memory, keyed by id, with a fast price pre-screen."""

    def __init__(self, rows: list[ProductRow], catalog_version: int = 0) -> None:
        self.rows = rows
        self.by_id = {r.id: r for r in rows}
        self.id_of_sku = {r.sku: r.id for r in rows}
        self.ids = np.array([r.id for r in rows], np.int64)
        self.prices = np.array([r.price for r in rows], np.float64)
        self.catalog_version = catalog_version
        self.brands = sorted({r.brand for r in rows})
        self.size_labels = {label for r in rows for label in r.sizes}
        self.categories = {r.category for r in rows}

    @classmethod
    def from_store(cls, store: Store) -> ProductTable:
        return cls(load_products(store), store.catalog_version())

    def __len__(self) -> int:
        return len(self.rows)

    def matching_ids(self, filters: Filters) -> np.ndarray:
        """Ids of every product that satisfies all the filters, exactly."""
        if filters.is_empty():
            return self.ids
        mask = np.ones(len(self.rows), bool)
        if filters.price_min is not None:
            mask &= self.prices >= filters.price_min
        if filters.price_max is not None:
            mask &= self.prices <= filters.price_max
        return np.array([r.id for r, ok in zip(self.rows, mask) if ok and not filters.violations(r)], np.int64)

    def unknown_counts(self, filters: Filters, ids: np.ndarray) -> np.ndarray:
        """How many of the wanted values each product's data leaves unknown (search ranks those lower)."""
        return np.array([len(filters.unknowns(self.by_id[int(i)])) for i in ids], np.float32)
