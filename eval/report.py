"""Evaluation reports: a JSON file for tools, JUnit XML for CI systems, an HTML page with plots for people."""

from __future__ import annotations

import base64
import html
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from eval.runner import ScriptResult, tool_precision_recall
from eval.stats import Table, percentiles
from shopagent.errors import NotReady


def summary(results: list[ScriptResult], backend: str, repeat: int) -> dict:
    latencies = [t.latency_ms for sr in results for r in sr.runs for t in r.turns]
    with_goals = [r for sr in results for r in sr.runs if r.goals_met is not None]
    precision, recall = tool_precision_recall(results)
    n = len(results)
    return {
        "backend": backend, "repeat": repeat, "scripts": n,
        "passed_first_run": sum(sr.runs[0].passed for sr in results),
        "pass_rate": round(sum(sr.runs[0].passed for sr in results) / n, 4) if n else 0.0,
        "pass_hat_k": round(sum(sr.pass_k for sr in results) / n, 4) if n else 0.0,
        "tool_precision": round(precision, 4), "tool_recall": round(recall, 4),
        "goal_success": round(sum(r.goals_met for r in with_goals) / len(with_goals), 4) if with_goals else None,
        "turn_latency_ms": dict(zip(("p50", "p95"), [round(v, 1) for v in percentiles(latencies)] if latencies
                                    else [None, None])),
    }


def summary_table(results: list[ScriptResult], backend: str, repeat: int) -> Table:
    """One row per script: pass or FAIL, runs passed, the first failure (what `shopagent eval run` prints)."""
    table = Table(f"eval — {len(results)} scripts, backend {backend}, {repeat} run(s) each",
                  ("script", "result", "runs passed", "first failure"), mark="row")
    for sr in results:
        first = next((f for r in sr.runs for f in r.all_failures()), "")
        table.add(sr.script.name, "pass" if sr.pass_k else "FAIL", f"{sum(r.passed for r in sr.runs)}/{len(sr.runs)}",
                  first[:110], passed=sr.pass_k)
    return table


SPLITS = {"old": "old", "dev": "dev", "heldout": "held-out"}  # what the split tags are called in a report


def split_of(sr: ScriptResult) -> str:
    """A script's split: "dev" or "heldout" by its tag (issue 19's set), else "old" (the first 52 scripts)."""
    return next((tag for tag in ("dev", "heldout") if tag in sr.script.tags), "old")


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def splits(results: list[ScriptResult]) -> dict[str, dict]:
    """Per split (old, dev, heldout): scripts, passed on the first run, pass rate, pass^k."""
    out = {}
    for split in SPLITS:
        members = [sr for sr in results if split_of(sr) == split]
        if members:
            passed = sum(sr.runs[0].passed for sr in members)
            out[split] = {"scripts": len(members), "passed_first_run": passed, "pass_rate": _rate(passed, len(members)),
                          "pass_hat_k": _rate(sum(sr.pass_k for sr in members), len(members))}
    return out


def classes(results: list[ScriptResult]) -> dict[str, dict[str, list[int]]]:
    """Failure class (the other tags of dev and held-out scripts) -> split -> [passed (all runs), scripts]."""
    out: dict[str, dict[str, list[int]]] = {}
    for sr in results:
        split = split_of(sr)
        if split == "old":
            continue
        for tag in sr.script.tags:
            if tag not in SPLITS:
                cell = out.setdefault(tag, {"dev": [0, 0], "heldout": [0, 0]})[split]
                cell[0] += sr.pass_k
                cell[1] += 1
    return dict(sorted(out.items()))


def split_table(results: list[ScriptResult], repeat: int) -> Table:
    """Old scripts, dev and held-out side by side: scripts, passed (first run), pass rate, pass^k."""
    table = Table(f"pass rates by split, {repeat} run(s) each", ("split", "scripts", "passed", "pass rate",
                                                                  f"pass^{repeat}"))
    for split, s in splits(results).items():
        table.add(SPLITS[split], str(s["scripts"]), str(s["passed_first_run"]), f"{s['pass_rate']:.1%}",
                  f"{s['pass_hat_k']:.1%}")
    return table


def class_table(results: list[ScriptResult], repeat: int) -> Table:
    """Per failure class: dev and held-out scripts passed in all runs, out of how many."""
    table = Table(f"dev and held-out scripts by class (passed in all {repeat} run(s) / scripts)",
                  ("class", "dev", "held-out"), mark="row")
    for tag, cells in classes(results).items():
        table.add(tag, *(f"{p}/{n}" if n else "-" for p, n in (cells["dev"], cells["heldout"])),
                  passed=all(p == n for p, n in cells.values()))
    return table


def summary_line(s: dict) -> str:
    """The summary's figures in one line."""
    goal = "n/a" if s["goal_success"] is None else f"{s['goal_success']:.1%}"
    return (f"pass rate {s['pass_rate']:.1%} ({s['passed_first_run']}/{s['scripts']}), pass^{s['repeat']} "
            f"{s['pass_hat_k']:.1%}, tool precision {s['tool_precision']:.3f}, recall {s['tool_recall']:.3f}, "
            f"goal success {goal}, turn latency p50 {s['turn_latency_ms']['p50']} ms, "
            f"p95 {s['turn_latency_ms']['p95']} ms")


def as_json(results: list[ScriptResult], backend: str, repeat: int) -> dict:
    return {"summary": summary(results, backend, repeat), "splits": splits(results), "classes": classes(results),
            "scripts": [
        {"name": sr.script.name, "file": str(sr.script.path), "tags": sr.script.tags, "pass_k": sr.pass_k,
         "runs": [{"run": r.run, "passed": r.passed, "goals_met": r.goals_met, "failures": r.all_failures(),
                   "turns": [{"user": t.user, "answer": t.answer, "latency_ms": round(t.latency_ms, 1),
                              "calls": [{"name": c["name"], "arguments": c["arguments"], "ok": c["ok"],
                                         "error": c["error"]} for c in t.calls],
                              "failures": t.failures} for t in r.turns]} for r in sr.runs]}
        for sr in results]}


def junit_xml(results: list[ScriptResult], backend: str) -> str:
    """One testcase per script; it fails when any of its runs failed (pass^k)."""
    suite = ET.Element("testsuite", name=f"shopagent-eval-{backend}", tests=str(len(results)),
                       failures=str(sum(not sr.pass_k for sr in results)), errors="0",
                       time=f"{sum(t.latency_ms for sr in results for r in sr.runs for t in r.turns) / 1000:.3f}")
    for sr in results:
        case = ET.SubElement(suite, "testcase", classname=f"eval.{sr.script.path.parent.name}", name=sr.script.name,
                             time=f"{sum(t.latency_ms for r in sr.runs for t in r.turns) / 1000:.3f}")
        failed = [r for r in sr.runs if not r.passed]
        if failed:
            text = "\n".join(f"run {r.run}: {f}" for r in failed for f in r.all_failures())
            node = ET.SubElement(case, "failure", message=failed[0].all_failures()[0][:200])
            node.text = text
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def _plot(results: list[ScriptResult]) -> str:
    """Turn latencies and pass/fail per tag, as one PNG data URL."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    latencies = [t.latency_ms for sr in results for r in sr.runs for t in r.turns]
    left.hist(latencies, bins=30, color="#4c72b0")
    left.set(title="turn latency", xlabel="ms", ylabel="turns")
    tags = sorted({tag for sr in results for tag in (sr.script.tags or ["untagged"])})
    passed = [sum(sr.pass_k for sr in results if tag in (sr.script.tags or ["untagged"])) for tag in tags]
    total = [sum(1 for sr in results if tag in (sr.script.tags or ["untagged"])) for tag in tags]
    right.barh(tags, total, color="#dd8452", label="failed")
    right.barh(tags, passed, color="#55a868", label="passed (all runs)")
    right.set(title="scripts by tag", xlabel="scripts")
    right.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def html_report(results: list[ScriptResult], backend: str, repeat: int) -> str:
    s = summary(results, backend, repeat)
    rows = []
    for sr in results:
        status = "pass" if sr.pass_k else "FAIL"
        failures = "<br>".join(html.escape(f) for r in sr.runs if not r.passed for f in r.all_failures())
        rows.append(f"<tr class='{status.lower()}'><td>{html.escape(sr.script.name)}</td><td>{status}</td>"
                    f"<td>{sum(r.passed for r in sr.runs)}/{len(sr.runs)}</td>"
                    f"<td>{html.escape(', '.join(sr.script.tags))}</td><td>{failures}</td></tr>")
    goal = "n/a" if s["goal_success"] is None else f"{s['goal_success']:.1%}"
    split_rows = "".join(f"<tr><td>{SPLITS[k]}</td><td>{v['scripts']}</td><td>{v['passed_first_run']}</td>"
                         f"<td>{v['pass_rate']:.1%}</td><td>{v['pass_hat_k']:.1%}</td></tr>"
                         for k, v in splits(results).items())
    class_rows = "".join(f"<tr><td>{html.escape(tag)}</td>" + "".join(f"<td>{p}/{n}</td>" for p, n in cells.values())
                         + "</tr>" for tag, cells in classes(results).items())
    by_class = (f"<table><tr><th>class</th><th>dev</th><th>held-out</th></tr>{class_rows}</table>"
                if class_rows else "")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>shopagent eval</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}
table{{border-collapse:collapse}}tr.fail td:nth-child(2){{color:#b00;font-weight:bold}}</style></head><body>
<h1>shopagent dialogue evaluation</h1>
<p>backend <b>{html.escape(backend)}</b>, {s['scripts']} scripts, {repeat} run(s) each.</p>
<table><tr><th>pass rate (first run)</th><th>pass^{repeat}</th><th>tool precision</th><th>tool recall</th>
<th>goal success</th><th>turn latency p50 / p95</th></tr>
<tr><td>{s['pass_rate']:.1%} ({s['passed_first_run']}/{s['scripts']})</td><td>{s['pass_hat_k']:.1%}</td>
<td>{s['tool_precision']:.3f}</td><td>{s['tool_recall']:.3f}</td><td>{goal}</td>
<td>{s['turn_latency_ms']['p50']} / {s['turn_latency_ms']['p95']} ms</td></tr></table>
<table><tr><th>split</th><th>scripts</th><th>passed</th><th>pass rate</th><th>pass^{repeat}</th></tr>
{split_rows}</table>
{by_class}
<p><img alt="Histogram of turn latencies, and passed versus failed scripts per tag" src="{_plot(results)}"></p>
<table><tr><th>script</th><th>result</th><th>runs passed</th><th>tags</th><th>failures</th></tr>
{''.join(rows)}</table></body></html>"""


def write_reports(results: list[ScriptResult], backend: str, repeat: int, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "report.json", "junit": folder / "junit.xml", "html": folder / "report.html"}
    paths["json"].write_text(json.dumps(as_json(results, backend, repeat), indent=1, default=str))
    paths["junit"].write_text(junit_xml(results, backend))
    paths["html"].write_text(html_report(results, backend, repeat))
    return paths


def baseline_of(results: list[ScriptResult]) -> dict[str, bool]:
    return {sr.script.name: sr.pass_k for sr in results}


def regressions(results: list[ScriptResult], baseline: dict[str, bool]) -> list[str]:
    """Scripts that passed in the baseline and fail now."""
    return [sr.script.name for sr in results if baseline.get(sr.script.name) and not sr.pass_k]


class BaselineMissing(NotReady):
    """The baseline file to compare with does not exist."""


def write_baseline(results: list[ScriptResult], path: Path) -> None:
    path.write_text(json.dumps(baseline_of(results), indent=1, sort_keys=True))


def regressions_against(results: list[ScriptResult], path: Path) -> list[str]:
    """Scripts that passed in the baseline file and fail now; BaselineMissing when there is no such file."""
    if not path.is_file():
        raise BaselineMissing(f"no baseline file {path}; make one with --write-baseline.")
    return regressions(results, json.loads(path.read_text()))
