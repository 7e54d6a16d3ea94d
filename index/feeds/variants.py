"""Variants to products: one neutral row per colour of a feed's product group.

Shop feeds list variants (colour x size) under one group: Shopify's Handle, Merchant Center's
item_group_id. Our catalog's product is one garment in one colour with its sizes, so that "burgundy
t-shirt" finds the burgundy variant as a product of its own, with its own photos. The rule, for
every feed format:

- The group's variants are split by colour (colours that slug alike, 'Off White' and 'off-white',
  are one colour). Each colour becomes one row whose ``sizes`` are that colour's sizes.
- The row's SKU is the group key when the group has one colour (or none), else
  ``f"{group}-{slug(colour)}"``; variants that name no colour in a multi-colour group keep the
  group key. ``group`` is the group key; ``variant_skus`` maps each size label to the feed's own
  variant SKU (a variant without one is left out). A variant with no size label is "One Size".
- Title: when the group has several colours, the colour is added in brackets unless the title
  names it already, so that the products differ in a list ("Classic Tee (Burgundy)").
- Price: the lowest price among the colour's variants; compare_at_price the lowest compare-at
  price, dropped when it is not above the price (no reduction to show).
- Images: first the images the feed ties to the colour's variants (Shopify's Variant Image,
  each Merchant Center item's own image links), then the group's images tied to no colour (a
  detail shot, a size chart); an image tied to another colour never shows on this one.
- The row's line is the line the group's first record starts on. A variant that cannot be read
  (no price, a bad quantity) is reported at its own line and left out; its colour's other sizes
  still come through. Each such error is a ``RowProblem`` naming the SKU of its colour's row, so
  that the report names the product and a full import does not retire it over one bad cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from index.feeds.base import RawRow, RowProblem
from index.feeds.values import colour_names, slug

ONE_SIZE = "One Size"  # the label of a variant the feed gives no size for (Shopify's "Default Title")


@dataclass
class Variant:
    """One sellable variant as a feed gives it; error is set when it cannot be sold as read."""

    line: int
    colour: str = ""
    size: str = ONE_SIZE
    sku: str = ""
    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    currency: str | None = None
    stock: int = 0
    images: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # product fields this record gives (Merchant's items)
    error: Exception | None = None


def colour_key(colour: str) -> str:
    """The key colours are grouped by: their slug, '' for no colour."""
    return slug(colour)


def _by_colour(variants: Iterable[Variant]) -> dict[str, list[Variant]]:
    buckets: dict[str, list[Variant]] = {}
    for variant in variants:
        buckets.setdefault(colour_key(variant.colour), []).append(variant)
    return buckets


def _sku(group: str, key: str, colours: int) -> str:
    return f"{group}-{key}" if key and colours > 1 else group


def group_skus(group: str, variants: Iterable[Variant]) -> list[str]:
    """The SKUs the group's rows have (or would have), for an error about the whole group."""
    buckets = _by_colour(variants)
    return [_sku(group, key, len(buckets)) for key in buckets] or [group]


def colour_rows(group: str, line: int, base: dict[str, Any], variants: list[Variant],
                shared_images: Iterable[str] = ()) -> Iterator[RawRow]:
    """The group's rows, one per colour, then each unreadable variant's error at its own line.

    Every error is a RowProblem naming the SKU of its colour's row.
    """
    buckets = _by_colour(variants)
    tied = {key: _unique(image for v in bucket for image in v.images) for key, bucket in buckets.items()}
    shared = [image for image in _unique(shared_images) if not any(image in images for images in tied.values())]
    errors: list[RawRow] = []
    for key, bucket in buckets.items():
        sku = _sku(group, key, len(buckets))
        good = _sellable(group, sku, bucket, errors)
        if not good:
            continue
        try:
            yield line, _row(group, sku, {**base, **good[0].fields}, good, tied[key] + shared,
                             several=len(buckets) > 1)
        except ValueError as exc:
            yield line, RowProblem(str(exc), [sku])
    yield from errors


def _sellable(group: str, sku: str, bucket: list[Variant], errors: list[RawRow]) -> list[Variant]:
    """The bucket's readable variants, one per size label; the others go to errors."""
    good: list[Variant] = []
    seen: dict[str, int] = {}
    for variant in bucket:
        if variant.error is not None:
            errors.append((variant.line, RowProblem(str(variant.error), [sku])))
        elif (first := seen.get(variant.size.casefold())) is not None:
            colour = f" in colour {variant.colour!r}" if variant.colour else ""
            errors.append((variant.line, RowProblem(f"size {variant.size!r}{colour} of {group} appears twice "
                                                    f"(also on line {first}); give each colour and size once", [sku])))
        else:
            seen[variant.size.casefold()] = variant.line
            good.append(variant)
    return good


def _row(group: str, sku: str, base: dict[str, Any], variants: list[Variant], images: list[str],
         several: bool) -> dict[str, Any]:
    colour = variants[0].colour
    currencies = {v.currency for v in variants if v.currency}
    if len(currencies) > 1:
        raise ValueError(f"the variants of {sku} are priced in several currencies ({', '.join(sorted(currencies))}); "
                         "give one currency per product")
    price = min((v.price for v in variants if v.price is not None), default=None)
    if price is None:  # readers mark a variant without a price as an error; this is the last guard
        raise ValueError(f"{sku} has no price")
    compare = min((v.compare_at_price for v in variants if v.compare_at_price), default=None)
    row = {key: value for key, value in base.items() if value not in ("", None)}
    title = row.get("title", "")
    if several and colour and title and colour.casefold() not in title.casefold():
        row["title"] = f"{title} ({colour})"
    row.update(sku=sku, group=group, price=price, colours=colour_names(colour), images=images,
               sizes={v.size: v.stock for v in variants}, variant_skus={v.size: v.sku for v in variants if v.sku})
    if compare is not None and compare > price:
        row["compare_at_price"] = compare
    if currencies:
        row["currency"] = currencies.pop()
    return row


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
