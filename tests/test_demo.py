"""The demo catalog: deterministic, as large and varied as promised, with real signal in it."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from index import models as m
from index.demo import BRANDS, TRUTH_FILE, chart_rows, generate
from index.store import Store
from index.vocab import CATEGORIES, COLOURS, PATTERNS


def _build(root: Path, **kw) -> tuple[Store, Path]:  # noqa: ANN003
    store = Store(f"sqlite:///{root / 'catalog.sqlite'}")
    store.migrate()
    generate(store, root, log=lambda _: None, **kw)
    return store, root


def _snapshot(store: Store, root: Path) -> dict:
    with store.session() as s:
        products = [(p.sku, p.title, p.category, p.colours, p.pattern, p.fit, str(p.price), p.attributes)
                    for p in s.scalars(select(m.Product).order_by(m.Product.id))]
        interactions = s.execute(select(m.Interaction.customer_id, m.Interaction.product_id, m.Interaction.kind,
                                        m.Interaction.size_label).order_by(m.Interaction.id)).all()
    images = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / "images").glob("*.png"))}
    return {"products": products, "interactions": interactions, "images": images,
            "truth": (root / TRUTH_FILE).read_text()}


def test_same_seed_gives_identical_catalog_and_images(tmp_path: Path) -> None:
    a = _snapshot(*_build(tmp_path / "a", seed=3, n_products=40, n_customers=20, workers=2))
    b = _snapshot(*_build(tmp_path / "b", seed=3, n_products=40, n_customers=20, workers=1))
    assert a == b
    assert len(a["images"]) == 40
    c = _snapshot(*_build(tmp_path / "c", seed=4, n_products=40, n_customers=20, images=False))
    assert c["products"] != a["products"]


@pytest.fixture(scope="module")
def full_catalog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path]:
    """The default-sized catalog, without images (the image path is covered above)."""
    return _build(tmp_path_factory.mktemp("full"), images=False)


def test_full_catalog_has_the_promised_size_and_variety(full_catalog: tuple[Store, Path]) -> None:
    store, _ = full_catalog
    with store.session() as s:
        count = lambda model: s.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(m.Product) >= 2000 and count(m.Customer) >= 1000 and count(m.Interaction) >= 100_000
        assert count(m.Brand) >= 8
        categories = set(s.scalars(select(m.Product.category).distinct()))
        assert categories == set(CATEGORIES) and len(categories) >= 15
        colours = {c for cs in s.scalars(select(m.Product.colours)) for c in cs}
        assert len(colours) >= 16 and colours <= set(COLOURS)
        assert set(s.scalars(select(m.Product.pattern).distinct())) == set(PATTERNS)
        assert set(s.scalars(select(m.Order.status).distinct())) == set(m.OrderStatus)
        assert s.scalar(select(func.count()).select_from(m.Variant).where(m.Variant.stock == 0)) > 0


def test_brands_size_differently() -> None:
    charts = {b.name: {r["size_label"]: r for r in chart_rows(b, "t-shirt")} for b in BRANDS}
    chest_m = {name: rows["M"]["chest_min"] for name, rows in charts.items()}
    assert len(set(chest_m.values())) >= 5, "the same label must fit different bodies in different brands"


def test_fit_feedback_follows_the_brands_vanity_sizing(full_catalog: tuple[Store, Path]) -> None:
    store, root = full_catalog
    offsets = {name: b["size_offset_cm"] for name, b in json.loads((root / TRUTH_FILE).read_text())["brands"].items()}
    with store.session() as s:
        rows = s.execute(select(m.Brand.name, m.Review.fit_feedback).join(m.Product, m.Product.brand_id == m.Brand.id)
                         .join(m.Review, m.Review.product_id == m.Product.id)).all()
    small = Counter(b for b, f in rows if f is m.FitFeedback.SMALL)
    large = Counter(b for b, f in rows if f is m.FitFeedback.LARGE)
    smallest = min(offsets, key=offsets.get)  # runs smallest
    largest = max(offsets, key=offsets.get)
    assert small[smallest] > large[smallest] and large[largest] > small[largest]


def test_returns_come_from_bodies_that_do_not_fit(full_catalog: tuple[Store, Path]) -> None:
    store, _ = full_catalog
    with store.session() as s:
        reasons = Counter(s.scalars(select(m.Interaction.reason).where(m.Interaction.kind == m.InteractionKind.RETURN)))
    assert reasons["too small"] + reasons["too large"] > sum(reasons.values()) / 2


def test_truth_file_describes_every_product_and_customer(full_catalog: tuple[Store, Path]) -> None:
    store, root = full_catalog
    truth = json.loads((root / TRUTH_FILE).read_text())
    with store.session() as s:
        skus = set(s.scalars(select(m.Product.sku)))
        customers = s.scalar(select(func.count()).select_from(m.Customer))
    assert set(truth["products"]) == skus and len(truth["customers"]) == customers
    some = next(iter(truth["customers"].values()))
    assert {"chest", "waist", "hip", "height"} <= set(some["body"]) and "style" in some["tastes"]
