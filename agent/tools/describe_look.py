from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import tool


@tool()
def describe_look(product_id: int, size: str | None = None) -> dict:
    """Describe how a product looks and fits on the shopper, in words: colour, pattern, cut, and the size.

    Args:
        product_id: The product tried on.
        size: The size tried on, if any.
    """
    ctx = current()
    row = ctx.product(product_id)
    colours = " and ".join(row.colours)
    pattern = "" if row.pattern in ("solid", "") else f"{row.pattern} "
    look = f"a {colours} {pattern}{row.category.replace('-', ' ')} in {row.material}, {row.fit} fit"
    fit = "no size chosen"
    advice = None
    if ctx.customer_id is not None:
        advice = ctx.services.sizes.for_customer(row.id, ctx.customer_id)
    if size and advice and advice.size:
        order = list(row.sizes)
        if size.upper() == advice.size.upper():
            fit = f"{size} is the size we advise for you: it should sit as designed ({row.fit} fit)"
        elif size.upper() in order and advice.size in order:
            looser = order.index(size.upper()) > order.index(advice.size)
            fit = (f"{size} is {'larger' if looser else 'smaller'} than the {advice.size} we advise: it will sit "
                   f"{'looser' if looser else 'tighter'} than the {row.fit} fit intended")
    elif size:
        fit = f"shown in {size}; tell me your height and send a full-body photo for size advice"
    return {"product_id": row.id, "title": row.title, "look": look, "fit": fit,
            "advised_size": advice.size if advice else None,
            "in_stock": size.upper() in row.sizes_in_stock if size else bool(row.sizes_in_stock)}
