from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import tool


@tool()
def view_cart() -> dict:
    """What is in the shopper's cart, with the total and whether each line is still in stock."""
    ctx = current()
    return ctx.services.commerce.cart(ctx.cart_owner).as_dict()
