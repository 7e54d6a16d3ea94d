"""The report's split of scripts (old, dev, held-out) and its per-class table, on made-up results."""

from __future__ import annotations

from pathlib import Path

from eval.report import as_json, class_table, classes, split_of, split_table, splits
from eval.runner import RunResult, ScriptResult
from eval.scripts import Script, Turn, load_scripts


def result(name: str, tags: list[str], *passed: bool) -> ScriptResult:
    script = Script(name, Path(f"{name}.yaml"), [Turn("hi")], tags=tags)
    return ScriptResult(script, [RunResult(name, i, [], None, [] if ok else ["failed"]) for i, ok in enumerate(passed)])


RESULTS = [
    result("old-a", ["search"], True, True, True),
    result("old-b", ["refine", "search"], True, False, True),  # passes the first run, not all three
    result("dev-a", ["refine", "dev"], True, True, True),
    result("dev-b", ["superlative", "dev"], False, False, False),
    result("held-a", ["refine", "heldout"], False, True, True),  # fails the first run only
    result("held-b", ["superlative", "heldout"], True, True, True),
]


def test_scripts_fall_in_three_splits_by_their_tags() -> None:
    assert [split_of(sr) for sr in RESULTS] == ["old", "old", "dev", "dev", "heldout", "heldout"]
    s = splits(RESULTS)
    assert list(s) == ["old", "dev", "heldout"]
    assert s["old"] == {"scripts": 2, "passed_first_run": 2, "pass_rate": 1.0, "pass_hat_k": 0.5}
    assert s["dev"] == {"scripts": 2, "passed_first_run": 1, "pass_rate": 0.5, "pass_hat_k": 0.5}
    assert s["heldout"] == {"scripts": 2, "passed_first_run": 1, "pass_rate": 0.5, "pass_hat_k": 0.5}
    assert splits(RESULTS[:2]).keys() == {"old"}  # a run of the old scripts alone has one split


def test_classes_count_dev_and_held_out_scripts_passed_in_all_runs() -> None:
    assert classes(RESULTS) == {"refine": {"dev": [1, 1], "heldout": [0, 1]},
                                "superlative": {"dev": [0, 1], "heldout": [1, 1]}}  # old scripts' tags are no class


def test_the_tables_and_the_json_carry_the_split() -> None:
    table = split_table(RESULTS, 3)
    assert table.columns == ("split", "scripts", "passed", "pass rate", "pass^3")
    assert [r.cells for r in table.rows] == [("old", "2", "2", "100.0%", "50.0%"), ("dev", "2", "1", "50.0%", "50.0%"),
                                             ("held-out", "2", "1", "50.0%", "50.0%")]
    by_class = class_table(RESULTS, 3)
    assert [(r.cells, r.passed) for r in by_class.rows] == [(("refine", "1/1", "0/1"), False),
                                                            (("superlative", "0/1", "1/1"), False)]
    report = as_json(RESULTS, "rules", 3)
    assert report["splits"]["heldout"]["pass_hat_k"] == 0.5 and report["classes"]["refine"]["heldout"] == [0, 1]


def test_the_shipped_issue_19_set_is_split_evenly() -> None:
    """Half of issue 19's scripts are held out, evenly over the classes; nobody tunes the planner on those."""
    new = [s for s in load_scripts(Path(__file__).parent.parent / "eval" / "scripts") if s.name.startswith("i19-")]
    assert len(new) >= 80
    assert all(len([t for t in s.tags if t in ("dev", "heldout")]) == 1 and len(s.tags) == 2 for s in new)
    per_class: dict[str, list[str]] = {}
    for s in new:
        split = "dev" if "dev" in s.tags else "heldout"
        per_class.setdefault(next(t for t in s.tags if t != split), []).append(split)
    assert set(per_class) == {"described-product", "photo-this", "shown-size", "superlative", "style-negation",
                              "refine", "return-by-words", "exchange", "staff-names-customer", "staff-grounded-draft",
                              "language"}
    assert all(kinds.count("dev") == kinds.count("heldout") for kinds in per_class.values())
