from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import STAFF, tool


@tool()
def order_status(order_id: int | None = None) -> dict:
    """Where an order is: status, dates, tracking number, lines and the return deadline.

    Args:
        order_id: The order number; leave it out for the customer's newest orders.
    """
    ctx = current()
    # a shopper reaches only their own orders; staff reach any order, or the assisted customer's newest
    acting_for = None if ctx.persona == STAFF else ctx.need_customer()
    commerce = ctx.services.commerce
    if order_id is not None:
        return {"orders": [commerce.order(order_id, acting_for).as_dict()]}
    return {"orders": [o.as_dict() for o in commerce.orders(ctx.need_customer())]}
