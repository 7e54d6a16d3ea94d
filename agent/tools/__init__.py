"""The agent's tools, one module each; importing this package registers them all."""

from agent.tools import (  # noqa: F401 (registration on import)
    add_to_cart,
    analyze_body,
    compare_products,
    customer_history,
    describe_look,
    draft_reply,
    find_similar,
    get_product,
    order_status,
    recommend_for_me,
    recommend_size,
    search_products,
    start_return,
    summarize_reviews,
    view_cart,
    virtual_try_on,
)
from agent.tools.context import ToolContext, ToolError
from agent.tools.registry import REGISTRY, ToolOutcome, run_tool, schemas_for, tools_for

__all__ = ["REGISTRY", "ToolContext", "ToolError", "ToolOutcome", "run_tool", "schemas_for", "tools_for"]
