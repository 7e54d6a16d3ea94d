from __future__ import annotations

from agent.tools.context import ToolContext, current
from agent.tools.registry import tool
from index.products import ProductRow
from tryon.fit import RegionFit, find_size, fit_words
from tryon.sizing import SizeAdvice


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
    if size and row.sizes:
        size = find_size(row.sizes, size, row.title)
    advice = None
    if ctx.customer_id is not None:
        advice = ctx.services.sizes.for_customer(row.id, ctx.customer_id)
    fits = _fits(ctx, row, size)
    return {"product_id": row.id, "title": row.title, "look": look, "fit": _fit(row, size, advice, fits),
            "fit_by_region": {f.region: f.word for f in fits},
            "advised_size": advice.size if advice else None,
            "in_stock": size in row.sizes_in_stock if size else bool(row.sizes_in_stock)}


def _fits(ctx: ToolContext, row: ProductRow, size: str | None) -> list[RegionFit]:
    """Per region, how the size sits on the customer's body: their record, or the conversation's latest photo
    with their height on record (the same body the try-on draws)."""
    if not size or ctx.customer_id is None:
        return []
    photo = ctx.image("latest")[1] if ctx.images else None
    return ctx.services.tryon.fit_for(row.id, size, ctx.customer_id, photo)


def _fit(row: ProductRow, size: str | None, advice: SizeAdvice | None, fits: list[RegionFit]) -> str:
    """The fit in words: per region first ("M is snug at the chest"), then how the size compares with ours."""
    if not size:
        return "no size chosen"
    words = fit_words(size, fits)
    against = _against_advice(row, size, advice, said_how=bool(words))
    if words or against:
        return "; ".join(part for part in (words, against) if part)
    return f"shown in {size}; tell me your height and send a full-body photo for size advice"


def _against_advice(row: ProductRow, size: str, advice: SizeAdvice | None, said_how: bool) -> str:
    """The size against the one we advise; said_how: the regions already say how it sits."""
    if advice is None or not advice.size:
        return ""
    order = [s.upper() for s in row.sizes]
    if size.upper() == advice.size.upper():
        return (f"{size} is the size we advise for you" if said_how else
                f"{size} is the size we advise for you: it should sit as designed ({row.fit} fit)")
    if size.upper() in order and advice.size.upper() in order:
        looser = order.index(size.upper()) > order.index(advice.size.upper())
        return (f"{size} is {'larger' if looser else 'smaller'} than the {advice.size} we advise: it will sit "
                f"{'looser' if looser else 'tighter'} than the {row.fit} fit intended")
    return ""
