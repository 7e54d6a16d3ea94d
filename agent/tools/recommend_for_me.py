from __future__ import annotations

from agent.tools.cards import clamp_k
from agent.tools.context import current
from agent.tools.registry import tool
from index.products import Filters


@tool()
def recommend_for_me(k: int = 5, category: str | None = None, max_price: float | None = None) -> dict:
    """Products this customer is likely to want, from what people with similar taste bought.

    Args:
        k: How many, 1 to 10.
        category: Only this category, e.g. dress.
        max_price: Highest price in EUR.
    """
    ctx = current()
    customer = ctx.need_customer()
    filters = Filters.from_options(category=category, max_price=max_price)
    found = ctx.services.recommender.recommend(ctx.services.store, customer, clamp_k(k), filters,
                                               [(p, "view") for p in ctx.viewed])
    return {"results": [r.as_dict() for r in found.items], "model": found.model, "notes": found.notes}
