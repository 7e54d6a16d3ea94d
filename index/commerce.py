"""Carts, orders and returns: the shop's records, with the rules that guard them.

Every call that reads or changes an order takes the customer it acts for. A shopper's agent
passes the signed-in customer, so another customer's order is "not found" whatever the shopper
types (the same answer as a number that does not exist, so ids cannot be probed); staff pass
None and see any order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from index import models as m
from index.store import Store
from shopagent.errors import ShopError

RETURNABLE = (m.OrderStatus.DELIVERED, m.OrderStatus.RETURN_REQUESTED)
MAX_QUANTITY = 10
RETURN_ROLES = ("lead",)  # staff roles that may start a return for the customer they are helping


class CommerceError(ShopError):
    """A request about carts, orders or returns that cannot be carried out; the message says why."""

    code = "commerce_refused"


class NotFound(CommerceError, LookupError):
    """No such order, product or customer (for this customer)."""

    code = "not_found"


class NeedsLead(CommerceError):
    """A staff role that may not start returns asked for one."""

    code = "needs_lead"


class ReturnRefused(CommerceError):
    """The return policy does not allow this return."""

    code = "return_refused"


@dataclass
class LineView:
    product_id: int
    sku: str
    title: str
    size: str
    quantity: int
    unit_price: float
    returned: bool
    return_reason: str | None


@dataclass
class OrderView:
    order_id: int
    customer_id: int
    status: str
    placed_at: str
    shipped_at: str | None
    delivered_at: str | None
    tracking_number: str | None
    total: float
    currency: str
    lines: list[LineView]
    return_open_until: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class CartLine:
    product_id: int
    sku: str
    title: str
    size: str
    quantity: int
    unit_price: float
    in_stock: bool


@dataclass
class CartView:
    owner: str
    lines: list[CartLine] = field(default_factory=list)
    currency: str = "EUR"

    @property
    def total(self) -> float:
        return round(sum(line.unit_price * line.quantity for line in self.lines), 2)

    def as_dict(self) -> dict:
        return {"lines": [asdict(line) for line in self.lines], "total": self.total, "currency": self.currency}


@dataclass
class ReturnStarted:
    order_id: int
    product_ids: list[int]
    reason: str
    refund: float
    currency: str
    instructions: str

    def as_dict(self) -> dict:
        return asdict(self)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value else None


def cart_owner(customer_id: int | None, session_key: str) -> str:
    """Whose cart: a signed-in customer keeps theirs across conversations; a guest's lives with the chat."""
    return f"customer:{customer_id}" if customer_id is not None else f"session:{session_key}"


class Commerce:
    def __init__(self, store: Store, return_window_days: int = 30,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.store = store
        self.return_window = timedelta(days=return_window_days)
        self.now = now

    # ------------------------------------------------------------ orders

    def _order(self, s: Session, order_id: int, customer_id: int | None) -> m.Order:
        order = s.get(m.Order, order_id, options=[selectinload(m.Order.lines)])
        if order is None or (customer_id is not None and order.customer_id != customer_id):
            whose = "on your account" if customer_id is not None else "in the shop"
            raise NotFound(f"there is no order {order_id} {whose}; check the number in the confirmation e-mail.")
        return order

    def _view(self, s: Session, order: m.Order) -> OrderView:
        products = {p.id: p for p in s.scalars(select(m.Product).where(
            m.Product.id.in_([line.product_id for line in order.lines])))}
        lines = [LineView(line.product_id, products[line.product_id].sku, products[line.product_id].title,
                          line.size_label, line.quantity, float(line.unit_price), line.returned, line.return_reason)
                 for line in order.lines]
        until = None
        if order.status in RETURNABLE and order.delivered_at:
            until = _iso(m.aware(order.delivered_at) + self.return_window)
        return OrderView(order.id, order.customer_id, str(order.status), _iso(order.placed_at), _iso(order.shipped_at),
                         _iso(order.delivered_at), order.tracking_number, float(order.total), order.currency, lines,
                         until)

    def order(self, order_id: int, customer_id: int | None) -> OrderView:
        """One order; customer_id None means staff, who may see any order."""
        with self.store.session() as s:
            return self._view(s, self._order(s, order_id, customer_id))

    def orders(self, customer_id: int, limit: int = 5) -> list[OrderView]:
        """The customer's newest orders."""
        with self.store.session() as s:
            found = s.scalars(select(m.Order).where(m.Order.customer_id == customer_id)
                              .options(selectinload(m.Order.lines))
                              .order_by(m.Order.placed_at.desc()).limit(limit)).all()
            return [self._view(s, o) for o in found]

    def start_return(self, order_id: int, customer_id: int, reason: str, product_id: int | None = None,
                     staff_role: str | None = None) -> ReturnStarted:
        """Open a return for one line (or every open line) if the policy allows it.

        customer_id is always the customer the return is for: the shopper themself, or the customer a
        staff member is helping (staff_role set). Staff act only on that customer's orders, and only
        the roles in RETURN_ROLES may start a return; any other role is told a lead must confirm it.
        """
        if staff_role is not None and staff_role not in RETURN_ROLES:
            raise NeedsLead(f"starting a return needs the lead role ({staff_role} cannot); ask a lead to confirm "
                            "this return for the customer.")
        reason = reason.strip()
        if not reason:
            raise ReturnRefused("a return needs a reason, e.g. 'too small' or 'not as pictured'.")
        with self.store.session() as s:
            order = self._order(s, order_id, customer_id)
            if order.status not in RETURNABLE or order.delivered_at is None:
                raise ReturnRefused(f"order {order_id} is {order.status}; only delivered orders can be returned"
                                    + (" (cancel it instead)." if order.status in ("placed", "paid") else "."))
            deadline = m.aware(order.delivered_at) + self.return_window
            if self.now() > deadline:
                raise ReturnRefused(f"the {self.return_window.days}-day return window for order {order_id} closed on "
                                    f"{deadline.date().isoformat()}.")
            lines = [line for line in order.lines if product_id is None or line.product_id == product_id]
            if not lines:
                raise NotFound(f"order {order_id} has no product {product_id}.")
            open_lines = [line for line in lines if not line.returned and not line.return_reason]
            if not open_lines:
                raise ReturnRefused(f"a return for {'that item' if product_id else 'order ' + str(order_id)} "
                                    "is already open or done.")
            for line in open_lines:
                line.return_reason = reason[:64]
            order.status = m.OrderStatus.RETURN_REQUESTED
            refund = round(sum(float(line.unit_price) * line.quantity for line in open_lines), 2)
            return ReturnStarted(order_id, [line.product_id for line in open_lines], reason[:64], refund,
                                 order.currency, f"Pack the item(s) with the order number {order_id}; the label is "
                                 f"on its way by e-mail. Refund of {refund:.2f} {order.currency} after we receive "
                                 "them.")

    # ------------------------------------------------------------ carts

    def cart(self, owner: str) -> CartView:
        with self.store.session() as s:
            rows = s.execute(select(m.CartItem, m.Product).join(m.Product, m.Product.id == m.CartItem.product_id)
                             .where(m.CartItem.owner == owner).order_by(m.CartItem.id)).all()
            stock = self._stock(s, [p.id for _, p in rows])
            return CartView(owner, [CartLine(p.id, p.sku, p.title, c.size_label, c.quantity, float(p.price),
                                             stock.get((p.id, c.size_label), 0) >= c.quantity) for c, p in rows])

    @staticmethod
    def _stock(s: Session, product_ids: list[int]) -> dict[tuple[int, str], int]:
        rows = s.execute(select(m.Variant.product_id, m.Variant.size_label, m.Variant.stock)
                         .where(m.Variant.product_id.in_(product_ids))).all()
        return {(pid, size): stock for pid, size, stock in rows}

    def add_to_cart(self, owner: str, product_id: int, size: str, quantity: int = 1,
                    customer_id: int | None = None) -> CartView:
        """Add a size of a product; refused when the size does not exist or is sold out."""
        if not 1 <= quantity <= MAX_QUANTITY:
            raise CommerceError(f"quantity must be between 1 and {MAX_QUANTITY}.")
        with self.store.session() as s:
            product = s.get(m.Product, product_id, options=[selectinload(m.Product.variants)])
            if product is None:
                raise NotFound(f"there is no product {product_id}; use an id from a search result.")
            sizes = {v.size_label.upper(): v for v in product.variants}
            variant = sizes.get(size.strip().upper())
            if variant is None:
                raise CommerceError(f"{product.title} comes in {', '.join(v.size_label for v in product.variants)}; "
                                    f"there is no size {size!r}.")
            item = s.scalars(select(m.CartItem).where(m.CartItem.owner == owner, m.CartItem.product_id == product_id,
                                                      m.CartItem.size_label == variant.size_label)).first()
            wanted = quantity + (item.quantity if item else 0)
            if variant.stock < wanted:
                left = f"only {variant.stock} left" if variant.stock else "sold out"
                raise CommerceError(f"{product.title} in {variant.size_label} is {left}; in stock: "
                                    f"{', '.join(v.size_label for v in product.variants if v.stock > 0) or 'none'}.")
            if item:
                item.quantity = wanted
            else:
                s.add(m.CartItem(owner=owner, product_id=product_id, size_label=variant.size_label, quantity=quantity))
            if customer_id is not None:
                s.add(m.Interaction(customer_id=customer_id, product_id=product_id, kind=m.InteractionKind.CART,
                                    size_label=variant.size_label))
        return self.cart(owner)

    # ------------------------------------------------------------ the customer, for staff

    def find_customers(self, query: str, limit: int = 10) -> list[tuple[int, str, str]]:
        """(id, name, e-mail) of customers whose name or e-mail contains the words, or whose id it is."""
        query = query.strip()
        if not query:
            return []
        with self.store.session() as s:
            if query.isdigit():
                found = s.get(m.Customer, int(query))
                return [(found.id, found.name, found.email)] if found else []
            pattern = f"%{query.lower()}%"
            rows = s.scalars(select(m.Customer).where(func.lower(m.Customer.name).like(pattern)
                                                      | func.lower(m.Customer.email).like(pattern))
                             .order_by(m.Customer.id).limit(limit)).all()
            return [(c.id, c.name, c.email) for c in rows]

    def customer_history(self, customer_id: int) -> dict:
        """Who the customer is and what they did: the copilot's first look."""
        with self.store.session() as s:
            c = s.get(m.Customer, customer_id)
            if c is None:
                raise NotFound(f"there is no customer {customer_id}.")
            kinds = dict(s.execute(select(m.Interaction.kind, func.count()).where(m.Interaction.customer_id == customer_id)
                                   .group_by(m.Interaction.kind)).all())
            reasons = Counter(r for (r,) in s.execute(select(m.OrderLine.return_reason).join(m.Order).where(
                m.Order.customer_id == customer_id, m.OrderLine.return_reason.is_not(None))))
            stars = s.execute(select(func.count(), func.avg(m.Review.stars)).where(
                m.Review.customer_id == customer_id)).one()
        return {"customer_id": c.id, "name": c.name, "email": c.email, "since": _iso(c.created_at),
                "known_sizes": dict(c.known_sizes or {}), "fit_preference": str(c.fit_preference),
                "views": kinds.get(m.InteractionKind.VIEW, 0), "carts": kinds.get(m.InteractionKind.CART, 0),
                "purchases": kinds.get(m.InteractionKind.PURCHASE, 0), "returns": kinds.get(m.InteractionKind.RETURN, 0),
                "return_reasons": dict(reasons.most_common(5)), "reviews": int(stars[0]),
                "average_stars": round(float(stars[1]), 2) if stars[1] is not None else None,
                "recent_orders": [o.as_dict() for o in self.orders(customer_id, 5)]}
