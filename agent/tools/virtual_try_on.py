from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import tool


@tool()
def virtual_try_on(product_id: int, photo_id: str = "latest", size: str | None = None) -> dict:
    """Show a product on the shopper's own photo; returns the picture.

    Args:
        product_id: The product, from earlier results (tops, bottoms and dresses).
        photo_id: The shopper's photo ("latest" for the newest).
        size: The size to show, e.g. M; drawn to the shopper's measurements when known (the result's fit says
            where it sits snug or loose), else a larger size sits looser. Leave it out for the middle size.
    """
    ctx = current()
    row = ctx.product(product_id)
    photo, image = ctx.image(photo_id)
    outcome = ctx.services.tryon.try_on(image, row.id, size, customer_id=ctx.customer_id, photo_id=photo)
    data_dir = ctx.services.settings.data_dir
    # the fit sentence goes in "fit", not twice: describe_look says it in words beside the picture
    notes = [n for n in outcome.notes if n != outcome.fit]
    return {"product_id": row.id, "title": row.title, "size": outcome.size, "engine": outcome.engine, "photo_id": photo,
            "image": str(outcome.path.relative_to(data_dir)) if outcome.path else None, "cached": outcome.cached,
            "fit": outcome.fit,
            "notes": notes + ([] if outcome.path else ["the picture is not kept: photo retention is 0 days."])}
