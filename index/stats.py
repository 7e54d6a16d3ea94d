"""Counts that tell whether a catalog is there and what it holds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from index import models as m
from index.products import load_products
from index.store import Store

COUNTED = [m.Brand, m.Product, m.Variant, m.ProductImage, m.SizeChartRow, m.Customer, m.Interaction, m.Review,
           m.Order, m.OrderLine, m.Conversation, m.PhotoUpload]


@dataclass
class CatalogStats:
    tables: dict[str, int]
    categories: dict[str, int]
    brands: dict[str, int]
    price_min: float | None
    price_max: float | None
    in_stock_variants: int
    catalog_version: int
    sources: dict[str, Counter[str]] = field(default_factory=dict)  # category/colours/pattern -> merchant/image/none
    retired: int = 0


def catalog_stats(store: Store) -> CatalogStats:
    with store.session() as s:
        tables = {model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0 for model in COUNTED}
        categories = dict(s.execute(select(m.Product.category, func.count()).group_by(m.Product.category)
                                    .order_by(func.count().desc())).all())
        brands = dict(s.execute(select(m.Brand.name, func.count(m.Product.id)).join(m.Product, isouter=True)
                                .group_by(m.Brand.name).order_by(m.Brand.name)).all())
        low, high = s.execute(select(func.min(m.Product.price), func.max(m.Product.price))).one()
        in_stock = s.scalar(select(func.count()).select_from(m.Variant).where(m.Variant.stock > 0)) or 0
        retired = s.scalar(select(func.count()).select_from(m.Product).where(m.Product.active.is_(False))) or 0
    return CatalogStats(tables, categories, brands, float(low) if low is not None else None,
                        float(high) if high is not None else None, in_stock, store.catalog_version(),
                        value_sources(store), retired)


def value_sources(store: Store) -> dict[str, Counter[str]]:
    """Where the shown products' category, colours and pattern come from: merchant, image or none (unknown)."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in ("category", "colours", "pattern")}
    for row in load_products(store):
        for name, counter in counts.items():
            counter[row.source(name)] += 1
    return counts
