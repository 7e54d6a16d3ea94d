"""The recommenders. Each: `fit(matrix)`, then `scores(history)` -> one score per catalog product.

- `Popularity`: purchases and carts, decayed over 30 days: what sells now.
- `ItemKNN`: item-item similarity (cosine, or Pearson: cosine of mean-centred columns) with
  shrinkage n / (n + shrink) on co-occurrence counts, top-k neighbours per item; a customer's
  score for an item is their history times its similarities.
- `UserKNN`: the customer's row against every trained customer (cosine), top-k neighbours'
  rows weighted by similarity.
- `ALS` and `BPR`: matrix factorisation for implicit feedback from the `implicit` library.
  Fold-in: ALS solves the customer's least-squares problem against the item factors
  (`recalculate_user`); BPR projects the history on its item factors (ridge).
- `Hybrid`: ALS plus content (product embeddings or attribute features): the customer's
  content profile is the mean of what they interacted with. Content weighs more for short
  histories and carries products nobody has interacted with yet; an empty history falls back
  to popularity.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from retrieval.recsys.data import Matrix


@contextmanager
def _one_blas_thread():
    """implicit wants single-threaded BLAS (it parallelises itself) and warns otherwise: give it that."""
    with threadpool_limits(1, "blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="OpenBLAS is configured")
        yield


def _dense(row: sp.csr_matrix) -> np.ndarray:
    return np.asarray(row.todense()).ravel()


def _zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


class Popularity:
    name = "popularity"

    def __init__(self, half_life_days: float = 30.0) -> None:
        self.half_life_days = half_life_days

    def fit(self, matrix: Matrix) -> None:
        bought = np.asarray((matrix.X >= 2).sum(axis=0)).ravel().astype(np.float32)
        recent = np.exp(-np.nan_to_num(matrix.last_seen, posinf=1e9) / self.half_life_days)
        self.popularity = bought * (0.5 + recent)

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        return self.popularity.copy()


class ItemKNN:
    def __init__(self, similarity: str = "cosine", neighbours: int = 50, shrink: float = 10.0) -> None:
        self.similarity = similarity
        self.neighbours = neighbours
        self.shrink = shrink
        self.name = f"item-knn ({similarity})"

    def fit(self, matrix: Matrix) -> None:
        X = matrix.X.tocsc().astype(np.float32)
        if self.similarity == "pearson":
            counts = np.maximum(np.diff(X.indptr), 1)
            means = np.asarray(X.sum(axis=0)).ravel() / counts
            X = X.copy()
            X.data -= np.repeat(means, np.diff(X.indptr)).astype(np.float32)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel()) + 1e-9
        S = (X.T @ X).tocsr()
        binary = (matrix.X > 0).astype(np.float32)
        co = (binary.T @ binary).tocsr()
        S = S.multiply(1 / norms[:, None]).multiply(1 / norms[None, :]).tocsr()
        S = S.multiply(_shrunk(co, self.shrink)).tocsr()
        S.setdiag(0)
        self.S = _top_k_per_row(S, self.neighbours)

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        return _dense(history @ self.S)

    def because(self, history: sp.csr_matrix, item: int) -> int | None:
        """The history item that contributed most to item's score."""
        contrib = _dense(history.multiply(self.S[:, item].T))
        return int(contrib.argmax()) if contrib.max() > 0 else None


def _shrunk(co: sp.csr_matrix, shrink: float) -> sp.csr_matrix:
    out = co.copy().astype(np.float32)
    out.data = out.data / (out.data + shrink)
    return out


def _top_k_per_row(S: sp.csr_matrix, k: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for i in range(S.shape[0]):
        start, end = S.indptr[i], S.indptr[i + 1]
        data, idx = S.data[start:end], S.indices[start:end]
        if len(data) > k:
            keep = np.argpartition(-data, k)[:k]
            data, idx = data[keep], idx[keep]
        rows.append(np.full(len(idx), i))
        cols.append(idx)
        vals.append(data)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=S.shape,
                         dtype=np.float32)


class UserKNN:
    name = "user-knn"

    def __init__(self, neighbours: int = 50) -> None:
        self.neighbours = neighbours

    def fit(self, matrix: Matrix) -> None:
        norms = np.sqrt(np.asarray(matrix.X.multiply(matrix.X).sum(axis=1)).ravel()) + 1e-9
        self.X = matrix.X
        self.Xn = sp.diags(1 / norms) @ matrix.X

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        h = history / (np.sqrt(history.multiply(history).sum()) + 1e-9)
        sims = _dense(self.Xn @ h.T)
        k = min(self.neighbours, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        return _dense(sp.csr_matrix(sims[top]) @ self.X[top])


class ALS:
    name = "ALS"

    def __init__(self, factors: int = 64, regularization: float = 0.05, iterations: int = 15, alpha: float = 2.0,
                 seed: int = 0) -> None:
        from implicit.als import AlternatingLeastSquares

        self.alpha = alpha
        self.model = AlternatingLeastSquares(factors=factors, regularization=regularization, iterations=iterations,
                                             alpha=1.0, random_state=seed)

    def fit(self, matrix: Matrix) -> None:
        with _one_blas_thread():
            self.model.fit((matrix.X * self.alpha).tocsr(), show_progress=False)
        Y = self.model.item_factors
        self._gram = Y.T @ Y + self.model.regularization * np.eye(Y.shape[1], dtype=Y.dtype)

    def user_vector(self, history: sp.csr_matrix) -> np.ndarray:
        """Fold-in: the customer's exact least-squares step against fixed item factors (as ALS trains)."""
        Y = self.model.item_factors[history.indices]
        confidence = (history.data * self.alpha).astype(Y.dtype)
        A = self._gram + (Y.T * (confidence - 1)) @ Y
        return np.linalg.solve(A, Y.T @ confidence)

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        if history.nnz == 0:
            return np.zeros(self.model.item_factors.shape[0], np.float32)
        return self.model.item_factors @ self.user_vector(history)


class BPR:
    name = "BPR"

    def __init__(self, factors: int = 64, learning_rate: float = 0.05, regularization: float = 0.01,
                 iterations: int = 100, seed: int = 0) -> None:
        from implicit.bpr import BayesianPersonalizedRanking

        self.model = BayesianPersonalizedRanking(factors=factors, learning_rate=learning_rate,
                                                 regularization=regularization, iterations=iterations,
                                                 random_state=seed)

    def fit(self, matrix: Matrix) -> None:
        with _one_blas_thread():
            self.model.fit(matrix.X.tocsr(), show_progress=False)
        Y = self.model.item_factors
        self._project = np.linalg.solve(Y.T @ Y + 0.1 * np.eye(Y.shape[1]), Y.T)  # ridge fold-in

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        user = self._project @ _dense(history)
        return self.model.item_factors @ user


class Hybrid:
    name = "hybrid (ALS + content)"

    def __init__(self, content: np.ndarray, content_weight: float = 0.5, **als: object) -> None:
        self.content = content / (np.linalg.norm(content, axis=1, keepdims=True) + 1e-9)
        self.content_weight = content_weight
        self.als = ALS(**als)  # type: ignore[arg-type]
        self.popularity = Popularity()

    def fit(self, matrix: Matrix) -> None:
        self.als.fit(matrix)
        self.popularity.fit(matrix)
        self.seen = np.asarray((matrix.X > 0).sum(axis=0)).ravel() > 0

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        h = _dense(history)
        if not h.any():
            return self.popularity.scores(history)
        profile = h @ self.content
        content = _zscore(self.content @ profile)
        collaborative = np.where(self.seen, _zscore(self.als.scores(history)), 0.0)
        weight = self.content_weight * (1 + 10 / (5 + np.count_nonzero(h)))  # short histories lean on content
        return collaborative + weight * content


def attribute_features(rows: list) -> np.ndarray:  # noqa: ANN001 (index.products.ProductRow)
    """One-hot category, colours, pattern, brand, gender and a price band: content when there is no index."""
    from index.vocab import CATEGORIES, COLOURS, PATTERNS

    brands = sorted({r.brand for r in rows})
    vocab = ([f"c:{c}" for c in CATEGORIES] + [f"k:{c}" for c in COLOURS] + [f"p:{p}" for p in PATTERNS]
             + [f"b:{b}" for b in brands] + [f"g:{g}" for g in ("women", "men", "unisex")]
             + [f"$:{i}" for i in range(8)])
    pos = {v: n for n, v in enumerate(vocab)}
    X = np.zeros((len(rows), len(vocab)), np.float32)
    for n, r in enumerate(rows):
        keys = [f"c:{r.category}", f"p:{r.pattern}", f"b:{r.brand}", f"g:{r.gender}",
                f"$:{min(7, int(np.log2(max(r.price, 1)) - 2))}"] + [f"k:{c}" for c in r.colours]
        for key in keys:
            if key in pos:
                X[n, pos[key]] = 1.0
    return X
