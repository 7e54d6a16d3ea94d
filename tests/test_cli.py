"""The CLI as a user runs it: settings, demo data, stats, import, doctor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopagent.cli import app

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo-data", "catalog", "doctor", "config", "db"):
        assert command in result.output


def test_config_show_names_the_origin(tmp_path: Path) -> None:
    (tmp_path / "my.toml").write_text('index_factory = "HNSW32"\n')
    result = runner.invoke(app, ["--config", str(tmp_path / "my.toml"), "config", "show"],
                           env={"SHOPAGENT_DEVICE": "cpu", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "HNSW32" in result.output and "my.toml" in result.output and "SHOPAGENT_DEVICE" in result.output


def test_config_errors_are_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "shopagent.toml").write_text("colour = 1\n")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 1 and "unknown setting" in result.output and "Traceback" not in result.output


def test_demo_data_then_stats_then_refusal(tmp_path: Path) -> None:
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    result = runner.invoke(app, ["demo-data", "--products", "30", "--customers", "15", "--no-images"], env=env)
    assert result.exit_code == 0, result.output
    assert "30 products" in result.output
    stats = runner.invoke(app, ["catalog", "stats"], env=env)
    assert stats.exit_code == 0 and "products" in stats.output and "30" in stats.output
    again = runner.invoke(app, ["demo-data", "--products", "30"], env=env)
    assert again.exit_code == 1 and "--force" in again.output
    keep = runner.invoke(app, ["demo-data", "--if-missing"], env=env)
    assert keep.exit_code == 0 and "nothing to do" in keep.output


def test_import_reports_bad_lines_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"sku": "X-1", "title": "Tee", "brand": "Acme", "category": "t-shirt", "price": 10})
                    + "\n" + json.dumps({"sku": "X-2"}) + "\n")
    result = runner.invoke(app, ["catalog", "import", str(path)],
                           env={"SHOPAGENT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "1 added" in result.output and "line 2 (X-2)" in result.output


def test_doctor_reports_fallbacks_and_the_database(tmp_path: Path) -> None:
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "250"}
    fresh = runner.invoke(app, ["doctor"], env=env)
    assert fresh.exit_code == 1 and "shopagent db upgrade" in fresh.output
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(app, ["doctor"], env=env)
    assert result.exit_code == 0, result.output
    assert "fallback" in result.output and "rules planner" in result.output and "answers" in result.output
    assert "held-out photos: category" in result.output  # the shipped recogniser's headline figure


# ------------------------------------------------------------ the shape of the CLI package


def test_every_cli_module_stays_small() -> None:
    import shopagent.cli

    folder = Path(shopagent.cli.__file__).parent
    lines = {p.name: len(p.read_text().splitlines()) for p in folder.glob("*.py")}
    assert {"__init__.py", "__main__.py", "common.py"} <= set(lines)
    assert max(lines.values()) < 300, lines


def test_a_flag_overrides_a_setting_and_says_so(tmp_path: Path) -> None:
    from shopagent.cli.common import load_settings

    (tmp_path / "shopagent.toml").write_text('index_factory = "HNSW32"\n')
    settings = load_settings(index_factory="IVF64,Flat", tryon_engine=None)
    origins = settings.origins()
    assert settings.index_factory == "IVF64,Flat" and origins["index_factory"] == "argument"
    assert settings.tryon_engine == "warp" and origins["tryon_engine"] == "default"  # None: the flag was not given


def test_a_bad_flag_value_is_one_line(tmp_path: Path) -> None:
    env = {"SHOPAGENT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80"}
    result = runner.invoke(app, ["demo-data", "--products", "3"], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = result.output.strip()
    assert "\n" not in line and "demo_products = 3 (from the command line)" in line and "10" in line
    bad_env = runner.invoke(app, ["config", "show"], env={"SHOPAGENT_DEVICE": "gpu"})
    assert bad_env.exit_code == 1 and "device = 'gpu' (from SHOPAGENT_DEVICE)" in bad_env.output


# ------------------------------------------------------------ one way to name a product, one way to filter


def test_products_by_sku_or_id_through_size(tmp_path: Path) -> None:
    from index import models as m
    from index.demo import generate
    from index.products import ProductNotFound, resolve_product
    from index.store import Store

    data = tmp_path / "data"
    store = Store(f"sqlite:///{(data / 'catalog.sqlite').resolve()}")
    store.migrate()
    generate(store, data, seed=3, n_products=20, n_customers=12, images=False, log=lambda s: None)
    with store.session() as s:
        product = s.query(m.Product).filter(m.Product.category == "t-shirt").first()
        pid, sku = product.id, product.sku
    assert resolve_product(store, sku).id == pid and resolve_product(store, f" {pid} ").sku == sku
    for ref in ("NOPE-1", "999999", "", "99999999999999999999999"):
        with pytest.raises(ProductNotFound, match="SKU or its numeric id"):
            resolve_product(store, ref)
    env = {"SHOPAGENT_DATA_DIR": str(data), "COLUMNS": "200"}
    by_id = runner.invoke(app, ["size", str(pid), "--chest", "95"], env=env)
    by_sku = runner.invoke(app, ["size", sku, "--chest", "95"], env=env)
    assert by_id.exit_code == 0 and by_id.output == by_sku.output
    for args, says in ((["size", "NOPE-1", "--chest", "90"], "no product 'NOPE-1'"),
                       (["size", sku, "--chest", "5"], "not a body measurement"),
                       (["size", sku, "--fit", "baggy", "--chest", "90"], "slim, regular, relaxed"),
                       (["size", sku], "give a customer id"),
                       (["size", sku, "--photo", "me.jpg"], "height"),
                       (["tryon", "me.jpg", "NOPE-1"], "no product 'NOPE-1'"),
                       (["recommend", "1", "--category", "dresss"], "Did you mean dress")):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 1 and says in result.output and "Traceback" not in result.output, result.output


def test_filters_from_options() -> None:
    from index.products import BadFilterOption, Filters

    filters = Filters.from_options(category="dress", colour="navy", size="M", brand="Nordlys", max_price=80)
    assert filters.categories == {"dress"} and filters.colours == {"navy"} and filters.brands == {"Nordlys"}
    assert filters.size == "M" and filters.price_max == 80 and Filters.from_options().is_empty()
    with pytest.raises(BadFilterOption, match="unknown colour 'nvy'. Did you mean navy"):
        Filters.from_options(colour="nvy")
    with pytest.raises(BadFilterOption, match="below 0"):
        Filters.from_options(max_price=-1)


def test_bench_tables_are_printed_as_eval_made_them() -> None:
    from eval.stats import Table, percentiles
    from shopagent.cli.common import console, show

    assert percentiles([1.0, 2.0, 3.0, 4.0], (50, 100)) == (2.5, 4.0)
    table = Table("t", ("measure", "value", "target"))
    table.add("recall [a]", "0.95", ">= 0.9", passed=True)
    table.add("latency", "12", "<= 10", passed=False)
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        table.add("a", "b")
    with console.capture() as captured:
        show(table)
        show("a line [not markup]")
    out = captured.get()
    assert ">= 0.9 ok" in out and "<= 10 missed" in out and "recall [a]" in out and "a line [not markup]" in out


# ------------------------------------------------------------ quiet by default, -v to see it


def _shopagent(*args: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[1]
    env = os.environ | {"HF_HUB_OFFLINE": "1", "COLUMNS": "200", "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "shopagent.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_third_party_noise_stays_hidden_unless_verbose() -> None:
    import skimage

    photo = str(Path(skimage.__file__).parent / "data" / "astronaut.png")
    quiet = _shopagent("body", photo)
    assert quiet.returncode == 1 and "cropped above the hips" in quiet.stderr  # the astronaut is a waist-up photo
    for noise in ("Feedback manager", "absl", "TensorFlow Lite", "W0000"):
        assert noise not in quiet.stderr, quiet.stderr
    assert quiet.stderr.strip().startswith("error:") and len(quiet.stderr.strip().splitlines()) == 1
    loud = _shopagent("-v", "body", photo)
    assert loud.returncode == 1 and "cropped above the hips" in loud.stderr
    assert "DEBUG shopagent.thirdparty: MediaPipe" in loud.stderr and "TensorFlow Lite" in loud.stderr


def test_ui_names_the_proxies_it_believes() -> None:
    from typer.testing import CliRunner

    from shopagent.cli import app

    result = CliRunner().invoke(app, ["ui", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "--forwarded-allow-ips" in result.output and "127.0.0.1" in result.output
