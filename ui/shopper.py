"""The shopper's chat: text and photos in, streamed answers, tool calls as collapsible boxes, product cards.

Thin by design: every action (the buttons on a card included) is a message to the agent, so the
UI holds no business logic; it only turns the agent's events into chat messages and panels.
"""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
from PIL import Image

from agent.conversation import UserMessage
from agent.loop import KEY, Agent, AgentError
from agent.steps import AnswerDelta, AnswerStep, NoticeStep, StaffReplyStep, ToolCall, ToolResult, UserStep
from agent.text import inert_markup
from agent.web import COOKIE, WebFileRefused, WebFiles
from shopagent.errors import NotReady, ShopError

EXAMPLES = ["I'm looking for a navy linen shirt under 60", "a red dress, not striped", "show me sneakers in size 42",
            "what would you recommend for me?", "where is my order?"]
CARD_ACTIONS = {"Details": "tell me more about #{id}", "More like this": "find something like #{id}",
                "Try on": "try #{id} on me", "Reviews": "what do people say about #{id}"}


def banner(agent: Agent) -> str:
    """Which planner and models answer, or which embedded defaults stand in for them (loads search once)."""
    try:
        notes = [agent.planner_note, *agent.services.status()]
    except (ShopError, NotReady) as exc:
        return f"**Search is not ready:** {exc}"
    return "**Models in use:** " + " · ".join(n for n in notes if n)


def tool_message(item: ToolCall | ToolResult, started: dict[str, gr.ChatMessage]) -> gr.ChatMessage:
    """A tool call as a collapsible box: pending when called, done (or failed, with why) when it returns."""
    if isinstance(item, ToolCall):
        args = ", ".join(f"{k}={v!r}" for k, v in item.arguments.items()).replace("`", "'")  # stays in its code span
        msg = gr.ChatMessage(role="assistant", content=f"`{item.name}({args})`",
                             metadata={"title": f"🔧 {item.name}", "status": "pending", "id": item.id})
        started[item.id] = msg
        return msg
    msg = started[item.call.id]
    outcome = "done" if item.ok else f"failed: {inert_markup(item.error['message'])}"
    msg.content = f"{msg.content}\n\n{outcome}"
    msg.metadata = {**msg.metadata, "status": "done", "duration": item.duration_ms / 1000}
    return msg


def _cards(products: list[dict], base_url: str) -> list[tuple[str, str]]:
    """Gallery items: the product image (from the server's product route) with a caption a person can read."""
    out = []
    for p in products:
        if p.get("image"):
            sizes = ", ".join(p.get("sizes_in_stock") or []) or "sold out"
            out.append((f"{base_url}media/product/{p['product_id']}",
                        f"#{p['product_id']} {p['title']} · {p['brand']} · {p['price']:.2f} {p['currency']} · {sizes}"))
    return out


def _owner(request: gr.Request | None) -> str:
    """The browser session's id (the server's cookie), which owns its uploads and pictures."""
    inner = getattr(request, "request", None) if request is not None else None
    return inner.cookies.get(COOKIE, "") if inner is not None else ""


def _base_url(request: gr.Request | None) -> str:
    inner = getattr(request, "request", None) if request is not None else None
    return str(inner.base_url) if inner is not None else "/"


def transcript(steps: list) -> list[gr.ChatMessage]:
    """A stored conversation as the chat shows it again after a reload or a restart (words only)."""
    return [gr.ChatMessage(role="user" if isinstance(st, UserStep) else "assistant", content=st.text)
            for st in steps if isinstance(st, (UserStep, AnswerStep, StaffReplyStep)) and st.text]


class ShopperSession:
    """One browser tab's view of a conversation: what the panels show."""

    def __init__(self, agent: Agent, files: WebFiles, secret: bytes) -> None:
        self.agent = agent
        self.files = files
        self.secret = secret

    def keep(self, key: str) -> str:
        """What the browser keeps to find its conversation again: the key with the server's signature, so
        a key alone (seen in a log, say) does not open someone's conversation through the page."""
        return f"{key}.{hmac.new(self.secret, key.encode(), hashlib.sha256).hexdigest()}" if key else ""

    def restore(self, kept: str) -> tuple:
        """(history, customer, key) of the stored conversation this browser had, so a restart loses nothing."""
        key = kept.split(".", 1)[0] if isinstance(kept, str) else ""
        signed = bool(key) and KEY.fullmatch(key) is not None and hmac.compare_digest(self.keep(key), kept)
        found = self.agent.log.load(key) if signed else None
        if found is None or found.persona != "shopper" or (found.customer_id is not None
                                                            and not self.agent.settings.web_demo_sign_in):
            return gr.skip(), gr.skip(), gr.skip()  # nothing to continue: leave what the page already has
        return transcript(found.steps), found.customer_id, key

    def respond(self, message: dict | str, history: list, key: str, customer: float | None,
                webcam: str | None = None, request: gr.Request = None) -> Iterator[tuple]:
        """Stream (history, key, cards, size panel, try-on panel, cart panel, textbox, webcam) as the agent works."""
        owner = _owner(request)
        text = message.get("text", "") if isinstance(message, dict) else str(message)
        named = [f if isinstance(f, str) else f.get("path") for f in (message.get("files", []) if isinstance(
            message, dict) else [])]
        named += [webcam] if webcam else []
        history = list(history or [])
        uploads: list[Path] = []
        try:
            uploads = self.files.take_uploads(owner, [n for n in named if n])
            customer_id = int(customer) if customer not in (None, "") and int(customer) > 0 else None
            if customer_id is not None and not self.agent.settings.web_demo_sign_in:
                raise AgentError("this page signs no one in: you are a guest here (signing in as a customer by "
                                 "number is a demo switch, web_demo_sign_in, off on this server).")
            conv = self._open(customer_id, key)
            yield from self._turn(conv, text, uploads, history, owner, _base_url(request))
        except (AgentError, WebFileRefused) as exc:
            history.append(gr.ChatMessage(role="assistant", content=str(exc)))
            yield history, key, gr.skip(), gr.skip(), gr.skip(), gr.skip(), None, None
        finally:  # the originals (with their EXIF) never outlive the turn; the stripped copies are in the photo store
            self.files.consume(owner, uploads)
            self.files.sweep()

    def _open(self, customer_id: int | None, key: str):  # noqa: ANN202 (agent.conversation.Conversation)
        try:
            return self.agent.open("shopper", customer_id, key or None)
        except AgentError:
            if not key:
                raise
            return self.agent.open("shopper", customer_id)  # another customer signed in here: a new conversation

    def _turn(self, conv, text: str, uploads: list[Path], history: list, owner: str,  # noqa: ANN001
              base_url: str) -> Iterator[tuple]:
        if text:
            history.append(gr.ChatMessage(role="user", content=text))
        started: dict[str, gr.ChatMessage] = {}
        answer = gr.ChatMessage(role="assistant", content="")
        size, tryon, cart = gr.skip(), gr.skip(), gr.skip()
        try:
            for item in self.agent.respond(conv, UserMessage(text, list(uploads))):
                if isinstance(item, UserStep):  # the stripped copies of the photos, shown to this browser
                    at = len(history) - (1 if text else 0)
                    for pid in item.photo_ids:
                        history.insert(at, gr.ChatMessage(role="user", content=gr.Image(
                            str(self._publish(owner, conv.images[pid])))))
                        at += 1
                elif isinstance(item, ToolCall):
                    history.append(tool_message(item, started))
                elif isinstance(item, ToolResult):
                    tool_message(item, started)
                    size, tryon, cart = self._panels(item, conv, owner, size, tryon, cart)
                elif isinstance(item, AnswerDelta):
                    if answer not in history:
                        history.append(answer)
                    answer.content += item.text
                elif isinstance(item, AnswerStep):
                    answer.content = item.text
                    if answer not in history:
                        history.append(answer)
                    cards = _cards(item.products, base_url)
                    yield history, conv.key, cards or gr.skip(), size, tryon, cart, None, None
                    return
                elif isinstance(item, NoticeStep):
                    history.append(gr.ChatMessage(role="assistant", content=item.text,
                                                  metadata={"title": "ℹ️ note"}))
                yield history, conv.key, gr.skip(), size, tryon, cart, None, None
        except AgentError as exc:
            history.append(gr.ChatMessage(role="assistant", content=str(exc)))
            yield history, conv.key, gr.skip(), size, tryon, cart, None, None

    def _publish(self, owner: str, image: Image.Image | Path) -> Path:
        """A copy only this browser session may fetch, for a few minutes."""
        if isinstance(image, Path):
            return self.files.publish(owner, image, name=f"image{image.suffix}")
        with tempfile.NamedTemporaryFile(suffix=".jpg") as tmp:
            image.save(tmp.name, format="JPEG", quality=90)
            return self.files.publish(owner, Path(tmp.name))

    def _panels(self, item: ToolResult, conv, owner: str, size, tryon, cart):  # noqa: ANN001, ANN202
        if not item.ok:
            return size, tryon, cart
        result = item.result or {}
        if item.name == "recommend_size" and result.get("size"):
            size = (f"### Size {result['size']} for {result['title']}\nConfidence {result['confidence']:.0%}: "
                    f"{result['reason']}")
        elif item.name == "virtual_try_on" and result.get("image"):
            after = self._publish(owner, self.agent.settings.data_dir / result["image"])
            before = conv.images.get(result.get("photo_id", ""))
            tryon = (str(self._publish(owner, before)) if before is not None else str(after), str(after))
        elif item.name in ("add_to_cart", "view_cart"):
            lines = (result.get("cart") or result)["lines"]
            total = (result.get("cart") or result)["total"]
            cart = "\n".join(f"- #{x['product_id']} {x['title']}, {x['size']} × {x['quantity']}" for x in lines)
            cart = (cart or "Your cart is empty.") + f"\n\n**Total: {total:.2f} EUR**"
        return size, tryon, cart


def build_shopper_app(agent: Agent, files: WebFiles, secret: bytes) -> gr.Blocks:
    """The page; files: where uploads and private pictures live (index/webfiles.py); secret signs the
    conversation key the browser keeps, so a reload or a server restart continues the conversation."""
    session = ShopperSession(agent, files, secret)
    with gr.Blocks(title="shopagent") as app:
        gr.Markdown("# shopagent\nDescribe what you want, or add a photo of a garment, or of yourself for sizes "
                    "and try-on.")
        gr.Markdown(banner(agent), elem_id="banner")
        key = gr.State("")  # this tab's conversation
        kept = gr.BrowserState("", storage_key="shopagent-conversation")  # the signed key; survives reloads
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=520, elem_id="chat")
                box = gr.MultimodalTextbox(placeholder="e.g. a navy linen shirt under 60, or 'like this but in red'",
                                           file_types=["image"], file_count="multiple", sources=["upload"],
                                           label="Message", elem_id="message", autofocus=True)
                with gr.Accordion("Take a photo with the webcam", open=False):
                    webcam = gr.Image(sources=["webcam"], type="filepath", image_mode=None, label="Webcam photo (sent with your next "
                                      "message)", elem_id="webcam")
                gr.Examples(EXAMPLES, inputs=box, label="Try")
            with gr.Column(scale=2):
                customer = gr.Number(label="Signed in as customer (demo: anyone may pick any number)", precision=0,
                                     value=None, visible=agent.settings.web_demo_sign_in)
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
        box.submit(session.respond, inputs, outputs, api_name="chat").then(session.keep, key, kept, api_name=False)
        app.load(session.restore, kept, [chatbot, customer, key], api_name=False)

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
