"""`shopagent bench recsys`: every recommender side by side on one temporal split, plus stars and speed.

- Split: the last 30 days of the demo interactions are the test; each test customer's target
  is what they bought in those days; models see everything before. Customers score from their
  history row (the same fold-in path production uses), with products they already bought
  removed (the only business rule applied here: the stock rule would change the question).
- Cold-start slice: the same test customers, seeing only their last 3 interactions.
- Metrics at 12: MAP (the H&M Kaggle metric), recall, NDCG, and catalog coverage.
- Stars: 5-fold RMSE / MAE for the explicit-rating models against the global mean.
- Speed: fitting on about 1M synthetic interactions from the demo generator, and the p95 of
  recommending for one customer (scores, rules and reasons) on the demo catalog.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from eval.stats import Report, Table, fmt, percentiles, ratio
from index.demo import world
from index.products import ProductTable
from index.store import Store
from retrieval.metrics import catalog_coverage, map_at_k, mean_ndcg_at_k, mean_recall_at_k
from retrieval.recsys.data import Interactions, Matrix
from retrieval.recsys.models import attribute_features
from retrieval.recsys.ratings import BiasedMF, GlobalMean, KNNWithMeans, Ratings, cross_validate
from retrieval.recsys.service import RecommendationService, make_model
from shopagent.errors import NotReady

class NoInteractions(NotReady):
    """The store has no interactions to split."""


MODELS = ["popularity", "item-cosine", "item-pearson", "user-knn", "als", "bpr", "hybrid"]
K = 12


@dataclass
class ModelRow:
    name: str
    map12: float
    recall12: float
    ndcg12: float
    coverage: float
    cold_map12: float
    fit_seconds: float


def _rank(model, matrix: Matrix, histories: dict[int, list[tuple[int, str]]]) -> dict[int, list[int]]:  # noqa: ANN001
    out = {}
    for customer, events in histories.items():
        scores = model.scores(matrix.history(events)).astype(np.float64)
        bought = [matrix.col_of[p] for p, kind in events if kind == "purchase" and p in matrix.col_of]
        scores[bought] = -np.inf
        top = np.argpartition(-scores, K)[:K]
        out[customer] = [int(matrix.product_ids[c]) for c in top[np.argsort(-scores[top])]]
    return out


def _histories(train: Interactions, customers: set[int], last: int | None = None) -> dict[int, list[tuple[int, str]]]:
    histories: dict[int, list[tuple[int, str]]] = {c: [] for c in customers}
    for c, p, kind in zip(train.customers, train.products, train.kinds):
        if int(c) in histories:
            histories[int(c)].append((int(p), str(kind)))
    return {c: (h[-last:] if last else h) for c, h in histories.items()}


def model_rows(data: Interactions, table: ProductTable, models: list[str] = MODELS, test_days: int = 30,
               progress: Callable[[str], None] = lambda s: None) -> tuple[list[ModelRow], int]:
    train, truth = data.split_by_time(test_days)
    matrix = Matrix.build(train, table.ids)
    warm = {c for c in truth if c in matrix.row_of}
    histories, cold = _histories(train, warm), _histories(train, warm, last=3)
    actual = {c: truth[c] for c in warm}
    content = attribute_features(table.rows)
    rows = []
    for name in models:
        progress(name)
        model = make_model(name, content)
        start = time.perf_counter()
        model.fit(matrix)
        fit_seconds = time.perf_counter() - start
        ranked = _rank(model, matrix, histories)
        ranked_cold = _rank(model, matrix, cold)
        rows.append(ModelRow(model.name, map_at_k(ranked, actual, K), mean_recall_at_k(ranked, actual, K),
                             mean_ndcg_at_k(ranked, actual, K), catalog_coverage(ranked, len(table), K),
                             map_at_k(ranked_cold, actual, K), fit_seconds))
    return rows, len(warm)


def star_rows(ratings: Ratings) -> list[tuple[str, float, float]]:
    return [(f().name, *cross_validate(f, ratings)) for f in (GlobalMean, KNNWithMeans, BiasedMF)]


def synthetic_interactions(n_customers: int = 8500, n_products: int = 2000, seed: int = 11) -> Interactions:
    """About 1M interactions from the demo generator (about 120 per customer)."""
    w = world(np.random.default_rng(seed), n_products, n_customers)
    return Interactions.from_rows([(r["customer_id"], r["product_id"], str(r["kind"]), r["created_at"])
                                   for r in w.interactions])


def fit_speed_rows(data: Interactions, models: list[str] = MODELS,
                   progress: Callable[[str], None] = lambda s: None) -> list[tuple[str, float]]:
    product_ids = np.unique(data.products)
    start = time.perf_counter()
    matrix = Matrix.build(data, product_ids)
    build = time.perf_counter() - start
    content = np.random.default_rng(0).random((len(product_ids), 40)).astype(np.float32)  # speed only
    out = [("build the matrix", build)]
    for name in models:
        progress(f"fit {name} on {len(data):,}")
        model = make_model(name, content)
        start = time.perf_counter()
        model.fit(matrix)
        out.append((model.name, time.perf_counter() - start))
    return out


def latency_ms(service: RecommendationService, store: Store, customers: list[int], k: int = K) -> tuple[float, float]:
    times = []
    for c in customers:
        start = time.perf_counter()
        service.recommend(store, c, k)
        times.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(times)
    return p50, p95


def report(store: Store, synthetic: int = 8500, test_days: int = 30,
           progress: Callable[[str], None] = lambda s: None) -> Report:
    """The models side by side, the stars models, then speed; each table as soon as it is done.

    synthetic: customers in the synthetic set for training speed (about 120 interactions each; 0 skips it).
    """
    data, table = Interactions.from_store(store), ProductTable.from_store(store)
    if len(data) == 0:
        raise NoInteractions("the store has no interactions: run `shopagent demo-data` first.")
    rows, n_test = model_rows(data, table, test_days=test_days, progress=progress)
    base = rows[0].map12
    models = Table(f"bench recsys — {n_test} test customers, purchases in the last {test_days} days",
                   ("model", "MAP@12", "recall@12", "NDCG@12", "coverage", "cold MAP@12", "x popularity", "fit (s)"))
    for r in rows:
        models.add(r.name, f"{r.map12:.4f}", f"{r.recall12:.4f}", f"{r.ndcg12:.4f}", f"{r.coverage:.3f}",
                   f"{r.cold_map12:.4f}", fmt(ratio(r.map12, base), ".1f"), f"{r.fit_seconds:.2f}")
    yield models
    progress("stars")
    stars = Table("review stars, 5-fold cross-validation", ("stars model", "RMSE", "MAE"))
    for name, rmse, mae in star_rows(Ratings.from_store(store)):
        stars.add(name, f"{rmse:.4f}", f"{mae:.4f}")
    yield stars
    speed = Table("speed on this machine", ("speed", "value"))
    service = RecommendationService.train(store, "hybrid")
    p50, p95 = latency_ms(service, store, [int(c) for c in service.matrix.customer_ids[:200]])
    speed.add("recommend for one customer, hybrid, p50 / p95", f"{p50:.1f} / {p95:.1f} ms (target p95 <= 5 ms)")
    if synthetic:
        progress(f"generating about {synthetic * 120:,} synthetic interactions")
        big = synthetic_interactions(synthetic)
        for name, seconds in fit_speed_rows(big, progress=progress):
            speed.add(f"fit on {len(big):,} interactions: {name}", f"{seconds:.1f} s (target <= 60 s)")
    yield speed

