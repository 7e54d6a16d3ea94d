"""Shopify's product CSV export (Products > Export), read into neutral rows.

Rows are grouped by Handle, consecutive or not. The first row of a handle that has a Title gives
the product's fields (Title, Body (HTML), Vendor, Type, Product Category, Tags, Status,
Published, the "Google Shopping / Gender" and "/ Age Group" columns); every row with option
values, a Variant SKU or a Variant Price is a variant; rows with only Handle and Image Src are
more photos of the product. Both the classic column names ("Variant Price") and those of
Shopify's newer template ("Price", "URL handle", "Product image URL"...) are read, case-insensitively.

Decisions (see index/feeds/variants.py for the rule every feed follows):

- One product per colour. The option named Color/Colour/Farbe/Couleur/Colore (any of
  Option1/2/3, any case) splits the handle into one row per colour; the option named
  Size/Größe/Taille/Talla/Taglia (or, failing one, the first other option) gives the size labels.
  "Default Title" (a product without options) is the one size "One Size". A colour's images are
  its variants' Variant Image files, then the handle's Image Src images that no variant names.
- Stock: Variant Inventory Qty; a negative quantity (oversold) is 0. An empty quantity with an
  empty Variant Inventory Tracker means Shopify does not track the variant's stock and always
  sells it: it is read as 1 unit available (in stock, quantity unknown).
- active: Status "active" (or no Status column) and Published not FALSE; drafts and archived
  products are stored but not shown.
- Body (HTML) becomes plain text; image URLs become their file names (nothing is downloaded).
- Currency: the export has none, so the catalog's default applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from index.feeds.base import ImportFileError, RawRow, RowProblem, cells, csv_records
from index.feeds.values import html_text, image_name, parse_price
from index.feeds.variants import ONE_SIZE, Variant, colour_rows, group_skus

UNTRACKED_STOCK = 1  # units read for a variant whose stock Shopify does not track
# Shopify's newer template names (and 2021's product types) -> the classic export's names, casefolded.
_ALIASES = {
    "url handle": "handle",
    "description": "body (html)",
    "published on online store": "published",
    "sku": "variant sku",
    "price": "variant price",
    "compare-at price": "variant compare at price",
    "inventory tracker": "variant inventory tracker",
    "inventory quantity": "variant inventory qty",
    "product image url": "image src",
    "variant image url": "variant image",
    "standard product type": "product category",
    "custom product type": "type",
}
_COLOUR_OPTIONS = {name.casefold() for name in ("Color", "Colour", "Farbe", "Couleur", "Colore", "Kleur", "Cor")}
_SIZE_OPTIONS = {name.casefold() for name in ("Size", "Größe", "Groesse", "Taille", "Talla", "Taglia", "Maat")}
_VARIANT_CELLS = ("option1 value", "option2 value", "option3 value", "variant sku", "variant price",
                  "variant compare at price", "variant inventory qty")
_STATUSES = {"active": True, "draft": False, "archived": False}
_PUBLISHED = {"true": True, "false": False}

Record = dict[str, str]  # a row's non-empty cells by canonical (classic, casefolded) column name


class _Columns:
    """The file's column names: canonical name -> the name as the file spells it, for messages."""

    def __init__(self, path: Path, header: Iterable[str | None]) -> None:
        self.spelled: dict[str, str] = {}
        for name in header:
            if isinstance(name, str):
                self.spelled.setdefault(_ALIASES.get(name.casefold(), name.casefold()), name)
        if "handle" not in self.spelled:
            raise ImportFileError(path, 1, "no Handle column, so this is not a Shopify product export",
                                  "export the products from Shopify again, or name the file's format with --format")

    def canonical(self, row: dict[str, str]) -> Record:
        return {_ALIASES.get(name.casefold(), name.casefold()): value for name, value in row.items()}

    def name(self, canonical: str) -> str:
        return self.spelled.get(canonical, canonical.title())


def read_shopify(path: Path, f: Iterable[str]) -> Iterator[RawRow]:
    """One neutral row per colour of each handle, in the order of the lines they start on."""
    groups: dict[str, list[tuple[int, Record]]] = {}
    rows: list[RawRow] = []
    columns: _Columns | None = None
    for line, raw in csv_records(path, f):
        if columns is None:
            columns = _Columns(path, raw)
        try:
            record = columns.canonical(cells(raw))
        except ValueError as exc:
            rows.append((line, exc))
            continue
        if handle := record.get("handle"):
            groups.setdefault(handle, []).append((line, record))
        elif record:
            rows.append((line, ValueError(f"{columns.name('handle')} is empty; every row of a product "
                                          "(variants and images too) repeats its handle")))
    for handle, records in groups.items():
        assert columns is not None
        rows.extend(_product(handle, records, columns))
    yield from sorted(rows, key=lambda row: row[0])


def _product(handle: str, records: list[tuple[int, Record]], columns: _Columns) -> list[RawRow]:
    """The handle's rows (one per colour), then the errors of its unreadable rows."""
    line = records[0][0]
    head = next((record for _, record in records if record.get("title")), records[0][1])
    colour_slot, size_slot = _option_slots(records)
    variants: list[Variant] = []
    images: list[tuple[float, int, str]] = []  # (Image Position, file order, file name)
    problems: list[tuple[int, str]] = []
    for number, record in records:
        if "image src" in record:
            try:
                name = image_name(record["image src"], columns.name("image src"))
                images.append((_position(record), len(images), name))
            except ValueError as exc:
                problems.append((number, str(exc)))
        if record is head or any(cell in record for cell in _VARIANT_CELLS):
            variants.append(_variant(number, record, colour_slot, size_slot, columns))
    skus = group_skus(handle, variants)
    try:
        if not head.get("title"):
            raise ValueError(f"no row of {handle} has a {columns.name('title')}; "
                             "give the product's title on its first row")
        base = _product_fields(head, columns)
    except ValueError as exc:
        return [(line, RowProblem(str(exc), skus))]
    shared = [name for _, _, name in sorted(images)]
    return [*colour_rows(handle, line, base, variants, shared),
            *((number, RowProblem(message, skus)) for number, message in problems)]


def _product_fields(head: Record, columns: _Columns) -> dict[str, Any]:
    """The product's own fields, from the first row of its handle that has a Title."""
    status = head.get("status", "active").casefold()
    if status not in _STATUSES:
        raise ValueError(f"{columns.name('status')} {head['status']!r} is not active, draft or archived")
    published = head.get("published", "true").casefold()
    if published not in _PUBLISHED:
        raise ValueError(f"{columns.name('published')} {head['published']!r} is not TRUE or FALSE")
    return {
        "title": head["title"],
        "description": html_text(head.get("body (html)", "")),
        "brand": head.get("vendor", ""),
        "category": head.get("type", ""),
        "category_path": head.get("product category") or head.get("google shopping / google product category", ""),
        "tags": [tag.strip() for tag in head.get("tags", "").split(",") if tag.strip()],
        "gender": head.get("google shopping / gender", ""),
        "age_group": head.get("google shopping / age group", ""),
        "active": _STATUSES[status] and _PUBLISHED[published],
    }


def _option_slots(records: list[tuple[int, Record]]) -> tuple[int | None, int | None]:
    """Which of Option1/2/3 is the colour and which the size; option names sit on the handle's first row."""
    names = {slot: next((r[f"option{slot} name"] for _, r in records if r.get(f"option{slot} name")), "").casefold()
             for slot in (1, 2, 3)}
    colour = next((slot for slot, name in names.items()
                   if name in _COLOUR_OPTIONS or name.startswith(("color", "colour"))), None)
    size = next((slot for slot, name in names.items() if name in _SIZE_OPTIONS or "size" in name), None)
    if size is None:  # a product sized by 'Length' or 'Waist': its one other option labels the sizes
        size = next((slot for slot, name in names.items() if name and slot != colour and name != "title"), None)
    return colour, size


def _variant(line: int, record: Record, colour_slot: int | None, size_slot: int | None,
             columns: _Columns) -> Variant:
    colour = record.get(f"option{colour_slot} value", "") if colour_slot else ""
    size = record.get(f"option{size_slot} value", "") if size_slot else ""
    if size.casefold() == "default title":
        size = ""
    variant = Variant(line, colour=colour, size=size or ONE_SIZE, sku=record.get("variant sku", ""))
    try:
        if "variant image" in record:
            variant.images = [image_name(record["variant image"], columns.name("variant image"))]
        if "variant price" not in record:
            raise ValueError(f"{columns.name('variant price')} is empty; give the variant's price")
        variant.price = parse_price(record["variant price"], columns.name("variant price"))[0]
        if compare := record.get("variant compare at price"):
            variant.compare_at_price = parse_price(compare, columns.name("variant compare at price"))[0]
        variant.stock = _stock(record, columns)
    except ValueError as exc:
        variant.error = exc
    return variant


def _stock(record: Record, columns: _Columns) -> int:
    """Units in stock; see the module docstring for untracked and oversold variants."""
    quantity = record.get("variant inventory qty")
    if quantity is None:
        return 0 if record.get("variant inventory tracker") else UNTRACKED_STOCK
    if not re.fullmatch(r"[+-]?\d+", quantity):
        raise ValueError(f"{columns.name('variant inventory qty')} {quantity!r} is not a whole number of units")
    return max(0, int(quantity))


def _position(record: Record) -> float:
    """Image Position as a sort key; images without one keep their file order after those with one."""
    position = record.get("image position", "")
    return int(position) if position.isdigit() else float("inf")
