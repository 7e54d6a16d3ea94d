from __future__ import annotations

from agent.tools.context import current
from agent.tools.registry import STAFF, tool


@tool(personas=(STAFF,))
def customer_history() -> dict:
    """The assisted customer at a glance: sizes, fit preference, orders, returns and their reasons, reviews."""
    ctx = current()
    return ctx.services.commerce.customer_history(ctx.need_customer())
