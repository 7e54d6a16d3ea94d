"""Recommendations with the shop's rules and a reason for each, for one customer at a time.

Rules on top of any model: nothing the customer already bought; only products in stock in the
customer's size (their usual size for that size system, when known); at most MAX_PER_CATEGORY
of one category; and the caller's filters, exactly. The customer's history is read from the
store at each call, so interactions since training count at once (fold-in, no retraining),
and events from the current session can be passed in too.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select

from index import models as m
from index.products import Filters, ProductRow, ProductTable
from index.store import Store
from index.taxonomy import load_taxonomy
from index.vocab import KNOWN_SIZE_KEY
from retrieval.recsys.data import Interactions, Matrix
from retrieval.recsys.models import ALS, BPR, Hybrid, ItemKNN, Popularity, UserKNN, attribute_features
from shopagent.errors import NotReady, ShopError

MAX_PER_CATEGORY = 3
MODEL_FILE = "models/recommender.pkl"
VERBS = {"purchase": "bought", "cart": "saved", "view": "looked at", "return": "returned"}


class UnknownProduct(ShopError):
    """A product id that is not in the catalog."""

    code = "unknown_product"


class RecommenderMissing(NotReady):
    """No trained recommender in the data directory."""


def make_model(name: str, content: np.ndarray | None = None):  # noqa: ANN201
    """A fresh model by name: popularity, item-cosine, item-pearson, user-knn, als, bpr, hybrid."""
    factories = {"popularity": Popularity, "item-cosine": lambda: ItemKNN("cosine"),
                 "item-pearson": lambda: ItemKNN("pearson"), "user-knn": UserKNN, "als": ALS, "bpr": BPR,
                 "hybrid": lambda: Hybrid(content if content is not None else np.zeros((0, 1)))}
    if name not in factories:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(factories)}")
    return factories[name]()


def _best_first(scores: np.ndarray, head: int = 256):  # noqa: ANN202 (an iterator of column indices)
    """Columns by falling score: the head sorted first, the rest only if the rules reject that many."""
    head = min(head, len(scores))
    top = np.argpartition(-scores, head - 1)[:head] if head else np.zeros(0, np.int64)
    yield from top[np.argsort(-scores[top])]
    rest = np.setdiff1d(np.arange(len(scores)), top)
    yield from rest[np.argsort(-scores[rest])]


@dataclass
class Recommendation:
    product: ProductRow
    score: float
    reason: str

    def as_dict(self) -> dict:
        p = self.product
        return {"product_id": p.id, "sku": p.sku, "title": p.title, "brand": p.brand, "category": p.category,
                "price": p.price, "currency": p.currency, "sizes_in_stock": list(p.sizes_in_stock),
                "image": p.image, "score": round(self.score, 4), "reason": self.reason}


@dataclass
class RecommendResponse:
    customer_id: int
    items: list[Recommendation]
    model: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Customer:
    id: int
    known: bool
    sizes: dict[str, str]
    gender: str
    events: list[tuple[int, str]]


class RecommendationService:
    def __init__(self, model, matrix: Matrix, table: ProductTable, content: np.ndarray) -> None:  # noqa: ANN001
        self.model = model
        self.matrix = matrix
        self.table = table
        self.content = content / (np.linalg.norm(content, axis=1, keepdims=True) + 1e-9)
        self.popularity = Popularity()
        self.popularity.fit(matrix)
        self.trained_at = time.time()

    # ------------------------------------------------------------ training and files

    @classmethod
    def train(cls, store: Store, model_name: str = "hybrid") -> RecommendationService:
        table = ProductTable.from_store(store)
        matrix = Matrix.build(Interactions.from_store(store), table.ids)
        content = attribute_features(table.rows)
        model = make_model(model_name, content)
        model.fit(matrix)
        return cls(model, matrix, table, content)

    def save(self, data_dir: Path) -> Path:
        path = data_dir / MODEL_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(self))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, data_dir: Path) -> RecommendationService:
        """The model `shopagent train recommender` saved (a file this installation wrote: pickle is safe here)."""
        path = data_dir / MODEL_FILE
        if not path.is_file():
            raise RecommenderMissing(f"no recommender in {path}; run `shopagent train recommender`.")
        return pickle.loads(path.read_bytes())

    # ------------------------------------------------------------ recommending

    def customer(self, store: Store, customer_id: int) -> Customer:
        """Sizes, gender and every interaction, in two plain queries (this runs on every request)."""
        with store.engine.connect() as conn:
            row = conn.execute(select(m.Customer.known_sizes, m.Customer.gender)
                               .where(m.Customer.id == customer_id)).first()
            events = conn.execute(select(m.Interaction.product_id, m.Interaction.kind)
                                  .where(m.Interaction.customer_id == customer_id)
                                  .order_by(m.Interaction.created_at)).all()
        if row is None:
            return Customer(customer_id, False, {}, "unisex", [])
        return Customer(customer_id, True, dict(row.known_sizes or {}), str(row.gender),
                        [(p, str(k)) for p, k in events])

    def recommend(self, store: Store, customer_id: int, k: int = 12, filters: Filters | None = None,
                  session_events: list[tuple[int, str]] | None = None) -> RecommendResponse:
        """Top k for a customer; unknown customers and empty histories get what sells now, with a note."""
        for product_id, kind in session_events or []:
            if product_id not in self.table.by_id:
                raise UnknownProduct(f"product {product_id} is not in the catalog; pass ids from search results.")
            if kind not in VERBS:
                raise ValueError(f"unknown interaction kind {kind!r}; one of {', '.join(VERBS)}")
        who = self.customer(store, customer_id)
        events = who.events + list(session_events or [])
        notes = []
        if not who.known:
            notes.append(f"customer {customer_id} is unknown: showing what sells now (cold start).")
        elif not events:
            notes.append("no history yet: showing what sells now (cold start).")
        history = self.matrix.history(events)
        scores = self.model.scores(history) if events else self.popularity.scores(history)
        items = self._apply_rules(scores, who, events, filters or Filters(), k)
        seen = {self.matrix.col_of[p]: kind for p, kind in events if p in self.matrix.col_of}
        return RecommendResponse(customer_id, [Recommendation(self.table.by_id[int(self.matrix.product_ids[c])],
                                                              float(scores[c]), self._reason(c, seen))
                                               for c in items], self.model.name, notes)

    def _apply_rules(self, scores: np.ndarray, who: Customer, events: list[tuple[int, str]], filters: Filters,
                     k: int) -> list[int]:
        bought = {p for p, kind in events if kind == "purchase"}
        check_filters = not filters.is_empty()
        per_category: dict[str, int] = {}
        chosen: list[int] = []
        for col in _best_first(scores):
            p = self.table.by_id.get(int(self.matrix.product_ids[col]))
            if p is None or p.id in bought or (check_filters and filters.violations(p)) or not self._fits(p, who):
                continue
            if who.known and who.gender in ("women", "men") and p.gender not in (who.gender, "unisex"):
                continue
            if per_category.get(p.category, 0) >= MAX_PER_CATEGORY:
                continue
            per_category[p.category] = per_category.get(p.category, 0) + 1
            chosen.append(int(col))
            if len(chosen) == k:
                break
        return chosen

    @staticmethod
    def _fits(p: ProductRow, who: Customer) -> bool:
        """In stock in the customer's usual size for this size system; any stock when the size is unknown."""
        info = load_taxonomy().categories.get(p.category)
        key = KNOWN_SIZE_KEY.get(info.size_system) if info else None
        size = who.sizes.get(key) if key else None
        return size in p.sizes_in_stock if size else bool(p.sizes_in_stock)

    def _reason(self, col: int, seen: dict[int, str]) -> str:
        """Why: the customer's own interest in it, else the most alike product they interacted with."""
        if not seen:
            return "popular right now"
        if col in seen:
            return {"cart": "you saved it to your cart", "view": "you looked at it recently",
                    "return": "you looked at it before"}.get(seen[col], "you looked at it recently")
        idx = np.fromiter(seen, np.int64)
        sims = self.content[idx] @ self.content[col]
        if sims.max() >= 0.5:
            best = int(idx[int(np.argmax(sims))])
            title = self.table.by_id[int(self.matrix.product_ids[best])].title
            return f"because you {VERBS[seen[best]]} the {title}"
        return "shoppers with your taste also bought it"
