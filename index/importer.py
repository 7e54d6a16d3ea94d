"""Import of a real catalog from JSON Lines or CSV, upserting products by SKU.

Two kinds of failure, handled differently:

- A file that cannot be read in full (not UTF-8, a NUL byte, a CSV cell over ``CSV_FIELD_LIMIT``,
  CSV the csv reader refuses, an I/O error) is rejected as a whole: ``ImportFileError`` names the line,
  and nothing is written. The whole file is read and parsed before the first write, so a file
  that dies part-way can never leave its first rows imported.
- A row that reads but is invalid (a bad price, an unknown category, a broken image...) is
  reported with its line number and reason and skipped; every good row is kept.

The kept rows and the catalog version bump are committed in one transaction, so rows are never
stored without the search index learning that it is stale. The row schema is ``CatalogRow``
(documented in the README).
"""

from __future__ import annotations

import csv
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


class ImportFileError(ShopError):
    """The file itself cannot be read in full, so none of it is imported. line is None when it failed to open."""

    code = "bad_import_file"

    def __init__(self, path: Path, line: int | None, problem: str, fix: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        where = f"{path.name} line {line}" if line is not None else path.name
        super().__init__(f"{where}: {problem}; {fix}. Nothing was imported.")


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
    material: str = ""
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

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [label for label, stock in v.items() if stock < 0 or not label.strip()]
        if bad:
            raise ValueError(f"stock must be 0 or more and labels non-empty (check {', '.join(bad)})")
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
    added: int = 0
    updated: int = 0
    images: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def kept(self) -> int:
        return self.added + self.updated


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
        sizes = {}
        for part in _split(row["sizes"]):
            label, sep, stock = part.rpartition(":")
            if not sep or not stock.strip().lstrip("-").isdigit():
                raise ValueError(f"sizes must read like S:3|M:0, not {row['sizes']!r}")
            sizes[label.strip()] = int(stock)
        row["sizes"] = sizes
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
            value = json.loads(line)
            yield number, value if isinstance(value, dict) else TypeError("each line must be a JSON object")
        except json.JSONDecodeError as exc:
            yield number, ValueError(f"not valid JSON: {exc.msg} at column {exc.colno}")


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
    return str(exc)


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


def _upsert(session: Session, row: CatalogRow, images: list[tuple[Path, int, int]], data_dir: Path,
            brands: dict[str, m.Brand]) -> bool:
    """Write one row; True when it added a product, False when it updated one."""
    product = session.scalar(select(m.Product).where(m.Product.sku == row.sku)
                             .options(selectinload(m.Product.variants), selectinload(m.Product.images)))
    brand = _brand(session, row.brand, brands)
    fields = {name: getattr(row, name) for name in ("title", "description", "category", "gender", "colours",
                                                      "pattern", "material", "fit", "price", "currency", "attributes")}
    added = product is None
    if added:
        product = m.Product(sku=row.sku, brand=brand, **fields)
        session.add(product)
    else:
        product.brand = brand
        for name, value in fields.items():
            setattr(product, name, value)
    product.variants = [m.Variant(size_label=label, stock=stock, position=i)
                        for i, (label, stock) in enumerate(row.sizes.items())]
    target = data_dir / IMPORTED_IMAGE_DIR
    target.mkdir(parents=True, exist_ok=True)
    stored = []
    for i, (path, width, height) in enumerate(images):
        rel = f"{IMPORTED_IMAGE_DIR}/{row.sku}-{i}{path.suffix.lower()}"
        shutil.copyfile(path, data_dir / rel)
        stored.append(m.ProductImage(path=rel, position=i, width=width, height=height))
    if images or added:
        product.images = stored
    return added


def import_catalog(store: Store, path: Path, data_dir: Path, image_dir: Path | None = None,
                   progress: Any = None) -> ImportReport:
    """Import path into store; see the module docstring. progress(n) is called per row when given.

    Raises ImportFileError, before anything is written, when the file cannot be read in full
    or image_dir is not a folder.
    """
    if image_dir is not None and not image_dir.is_dir():
        raise ImportFileError(path, None, f"the images folder {image_dir} is not a folder",
                              "give the folder the rows' image names are in")
    rows = read_rows(path)  # the whole file first: a read error must come before the first write
    report = ImportReport()
    seen: dict[str, int] = {}
    brands: dict[str, m.Brand] = {}
    with store.session() as session:  # one transaction: the rows and the version bump, or neither
        for line, raw in rows:
            if progress:
                progress(1)
            sku = raw.get("sku") if isinstance(raw, dict) else None
            try:
                if isinstance(raw, Exception):
                    raise raw
                row = CatalogRow.model_validate(raw)
                if row.sku in seen:
                    raise ValueError(f"SKU {row.sku} already appeared on line {seen[row.sku]}")
                images = _check_images(row, image_dir)
                with session.begin_nested():
                    added = _upsert(session, row, images, data_dir, brands)
            except Exception as exc:  # noqa: BLE001 (every bad row is reported, none stops the import)
                report.errors.append(RowError(line, str(sku) if sku else None, _reason(exc)))
                continue
            seen[row.sku] = line
            report.images += len(images)
            report.added += added
            report.updated += not added
        if report.kept:
            Store.bump_catalog_version(session)
    return report
