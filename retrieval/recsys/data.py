"""Interactions as a sparse customer x product confidence matrix, and the temporal split.

Confidence per interaction: view 1, cart 2, purchase 4, and a return takes 3 back (a bought
and returned product counts like a view: seen and considered, not wanted). Negative sums are
clipped to 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select

from index import models as m
from index.store import Store

WEIGHTS = {"view": 1.0, "cart": 2.0, "purchase": 4.0, "return": -3.0}


@dataclass
class Interactions:
    customers: np.ndarray  # int64 customer ids
    products: np.ndarray  # int64 product ids
    kinds: np.ndarray  # str
    times: np.ndarray  # datetime64[s]

    @classmethod
    def from_store(cls, store: Store) -> Interactions:
        q = select(m.Interaction.customer_id, m.Interaction.product_id, m.Interaction.kind, m.Interaction.created_at)
        with store.session() as s:
            rows = s.execute(q.order_by(m.Interaction.created_at)).all()
        return cls.from_rows([(c, p, str(k), t) for c, p, k, t in rows])

    @classmethod
    def from_rows(cls, rows: list[tuple[int, int, str, datetime]]) -> Interactions:
        if not rows:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, "<U8"), np.zeros(0, "datetime64[s]"))
        c, p, k, t = zip(*rows)
        times = np.array([x.replace(tzinfo=None) for x in t], dtype="datetime64[s]")
        return cls(np.array(c, np.int64), np.array(p, np.int64), np.array(k), times)

    def __len__(self) -> int:
        return len(self.customers)

    def subset(self, mask: np.ndarray) -> Interactions:
        return Interactions(self.customers[mask], self.products[mask], self.kinds[mask], self.times[mask])

    def split_by_time(self, test_days: int = 30) -> tuple[Interactions, dict[int, set[int]]]:
        """(everything before the last test_days, {customer: products they bought in those days})."""
        cut = self.times.max() - np.timedelta64(test_days, "D")
        before = self.times < cut
        test = self.subset(~before & (self.kinds == "purchase"))
        truth: dict[int, set[int]] = {}
        for c, p in zip(test.customers, test.products):
            truth.setdefault(int(c), set()).add(int(p))
        return self.subset(before), truth

    def purchased(self) -> dict[int, set[int]]:
        bought: dict[int, set[int]] = {}
        for c, p in zip(self.customers[self.kinds == "purchase"], self.products[self.kinds == "purchase"]):
            bought.setdefault(int(c), set()).add(int(p))
        return bought


@dataclass
class Matrix:
    """Confidence matrix with its id maps; products are the whole catalog, so new items are columns too."""

    X: sp.csr_matrix
    customer_ids: np.ndarray
    product_ids: np.ndarray
    last_seen: np.ndarray  # per product: days before the newest interaction it was last bought (recency)
    row_of: dict[int, int] = field(default_factory=dict)
    col_of: dict[int, int] = field(default_factory=dict)

    @classmethod
    def build(cls, data: Interactions, product_ids: np.ndarray) -> Matrix:
        customer_ids = np.unique(data.customers)
        row_of = {int(c): n for n, c in enumerate(customer_ids)}
        col_of = {int(p): n for n, p in enumerate(product_ids)}
        keep = np.array([int(p) in col_of for p in data.products], bool) if len(data) else np.zeros(0, bool)
        data = data.subset(keep)
        rows = np.array([row_of[int(c)] for c in data.customers], np.int64)
        cols = np.array([col_of[int(p)] for p in data.products], np.int64)
        weights = np.array([WEIGHTS[k] for k in data.kinds], np.float32)
        X = sp.csr_matrix((weights, (rows, cols)), shape=(len(customer_ids), len(product_ids)), dtype=np.float32)
        X.sum_duplicates()
        X.data = np.maximum(X.data, 0)
        X.eliminate_zeros()
        return cls(X, customer_ids, np.asarray(product_ids, np.int64), _recency(data, col_of, len(product_ids)),
                   row_of, col_of)

    def history(self, events: list[tuple[int, str]]) -> sp.csr_matrix:
        """A 1 x products row from (product id, kind) events: how a customer is scored, trained on or not."""
        pairs = [(self.col_of[p], WEIGHTS[kind]) for p, kind in events if p in self.col_of]
        if not pairs:
            return sp.csr_matrix((1, len(self.product_ids)), dtype=np.float32)
        cols, weights = np.array(pairs).T
        summed = np.bincount(cols.astype(np.int64), weights=weights)
        nonzero = np.flatnonzero(summed > 0)
        return sp.csr_matrix((summed[nonzero].astype(np.float32), (np.zeros(len(nonzero), np.int64), nonzero)),
                             shape=(1, len(self.product_ids)))


def _recency(data: Interactions, col_of: dict[int, int], n: int) -> np.ndarray:
    days = np.full(n, np.inf)
    if len(data) == 0:
        return days
    newest = data.times.max()
    bought = data.kinds == "purchase"
    for p, t in zip(data.products[bought], data.times[bought]):
        days[col_of[int(p)]] = min(days[col_of[int(p)]], (newest - t) / np.timedelta64(1, "D"))
    return days

