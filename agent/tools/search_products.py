from __future__ import annotations

from agent.tools.cards import clamp_k
from agent.tools.context import current
from agent.tools.registry import tool
from index.products import Filters


@tool()
def search_products(query: str, category: str | None = None, colour: str | None = None,
                    max_price: float | None = None, size: str | None = None, k: int = 5,
                    order: str = "relevance") -> dict:
    """Search the catalog with the shopper's words and optional exact filters.

    Args:
        query: What the shopper wants, in their words, e.g. "navy linen shirt under 60, not striped".
        category: Only this category, e.g. shirt, dress, jeans, sneaker.
        colour: Only this colour, e.g. navy, red, black.
        max_price: Highest price in EUR.
        size: Only products with this size in stock, e.g. M or W32.
        k: How many results, 1 to 10.
        order: How to order the matches: by relevance, or by price for "the cheapest" or "the most expensive" (choices: ["relevance", "price_low", "price_high"])
    """
    ctx = current()
    filters = Filters(categories={category} if category else set(), colours={colour} if colour else set(),
                      price_max=max_price, size=size or None)
    found = ctx.services.search.search(text=query, k=clamp_k(k), filters=filters, order=order)
    return {"results": [h.as_dict() for h in found.hits], "understood": found.understood, "notes": found.notes}
