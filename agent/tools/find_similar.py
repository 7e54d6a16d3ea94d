from __future__ import annotations

from agent.tools.cards import clamp_k
from agent.tools.context import ToolError, current
from agent.tools.registry import tool
from index.images import open_image


@tool()
def find_similar(product_id: int | None = None, photo_id: str | None = None, change: str = "", k: int = 5) -> dict:
    """Find garments that look like a catalog product or a shopper's photo, optionally changed in words.

    Args:
        product_id: A product from earlier results to start from.
        photo_id: A photo the shopper sent ("latest" for the newest); used when product_id is not given.
        change: What to change, in words, e.g. "in navy", "without stripes", "longer", "under 50".
        k: How many results, 1 to 10.
    """
    ctx = current()
    if product_id is not None:
        row = ctx.product(product_id)
        if not row.image:
            raise ToolError(f"product {product_id} has no image to compare with; search by words instead.")
        image = open_image(ctx.services.settings.data_dir / row.image)
    elif photo_id is not None:
        _, image = ctx.image(photo_id)
    else:
        raise ToolError("give a product_id from earlier results or a photo_id of the shopper's photo.")
    found = ctx.services.search.search(text=change, image=image, k=clamp_k(k) + 1)
    hits = [h.as_dict() for h in found.hits if h.product.id != product_id][: clamp_k(k)]
    return {"results": hits, "understood": found.understood, "notes": found.notes,
            "seen_in_photo": found.image_attributes}
