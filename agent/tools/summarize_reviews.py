from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import tool
from index.reviews import summarize
from tryon.sizing import review_verdict


@tool()
def summarize_reviews(product_id: int) -> dict:
    """What reviewers say about a product: stars, overall sentiment, how it fits, and a few short quotes.

    Args:
        product_id: The product, from earlier results.
    """
    ctx = current()
    row = ctx.product(product_id)
    summary = summarize(ctx.services.store, row.id)
    _, fit_verdict = review_verdict(summary.fit)
    return {"title": row.title, **summary.as_dict(), "fit_verdict": fit_verdict or "no clear fit verdict"}
