"""Import of a real catalog, from any feed format index/feeds/ reads, upserting products by SKU.

Every row's words are mapped onto the taxonomy (index/taxonomy.py) and kept beside the mapped
values: a category no synonym (or, given ``embed``, no similar name) matches is stored as
'other' in its family and listed in the report, never refused; colour names map to colour
families; a pattern or fit with no match stays unknown.

A re-import (a daily feed) updates in place: a product keeps its id, its sizes are matched by
label (stock updated, new sizes added, sizes gone from the file drop to stock 0 and are never
deleted, since order lines name them), and its images are updated by position. A row that
changes nothing is counted as unchanged and writes nothing; with ``full=True`` products missing
from the file are retired (hidden from search, kept for orders) until a later file names them.

Two kinds of failure, handled differently:

- A file that cannot be read in full (not UTF-8, a NUL byte, a CSV cell over ``CSV_FIELD_LIMIT``,
  CSV the csv reader refuses, an I/O error) is rejected as a whole: ``ImportFileError`` names the line,
  and nothing is written. The whole file is read and parsed before the first write, so a file
  that dies part-way can never leave its first rows imported.
- A row that reads but is invalid (a bad price, no title, a broken image...) is
  reported with its line number and reason and skipped; every good row is kept.

The kept rows and the catalog version bump are committed in one transaction, so rows are never
stored without the search index learning that it is stale; an import that changes nothing leaves
the version alone. A row the database refuses is reported in one line, never with its SQL. The
row schema is ``CatalogRow`` (documented in the README).
"""

from __future__ import annotations

import filecmp
from collections import Counter
from collections.abc import Callable
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from index import models as m
from index.feeds import detect_format, read_feed
from index.feeds.base import CSV_FIELD_LIMIT, ImportFileError, RepeatedKeys  # noqa: F401 (re-exported)
from index.images import ImageError, open_image
from index.store import Store
from index.taxonomy import CategoryMatch, Taxonomy, load_taxonomy
from index.vocab import FITS

IMPORTED_IMAGE_DIR = "images/imported"
Embed = Callable[[list[str]], np.ndarray]  # texts -> unit vectors (MiniLM, injected: index/ holds no models)
SIZE_LABEL_LENGTH = 16  # variants.size_label
TITLE_LENGTH = 200  # products.title: a longer title is cut, not refused
MATERIAL_LENGTH = 64
MERCHANT_CATEGORY_LENGTH = 200
SIZE_SYSTEM_LENGTH = 16
MAX_STOCK = 2**31 - 1  # variants.stock is a 32-bit integer on PostgreSQL
_SQL = re.compile(r"\b(INSERT|UPDATE|DELETE|SELECT)\b|\[SQL|\[parameters", re.IGNORECASE)


class CatalogRow(BaseModel):
    """One product in the neutral shape every feed reader (index/feeds/) produces.

    Words are the merchant's own: category, colours, pattern, fit, gender and size system are
    kept as given and mapped onto the taxonomy (index/taxonomy.py) when stored, so no row is refused
    for naming a category or colour the shop's vocabulary has and ours lacks. In the project's CSV,
    lists are `|`-separated and sizes read `S:3|M:0`.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f]+$",
                     description="the product's key: the same SKU updates the same product")
    title: str = Field(min_length=1)
    brand: str = Field("", max_length=80)
    category: str = Field("", description="the merchant's own category or product type ('Tees')")
    category_path: str = Field("", description="a standard taxonomy path ('Apparel & Accessories > Clothing')")
    price: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    compare_at_price: Decimal | None = Field(None, gt=0, max_digits=10, decimal_places=2)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    description: str = ""
    gender: str = ""
    age_group: str = ""
    colours: list[str] = Field(default_factory=list, description="the merchant's colour names")
    pattern: str = ""
    material: str = ""
    fit: str = ""
    sizes: dict[str, int] = Field(default_factory=dict, description="size label -> units in stock")
    size_system: str = Field("", description="as the feed gives it: EU, US, UK, IT, FR...")
    images: list[str] = Field(default_factory=list, description="file names under --images")
    group: str = Field("", description="the feed's product group (Shopify Handle, item_group_id)")
    variant_skus: dict[str, str] = Field(default_factory=dict, description="size label -> the feed's variant SKU")
    tags: list[str] = Field(default_factory=list)
    active: bool = Field(True, description="False for drafts and archived products: stored, not shown")
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return v[:TITLE_LENGTH]

    @field_validator("material")
    @classmethod
    def _material(cls, v: str) -> str:
        return v[:MATERIAL_LENGTH]

    @field_validator("sizes", mode="before")
    @classmethod
    def _sizes_once(cls, v: Any) -> Any:
        """Labels without surrounding spaces, each given once (a size is matched by its label on re-import)."""
        if not isinstance(v, dict):
            return v
        sizes: dict[Any, Any] = {}
        for label, stock in (v.pairs if isinstance(v, RepeatedKeys) else v.items()):
            label = label.strip() if isinstance(label, str) else label
            if label in sizes:
                raise ValueError(f"the size label {label!r} appears twice; give each size once")
            sizes[label] = stock
        return sizes

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [label or "''" for label, stock in v.items() if not 0 <= stock <= MAX_STOCK or not label]
        if bad:
            raise ValueError(f"stock must be 0 to {MAX_STOCK:,} and labels non-empty (check {', '.join(bad)})")
        long = [label for label in v if len(label) > SIZE_LABEL_LENGTH]
        if long:
            raise ValueError(f"size labels are at most {SIZE_LABEL_LENGTH} characters (check {', '.join(long)})")
        return v


@dataclass
class RowError:
    line: int
    sku: str | None
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}{f' ({self.sku})' if self.sku else ''}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did. unchanged: rows equal to what is stored (fields, sizes and stock, images);
    retired: products missing from a full import's file; images: image files copied (new or changed)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    images: int = 0
    errors: list[RowError] = field(default_factory=list)
    format: str = ""
    unmapped: Counter[str] = field(default_factory=Counter)  # the merchant's category words that map to none
    by_embedding: dict[str, str] = field(default_factory=dict)  # merchant words -> the category similarity chose
    missing_images: list[str] = field(default_factory=list)  # named by a kept row, not in --images

    @property
    def kept(self) -> int:
        """Good rows (stored, or already stored as they are)."""
        return self.added + self.updated + self.unchanged

    @property
    def changed(self) -> bool:
        """Whether the catalog differs from before (then its version is bumped)."""
        return bool(self.added or self.updated or self.retired)

    def summary(self) -> str:
        lines = [f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.retired} retired, "
                 f"{self.images} images, {len(self.errors)} rows rejected"
                 + (f" ({self.format})." if self.format else ".")]
        if self.by_embedding:
            lines.append("Mapped by similarity: " + "; ".join(f"{text!r} -> {category}"
                                                            for text, category in sorted(self.by_embedding.items())))
        if self.missing_images:
            lines.append(f"{len(self.missing_images)} images named by kept rows are not in --images (or no --images "
                         f"was given); the products are kept without them. First: {self.missing_images[0]}.")
        if self.unmapped:
            lines.append("Kept as 'other' (no category matched; the words still search): " + "; ".join(
                f"{text or '(no category given)'!r} x{count}" for text, count in self.unmapped.most_common()))
        return "\n".join(lines)

    def count_category(self, row: CatalogRow, match: CategoryMatch) -> None:
        if match.source == "embedding":
            self.by_embedding[row.category or row.category_path] = match.category
        elif match.category == "other":
            self.unmapped[row.category or row.category_path] += 1


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, SQLAlchemyError):
        return _refused(exc)
    return str(exc)


def _refused(exc: SQLAlchemyError) -> str:
    """A database error as one line a person can act on: never the SQL statement or its parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else "").strip()
    first = text.splitlines()[0][:160] if text else ""
    detail = f" ({first})" if first and not _SQL.search(first) else ""
    if isinstance(exc, IntegrityError):
        if "size_label" in text:
            return "could not be stored: a size label appears twice"
        if "sku" in text:
            return "could not be stored: another product has this SKU"
        return f"could not be stored: it clashes with what the catalog holds{detail}"
    if isinstance(exc, DataError):
        return f"could not be stored: a value does not fit the catalog{detail}"
    return f"could not be stored: the database refused it{detail}"


def _check_images(row: CatalogRow, image_dir: Path | None) -> tuple[list[tuple[Path, int, int]], list[str]]:
    """The row's images that are there, checked, and the names of those that are not.

    A missing file (or no --images folder) does not cost the shop its product: a feed names images
    by URL and only some may have been fetched. A file that is there must be a safe, readable image.
    """
    found, missing = [], []
    for name in row.images:
        if image_dir is None:
            missing.append(name)
            continue
        path = (image_dir / name).resolve()
        if image_dir.resolve() not in path.parents:
            raise ImageError(f"image path {name} leaves the --images folder")
        if not path.is_file():
            missing.append(name)
            continue
        image = open_image(path)
        found.append((path, image.width, image.height))
    return found, missing


def _brand(session: Session, name: str, cache: dict[str, m.Brand]) -> m.Brand:
    if name not in cache:
        brand = session.scalar(select(m.Brand).where(m.Brand.name == name))
        if brand is None:
            brand = m.Brand(name=name)
            session.add(brand)
        cache[name] = brand
    return cache[name]


UNBRANDED = "Unbranded"  # a feed row with no brand (Shopify's Vendor may be empty)
EXTRA_ATTRIBUTES = ("group", "variant_skus", "tags", "compare_at_price", "age_group", "category_path")
Copy = tuple[Path, Path]  # (source image, where it goes under the data directory)


def _assign(obj: Any, **values: Any) -> bool:
    """Set the attributes that differ; True when one did (equal values are not written)."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _sync_variants(product: m.Product, sizes: dict[str, int]) -> bool:
    """Match the stored sizes to the row's by label, in place; True when anything changed.

    New labels are added; a stored size the row no longer lists drops to stock 0 and stays (order
    lines name it), after the listed ones.
    """
    stored = {v.size_label: v for v in product.variants}
    changed = False
    for position, (label, stock) in enumerate(sizes.items()):
        variant = stored.pop(label, None)
        if variant is None:
            product.variants.append(m.Variant(size_label=label, stock=stock, position=position))
            changed = True
        else:
            changed |= _assign(variant, stock=stock, position=position)
    for position, variant in enumerate(sorted(stored.values(), key=lambda v: (v.position, v.id)), start=len(sizes)):
        changed |= _assign(variant, stock=0, position=position)
    return changed


def _sync_images(product: m.Product, sku: str, images: list[tuple[Path, int, int]], data_dir: Path,
                 copies: list[Copy]) -> bool:
    """Update the stored images by position (a row without images keeps the stored ones).

    An image whose stored copy already has the same bytes is not copied again. Returns True
    when anything changed; the files to copy are appended to copies.
    """
    if not images:
        return False
    stored = sorted(product.images, key=lambda i: (i.position, i.id or 0))
    changed = False
    for position, (path, width, height) in enumerate(images):
        rel = f"{IMPORTED_IMAGE_DIR}/{sku}-{position}{path.suffix.lower()}"
        dest = data_dir / rel
        if not (dest.is_file() and filecmp.cmp(path, dest, shallow=False)):
            copies.append((path, dest))
            changed = True
        if position < len(stored):
            changed |= _assign(stored[position], path=rel, position=position, width=width, height=height)
        else:
            product.images.append(m.ProductImage(path=rel, position=position, width=width, height=height))
            changed = True
    for extra in stored[len(images):]:  # nothing refers to an image row: fewer images delete the rest
        product.images.remove(extra)
        changed = True
    return changed


class Mapper:
    """The row's words onto the taxonomy; one mapping per distinct category text (feeds repeat them)."""

    def __init__(self, taxonomy: Taxonomy, embed: Embed | None = None) -> None:
        self.taxonomy, self.embed = taxonomy, embed
        self.categories: dict[tuple[str, str], CategoryMatch] = {}

    def category(self, row: CatalogRow) -> CategoryMatch:
        key = (row.category, row.category_path)
        if key not in self.categories:
            self.categories[key] = self.taxonomy.map_category(row.category, row.category_path, self.embed)
        return self.categories[key]

    def fields(self, row: CatalogRow) -> dict[str, Any]:
        """The product's columns from a row: mapped values for search, the merchant's words kept beside them."""
        t = self.taxonomy
        match = self.category(row)
        extras = {name: value for name in EXTRA_ATTRIBUTES if (value := getattr(row, name))}
        if "compare_at_price" in extras:
            extras["compare_at_price"] = str(extras["compare_at_price"])
        pattern = t.map_pattern(row.pattern) if row.pattern else None
        if row.pattern and pattern is None:
            extras["pattern_name"] = row.pattern  # a pattern we have no word for stays unknown, never "solid"
        fit = row.fit.lower() if row.fit.lower() in FITS else ""
        if row.fit and not fit:
            extras["fit_name"] = row.fit
        return {
            "title": row.title, "description": row.description, "category": match.category, "family": match.family,
            "merchant_category": (row.category or row.category_path)[:MERCHANT_CATEGORY_LENGTH],
            "gender": t.map_gender(row.gender), "colours": t.map_colours(row.colours),
            "colour_names": list(row.colours), "pattern": pattern or "", "material": row.material.lower(),
            "fit": fit, "price": row.price, "currency": row.currency,
            "size_system": t.size_system_of(list(row.sizes), row.size_system)[:SIZE_SYSTEM_LENGTH],
            "attributes": row.attributes | extras, "active": row.active,
        }


def _upsert(session: Session, row: CatalogRow, fields: dict[str, Any], images: list[tuple[Path, int, int]],
            data_dir: Path, brands: dict[str, m.Brand], copies: list[Copy]) -> Literal["added", "updated", "unchanged"]:
    """Write one row in place, and say what it did; the image files to copy are appended to copies."""
    product = session.scalar(select(m.Product).where(m.Product.sku == row.sku)
                             .options(selectinload(m.Product.brand), selectinload(m.Product.variants),
                                      selectinload(m.Product.images)))
    brand = row.brand or UNBRANDED
    if product is None:
        product = m.Product(sku=row.sku, brand=_brand(session, brand, brands), **fields)
        session.add(product)
        _sync_variants(product, row.sizes)
        _sync_images(product, row.sku, images, data_dir, copies)
        return "added"
    changed = _assign(product, **fields)
    if product.brand.name != brand:
        product.brand = _brand(session, brand, brands)
        changed = True
    changed |= _sync_variants(product, row.sizes)
    changed |= _sync_images(product, row.sku, images, data_dir, copies)
    if not changed:
        return "unchanged"
    product.updated_at = m.utcnow()  # also when only its sizes or images changed
    return "updated"


def _retire_missing(session: Session, skus: set[str]) -> int:
    """Retire the active products whose SKU the file does not name; how many."""
    retired = 0
    for product in session.scalars(select(m.Product).where(m.Product.active.is_(True))):
        if product.sku not in skus:
            product.active = False
            product.updated_at = m.utcnow()
            retired += 1
    return retired


def import_catalog(store: Store, path: Path, data_dir: Path, image_dir: Path | None = None,
                   progress: Callable[[int], object] | None = None, full: bool = False, format: str | None = None,
                   taxonomy: Taxonomy | None = None, embed: Embed | None = None) -> ImportReport:
    """Import path into store; see the module docstring. progress(n) is called per row when given.

    format: one of index.feeds.FORMATS, found from the content when None. full: the file is the
    whole catalog, so stored products it does not name are retired. A rejected row still names its
    SKU: a typo in a row does not retire its product. embed: texts to unit vectors, for category
    words no synonym matches (None: synonyms only).

    Raises ImportFileError, before anything is written, when the file cannot be read in full
    or image_dir is not a folder, and (nothing written) when the database cannot save the import.
    """
    if image_dir is not None and not image_dir.is_dir():
        raise ImportFileError(path, None, f"the images folder {image_dir} is not a folder",
                              "give the folder the rows' image names are in")
    format = format or detect_format(path)
    rows = read_feed(path, format)  # the whole file first: a read error must come before the first write
    report = ImportReport(format=format)
    mapper = Mapper(taxonomy or load_taxonomy(), embed)
    seen: dict[str, int] = {}
    named: set[str] = set()  # every SKU the file names, in good rows and rejected ones
    brands: dict[str, m.Brand] = {}
    try:
        with store.session() as session:  # one transaction: the rows and the version bump, or neither
            for line, raw in rows:
                if progress:
                    progress(1)
                sku = raw.get("sku") if isinstance(raw, dict) else getattr(raw, "sku", None)
                if isinstance(sku, str):
                    named.add(sku.strip())
                named.update(getattr(raw, "skus", ()))  # a reader's RowProblem: every SKU the product would have had
                copies: list[Copy] = []
                try:
                    if isinstance(raw, Exception):
                        raise raw
                    row = CatalogRow.model_validate(raw)
                    if row.sku in seen:
                        raise ValueError(f"SKU {row.sku} already appeared on line {seen[row.sku]}")
                    images, missing = _check_images(row, image_dir)
                    with session.begin_nested():  # a refused row (or image copy) undoes only itself
                        fields = mapper.fields(row)
                        report.count_category(row, mapper.category(row))
                        outcome = _upsert(session, row, fields, images, data_dir, brands, copies)
                        session.flush()
                        for source, dest in copies:  # the row is stored: now its files
                            dest.parent.mkdir(parents=True, exist_ok=True)
                            shutil.copyfile(source, dest)
                except Exception as exc:  # noqa: BLE001 (every bad row is reported, none stops the import)
                    report.errors.append(RowError(line, str(sku) if sku else None, _reason(exc)))
                    brands.clear()  # a brand created for a refused row was rolled back with it
                    continue
                seen[row.sku] = line
                report.images += len(copies)
                report.missing_images += [f"line {line} ({row.sku}): {name}" for name in missing]
                setattr(report, outcome, getattr(report, outcome) + 1)
            if full:
                report.retired = _retire_missing(session, named)
            if report.changed:
                Store.bump_catalog_version(session)
    except SQLAlchemyError as exc:
        raise ImportFileError(path, None, _refused(exc).replace("could not be stored", "could not be saved"),
                              "check the database and import the file again") from None
    return report
