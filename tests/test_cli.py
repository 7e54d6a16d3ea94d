"""The CLI as a user runs it: settings, demo data, stats, import, doctor."""

from __future__ import annotations

import json
from pathlib import Path

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
