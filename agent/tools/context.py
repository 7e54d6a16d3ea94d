"""What a tool runs against: the shop's services (agent/services.py), and who the conversation is for.

Tools read it from a context variable rather than a parameter, so a tool's signature is
exactly what the planner may fill in: the customer a shopper acts for is never an argument
a shopper (or text in a review) could change.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image

from index.commerce import cart_owner
from index.products import ProductRow
from shopagent.errors import ShopError

if TYPE_CHECKING:  # tools receive the services; they never build them
    from agent.services import Services


class ToolError(ShopError):
    """A tool call that cannot be carried out; the message tells the planner (and the shopper) what to change."""

    code = "tool_refused"


@dataclass
class ToolContext:
    services: Services
    persona: str = "shopper"  # shopper or staff
    customer_id: int | None = None
    session_key: str = ""
    images: dict[str, Image.Image] = field(default_factory=dict)  # photo id -> pixels, newest last
    user_text: str = ""  # the user's words this turn: side effects need their consent (agent/consent.py)
    previous_text: str = ""  # the user's message before, when the agent answered it with a question
    question: str = ""  # that question
    viewed: list[int] = field(default_factory=list)  # products opened in this conversation, for recommendations
    staff_role: str | None = None  # for the staff persona: the signed-in role (agent, lead); None for shoppers

    @property
    def cart_owner(self) -> str:
        return cart_owner(self.customer_id, self.session_key)

    def product(self, product_id: int) -> ProductRow:
        row = self.services.table.by_id.get(int(product_id))
        if row is None:
            raise ToolError(f"there is no product {product_id}; use a product_id from a search result.")
        return row

    def image(self, photo_id: str = "latest") -> tuple[str, Image.Image]:
        """A photo of this conversation by id ("latest" is the newest)."""
        if not self.images:
            raise ToolError("no photo in this conversation yet; ask the shopper to attach one.")
        if photo_id in ("", "latest"):
            photo_id = next(reversed(self.images))
        if photo_id not in self.images:
            raise ToolError(f"no photo {photo_id!r} in this conversation; photos: {', '.join(self.images)}.")
        return photo_id, self.images[photo_id]

    def need_customer(self) -> int:
        if self.customer_id is None:
            raise ToolError("this needs a signed-in customer; ask the shopper to sign in.")
        return self.customer_id


_current: contextvars.ContextVar[ToolContext] = contextvars.ContextVar("tool_context")


def current() -> ToolContext:
    """The context of the tool call being run."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("a tool ran outside agent.tools.registry.run_tool") from None


@contextmanager
def using(ctx: ToolContext) -> Iterator[ToolContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
