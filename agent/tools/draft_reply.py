from __future__ import annotations

from agent.tools.context import ToolError, current
from agent.tools.registry import STAFF, tool
from index.commerce import OrderView

STATUS_WORDS = {"placed": "has been placed and is waiting for payment", "paid": "is paid and being packed",
                "shipped": "is on its way", "delivered": "was delivered", "cancelled": "was cancelled",
                "return_requested": "has a return open", "returned": "was returned and refunded"}


def _order_sentence(o: OrderView) -> str:
    text = f"your order {o.order_id} {STATUS_WORDS.get(o.status, o.status)}"
    if o.status == "shipped" and o.tracking_number:
        text += f" (tracking number {o.tracking_number})"
    if o.status == "delivered" and o.delivered_at:
        text += f" on {o.delivered_at[:10]}"
    return text + "."


@tool(personas=(STAFF,))
def draft_reply(topic: str, order_id: int | None = None, product_id: int | None = None) -> dict:
    """Draft a reply to the assisted customer from their records, for the agent to edit and send.

    Args:
        topic: What the customer asked about. (choices: ["order_status", "return", "size", "product", "general"])
        order_id: The order it is about, if any.
        product_id: The product it is about, if any.
    """
    ctx = current()
    customer = ctx.need_customer()
    commerce = ctx.services.commerce
    name = commerce.customer_history(customer)["name"].split()[0]
    facts: list[str] = []
    if topic in ("order_status", "return"):
        orders = [commerce.order(order_id, customer)] if order_id else commerce.orders(customer, 1)
        if not orders:
            raise ToolError(f"customer {customer} has no orders.")
        o = orders[0]
        body = _order_sentence(o)[0].upper() + _order_sentence(o)[1:]
        facts.append(f"order {o.order_id}: {o.status}")
        if topic == "return":
            if o.return_open_until:
                body += f" You can return it until {o.return_open_until[:10]}; I can open the return for you now."
            else:
                body += " It cannot be returned at the moment: only delivered orders can be returned."
    elif topic in ("size", "product"):
        if product_id is None:
            raise ToolError(f"a {topic} reply needs the product_id it is about.")
        row = ctx.product(product_id)
        facts.append(f"product {row.id}: {row.title}, {row.price:.2f} {row.currency}")
        if topic == "size":
            advice = ctx.services.sizes.for_customer(row.id, customer)
            body = (f"For the {row.title} I would take {advice.size}: {advice.reason}." if advice.size
                    else f"I could not pick a size for the {row.title} from your details: {advice.reason}.")
            facts.append(f"size advice: {advice.size} ({advice.confidence:.0%})")
        else:
            stock = ", ".join(row.sizes_in_stock) or "no sizes right now"
            body = (f"The {row.title} by {row.brand} is {row.price:.2f} {row.currency}, in {row.material}, "
                    f"{row.fit} fit; in stock: {stock}.")
    elif topic == "general":  # no blank to fill: what the records say, and a question back
        orders = commerce.orders(customer, 1)
        latest = f" {_order_sentence(orders[0])[0].upper()}{_order_sentence(orders[0])[1:]}" if orders else ""
        facts += [f"order {orders[0].order_id}: {orders[0].status}"] if orders else []
        body = f"Thank you for getting in touch.{latest} What can I help you with?"
    else:
        raise ToolError("topic must be one of order_status, return, size, product, general.")
    return {"draft": f"Hi {name},\n\n{body}\n\nBest regards,\nCustomer care", "facts_used": facts,
            "product_ids": [product_id] if product_id else []}
