"""The catalog schema: the one place that says what the store holds.

Typed SQLAlchemy 2.0 ORM; every column type works on SQLite and PostgreSQL. Enumerations are
stored as strings (no native enum types) so migrations stay the same on both.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, DateTime, Enum, ForeignKey, Index, MetaData, Numeric, String, Text, UniqueConstraint,
                        true)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite hands timestamps back naive)."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        datetime: DateTime(timezone=True),
        Decimal: Numeric(10, 2),
    }


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class InteractionKind(enum.StrEnum):
    VIEW = "view"
    CART = "cart"
    PURCHASE = "purchase"
    RETURN = "return"


class FitFeedback(enum.StrEnum):
    SMALL = "small"
    TRUE = "true"
    LARGE = "large"


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"


class FitPreference(enum.StrEnum):
    SLIM = "slim"
    REGULAR = "regular"
    RELAXED = "relaxed"


class Brand(Base):
    __tablename__ = "brands"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    products: Mapped[list[Product]] = relationship(back_populates="brand")
    size_charts: Mapped[list[SizeChartRow]] = relationship(back_populates="brand")


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), index=True, doc=(
        "The taxonomy's category (index/taxonomy.yaml), or 'other' when the merchant's words map to none."))
    family: Mapped[str] = mapped_column(String(32), index=True, default="", server_default="")
    merchant_category: Mapped[str] = mapped_column(String(200), default="", server_default="", doc=(
        "The merchant's own words for the category, kept for display and search."))
    gender: Mapped[str] = mapped_column(String(16), default="unisex")
    colours: Mapped[list[str]] = mapped_column(default=list, doc="Colour families the merchant gave (mapped).")
    colour_names: Mapped[list[str]] = mapped_column(default=list, server_default="[]", doc=(
        "The merchant's own colour names ('Heather Grey'), kept for display and search."))
    pattern: Mapped[str] = mapped_column(String(16), default="", doc="'' when the merchant gave none: unknown.")
    material: Mapped[str] = mapped_column(String(64), default="")
    fit: Mapped[str] = mapped_column(String(16), default="regular")
    price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    size_system: Mapped[str] = mapped_column(String(16), default="", server_default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    inferred: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}", doc=(
        "Attributes read from the product's image at index time (retrieval/enrich.py), each with its "
        "confidence; they stand in only where the merchant gave nothing. Never written by an import."))
    active: Mapped[bool] = mapped_column(default=True, server_default=true(), doc=(
        "False once retired (a full import's file no longer lists it): hidden from search, kept for orders."))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    brand: Mapped[Brand] = relationship(back_populates="products")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductImage.position"
    )


class Variant(Base):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("product_id", "size_label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    size_label: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    stock: Mapped[int] = mapped_column(default=0)
    product: Mapped[Product] = relationship(back_populates="variants")


class ProductImage(Base):
    __tablename__ = "product_images"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(400), doc="Relative to the data directory.")
    position: Mapped[int] = mapped_column(default=0)
    width: Mapped[int]
    height: Mapped[int]
    view: Mapped[str] = mapped_column(String(16), default="front")
    product: Mapped[Product] = relationship(back_populates="images")


class SizeChartRow(Base):
    """One size of one brand's chart for one category: body-measurement ranges in cm."""

    __tablename__ = "size_charts"
    __table_args__ = (UniqueConstraint("brand_id", "category", "size_label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    size_label: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0, doc="Order of the size in the chart, smallest first.")
    chest_min: Mapped[float | None]
    chest_max: Mapped[float | None]
    waist_min: Mapped[float | None]
    waist_max: Mapped[float | None]
    hip_min: Mapped[float | None]
    hip_max: Mapped[float | None]
    inseam_min: Mapped[float | None]
    inseam_max: Mapped[float | None]
    height_min: Mapped[float | None]
    height_max: Mapped[float | None]
    foot_min: Mapped[float | None] = mapped_column(doc="Foot length, for shoes.")
    foot_max: Mapped[float | None]
    brand: Mapped[Brand] = relationship(back_populates="size_charts")


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    gender: Mapped[str] = mapped_column(String(16), default="unisex")
    height_cm: Mapped[float | None]
    chest_cm: Mapped[float | None] = mapped_column(doc="Stated by the customer, when known.")
    waist_cm: Mapped[float | None]
    hip_cm: Mapped[float | None]
    inseam_cm: Mapped[float | None]
    foot_cm: Mapped[float | None]
    fit_preference: Mapped[FitPreference] = mapped_column(_enum(FitPreference), default=FitPreference.REGULAR)
    known_sizes: Mapped[dict[str, Any]] = mapped_column(
        default=dict, doc='Sizes the customer says they wear, e.g. {"tops": "M", "jeans": "W32"}.'
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_customer_time", "customer_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    kind: Mapped[InteractionKind] = mapped_column(_enum(InteractionKind))
    size_label: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64), doc="Why, for returns: too small, too large, ...")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    stars: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    size_label: Mapped[str | None] = mapped_column(String(16))
    fit_feedback: Mapped[FitFeedback | None] = mapped_column(_enum(FitFeedback))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan")


class OrderLine(Base):
    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    size_label: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Decimal]
    returned: Mapped[bool] = mapped_column(default=False)
    return_reason: Mapped[str | None] = mapped_column(String(64))
    order: Mapped[Order] = relationship(back_populates="lines")


class Conversation(Base):
    """The audit log of one chat: messages and the tool calls made for them."""

    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64), unique=True)
    persona: Mapped[str] = mapped_column(String(16), default="shopper")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", order_by="Message.id"
    )


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list[str]] = mapped_column(default=list, doc="PhotoUpload ids; never the photos themselves.")
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict, doc="Planner, timings and notes of the turn.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    tool_calls: Mapped[list[ToolCall]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="ToolCall.id"
    )


class ToolCall(Base):
    __tablename__ = "tool_calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    message: Mapped[Message] = relationship(back_populates="tool_calls")


class CartItem(Base):
    """A line in a shopper's cart: a customer's when known, else the conversation's."""

    __tablename__ = "cart_items"
    __table_args__ = (UniqueConstraint("owner", "product_id", "size_label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80), index=True, doc='"customer:12" or "session:KEY".')
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    size_label: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(default=1)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhotoUpload(Base):
    """A shopper's photo: personal data, kept only until expires_at."""

    __tablename__ = "photo_uploads"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="Content hash; also the file's name.")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), doc="Relative to the data directory.")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class CatalogMeta(Base):
    """Key-value facts about the catalog, such as its version (bumped on every change)."""

    __tablename__ = "catalog_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
