"""QA: replay scripted dialogues against the agent and report pass/fail figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from shopagent.cli.common import console, fail, load_settings, note, one_line_errors, open_store, show


def eval_run(
    scripts: Annotated[Path, typer.Argument(help="A folder of .yaml dialogue scripts, or one script.")] = Path(
        "eval/scripts"),
    backend: Annotated[Optional[str], typer.Option(help="Planner backend: rules, transformers, openai or auto "
                                                        "(default: the settings).")] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Runs per script; pass^k needs all k to pass.")] = 1,
    report: Annotated[Path, typer.Option(help="Folder for report.json, report.html and junit.xml.")] = Path(
        "eval-report"),
    baseline: Annotated[Optional[Path], typer.Option(help="Baseline JSON: exit 1 when a script that passed "
                                                          "there fails now.")] = None,
    write_baseline: Annotated[Optional[Path], typer.Option(help="Write this run's results as a baseline.")] = None,
) -> None:
    """Run dialogue scripts: pass/fail per script, pass^k, tool-call precision/recall, goals, latency.

    The format is described in eval/scripts.py and the README. With SQLite every run works on a
    copy of the database, so the catalog is never changed.
    """
    from tqdm import tqdm

    from eval import report as reports
    from eval.runner import Runner
    from eval.scripts import load_scripts

    with one_line_errors():
        loaded = load_scripts(scripts)
    settings = load_settings(planner_backend=backend)
    open_store(settings)
    runner = Runner(settings, log=note)
    note(runner.note)
    try:
        with tqdm(total=len(loaded) * repeat, desc="dialogues", unit="run") as bar:
            results = runner.run(loaded, repeat, progress=lambda done, total: bar.update(1))
    finally:
        runner.close()
    show(reports.summary_table(results, settings.planner_backend, repeat))
    if set(reports.splits(results)) != {"old"}:  # issue 19's dev and held-out scripts are in the run
        show(reports.split_table(results, repeat))
        show(reports.class_table(results, repeat))
    console.print(reports.summary_line(reports.summary(results, settings.planner_backend, repeat)), highlight=False)
    paths = reports.write_reports(results, settings.planner_backend, repeat, report)
    note("reports: " + ", ".join(str(p) for p in paths.values()))
    if write_baseline:
        reports.write_baseline(results, write_baseline)
        note(f"baseline written to {write_baseline}")
    if baseline:
        with one_line_errors():
            broken = reports.regressions_against(results, baseline)
        if broken:
            raise fail(f"{len(broken)} regression(s) against {baseline}: {', '.join(broken)}")
        note(f"no regression against {baseline}")
