from __future__ import annotations

from agent.tools.context import ToolError, current
from agent.tools.registry import tool
from tryon.body import analyze


@tool()
def recommend_size(product_id: int, photo_id: str | None = None, height_cm: float | None = None) -> dict:
    """Which size of a product to take, from the brand's chart, the shopper's body and past returns.

    Args:
        product_id: The product, from earlier results.
        photo_id: A full-body photo of the shopper ("latest" for the newest), used with height_cm.
        height_cm: The shopper's height in cm; needed with a photo.
    """
    ctx = current()
    row = ctx.product(product_id)
    measurements = {}
    if photo_id is not None:
        if height_cm is None:
            raise ToolError("a photo gives proportions only; ask for the shopper's height in cm too.")
        measurements = analyze(ctx.image(photo_id)[1]).estimate(height_cm)
    if ctx.customer_id is not None:
        advice = ctx.services.sizes.for_customer(row.id, ctx.customer_id, measurements)
    elif measurements:
        advice = ctx.services.sizes.for_measurements(row.id, measurements)
    else:
        raise ToolError("to advise a size I need a full-body photo and the shopper's height, or a signed-in "
                        "customer with measurements on file.")
    return {"product_id": row.id, "title": row.title, "sizes_in_stock": list(row.sizes_in_stock),
            "in_stock": advice.size in row.sizes_in_stock if advice.size else False, **advice.as_dict()}
