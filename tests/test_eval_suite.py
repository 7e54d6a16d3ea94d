"""The shipped dialogue scripts, run with the rules planner on the default demo catalog, against the baseline.

This is the suite QA runs (`shopagent eval run eval/scripts`); in CI a script that passed in
eval/baseline-rules.json and fails now is a regression.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.report import regressions, summary
from eval.runner import Runner
from eval.scripts import load_scripts
from index.demo import generate
from index.store import Store
from retrieval.embedders import load_embedder
from retrieval.indexer import build_index
from retrieval.recsys.service import RecommendationService
from shopagent.settings import Settings

EVAL = Path(__file__).parent.parent / "eval"


@pytest.fixture(scope="module")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The catalog `make demo` builds (default seed and size), with its index and recommender."""
    data = tmp_path_factory.mktemp("demo")
    settings = Settings(data_dir=data, planner_backend="rules")
    store = Store(settings.db_url)
    store.migrate()
    generate(store, data, seed=settings.demo_seed, n_products=settings.demo_products,
             n_customers=settings.demo_customers, log=lambda s: None)
    build_index(store, load_embedder(settings).embedder, data)
    RecommendationService.train(store, "hybrid").save(data)
    store.dispose()
    return settings


def test_no_regression_against_the_baseline(demo_shop: Settings, tmp_path: Path) -> None:
    runner = Runner(demo_shop, log=lambda s: None)
    try:
        results = runner.run(load_scripts(EVAL / "scripts"))
    finally:
        runner.close()
    baseline = json.loads((EVAL / "baseline-rules.json").read_text())
    failures = {sr.script.name: sr.runs[0].all_failures() for sr in results if not sr.pass_k}
    assert regressions(results, baseline) == [], failures
    assert set(baseline) == {sr.script.name for sr in results}, "update the baseline: scripts were added or removed"
    s = summary(results, "rules", 1)
    assert s["passed_first_run"] >= sum(baseline.values())
