"""Explicit feedback: predicting review stars (1-5), scored by RMSE and MAE.

- `GlobalMean`: every prediction is the mean star: the floor to beat.
- `KNNWithMeans`: item-based; the item's mean plus the similarity-weighted, mean-centred
  stars the customer gave its k nearest items (cosine on centred stars, shrunk). Item means
  are shrunk toward the global mean (n / (n + 5)): most products have one or two reviews.
- `BiasedMF`: global mean + customer bias + product bias + a factor dot product, by SGD
  (Funk SVD with biases), the usual strong baseline for stars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from index import models as m
from index.store import Store


@dataclass
class Ratings:
    customers: np.ndarray
    products: np.ndarray
    stars: np.ndarray

    @classmethod
    def from_store(cls, store: Store) -> Ratings:
        with store.session() as s:
            rows = s.execute(select(m.Review.customer_id, m.Review.product_id, m.Review.stars)
                             .where(m.Review.customer_id.is_not(None))).all()
        c, p, r = (np.array(x) for x in zip(*rows)) if rows else (np.zeros(0, int),) * 3
        return cls(c.astype(np.int64), p.astype(np.int64), r.astype(np.float32))

    def take(self, idx: np.ndarray) -> Ratings:
        return Ratings(self.customers[idx], self.products[idx], self.stars[idx])

    def __len__(self) -> int:
        return len(self.stars)


class GlobalMean:
    name = "global mean"

    def fit(self, r: Ratings) -> None:
        self.mean = float(r.stars.mean())

    def predict(self, customers: np.ndarray, products: np.ndarray) -> np.ndarray:
        return np.full(len(customers), self.mean, np.float32)


class KNNWithMeans:
    name = "KNN with means (item)"

    def __init__(self, k: int = 20, shrink: float = 5.0, mean_shrink: float = 5.0) -> None:
        self.k = k
        self.shrink = shrink
        self.mean_shrink = mean_shrink

    def fit(self, r: Ratings) -> None:
        self.mean = float(r.stars.mean())
        self.item_mean = {}
        for p in np.unique(r.products):
            stars = r.stars[r.products == p]
            self.item_mean[int(p)] = self.mean + float((stars - self.mean).sum()) / (len(stars) + self.mean_shrink)
        self.by_customer: dict[int, list[tuple[int, float]]] = {}
        self.by_item: dict[int, dict[int, float]] = {}
        for c, p, s in zip(r.customers, r.products, r.stars):
            centred = float(s) - self.item_mean[int(p)]
            self.by_customer.setdefault(int(c), []).append((int(p), centred))
            self.by_item.setdefault(int(p), {})[int(c)] = centred

    def _similarity(self, a: int, b: int) -> float:
        ra, rb = self.by_item.get(a, {}), self.by_item.get(b, {})
        common = ra.keys() & rb.keys()
        if not common:
            return 0.0
        x = np.array([ra[c] for c in common])
        y = np.array([rb[c] for c in common])
        cos = float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9))
        return cos * len(common) / (len(common) + self.shrink)

    def predict(self, customers: np.ndarray, products: np.ndarray) -> np.ndarray:
        out = []
        for c, p in zip(customers, products):
            base = self.item_mean.get(int(p), self.mean)
            rated = self.by_customer.get(int(c), [])
            sims = sorted(((self._similarity(int(p), q), dev) for q, dev in rated if q != p), reverse=True)[:self.k]
            weight = sum(abs(s) for s, _ in sims)
            out.append(base + (sum(s * d for s, d in sims) / weight if weight > 0 else 0.0))
        return np.clip(np.array(out, np.float32), 1, 5)


class BiasedMF:
    name = "biased MF (SGD)"

    def __init__(self, factors: int = 8, epochs: int = 40, lr: float = 0.01, reg: float = 0.05, seed: int = 0) -> None:
        self.factors, self.epochs, self.lr, self.reg, self.seed = factors, epochs, lr, reg, seed

    def fit(self, r: Ratings) -> None:
        rng = np.random.default_rng(self.seed)
        self.mean = float(r.stars.mean())
        self.cu = {int(c): n for n, c in enumerate(np.unique(r.customers))}
        self.ip = {int(p): n for n, p in enumerate(np.unique(r.products))}
        bu, bi = np.zeros(len(self.cu)), np.zeros(len(self.ip))
        P = rng.normal(0, 0.05, (len(self.cu), self.factors))
        Q = rng.normal(0, 0.05, (len(self.ip), self.factors))
        us = np.array([self.cu[int(c)] for c in r.customers])
        its = np.array([self.ip[int(p)] for p in r.products])
        for _ in range(self.epochs):
            for n in rng.permutation(len(r)):
                u, i = us[n], its[n]
                err = r.stars[n] - (self.mean + bu[u] + bi[i] + P[u] @ Q[i])
                bu[u] += self.lr * (err - self.reg * bu[u])
                bi[i] += self.lr * (err - self.reg * bi[i])
                P[u], Q[i] = P[u] + self.lr * (err * Q[i] - self.reg * P[u]), Q[i] + self.lr * (err * P[u] - self.reg * Q[i])
        self.bu, self.bi, self.P, self.Q = bu, bi, P, Q

    def predict(self, customers: np.ndarray, products: np.ndarray) -> np.ndarray:
        out = []
        for c, p in zip(customers, products):
            u, i = self.cu.get(int(c)), self.ip.get(int(p))
            value = self.mean + (self.bu[u] if u is not None else 0) + (self.bi[i] if i is not None else 0)
            if u is not None and i is not None:
                value += self.P[u] @ self.Q[i]
            out.append(value)
        return np.clip(np.array(out, np.float32), 1, 5)


def cross_validate(model_factory, ratings: Ratings, folds: int = 5, seed: int = 0) -> tuple[float, float]:  # noqa: ANN001
    """Mean RMSE and MAE over k folds."""
    order = np.random.default_rng(seed).permutation(len(ratings))
    rmse, mae = [], []
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        model = model_factory()
        model.fit(ratings.take(train))
        held = ratings.take(test)
        err = model.predict(held.customers, held.products) - held.stars
        rmse.append(float(np.sqrt(np.mean(err ** 2))))
        mae.append(float(np.mean(np.abs(err))))
    return float(np.mean(rmse)), float(np.mean(mae))
