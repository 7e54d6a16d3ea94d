from __future__ import annotations

from agent.tools.context import ToolError, current
from agent.tools.registry import tool
from index.reviews import summarize

COMPARED = ("price", "brand", "category", "colours", "pattern", "material", "fit", "sizes_in_stock")


@tool()
def compare_products(product_ids: list[int]) -> dict:
    """Compare two to four products side by side: price, material, fit, sizes in stock, review stars.

    Args:
        product_ids: The products to compare, from earlier results.
    """
    ctx = current()
    ids = list(dict.fromkeys(product_ids))
    if not 2 <= len(ids) <= 4:
        raise ToolError("compare two to four different products.")
    rows = [ctx.product(i) for i in ids]
    cards = []
    for row in rows:
        reviews = summarize(ctx.services.store, row.id, quotes=0)
        cards.append(row.card() | {"material": row.material, "fit": row.fit,
                                          "average_stars": reviews.average_stars, "reviews": reviews.count})
    differs = [f for f in COMPARED if len({str(c[f]) for c in cards}) > 1]
    cheapest = min(cards, key=lambda c: c["price"])
    return {"products": cards, "differs_in": differs, "cheapest": cheapest["product_id"]}
