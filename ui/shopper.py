"""The shopper's chat: text and photos in, streamed answers, tool calls as collapsible boxes, product cards.

Thin by design: every action (the buttons on a card included) is a message to the agent, so the
UI holds no business logic; it only turns the agent's events into chat messages and panels.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from agent.conversation import UserMessage
from agent.loop import Agent, AgentError
from index.vector_index import VectorIndexError

EXAMPLES = ["I'm looking for a navy linen shirt under 60", "a red dress, not striped", "show me sneakers in size 42",
            "what would you recommend for me?", "where is my order?"]
CARD_ACTIONS = {"Details": "tell me more about #{id}", "More like this": "find something like #{id}",
                "Try on": "try #{id} on me", "Reviews": "what do people say about #{id}"}


def banner(agent: Agent) -> str:
    """Which planner and models answer, or which embedded defaults stand in for them (loads search once)."""
    try:
        agent.services.search  # noqa: B018 (opening the index fills in the embedder's note)
    except (VectorIndexError, FileNotFoundError, ValueError) as exc:
        return f"**Search is not ready:** {exc}"
    notes = [agent.planner_note, *agent.services.notes]
    return "**Models in use:** " + " · ".join(n for n in notes if n)


def tool_message(event, started: dict[str, gr.ChatMessage]) -> gr.ChatMessage:  # noqa: ANN001 (agent Event)
    if event.kind == "tool_call":
        args = ", ".join(f"{k}={v!r}" for k, v in event.data["arguments"].items())
        msg = gr.ChatMessage(role="assistant", content=f"`{event.text}({args})`",
                             metadata={"title": f"🔧 {event.text}", "status": "pending", "id": event.data["id"]})
        started[event.data["id"]] = msg
        return msg
    msg = started[event.data["id"]]
    outcome = "done" if event.data["ok"] else f"failed: {event.data['error']['message']}"
    msg.content = f"{msg.content}\n\n{outcome}"
    msg.metadata = {**msg.metadata, "status": "done", "duration": event.data["duration_ms"] / 1000}
    return msg


def _cards(products: list[dict], data_dir: Path) -> list[tuple[str, str]]:
    """Gallery items: the product image with a caption a person can read (and alt text)."""
    out = []
    for p in products:
        if p.get("image"):
            sizes = ", ".join(p.get("sizes_in_stock") or []) or "sold out"
            out.append((str(data_dir / p["image"]),
                        f"#{p['product_id']} {p['title']} · {p['brand']} · {p['price']:.2f} {p['currency']} · {sizes}"))
    return out


class ShopperSession:
    """One browser tab's view of a conversation: what the panels show."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def respond(self, message: dict | str, history: list, key: str, customer: float | None,
                webcam: str | None = None) -> Iterator[tuple]:
        """Stream (history, key, cards, size panel, try-on panel, cart panel, textbox, webcam) as the agent works."""
        text = message.get("text", "") if isinstance(message, dict) else str(message)
        files = [f if isinstance(f, str) else f.get("path") for f in (message.get("files", []) if isinstance(
            message, dict) else [])]
        files += [webcam] if webcam else []
        customer_id = int(customer) if customer not in (None, "") and int(customer) > 0 else None
        history = list(history or [])
        try:
            conv = self.agent.open("shopper", customer_id, key or None)
        except AgentError as exc:
            history.append(gr.ChatMessage(role="assistant", content=str(exc)))
            yield history, key, gr.skip(), gr.skip(), gr.skip(), gr.skip(), None, None
            return
        for path in files:
            history.append(gr.ChatMessage(role="user", content=gr.Image(path)))
        if text:
            history.append(gr.ChatMessage(role="user", content=text))
        started: dict[str, gr.ChatMessage] = {}
        answer = gr.ChatMessage(role="assistant", content="")
        size, tryon, cart = gr.skip(), gr.skip(), gr.skip()
        try:
            for event in self.agent.respond(conv, UserMessage(text, [Path(p) for p in files])):
                if event.kind in ("tool_call", "tool_result"):
                    msg = tool_message(event, started)
                    if event.kind == "tool_call":
                        history.append(msg)
                    else:
                        size, tryon, cart = self._panels(event, size, tryon, cart)
                elif event.kind == "message" and event.delta:
                    if answer not in history:
                        history.append(answer)
                    answer.content += event.text
                elif event.kind == "message":
                    answer.content = event.text
                    if answer not in history:
                        history.append(answer)
                    cards = _cards(event.data.get("products", []), self.agent.settings.data_dir)
                    yield history, conv.key, cards or gr.skip(), size, tryon, cart, None, None
                    return
                elif event.kind == "notice":
                    history.append(gr.ChatMessage(role="assistant", content=event.text,
                                                  metadata={"title": "ℹ️ note"}))
                yield history, conv.key, gr.skip(), size, tryon, cart, None, None
        except AgentError as exc:
            history.append(gr.ChatMessage(role="assistant", content=str(exc)))
            yield history, conv.key, gr.skip(), size, tryon, cart, None, None

    def _panels(self, event, size, tryon, cart):  # noqa: ANN001, ANN202
        if not event.data["ok"]:
            return size, tryon, cart
        result = event.data["result"]
        if event.text == "recommend_size" and result.get("size"):
            size = (f"### Size {result['size']} for {result['title']}\nConfidence {result['confidence']:.0%}: "
                    f"{result['reason']}")
        elif event.text == "virtual_try_on" and result.get("image"):
            data_dir = self.agent.settings.data_dir
            before = data_dir / "photos" / f"{result['photo_id']}.jpg"
            after = str(data_dir / result["image"])
            tryon = (str(before), after) if before.is_file() else (after, after)
        elif event.text in ("add_to_cart", "view_cart"):
            lines = (result.get("cart") or result)["lines"]
            total = (result.get("cart") or result)["total"]
            cart = "\n".join(f"- #{x['product_id']} {x['title']}, {x['size']} × {x['quantity']}" for x in lines)
            cart = (cart or "Your cart is empty.") + f"\n\n**Total: {total:.2f} EUR**"
        return size, tryon, cart


def build_shopper_app(agent: Agent) -> gr.Blocks:
    session = ShopperSession(agent)
    with gr.Blocks(title="shopagent") as app:
        gr.Markdown("# shopagent\nDescribe what you want, or add a photo of a garment, or of yourself for sizes "
                    "and try-on.")
        gr.Markdown(banner(agent), elem_id="banner")
        key = gr.State("")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=520, elem_id="chat")
                box = gr.MultimodalTextbox(placeholder="e.g. a navy linen shirt under 60, or 'like this but in red'",
                                           file_types=["image"], file_count="multiple", sources=["upload"],
                                           label="Message", elem_id="message", autofocus=True)
                with gr.Accordion("Take a photo with the webcam", open=False):
                    webcam = gr.Image(sources=["webcam"], type="filepath", label="Webcam photo (sent with your next "
                                      "message)", elem_id="webcam")
                gr.Examples(EXAMPLES, inputs=box, label="Try")
            with gr.Column(scale=2):
                customer = gr.Number(label="Signed in as customer (demo)", precision=0, value=None)
                cards = gr.Gallery(label="Products", columns=3, height=300, elem_id="cards", allow_preview=True)
                with gr.Row():
                    product = gr.Textbox(label="Product #", scale=1, elem_id="product")
                    size_choice = gr.Textbox(label="Size", scale=1, elem_id="size")
                with gr.Row():
                    buttons = {name: gr.Button(name, size="sm") for name in CARD_ACTIONS}
                    add = gr.Button("Add to cart", size="sm", variant="primary")
                size_panel = gr.Markdown("", label="Size advice", elem_id="size-advice")
                tryon_panel = gr.ImageSlider(label="Try-on: before and after (drag the handle)", interactive=False,
                                             elem_id="tryon")
                cart_panel = gr.Markdown("", elem_id="cart")
        outputs = [chatbot, key, cards, size_panel, tryon_panel, cart_panel, box, webcam]
        inputs = [box, chatbot, key, customer, webcam]
        box.submit(session.respond, inputs, outputs, api_name="chat")

        def select(evt: gr.SelectData) -> str:
            caption = evt.value.get("caption", "") if isinstance(evt.value, dict) else ""
            return caption.split(" ", 1)[0].lstrip("#")

        cards.select(select, None, product)
        for name, template in CARD_ACTIONS.items():
            buttons[name].click(lambda pid, t=template: {"text": t.format(id=pid), "files": []}, product, box,
                                api_name=False).then(session.respond, inputs, outputs, api_name=False)
        add.click(lambda pid, size: {"text": f"add #{pid} in size {size} to my cart", "files": []},
                  [product, size_choice], box, api_name=False).then(session.respond, inputs, outputs, api_name=False)
    return app
