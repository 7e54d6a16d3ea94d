"""Attributes read from product images, for catalogs whose merchant left them out.

At index time every product image is recognised once (retrieval/indexer.py); this module keeps
what the recogniser saw in `products.inferred`, each value with its confidence, beside the
merchant's values and never over them. index/products.py decides what search uses: the
merchant's value when there is one, else the image's when confident enough (CONFIDENT); a
category is taken from the image only when the merchant's words mapped to none.

Writing it does not bump the catalog version: the vectors do not read it (a product's text is the
merchant's words, its image vector the image itself), so the index stays current.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update

from index import models as m
from index.products import ProductRow
from index.store import Store
from retrieval.attributes import GarmentAttributes

MAX_COLOURS = 3


def inferred_of(image: str, attrs: GarmentAttributes, model: str) -> dict:
    """What the image says, as stored: each value with its confidence (a colour's: its share of the garment)."""
    return {
        "image": image, "model": model,
        "category": [attrs.category, round(float(attrs.category_confidence), 3)],
        "colours": [[name, round(float(share), 3)] for name, share in attrs.colours[:MAX_COLOURS]],
        "pattern": [attrs.pattern, round(float(attrs.pattern_confidence), 3)],
    }


class Enricher:
    """The indexer's enrich callback: stores a batch's recognised attributes in one transaction."""

    def __init__(self, store: Store, model: str) -> None:
        self.store, self.model = store, model
        self.stored = 0

    def __call__(self, rows: Sequence[ProductRow], attributes: Sequence[GarmentAttributes | None]) -> None:
        found = [(row, attrs) for row, attrs in zip(rows, attributes) if attrs is not None and row.image]
        if not found:
            return
        with self.store.session() as s:
            for row, attrs in found:
                s.execute(update(m.Product).where(m.Product.id == row.id).values(
                    inferred=inferred_of(row.image or "", attrs, self.model),
                    updated_at=m.Product.updated_at))  # not a merchant change: keep its time
        self.stored += len(found)
