from __future__ import annotations

from agent.text import clip
from agent.tools.context import current
from agent.tools.registry import tool

DESCRIPTION_CHARS = 1500  # a catalog's description can be megabytes; the shopper reads the start


@tool()
def get_product(product_id: int) -> dict:
    """Details of one product: description, material, fit, sizes in stock and the brand's size chart.

    Args:
        product_id: The product, from earlier results.
    """
    ctx = current()
    row = ctx.product(product_id)
    chart = ctx.services.sizes.chart_for(row.id)
    ctx.viewed.append(row.id)
    return {"product": row.card() | {"description": clip(row.description, DESCRIPTION_CHARS), "material": row.material,
                                            "fit": row.fit, "gender": row.gender, "sizes": list(row.sizes),
                                            "details": row.attributes},
            "size_chart_cm": [{"size": r.size_label} | {k: list(v) for k, v in r.ranges.items()} for r in chart]}
