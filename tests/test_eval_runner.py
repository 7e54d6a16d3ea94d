"""The dialogue runner: scripts load and validate, expectations can fail, reports are produced and valid."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.report import regressions, write_reports
from eval.runner import Runner
from eval.scripts import ScriptError, load_script, load_scripts, matches
from shopagent.cli import app
from shopagent.settings import Settings

GOOD = """
description: search and refine
tags: [search]
turns:
  - user: "I'm looking for a dress under 200"
    expect:
      tools: [{name: search_products, args: {query: {contains: dress}}}]
      results: [{every: {category: dress, price: {le: 200}}}, {count: {ge: 1}}]
      answer: {mentions: ["[#"], grounded: true}
      latency_ms: 5000
"""
BROKEN = """
description: a deliberately wrong expectation
turns:
  - user: "I'm looking for a dress under 200"
    expect:
      tools: [{name: search_products}]
      results: [{every: {category: sneaker}}]
      answer: {mentions: [unicorn]}
"""
CART = """
customer: 9
turns:
  - user: "what's in my cart?"
    expect:
      tools: [{name: view_cart}]
goals:
  cart: {count: {ge: 1}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("value", "spec", "ok"), [
    (5, 5, True), (5, {"le": 5, "gt": 1}, True), (5, {"lt": 5}, False), ("Navy shirt", {"contains": "navy"}, True),
    (["red", "white"], {"contains": "red"}, True), (["red"], {"not_contains": "red"}, False), ("M", ["S", "M"], True),
    (None, {"present": False}, True), (None, {"ge": 1}, False), ("W32", {"matches": r"^W\d+$"}, True),
])
def test_matchers(value: object, spec: object, ok: bool) -> None:
    assert matches(value, spec) is ok


def test_scripts_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="turns"):
        load_script(write(tmp_path, "a", "name: x\n"))
    with pytest.raises(ScriptError, match="unknown matcher"):
        load_script(write(tmp_path, "b", "turns:\n  - user: hi\n    expect:\n      tools: [{name: x, args: "
                                         "{k: {le: 3, about: 1}}}]\n"))
    with pytest.raises(ScriptError, match="staff script needs"):
        load_script(write(tmp_path, "c", "persona: staff\nturns:\n  - user: hi\n"))
    with pytest.raises(ScriptError, match="customer must be"):
        load_script(write(tmp_path, "d", "customer: rich_people\nturns:\n  - user: hi\n"))
    with pytest.raises(ScriptError, match="not valid YAML"):
        load_script(write(tmp_path, "e", "turns: [\n"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScriptError, match="no .yaml"):
        load_scripts(tmp_path / "empty")


def test_every_shipped_script_loads() -> None:
    scripts = load_scripts(Path(__file__).parent.parent / "eval" / "scripts")
    assert len(scripts) >= 40
    tags = {t for s in scripts for t in s.tags}
    assert {"search", "refine", "compare", "photo", "composed", "size", "tryon", "recommend", "cart", "orders",
            "returns", "policy", "staff", "bad-input", "injection", "offtopic"} <= tags


@pytest.fixture(scope="module")
def runner(shop: Settings):  # noqa: ANN201
    r = Runner(shop, log=lambda s: None)
    yield r
    r.close()


def test_a_broken_expectation_fails_and_reports_are_valid(runner: Runner, tmp_path: Path) -> None:
    good, broken = load_script(write(tmp_path, "good", GOOD)), load_script(write(tmp_path, "broken", BROKEN))
    results = runner.run([good, broken], repeat=2)
    assert results[0].pass_k and [r.passed for r in results[0].runs] == [True, True]
    failures = results[1].runs[0].all_failures()
    assert not results[1].pass_k and len(failures) == 2
    assert "every result should match {'category': 'sneaker'}" in failures[0] and "unicorn" in failures[1]
    paths = write_reports(results, "rules", 2, tmp_path / "report")
    suite = ET.parse(paths["junit"]).getroot()
    assert suite.tag == "testsuite" and suite.get("tests") == "2" and suite.get("failures") == "1"
    assert [c.get("name") for c in suite if c.find("failure") is not None] == ["broken"]
    report = json.loads(paths["json"].read_text())
    assert report["summary"]["pass_rate"] == 0.5 and report["summary"]["tool_recall"] == 1.0
    page = paths["html"].read_text()
    assert page.startswith("<!doctype html>") and "data:image/png;base64," in page and "broken" in page
    assert regressions(results, {"good": True, "broken": True}) == ["broken"]
    assert regressions(results, {"good": True, "broken": False}) == []


def test_goals_and_isolation(runner: Runner, tmp_path: Path) -> None:
    """A run never sees another run's cart: each works on its own copy of the store."""
    script = load_script(write(tmp_path, "cart", CART))
    run = runner.run([script])[0].runs[0]
    assert run.goals_met is False and "goal: cart count is 0" in run.failures[0]
    adding = load_script(write(tmp_path, "add", CART.replace("what's in my cart?", "I'm looking for a t-shirt in M")
                               .replace("view_cart", "search_products")))
    runner.run([adding])
    assert runner.run([script])[0].runs[0].goals_met is False


def test_the_cli_exit_codes_follow_the_baseline(shop: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    write(folder, "good", GOOD)
    write(folder, "broken", BROKEN)
    env = {"SHOPAGENT_DATA_DIR": str(shop.data_dir), "COLUMNS": "200"}
    base = tmp_path / "baseline.json"
    first = CliRunner().invoke(app, ["eval", "run", str(folder), "--backend", "rules", "--report",
                                     str(tmp_path / "out"), "--write-baseline", str(base)], env=env)
    assert first.exit_code == 0, first.output
    assert "pass rate 50.0% (1/2)" in first.output and json.loads(base.read_text()) == {"broken": False, "good": True}
    assert (tmp_path / "out" / "junit.xml").is_file()
    base.write_text(json.dumps({"broken": True, "good": True}))
    again = CliRunner().invoke(app, ["eval", "run", str(folder), "--backend", "rules", "--report",
                                     str(tmp_path / "out"), "--baseline", str(base)], env=env)
    assert again.exit_code == 1 and "1 regression(s)" in again.output and "broken" in again.output
