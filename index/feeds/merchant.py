"""Google Merchant Center product feeds, read into neutral rows: tab-separated text and XML.

The TSV has a header row; names may be plain ("id") or prefixed ("g:id"), in any case. The XML is
RSS 2.0 (<rss><channel><item>) or Atom (<feed><entry>) with the g: namespace
(http://base.google.com/ns/1.0); a field may also be plain (<title>, <description>), and the g:
one wins when both are given. Read: id, item_group_id, title, description, image_link,
additional_image_link (repeated, or comma-separated), price, sale_price, availability, color, size,
size_system, gender, age_group, material, pattern, product_type (-> category, kept whole: the
importer maps it) and google_product_category (-> category_path, an id or a path, as given).
link is not read: the catalog has no product pages to link to.

Decisions (see index/feeds/variants.py for the rule every feed follows):

- One product per colour. The items of one item_group_id (an item without one is a group of its
  own, keyed by its id) are split by color; each colour is one row whose sizes are its items' size
  values, whose variant_skus map each size to the item's id, and whose images are its items'
  image_link and additional_image_link files. Its title, description and other fields are those
  of the colour's first item. "Black/White" is one colour named by two colour names.
- Stock: Merchant Center gives availability, not a quantity, so "in stock" (or in_stock) is read
  as 1 unit available, and "out of stock", "preorder" and "backorder" as 0.
- Price: "59.90 EUR" or "59,90 EUR" gives the amount and currency; with a sale_price, price is the
  sale price and compare_at_price the regular one (sale_price_effective_date is not read).
- XML safety: a DOCTYPE is refused (no entity or DTD is ever read or fetched), and a document
  that is not well-formed raises ImportFileError naming its line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

from index.feeds.base import ImportFileError, RawRow, cells, checked_lines, csv_records
from index.feeds.values import image_name, parse_price, plain_text
from index.feeds.variants import ONE_SIZE, Variant, colour_rows

G_NAMESPACE = "http://base.google.com/ns/1.0"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
IN_STOCK_UNITS = 1  # Merchant Center says whether an item is available, not how many
_AVAILABILITY = {"in stock": IN_STOCK_UNITS, "limited availability": IN_STOCK_UNITS,
                 "available for order": IN_STOCK_UNITS, "out of stock": 0, "preorder": 0, "backorder": 0}
_TEXT_FIELDS = {"description": "description", "brand": "brand", "category": "product_type",
                "category_path": "google_product_category", "gender": "gender", "age_group": "age_group",
                "material": "material", "pattern": "pattern", "size_system": "size_system"}
Fields = dict[str, list[str]]  # an item's values by plain field name ("price"); a field may repeat


def read_merchant_tsv(path: Path, f: Iterable[str]) -> Iterator[RawRow]:
    """One neutral row per colour of each item group, from a tab-separated feed."""
    items: list[tuple[int, Fields | Exception]] = []
    checked = False
    for line, raw in csv_records(path, f, delimiter="\t"):
        if not checked:
            if "id" not in {field_name(name) for name in raw if isinstance(name, str)}:
                raise ImportFileError(path, 1, "no id column, so this is not a Merchant Center feed",
                                      "give the feed's header row (id, title, price...), "
                                      "or name the format with --format")
            checked = True
        try:
            values = cells(raw)
        except ValueError as exc:
            items.append((line, exc))
            continue
        if values:
            fields: Fields = {}
            for name, value in values.items():
                fields.setdefault(field_name(name), []).append(value)
            items.append((line, fields))
    yield from _rows(items)


def read_merchant_xml(path: Path, f: Iterable[str]) -> Iterator[RawRow]:
    """One neutral row per colour of each item group, from an RSS 2.0 or Atom feed."""
    reader = _XmlItems(path)
    try:
        for text in checked_lines(path, f):
            reader.parser.Parse(text.encode("utf-8"), False)
        reader.parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise ImportFileError(path, exc.lineno, f"not well-formed XML ({expat.ErrorString(exc.code)}, column "
                              f"{exc.offset + 1})", "fix the feed there and import it again") from None
    yield from _rows(list(reader.items))


def field_name(name: str) -> str:
    """A TSV header or XML element name as a plain field name: 'g:Item Group ID' -> 'item_group_id'."""
    name = name.strip().casefold().removeprefix("g:")
    return "_".join(name.split())


class _XmlItems:
    """An expat parser that collects each <item>/<entry> with the line its start tag is on.

    expat (not ElementTree) because it reports line numbers; it is given no handler for external
    entities, and a DOCTYPE, the only place an entity can be declared, is refused.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")  # the text is UTF-8 already
        self.parser.buffer_text = True
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.items: list[tuple[int, Fields]] = []
        self.depth = 0
        self.item_depth: int | None = None
        self.item: tuple[int, dict[str, list[str]], dict[str, list[str]]] | None = None  # line, g: fields, plain
        self.field: tuple[bool, str] | None = None  # (g: namespace, name) of the open field element
        self.text: list[str] = []

    def _doctype(self, *args: Any) -> None:
        raise ImportFileError(self.path, self.parser.CurrentLineNumber, "DOCTYPE not allowed",
                              "remove the <!DOCTYPE ...> declaration (Merchant Center feeds have none)")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        namespace, _, local = name.rpartition(" ")
        if self.depth == 1 and local not in ("rss", "feed"):
            raise ImportFileError(self.path, self.parser.CurrentLineNumber,
                                  f"the document is <{local}>, not a Merchant Center feed (<rss> or <feed>)",
                                  "give an RSS 2.0 or Atom product feed")
        if self.item_depth is None:
            if local in ("item", "entry") and namespace in ("", ATOM_NAMESPACE):
                self.item_depth = self.depth
                self.item = (self.parser.CurrentLineNumber, {}, {})
        elif self.depth == self.item_depth + 1 and namespace in ("", ATOM_NAMESPACE, G_NAMESPACE):
            self.field, self.text = (namespace == G_NAMESPACE, field_name(local)), []

    def _end(self, name: str) -> None:
        if self.item is not None and self.field is not None and self.depth == self.item_depth + 1:
            prefixed, field = self.field
            self.item[1 if prefixed else 2].setdefault(field, []).append("".join(self.text).strip())
            self.field = None
        elif self.item is not None and self.depth == self.item_depth:
            line, prefixed, plain = self.item
            self.items.append((line, {**plain, **prefixed}))
            self.item = self.item_depth = None
        self.depth -= 1

    def _text(self, data: str) -> None:
        if self.field is not None and self.depth == self.item_depth + 1:
            self.text.append(data)


def _rows(items: list[tuple[int, Fields | Exception]]) -> Iterator[RawRow]:
    """Items grouped by item_group_id (or their own id), one row per colour, in line order."""
    groups: dict[tuple[bool, str], list[Variant]] = {}
    rows: list[RawRow] = []
    for line, item in items:
        if isinstance(item, Exception):
            rows.append((line, item))
        elif not (ident := _first(item, "id")):
            rows.append((line, ValueError("id is empty; give every item its own id")))
        else:
            group = _first(item, "item_group_id")
            groups.setdefault((bool(group), group or ident), []).append(_variant(line, ident, item))
    for (_, group), variants in groups.items():
        rows.extend(colour_rows(group, variants[0].line, {}, variants))
    yield from sorted(rows, key=lambda row: row[0])


def _variant(line: int, ident: str, item: Fields) -> Variant:
    colour = _first(item, "color") or _first(item, "colour")
    variant = Variant(line, colour=colour, size=_first(item, "size") or ONE_SIZE, sku=ident)
    try:
        variant.fields = _product_fields(item)
        variant.images = _images(item)
        variant.price, variant.compare_at_price, variant.currency = _prices(item)
        variant.stock = _stock(item)
    except ValueError as exc:
        variant.error = exc
    return variant


def _product_fields(item: Fields) -> dict[str, Any]:
    if not (title := _first(item, "title")):
        raise ValueError("title is empty; give the item's title")
    fields: dict[str, Any] = {"title": title}
    for key, name in _TEXT_FIELDS.items():
        fields[key] = _first(item, name)
    fields["description"] = plain_text(fields["description"])
    return fields


def _images(item: Fields) -> list[str]:
    names = [image_name(url, "image_link") for url in item.get("image_link", [])[:1] if url]
    for value in item.get("additional_image_link", []):
        names += [image_name(url, "additional_image_link") for url in value.split(",") if url.strip()]
    return list(dict.fromkeys(names))


def _prices(item: Fields) -> tuple[Any, Any, str | None]:
    """(price, compare_at_price, currency): with a sale_price, the sale is the price and the regular one is compared."""
    if not (text := _first(item, "price")):
        raise ValueError("price is empty; give the item's price like 59.90 EUR")
    price, currency = parse_price(text, "price")
    if not (sale_text := _first(item, "sale_price")):
        return price, None, currency
    sale, sale_currency = parse_price(sale_text, "sale_price")
    if currency and sale_currency and currency != sale_currency:
        raise ValueError(f"sale_price is in {sale_currency} but price in {currency}; give both in one currency")
    return sale, price, currency or sale_currency


def _stock(item: Fields) -> int:
    """Units for availability; see the module docstring (Merchant Center gives no quantity)."""
    text = _first(item, "availability")
    availability = " ".join(text.casefold().replace("_", " ").split())
    if availability not in _AVAILABILITY:
        given = f"{text!r} is not" if text else "is empty; give"
        raise ValueError(f"availability {given} in_stock, out_of_stock, preorder or backorder")
    return _AVAILABILITY[availability]


def _first(item: Fields, name: str) -> str:
    return next((value for value in item.get(name, []) if value), "")
