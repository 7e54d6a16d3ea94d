"""The rules planner's answers: templates filled from tool results only, citing products as [#id]."""

from __future__ import annotations

from collections.abc import Callable


def _money(value: float, currency: str = "EUR") -> str:
    return f"{value:.2f} {currency}"


def _line(n: int, card: dict) -> str:
    sizes = ", ".join(card.get("sizes_in_stock") or []) or "sold out"
    extra = f" ({card['reason']})" if card.get("reason") else ""
    return (f"{n}. [#{card['product_id']}] {card['title']}, {card['brand']}: "
            f"{_money(card['price'], card.get('currency', 'EUR'))}, sizes {sizes}{extra}")


def _list(result: dict, intro: str) -> str:
    cards = result.get("results", [])
    notes = " ".join(result.get("notes", []))
    if not cards:
        return notes or "I found nothing that matches. Try fewer constraints."
    understood = result.get("understood") or []
    head = f"{intro} ({'; '.join(understood)})" if understood else intro
    body = "\n".join(_line(i + 1, c) for i, c in enumerate(cards))
    return f"{head}:\n{body}" + (f"\n{notes}" if notes else "")


def _product(result: dict) -> str:
    p = result["product"]
    chart = ", ".join(row["size"] for row in result.get("size_chart_cm", []))
    stock = ", ".join(p["sizes_in_stock"]) or "none"
    return (f"[#{p['product_id']}] {p['title']} by {p['brand']}, {_money(p['price'], p['currency'])}. "
            f"{p['material'].capitalize()}, {p['fit']} fit, {' and '.join(p['colours'])}. In stock: {stock}"
            + (f" (chart sizes: {chart})." if chart else ".") + f"\n{p['description']}")


def _compare(result: dict) -> str:
    lines = []
    for c in result["products"]:
        stars = f", {c['average_stars']} stars ({c['reviews']} reviews)" if c.get("average_stars") else ""
        lines.append(f"- [#{c['product_id']}] {c['title']}: {_money(c['price'], c['currency'])}, {c['material']}, "
                     f"{c['fit']} fit, sizes {', '.join(c['sizes_in_stock']) or 'sold out'}{stars}")
    differs = ", ".join(result["differs_in"]) or "nothing listed"
    return "\n".join(lines) + f"\nThey differ in: {differs}. The cheapest is [#{result['cheapest']}]."


def _reviews(result: dict) -> str:
    if not result["count"]:
        return f"[#{result['product_id']}] {result['title']} has no reviews yet."
    quotes = " ".join(f'"{q["text"]}" ({q["stars"]} stars)' for q in result.get("quotes", []))
    return (f"[#{result['product_id']}] {result['title']}: {result['average_stars']} stars on average from "
            f"{result['count']} reviews, {result['sentiment']} overall. Fit: {result['fit_verdict']}."
            + (f"\nReviewers wrote: {quotes}" if quotes else ""))


def _size(result: dict) -> str:
    if not result.get("size"):
        return f"I can't pick a size for [#{result['product_id']}] {result['title']}: {result['reason']}"
    text = (f"For [#{result['product_id']}] {result['title']} take {result['size']} "
            f"(confidence {result['confidence']:.0%}): {result['reason'].rstrip('.')}.")
    if result.get("alternative"):
        text += f" Alternatively {result['alternative']}: {result['alternative_reason']}."
    if not result.get("in_stock"):
        text += f" {result['size']} is sold out; in stock: {', '.join(result['sizes_in_stock']) or 'none'}."
    return text


def _body(result: dict) -> str:
    text = f"I see a {result['framing']} photo, {'facing the camera' if result['frontal'] else 'not quite frontal'}."
    cm = result.get("measurements_cm")
    if cm:
        text += " Estimated: " + ", ".join(f"{k} {v['value']:.0f} cm (±{v['plus_minus']:.0f})"
                                           for k, v in cm.items() if k != "height") + "."
    return text + "".join(f" {n}" for n in result.get("notes", []))


def _cart(result: dict) -> str:
    cart = result.get("cart", result)
    lines = [f"- [#{x['product_id']}] {x['title']}, size {x['size']} x{x['quantity']}: "
             f"{_money(x['unit_price'] * x['quantity'], cart.get('currency', 'EUR'))}"
             + ("" if x["in_stock"] else " (no longer in stock)") for x in cart["lines"]]
    head = ""
    if "added" in result:
        head = f"Added to your cart: size {result['added']['size']}.\n"
    if not lines:
        return head + "Your cart is empty."
    return head + "Your cart:\n" + "\n".join(lines) + f"\nTotal: {_money(cart['total'], cart.get('currency', 'EUR'))}"


def _orders(result: dict) -> str:
    if not result["orders"]:
        return "I found no orders on this account."
    out = []
    for o in result["orders"]:
        text = f"Order {o['order_id']} ({o['placed_at'][:10]}): {o['status'].replace('_', ' ')}"
        if o.get("tracking_number") and o["status"] == "shipped":
            text += f", tracking {o['tracking_number']}"
        if o.get("delivered_at"):
            text += f", delivered {o['delivered_at'][:10]}"
        if o.get("return_open_until"):
            text += f"; returns possible until {o['return_open_until'][:10]}"
        items = "; ".join(f"[#{x['product_id']}] {x['title']} ({x['size']})" for x in o["lines"])
        out.append(f"{text}. Items: {items}.")
    return "\n".join(out)


def _return(result: dict) -> str:
    items = ", ".join(f"[#{p}]" for p in result["product_ids"])
    return (f"Your return for order {result['order_id']} is open ({items}, reason: {result['reason']}). "
            f"{result['instructions']}")


def _history(result: dict) -> str:
    sizes = ", ".join(f"{k} {v}" for k, v in result["known_sizes"].items()) or "none stated"
    reasons = ", ".join(f"{k} x{v}" for k, v in result["return_reasons"].items()) or "none"
    orders = "; ".join(f"{o['order_id']} {o['status']}" for o in result["recent_orders"]) or "none"
    stars = f", average {result['average_stars']} stars" if result["average_stars"] else ""
    return (f"{result['name']} (customer {result['customer_id']}, {result['email']}). Sizes: {sizes}; prefers a "
            f"{result['fit_preference']} fit. {result['purchases']} purchases, {result['returns']} returns (reasons: "
            f"{reasons}); {result['reviews']} reviews{stars}. Recent orders: {orders}.")


def _tryon(result: dict) -> str:
    size = f" in size {result['size']}" if result.get("size") else ""
    drawn = ", drawn to your measurements" if result.get("fit") else ""  # the words come from describe_look
    notes = "".join(f" {n}" for n in result.get("notes", []))
    return f"Here is [#{result['product_id']}] {result['title']}{size} on your photo{drawn}.{notes}"


def _look(result: dict) -> str:
    return f"It is {result['look']}; {result['fit']}."


def _draft(result: dict) -> str:
    return "Suggested reply:\n\n" + result["draft"]


TEMPLATES: dict[str, Callable[[dict], str]] = {
    "search_products": lambda r: _list(r, "Here is what I found"),
    "find_similar": lambda r: _list(r, "These look alike"),
    "recommend_for_me": lambda r: _list(r, "Picked for you"),
    "get_product": _product, "compare_products": _compare, "summarize_reviews": _reviews,
    "recommend_size": _size, "analyze_body": _body, "add_to_cart": _cart, "view_cart": _cart,
    "virtual_try_on": _tryon, "describe_look": _look,
    "order_status": _orders, "start_return": _return, "customer_history": _history, "draft_reply": _draft,
}


def compose(calls: list[dict], results: list[dict]) -> str:
    """One paragraph per tool call, in order; an error becomes what went wrong and what to do."""
    parts = []
    for call, result in zip(calls, results):
        name = call["function"]["name"]
        if "error" in result:
            parts.append(f"Sorry, I couldn't do that: {result['error']['message']}")
        else:
            parts.append(TEMPLATES[name](result))
    return "\n\n".join(parts)
