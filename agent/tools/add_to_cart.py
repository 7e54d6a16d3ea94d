from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import tool


@tool(consent=r"\b(add|cart|bag|basket|buy|take|get|order|purchase)\b")
def add_to_cart(product_id: int, size: str, quantity: int = 1) -> dict:
    """Put a product in a size into the shopper's cart (only when the shopper asks for it).

    Args:
        product_id: The product, from earlier results.
        size: The size label, e.g. M, W32 or 42.
        quantity: How many, 1 to 10.
    """
    ctx = current()
    row = ctx.product(product_id)
    cart = ctx.services.commerce.add_to_cart(ctx.cart_owner, row.id, size, quantity, ctx.customer_id)
    return {"added": {"product_id": row.id, "size": size.upper(), "quantity": quantity}, "cart": cart.as_dict()}
