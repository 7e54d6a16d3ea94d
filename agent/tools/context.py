"""What a tool runs against: the shop's services, and who the conversation is for.

Tools read it from a context variable rather than a parameter, so a tool's signature is
exactly what the planner may fill in: the customer a shopper acts for is never an argument
a shopper (or text in a review) could change.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from PIL import Image

from index.commerce import Commerce, cart_owner
from index.products import ProductRow, ProductTable
from index.store import Store
from shopagent.settings import Settings
from shopagent.errors import ShopError


class ToolError(ShopError):
    """A tool call that cannot be carried out; the message tells the planner (and the shopper) what to change."""

    code = "tool_refused"


class Services:
    """The domain services, opened once per process and shared by every conversation."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.notes: list[str] = []

    @cached_property
    def table(self) -> ProductTable:
        if "search" in self.__dict__:  # already in memory
            return self.search.table
        return ProductTable.from_store(self.store)

    def product_image(self, product_id: int) -> Path | None:
        """The product's image file, or None (unknown product, no image, or a path outside the images folder)."""
        row = self.table.by_id.get(product_id)
        return row.image_file(self.settings.data_dir) if row else None

    @cached_property
    def search(self):  # noqa: ANN201 (retrieval.search.SearchService; imported late: it loads models)
        from retrieval.search import SearchService

        service, note = SearchService.open(self.store, self.settings)
        self.notes.append(note)
        return service

    @cached_property
    def recommender(self):  # noqa: ANN201
        from retrieval.recsys.service import RecommendationService

        return RecommendationService.load(self.settings.data_dir)

    @cached_property
    def sizes(self):  # noqa: ANN201
        from tryon.size_advisor import SizeAdvisor

        return SizeAdvisor(self.store)

    @cached_property
    def photos(self):  # noqa: ANN201
        from tryon.photos import PhotoStore

        return PhotoStore.from_settings(self.store, self.settings)

    @cached_property
    def tryon(self):  # noqa: ANN201
        from tryon.service import TryOnService

        return TryOnService(self.store, self.settings, self.photos)

    @cached_property
    def commerce(self) -> Commerce:
        return Commerce(self.store, self.settings.return_window_days)


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
