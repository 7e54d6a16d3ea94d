from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import tool


# "add", "buy", "purchase"; the cart only as where something is put; "take", "get" and "order" only with what
# is taken ("I'll take it", "get me this", "order one"): "where is my order?" and "I'll take a look" ask nothing.
@tool(consent=r"\b(add|buy|purchase)\b|\b(put|place|pop|stick|throw|toss|drop|move)\b.{0,30}\b(in|into|to)\s+"
              r"(my|the|your|a)?\s*(shopping\s+)?(cart|bag|basket)\b|"
              r"\bi(\s*'ll|\s+will|\s*'d|\s+would)\s+take\s+(it|this|that|these|those|them|the|one|both)\b|"
              r"\bget\s+me\s+(it|this|that|these|those|them|one|both|#\d+|the\s+(\w+\s+)?(one|pair)|a\s+pair)\b|"
              r"\border\s+(it|this|that|these|those|them|one|both)\b")
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
