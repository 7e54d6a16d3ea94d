"""The store round-trips every table, on SQLite and PostgreSQL, and its migrations match the models."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from index import models as m
from index.store import Store, StoreError

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _fill(session) -> dict[str, int]:  # noqa: ANN001
    brand = m.Brand(name="Nordlys", description="basics")
    product = m.Product(sku="NRD-TSH-1", brand=brand, title="Navy tee", description="soft", category="t-shirt",
                        gender="men", colours=["navy", "white"], pattern="stripes", material="cotton", fit="slim",
                        price=Decimal("19.95"), currency="EUR", attributes={"sleeve": "short", "tags": ["basic"]},
                        variants=[m.Variant(size_label="S", stock=0, position=0), m.Variant(size_label="M", stock=3, position=1)],
                        images=[m.ProductImage(path="images/a.png", width=512, height=640)])
    chart = m.SizeChartRow(brand=brand, category="t-shirt", size_label="M", position=2, chest_min=96.0, chest_max=102.0)
    customer = m.Customer(name="Ana Berg", email="ana@example.com", gender="women", height_cm=168.5, chest_cm=92.0,
                          fit_preference=m.FitPreference.RELAXED, known_sizes={"tops": "M"}, created_at=T0)
    session.add_all([product, chart, customer])
    session.flush()
    order = m.Order(customer_id=customer.id, status=m.OrderStatus.SHIPPED, placed_at=T0, shipped_at=T0 + timedelta(days=1),
                    tracking_number="TRK1", total=Decimal("19.95"),
                    lines=[m.OrderLine(product_id=product.id, size_label="M", unit_price=Decimal("19.95"),
                                       returned=True, return_reason="too small")])
    conversation = m.Conversation(session_key="abc", persona="shopper", customer_id=customer.id, messages=[
        m.Message(role="user", content="navy tee?", photo_ids=["p1"], tool_calls=[
            m.ToolCall(name="search_products", arguments={"query": "navy tee"}, result={"ids": [product.id]},
                       duration_ms=12.5)])])
    session.add_all([
        order, conversation,
        m.Interaction(customer_id=customer.id, product_id=product.id, kind=m.InteractionKind.RETURN, size_label="M",
                      reason="too small", created_at=T0),
        m.Review(product_id=product.id, customer_id=customer.id, stars=4, title="Nice", text="Runs small",
                 size_label="M", fit_feedback=m.FitFeedback.SMALL, created_at=T0),
        m.PhotoUpload(id="p1", customer_id=customer.id, path="photos/p1.jpg", created_at=T0,
                      expires_at=T0 + timedelta(days=30)),
        m.CatalogMeta(key="catalog_version", value="3"),
    ])
    return {"customer": customer.id, "product": product.id}


def test_every_table_round_trips(store: Store) -> None:
    with store.session() as s:
        ids = _fill(s)
    with store.session() as s:
        product = s.scalar(select(m.Product).options(selectinload(m.Product.variants), selectinload(m.Product.images)))
        assert (product.sku, product.brand.name, product.price, product.colours) == ("NRD-TSH-1", "Nordlys", Decimal("19.95"), ["navy", "white"])
        assert product.attributes == {"sleeve": "short", "tags": ["basic"]}
        assert [(v.size_label, v.stock) for v in product.variants] == [("S", 0), ("M", 3)]
        assert product.images[0].width == 512
        chart = s.scalar(select(m.SizeChartRow))
        assert (chart.chest_min, chart.chest_max, chart.waist_min) == (96.0, 102.0, None)
        customer = s.get(m.Customer, ids["customer"])
        assert customer.fit_preference is m.FitPreference.RELAXED and customer.known_sizes == {"tops": "M"}
        assert customer.created_at.replace(tzinfo=timezone.utc) == T0
        order = s.scalar(select(m.Order))
        assert order.status is m.OrderStatus.SHIPPED and order.lines[0].return_reason == "too small"
        interaction = s.scalar(select(m.Interaction))
        assert interaction.kind is m.InteractionKind.RETURN
        review = s.scalar(select(m.Review))
        assert review.fit_feedback is m.FitFeedback.SMALL and review.stars == 4
        message = s.scalar(select(m.Conversation)).messages[0]
        assert message.photo_ids == ["p1"] and message.tool_calls[0].result == {"ids": [ids["product"]]}
        assert s.get(m.PhotoUpload, "p1").path == "photos/p1.jpg"
    assert store.catalog_version() == 3


def test_sku_is_unique(store: Store) -> None:
    with store.session() as s:
        _fill(s)
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        with store.session() as s:
            brand = s.scalar(select(m.Brand))
            s.add(m.Product(sku="NRD-TSH-1", brand=brand, title="x", category="t-shirt", price=Decimal("1")))


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == [], "the models changed without a migration: run alembic revision --autogenerate"


def test_migrate_twice_is_harmless_and_ping_reports_the_schema(store: Store) -> None:
    store.migrate()
    assert store.revision() == Store.head_revision()
    assert "answers" in store.ping()


def test_ping_on_an_unmigrated_database_says_what_to_run(tmp_path) -> None:  # noqa: ANN001
    fresh = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with pytest.raises(StoreError, match="shopagent db upgrade"):
        fresh.ping()


def test_unreachable_database_is_a_clear_error() -> None:
    store = Store("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="cannot reach the database"):
        store.migrate()


def test_malformed_database_url_says_how_to_write_one() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store("catalog.sqlite")
