"""Size rules: chart reading with vanity sizing, between sizes, preference, history, reviews, refusals."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from index.demo import BRANDS, chart_rows, generate
from index.store import Store
from shopagent.cli import app
from shopagent.settings import Settings
from tryon.sizing import ChartRow, Measurement, advise

runner = CliRunner()


def _chart(brand: str, category: str) -> list[ChartRow]:
    spec = next(b for b in BRANDS if b.name == brand)
    rows = chart_rows(spec, category)
    return [ChartRow(r["size_label"], r["position"], {k[:-4]: (r[k], r[k.replace("_min", "_max")]) for k in r
                                                       if k.endswith("_min") and r[k] is not None}) for r in rows]


def test_brand_vanity_sizing_changes_the_label() -> None:
    body = {"chest": Measurement(95.0)}
    small_running = advise("t-shirt", "Kowa Studio", _chart("Kowa Studio", "t-shirt"), body)  # -4 cm
    large_running = advise("t-shirt", "Nordlys", _chart("Nordlys", "t-shirt"), body)  # +4 cm
    assert (small_running.size, large_running.size) == ("L", "S")
    assert "Kowa Studio's L is for a chest of 94-100 cm" in small_running.reason


def test_between_sizes_gives_the_alternative() -> None:
    chart = _chart("Urban Fable", "t-shirt")  # neutral: M is 92-98
    middle = advise("t-shirt", "Urban Fable", chart, {"chest": Measurement(95.0)})
    edge = advise("t-shirt", "Urban Fable", chart, {"chest": Measurement(97.6)})
    assert middle.size == "M" and middle.alternative is None and middle.confidence > 0.9
    assert edge.size == "M" and edge.alternative == "L" and "between M and L" in edge.alternative_reason


def test_fit_preference_moves_across_a_boundary() -> None:
    chart = _chart("Urban Fable", "t-shirt")
    assert advise("t-shirt", "Urban Fable", chart, {"chest": Measurement(96.5)}, "relaxed").size == "L"
    assert advise("t-shirt", "Urban Fable", chart, {"chest": Measurement(96.5)}, "regular").size == "M"


def test_history_adjusts_only_when_the_chart_does_not_explain_the_return() -> None:
    chart = _chart("Urban Fable", "t-shirt")
    body = {"chest": Measurement(96.0)}
    unexplained = advise("t-shirt", "Urban Fable", chart, body, returns_in_brand=[("M", "too small")])
    explained = advise("t-shirt", "Urban Fable", chart, body, returns_in_brand=[("S", "too small")])
    assert unexplained.size == "L" and "returned 1 item" in unexplained.adjustments[0]
    assert explained.size == "M" and not explained.adjustments


def test_reviews_move_a_usual_label_guess_but_not_a_chart_reading() -> None:
    chart = _chart("Kowa Studio", "t-shirt")
    runs_small = {"small": 7, "true": 2}
    guess = advise("t-shirt", "Kowa Studio", chart, {}, review_fit=runs_small, usual_label="M")
    assert guess.size == "L" and guess.confidence <= 0.5 and "runs small" in guess.reason
    read = advise("t-shirt", "Kowa Studio", chart, {"chest": Measurement(95.0)}, review_fit=runs_small)
    assert read.size == "L" and "already holds" in read.adjustments[0]


def test_a_second_measure_can_call_for_the_bigger_size() -> None:
    chart = _chart("Urban Fable", "dress")  # chest decides, hips checked
    advice = advise("dress", "Urban Fable", chart, {"chest": Measurement(89.0), "hip": Measurement(106.0)})
    assert advice.size == "S" and advice.alternative == "L" and "tight at the hips" in advice.alternative_reason


@pytest.mark.parametrize(("category", "chart", "body", "message"), [
    ("sneaker", "Nordlys", {"chest": Measurement(95.0)}, "foot length"),
    ("jeans", "Nordlys", {"chest": Measurement(95.0)}, "waist"),
    ("t-shirt", None, {"chest": Measurement(95.0)}, "no size chart"),
    ("t-shirt", "Nordlys", {"chest": Measurement(150.0)}, "outside"),
])
def test_refusals_say_what_is_missing(category: str, chart: str | None, body: dict, message: str) -> None:
    advice = advise(category, "Nordlys", _chart(chart, category) if chart else [], body)
    assert advice.refused and message in advice.reason


def test_one_size_needs_nothing() -> None:
    assert advise("bag", "Nordlys", [], {}).size == "One size"


def test_cli_size_and_bench(tmp_path) -> None:  # noqa: ANN001
    settings = Settings(data_dir=tmp_path / "d")
    store = Store(settings.db_url)
    store.migrate()
    generate(store, settings.data_dir, seed=2, n_products=80, n_customers=120, images=False, log=lambda s: None)
    env = {"SHOPAGENT_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    with store.session() as s:
        from index import models as m

        sku = s.query(m.Product.sku).filter(m.Product.category == "t-shirt").first()[0]
    result = runner.invoke(app, ["size", sku, "--chest", "95"], env=env)
    assert result.exit_code == 0 and "chest" in result.output
    refused = runner.invoke(app, ["size", sku, "--waist", "80"], env=env)
    assert refused.exit_code == 3 and "chest" in refused.output
    assert runner.invoke(app, ["size", "NOPE-1", "--chest", "90"], env=env).exit_code == 1
    bench = runner.invoke(app, ["bench", "sizing", "--pairs", "200"], env=env)
    assert bench.exit_code == 0, bench.output
    assert "exact size" in bench.output and "usual label" in bench.output
