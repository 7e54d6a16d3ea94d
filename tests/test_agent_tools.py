"""The tool registry, each tool over the demo shop, and the rules that guard carts, orders and returns."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from agent.tools import REGISTRY, ToolContext, run_tool, schemas_for, tools_for
from agent.tools.registry import tool
from index import models as m
from index.commerce import Commerce, CommerceError, NotFound, ReturnRefused

SHOPPER_TOOLS = {"search_products", "find_similar", "get_product", "compare_products", "recommend_for_me",
                 "analyze_body", "recommend_size", "summarize_reviews", "add_to_cart", "view_cart", "order_status",
                 "start_return"}


def ctx(agent, persona: str = "shopper", customer: int | None = 1, text: str = "") -> ToolContext:  # noqa: ANN001
    return ToolContext(agent.services, persona, customer, "test-session", {}, user_text=text)


def orders_by_customer(store) -> dict[int, list[m.Order]]:  # noqa: ANN001
    with store.session() as s:
        out: dict[int, list[m.Order]] = {}
        for o in s.scalars(select(m.Order)):
            out.setdefault(o.customer_id, []).append(o)
        return out


def test_schemas_come_from_signatures_and_docstrings() -> None:
    for t in REGISTRY.values():
        fn = t.schema["function"]
        assert fn["name"] == t.name and fn["description"]
        for name, prop in fn["parameters"]["properties"].items():
            assert prop.get("description"), f"{t.name}.{name} has no description"
    search = REGISTRY["search_products"].schema["function"]["parameters"]
    assert search["required"] == ["query"] and search["properties"]["k"]["type"] == "integer"
    assert REGISTRY["draft_reply"].schema["function"]["parameters"]["properties"]["topic"]["enum"][0] == "order_status"


def test_personas_get_different_tools() -> None:
    shopper = {t.name for t in tools_for("shopper")}
    staff = {t.name for t in tools_for("staff")}
    assert SHOPPER_TOOLS <= shopper and not {"customer_history", "draft_reply"} & shopper
    assert {"customer_history", "draft_reply", "order_status", "search_products"} <= staff
    assert len(schemas_for("staff")) == len(staff)


def test_errors_are_structured(shop_agent) -> None:  # noqa: ANN001
    c = ctx(shop_agent)
    assert run_tool("delete_everything", {}, c).error["code"] == "unknown_tool"
    assert run_tool("customer_history", {}, c).error["code"] == "unknown_tool"  # staff only
    bad = run_tool("get_product", {"product_id": "seven"}, c)
    assert bad.error["code"] == "bad_arguments" and "product_id" in bad.error["message"]
    assert run_tool("get_product", {"product_id": 1, "colour": "red"}, c).error["code"] == "bad_arguments"
    missing = run_tool("get_product", {"product_id": 99999}, c)
    assert missing.error["code"] == "tool_refused" and "search result" in missing.error["message"]
    assert run_tool("get_product", {"product_id": "3"}, c).ok  # coerced like a JSON number


def test_a_slow_tool_is_cut_off(shop_agent) -> None:  # noqa: ANN001
    @tool()
    def slow_tool_for_test(seconds: float) -> dict:
        """Sleeps.

        Args:
            seconds: How long.
        """
        time.sleep(seconds)
        return {}

    try:
        outcome = run_tool("slow_tool_for_test", {"seconds": 2}, ctx(shop_agent), timeout_s=0.2)
        assert outcome.error["code"] == "timeout" and outcome.duration_ms < 1500
    finally:
        del REGISTRY["slow_tool_for_test"]


def test_search_and_product_tools(shop_agent) -> None:  # noqa: ANN001
    c = ctx(shop_agent)
    found = run_tool("search_products", {"query": "dress under 200", "k": 3}, c)
    assert found.ok and 0 < len(found.result["results"]) <= 3
    assert all(r["category"] == "dress" and r["price"] <= 200 for r in found.result["results"])
    first = found.result["results"][0]["product_id"]
    details = run_tool("get_product", {"product_id": first}, c).result
    assert details["product"]["product_id"] == first and details["size_chart_cm"]
    assert c.viewed == [first]
    similar = run_tool("find_similar", {"product_id": first, "change": "in black"}, c)
    assert similar.ok and first not in [r["product_id"] for r in similar.result["results"]]
    ids = [r["product_id"] for r in found.result["results"][:2]]
    if len(ids) == 2:
        compared = run_tool("compare_products", {"product_ids": ids}, c).result
        assert compared["cheapest"] in ids and len(compared["products"]) == 2
    reviews = run_tool("summarize_reviews", {"product_id": first}, c).result
    assert reviews["sentiment"] in ("positive", "mixed", "negative", "none")
    assert sum(reviews["stars"].values()) == reviews["count"]
    assert run_tool("recommend_for_me", {"k": 4}, c).ok


def test_size_needs_a_customer_or_photo(shop_agent) -> None:  # noqa: ANN001
    guest = run_tool("recommend_size", {"product_id": 2}, ctx(shop_agent, customer=None))
    assert guest.error and "height" in guest.error["message"]
    assert run_tool("analyze_body", {}, ctx(shop_agent)).error["message"].startswith("no photo")
    advice = run_tool("recommend_size", {"product_id": 2}, ctx(shop_agent, customer=3))
    assert advice.ok and "confidence" in advice.result


def test_side_effects_need_the_users_own_words(shop_agent) -> None:  # noqa: ANN001
    row = next(r for r in shop_agent.services.table.rows if r.sizes_in_stock)
    args = {"product_id": row.id, "size": row.sizes_in_stock[0]}
    refused = run_tool("add_to_cart", args, ctx(shop_agent, customer=7, text="what do people say about it"))
    assert refused.error["code"] == "needs_consent"
    done = run_tool("add_to_cart", args, ctx(shop_agent, customer=7, text="add it to my cart"))
    assert done.ok and done.result["cart"]["lines"][0]["product_id"] == row.id
    assert run_tool("view_cart", {}, ctx(shop_agent, customer=7)).result["total"] == pytest.approx(row.price)


def test_a_shopper_reaches_only_their_own_orders(shop_agent) -> None:  # noqa: ANN001
    by_customer = orders_by_customer(shop_agent.services.store)
    mine, theirs = [c for c, orders in by_customer.items() if orders][:2]
    other_order = by_customer[theirs][0].id
    c = ctx(shop_agent, customer=mine, text=f"I want to return order {other_order}, too small")
    for name, args in (("order_status", {"order_id": other_order}),
                       ("start_return", {"order_id": other_order, "reason": "too small"})):
        outcome = run_tool(name, args, c)
        assert outcome.error["code"] == "not_found" and "your account" in outcome.error["message"]
    own = run_tool("order_status", {}, c).result["orders"]
    assert own and all(o["customer_id"] == mine for o in own)
    staff = run_tool("order_status", {"order_id": other_order}, ctx(shop_agent, "staff", mine))
    assert staff.ok  # staff see any order


def test_return_policy(shop_agent) -> None:  # noqa: ANN001
    store = shop_agent.services.store
    with store.session() as s:
        order = s.scalars(select(m.Order).where(m.Order.status == m.OrderStatus.DELIVERED)).first()
        order_id, customer, delivered = order.id, order.customer_id, order.delivered_at
    delivered = m.aware(delivered)
    late = Commerce(store, 30, now=lambda: delivered + timedelta(days=31))
    with pytest.raises(ReturnRefused, match="window"):
        late.start_return(order_id, customer, "too small")
    on_time = Commerce(store, 30, now=lambda: delivered + timedelta(days=3))
    with pytest.raises(ReturnRefused, match="reason"):
        on_time.start_return(order_id, customer, " ")
    with pytest.raises(NotFound):
        on_time.start_return(order_id, customer + 1000, "too small")
    started = on_time.start_return(order_id, customer, "too small")
    assert started.refund > 0 and on_time.order(order_id, customer).status == "return_requested"
    with pytest.raises(ReturnRefused, match="already"):
        on_time.start_return(order_id, customer, "too small")
    with store.session() as s:
        shipped = s.scalars(select(m.Order).where(m.Order.status == m.OrderStatus.SHIPPED)).first()
    if shipped is not None:
        with pytest.raises(ReturnRefused, match="only delivered"):
            on_time.start_return(shipped.id, shipped.customer_id, "too small")


def test_cart_refuses_unknown_and_sold_out_sizes(shop_agent) -> None:  # noqa: ANN001
    commerce = shop_agent.services.commerce
    row = next(r for r in shop_agent.services.table.rows if len(r.sizes) > 1)
    with pytest.raises(CommerceError, match="no size"):
        commerce.add_to_cart("session:x", row.id, "XXXL")
    with pytest.raises(CommerceError, match="quantity"):
        commerce.add_to_cart("session:x", row.id, row.sizes[0], 0)
    with shop_agent.services.store.session() as s:
        variant = s.scalars(select(m.Variant).where(m.Variant.product_id == row.id)).first()
        variant.stock = 0
        label = variant.size_label
    with pytest.raises(CommerceError, match="sold out"):
        commerce.add_to_cart("session:x", row.id, label)


def test_staff_tools(shop_agent) -> None:  # noqa: ANN001
    by_customer = orders_by_customer(shop_agent.services.store)
    customer = next(c for c, orders in by_customer.items() if orders)
    c = ctx(shop_agent, "staff", customer)
    history = run_tool("customer_history", {}, c).result
    assert history["customer_id"] == customer and history["recent_orders"]
    draft = run_tool("draft_reply", {"topic": "order_status"}, c).result
    assert draft["draft"].startswith("Hi ") and str(history["recent_orders"][0]["order_id"]) in draft["draft"]
    assert run_tool("draft_reply", {"topic": "size"}, c).error["message"].startswith("a size reply needs")
