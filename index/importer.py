"""Import of a real catalog from JSON Lines or CSV, upserting products by SKU.

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
- A row that reads but is invalid (a bad price, an unknown category, a broken image...) is
  reported with its line number and reason and skipped; every good row is kept.

The kept rows and the catalog version bump are committed in one transaction, so rows are never
stored without the search index learning that it is stale; an import that changes nothing leaves
the version alone. A row the database refuses is reported in one line, never with its SQL. The
row schema is ``CatalogRow`` (documented in the README).
"""

from __future__ import annotations

import csv
import filecmp
import json
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from index import models as m
from index.images import ImageError, open_image
from index.store import Store
from index.vocab import CATEGORIES, COLOURS, FITS, PATTERNS
from shopagent.errors import ShopError

IMPORTED_IMAGE_DIR = "images/imported"
VOCABULARIES = {"category": CATEGORIES, "pattern": PATTERNS, "fit": FITS}
CSV_FIELD_LIMIT = 1_000_000  # characters in one CSV cell: room for long descriptions (csv's default is 131,072)
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as surrogateescape keeps them
SIZE_LABEL_LENGTH = 16  # variants.size_label
MAX_STOCK = 2**31 - 1  # variants.stock is a 32-bit integer on PostgreSQL
_SQL = re.compile(r"\b(INSERT|UPDATE|DELETE|SELECT)\b|\[SQL|\[parameters", re.IGNORECASE)


class ImportFileError(ShopError):
    """The file itself cannot be read in full, so none of it is imported. line is None when it failed to open."""

    code = "bad_import_file"

    def __init__(self, path: Path, line: int | None, problem: str, fix: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        where = f"{path.name} line {line}" if line is not None else path.name
        super().__init__(f"{where}: {problem}; {fix}. Nothing was imported.")


class _RepeatedKeys(dict):
    """A JSON object (or CSV sizes cell) that names a key more than once: pairs keeps every one."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object_pairs_hook: a plain dict, or a _RepeatedKeys when a key repeats (json keeps the last)."""
    return dict(pairs) if len({k for k, _ in pairs}) == len(pairs) else _RepeatedKeys(pairs)


class CatalogRow(BaseModel):
    """One product in an import file. In CSV, lists are `|`-separated and sizes read `S:3|M:0`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    title: str = Field(min_length=1, max_length=200)
    brand: str = Field(min_length=1, max_length=80)
    category: str
    price: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    description: str = ""
    gender: Literal["women", "men", "unisex"] = "unisex"
    colours: list[str] = Field(default_factory=list)
    pattern: str = "solid"
    material: str = Field("", max_length=64)
    fit: str = "regular"
    sizes: dict[str, int] = Field(default_factory=dict, description="size label -> units in stock")
    images: list[str] = Field(default_factory=list, description="file names under --images")
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("category", "pattern", "fit")
    @classmethod
    def _in_vocabulary(cls, v: str, info: ValidationInfo) -> str:
        return _one_of(v.lower(), VOCABULARIES[info.field_name], info.field_name)

    @field_validator("colours")
    @classmethod
    def _colours(cls, v: list[str]) -> list[str]:
        return [_one_of(c.strip().lower(), COLOURS, "colour") for c in v]

    @field_validator("sizes", mode="before")
    @classmethod
    def _sizes_once(cls, v: Any) -> Any:
        """Labels without surrounding spaces, each given once (a size is matched by its label on re-import)."""
        if not isinstance(v, dict):
            return v
        sizes: dict[Any, Any] = {}
        for label, stock in (v.pairs if isinstance(v, _RepeatedKeys) else v.items()):
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


def _one_of(value: str, allowed: Any, what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; use one of: {', '.join(allowed)}")
    return value


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

    @property
    def kept(self) -> int:
        """Good rows (stored, or already stored as they are)."""
        return self.added + self.updated + self.unchanged

    @property
    def changed(self) -> bool:
        """Whether the catalog differs from before (then its version is bumped)."""
        return bool(self.added or self.updated or self.retired)

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.retired} retired, "
                f"{self.images} images, {len(self.errors)} rows rejected.")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _csv_to_dict(raw: dict[str, str | None]) -> dict[str, Any]:
    """CSV cells to the same shape a JSON line has; empty cells mean 'not given'."""
    if None in raw:
        raise ValueError(f"the row has more cells than the header ({len(raw) - 1} columns)")
    row: dict[str, Any] = {k.strip(): v for k, v in raw.items() if v is not None and v.strip() != ""}
    for key in ("colours", "images"):
        if key in row:
            row[key] = _split(row[key])
    if "sizes" in row:
        sizes = []
        for part in _split(row["sizes"]):
            label, sep, stock = part.rpartition(":")
            if not sep or not stock.strip().lstrip("-").isdigit():
                raise ValueError(f"sizes must read like S:3|M:0, not {row['sizes']!r}")
            sizes.append((label.strip(), int(stock)))
        row["sizes"] = _object(sizes)
    if "attributes" in row:
        row["attributes"] = json.loads(row["attributes"])
    return row


def _checked_lines(path: Path, lines: Iterable[str]) -> Iterator[str]:
    """Each physical line, refused when it holds bytes that are not UTF-8 text or a NUL byte."""
    for number, line in enumerate(lines, start=1):
        if bad := _UNDECODABLE.search(line):
            raise ImportFileError(path, number, f"not UTF-8 text (byte 0x{ord(bad.group()) - 0xDC00:02x})",
                                  "save the file as UTF-8 and import it again")
        if "\x00" in line:
            raise ImportFileError(path, number, "a NUL byte (is it UTF-16 or not a text file?)",
                                  "save the file as UTF-8 text and import it again")
        yield line


def _jsonl_rows(path: Path, f: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | Exception]]:
    for number, line in enumerate(_checked_lines(path, f), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, object_pairs_hook=_object)
        except json.JSONDecodeError as exc:
            yield number, ValueError(f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(value, dict):
            yield number, TypeError("each line must be a JSON object")
        elif isinstance(value, _RepeatedKeys):
            repeated = next(k for n, (k, _) in enumerate(value.pairs) if k in dict(value.pairs[:n]))
            yield number, ValueError(f"the key {repeated!r} appears twice in the row; give each field once")
        else:
            yield number, value


def _csv_rows(path: Path, f: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | Exception]]:
    csv.field_size_limit(CSV_FIELD_LIMIT)  # process-wide; the default 131,072 is too small for descriptions
    reader = csv.DictReader(_checked_lines(path, f))
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.reader.line_num  # DictReader's own line_num is only set after a good row
            if "field larger than field limit" in str(exc):
                raise ImportFileError(path, line, f"a cell is longer than {CSV_FIELD_LIMIT:,} characters",
                                      "shorten it (or check for an unclosed quote) and import the file again") from None
            raise ImportFileError(path, line, f"not readable as CSV ({exc})",
                                  "fix that line and import the file again") from None
        try:
            yield reader.line_num, _csv_to_dict(raw)
        except (ValueError, json.JSONDecodeError) as exc:
            yield reader.line_num, exc


def read_rows(path: Path) -> list[tuple[int, dict[str, Any] | Exception]]:
    """(line number, raw row or the error that makes it invalid) for each row of the whole file.

    Raises ImportFileError when the file cannot be read to the end: then no row counts.
    """
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        parse = _jsonl_rows
    elif suffix == ".csv":
        parse = _csv_rows
    else:
        raise ValueError(f"{path.name}: use a .jsonl or .csv file")
    try:
        # surrogateescape: a non-UTF-8 byte reaches _checked_lines, which names its line; strict
        # decoding would fail per read chunk, far from the line.
        with path.open(encoding="utf-8", errors="surrogateescape", newline="" if parse is _csv_rows else None) as f:
            return list(parse(path, f))
    except OSError as exc:
        raise ImportFileError(path, None, f"cannot be read ({exc.strerror or exc})",
                              "check the file and import it again") from None


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


def _check_images(row: CatalogRow, image_dir: Path | None) -> list[tuple[Path, int, int]]:
    found = []
    for name in row.images:
        if image_dir is None:
            raise ImageError(f"image {name} given but no --images folder")
        path = (image_dir / name).resolve()
        if image_dir.resolve() not in path.parents:
            raise ImageError(f"image path {name} leaves the --images folder")
        image = open_image(path)
        found.append((path, image.width, image.height))
    return found


def _brand(session: Session, name: str, cache: dict[str, m.Brand]) -> m.Brand:
    if name not in cache:
        brand = session.scalar(select(m.Brand).where(m.Brand.name == name))
        if brand is None:
            brand = m.Brand(name=name)
            session.add(brand)
        cache[name] = brand
    return cache[name]


PRODUCT_FIELDS = ("title", "description", "category", "gender", "colours", "pattern", "material", "fit", "price",
                  "currency", "attributes")
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


def _upsert(session: Session, row: CatalogRow, images: list[tuple[Path, int, int]], data_dir: Path,
            brands: dict[str, m.Brand], copies: list[Copy]) -> Literal["added", "updated", "unchanged"]:
    """Write one row in place, and say what it did; the image files to copy are appended to copies."""
    product = session.scalar(select(m.Product).where(m.Product.sku == row.sku)
                             .options(selectinload(m.Product.brand), selectinload(m.Product.variants),
                                      selectinload(m.Product.images)))
    fields = {name: getattr(row, name) for name in PRODUCT_FIELDS}
    if product is None:
        product = m.Product(sku=row.sku, brand=_brand(session, row.brand, brands), active=True, **fields)
        session.add(product)
        _sync_variants(product, row.sizes)
        _sync_images(product, row.sku, images, data_dir, copies)
        return "added"
    changed = _assign(product, active=True, **fields)
    if product.brand.name != row.brand:
        product.brand = _brand(session, row.brand, brands)
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
                   progress: Any = None, full: bool = False) -> ImportReport:
    """Import path into store; see the module docstring. progress(n) is called per row when given.

    full: the file is the whole catalog, so stored products it does not name are retired. A
    rejected row still names its SKU: a typo in a row does not retire its product.

    Raises ImportFileError, before anything is written, when the file cannot be read in full
    or image_dir is not a folder, and (nothing written) when the database cannot save the import.
    """
    if image_dir is not None and not image_dir.is_dir():
        raise ImportFileError(path, None, f"the images folder {image_dir} is not a folder",
                              "give the folder the rows' image names are in")
    rows = read_rows(path)  # the whole file first: a read error must come before the first write
    report = ImportReport()
    seen: dict[str, int] = {}
    named: set[str] = set()  # every SKU the file names, in good rows and rejected ones
    brands: dict[str, m.Brand] = {}
    try:
        with store.session() as session:  # one transaction: the rows and the version bump, or neither
            for line, raw in rows:
                if progress:
                    progress(1)
                sku = raw.get("sku") if isinstance(raw, dict) else None
                if isinstance(sku, str):
                    named.add(sku.strip())
                copies: list[Copy] = []
                try:
                    if isinstance(raw, Exception):
                        raise raw
                    row = CatalogRow.model_validate(raw)
                    if row.sku in seen:
                        raise ValueError(f"SKU {row.sku} already appeared on line {seen[row.sku]}")
                    images = _check_images(row, image_dir)
                    with session.begin_nested():  # a refused row (or image copy) undoes only itself
                        outcome = _upsert(session, row, images, data_dir, brands, copies)
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
                setattr(report, outcome, getattr(report, outcome) + 1)
            if full:
                report.retired = _retire_missing(session, named)
            if report.changed:
                Store.bump_catalog_version(session)
    except SQLAlchemyError as exc:
        raise ImportFileError(path, None, _refused(exc).replace("could not be stored", "could not be saved"),
                              "check the database and import the file again") from None
    return report
