"""Recommenders: the rules always hold, fold-in works without retraining, the models do what they say."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

from index import models as m
from index.demo import generate
from index.products import Filters
from index.store import Store
from index.vocab import CATEGORIES, KNOWN_SIZE_KEY
from retrieval.recsys.data import Interactions, Matrix
from retrieval.recsys.models import ALS, ItemKNN
from retrieval.recsys.ratings import BiasedMF, GlobalMean, KNNWithMeans, Ratings, cross_validate
from retrieval.recsys.service import RecommendationService, UnknownProduct
from shopagent.cli import app
from shopagent.settings import Settings

runner = CliRunner()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Store]:
    data = tmp_path_factory.mktemp("shop")
    settings = Settings(data_dir=data)
    store = Store(settings.db_url)
    store.migrate()
    generate(store, data, seed=5, n_products=300, n_customers=200, images=False, log=lambda s: None)
    return settings, store


@pytest.fixture(scope="module")
def service(shop: tuple[Settings, Store]) -> RecommendationService:
    return RecommendationService.train(shop[1], "hybrid")


def test_rules_hold_for_every_customer(shop: tuple[Settings, Store], service: RecommendationService) -> None:
    store = shop[1]
    filters = Filters(price_max=80)
    for customer_id in range(1, 201, 7):
        who = service.customer(store, customer_id)
        bought = {p for p, kind in who.events if kind == "purchase"}
        response = service.recommend(store, customer_id, k=12, filters=filters)
        assert response.items
        per_category: dict[str, int] = {}
        for item in response.items:
            p = item.product
            assert p.id not in bought and p.price <= 80 and item.reason
            size = who.sizes.get(KNOWN_SIZE_KEY.get(CATEGORIES[p.category].size_system, ""), None)
            assert (size in p.sizes_in_stock) if size else p.sizes_in_stock
            per_category[p.category] = per_category.get(p.category, 0) + 1
        assert max(per_category.values()) <= 3


def test_unknown_customers_and_products(shop: tuple[Settings, Store], service: RecommendationService) -> None:
    store = shop[1]
    response = service.recommend(store, 987654, k=5)
    assert len(response.items) == 5 and "unknown" in response.notes[0]
    assert all(i.reason == "popular right now" for i in response.items)
    with store.session() as s:
        s.add(m.Customer(id=5000, name="New Shopper", email="new@example.com"))
    assert "no history" in service.recommend(store, 5000, k=3).notes[0]
    with pytest.raises(UnknownProduct, match="not in the catalog"):
        service.recommend(store, 1, session_events=[(999999, "view")])


def test_new_interactions_fold_in_without_retraining(shop: tuple[Settings, Store],
                                                     service: RecommendationService) -> None:
    store = shop[1]
    before = [i.product.id for i in service.recommend(store, 5000, k=12).items]  # no history: popular
    session = [(pid, "view") for pid in (3, 4, 5)]
    after = [i.product.id for i in service.recommend(store, 5000, k=12, session_events=session).items]
    assert after != before
    top = after[0]
    with store.session() as s:
        s.add(m.Interaction(customer_id=5000, product_id=top, kind=m.InteractionKind.PURCHASE,
                            created_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
    assert top not in [i.product.id for i in service.recommend(store, 5000, k=12, session_events=session).items]


def test_als_fold_in_is_the_training_step() -> None:
    X = sp.random(120, 200, density=0.05, format="csr", dtype=np.float32, random_state=1)
    X.data = np.ceil(X.data * 4)
    matrix = Matrix(X, np.arange(120), np.arange(200), np.zeros(200))
    als = ALS(factors=8, iterations=3)
    als.fit(matrix)
    reference = np.asarray(als.model.recalculate_user(0, (X[7] * als.alpha).tocsr())).ravel()
    assert np.allclose(als.user_vector(X[7]), reference, atol=1e-4)


def test_item_knn_finds_items_bought_together() -> None:
    # items 0 and 1 always go together; 2 goes with 3; customer with only item 0 should get item 1 first
    rows = [(c, 0, "purchase") for c in range(10)] + [(c, 1, "purchase") for c in range(10)] + \
           [(c, 2, "purchase") for c in range(10, 20)] + [(c, 3, "purchase") for c in range(10, 20)]
    at = datetime(2026, 1, 1)
    data = Interactions.from_rows([(c, p, k, at) for c, p, k in rows])
    matrix = Matrix.build(data, np.arange(4))
    knn = ItemKNN("cosine", shrink=0)
    knn.fit(matrix)
    scores = knn.scores(matrix.history([(0, "purchase")]))
    assert int(np.argmax(scores)) == 1 and scores[2] == scores[3] == 0
    assert knn.because(matrix.history([(0, "purchase"), (2, "view")]), 1) == 0


def test_star_models_beat_the_mean_on_structured_ratings() -> None:
    rng = np.random.default_rng(0)
    customers, products = rng.integers(0, 60, 3000), rng.integers(0, 80, 3000)
    bias_c, bias_p = rng.normal(0, 0.7, 60), rng.normal(0, 0.7, 80)
    stars = np.clip(np.round(3.5 + bias_c[customers] + bias_p[products] + rng.normal(0, 0.3, 3000)), 1, 5)
    ratings = Ratings(customers, products, stars.astype(np.float32))
    mean_rmse, _ = cross_validate(GlobalMean, ratings)
    assert cross_validate(BiasedMF, ratings)[0] < 0.8 * mean_rmse
    assert cross_validate(lambda: KNNWithMeans(k=10), ratings)[0] < mean_rmse


def test_cli_train_recommend_and_bench(shop: tuple[Settings, Store]) -> None:
    env = {"SHOPAGENT_DATA_DIR": str(shop[0].data_dir), "COLUMNS": "200"}
    missing = runner.invoke(app, ["recommend", "3"], env=env)
    assert missing.exit_code == 1 and "shopagent train recommender" in missing.output
    assert runner.invoke(app, ["train", "recommender", "--model", "als"], env=env).exit_code == 0
    result = runner.invoke(app, ["recommend", "3", "--k", "4", "--json"], env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout[result.stdout.index("{"):])
    assert payload["model"] == "ALS" and len(payload["items"]) == 4
    assert runner.invoke(app, ["train", "recommender", "--model", "magic"], env=env).exit_code == 1
    bench = runner.invoke(app, ["bench", "recsys", "--synthetic", "40"], env=env)
    assert bench.exit_code == 0, bench.output
    for name in ("popularity", "item-knn (cosine)", "item-knn (pearson)", "user-knn", "ALS", "BPR", "hybrid",
                 "global mean", "KNN with means", "biased MF"):
        assert name in bench.output
