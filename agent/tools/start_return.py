from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import tool


@tool(consent=r"\b(return|refund|send\b.{0,30}\bback|exchange)\b")
def start_return(order_id: int, reason: str, product_id: int | None = None) -> dict:
    """Open a return for a delivered order, within the return window (only when the shopper asks for it).

    Args:
        order_id: The order number.
        reason: Why, in a few words, e.g. "too small".
        product_id: The one product to return; leave it out to return every item of the order.
    """
    ctx = current()
    return ctx.services.commerce.start_return(order_id, ctx.need_customer(), reason, product_id,
                                              staff_role=ctx.staff_role).as_dict()
