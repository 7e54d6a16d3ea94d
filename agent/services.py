"""The shop's services one agent runs against, built explicitly and shared by every conversation.

Everything a tool needs is an argument here: the store and settings, and optionally the search,
the recommender, the try-on service, the photo store and the clock. What is not given is opened
on first use (search and try-on load models, so a process that never searches never loads them).
Eval builds its own Services over a copy of the store and passes the loaded search and
recommender in; tests pass a fixed clock. Nothing patches a Services from outside.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from index.commerce import Commerce
from index.products import ProductTable
from index.store import Store
from shopagent.settings import Settings


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Services:
    def __init__(self, store: Store, settings: Settings, *, search: Any = None, recommender: Any = None,
                 tryon: Any = None, photos: Any = None, clock: Callable[[], datetime] = _utcnow) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.notes: list[str] = []  # what stands in for a missing model, for the banner and `doctor`
        given = {"search": search, "recommender": recommender, "tryon": tryon, "photos": photos}
        self.__dict__.update({k: v for k, v in given.items() if v is not None})  # fills the cached properties

    def status(self) -> list[str]:
        """Which models answer, or which embedded defaults stand in for them (opens search once)."""
        self.search  # noqa: B018 (opening the index records the embedder's note)
        return list(self.notes)

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
        from tryon.worn import worn_garments

        service, note = SearchService.open(self.store, self.settings, worn=worn_garments)
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
        return Commerce(self.store, self.settings.return_window_days, now=self.clock)
