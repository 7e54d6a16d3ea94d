"""The installation: the settings in force and where each came from, and what is present or missing."""

from __future__ import annotations

import typer
from rich.table import Table

from shopagent.cli.common import console, load_settings


def config_show() -> None:
    """Print the effective settings and where each value came from."""
    settings = load_settings()
    table = Table("setting", "value", "from", title="shopagent settings")
    for name, value, origin in settings.public_items():
        table.add_row(name, value, origin)
    table.add_row("[dim](database in force)[/]", settings.db_url, "derived")
    console.print(table)


def doctor() -> None:
    """Say which models are present, which embedded defaults are in use, and whether the database answers."""
    from shopagent.doctor import run_checks

    checks = run_checks(load_settings())
    colour = {"ok": "green", "fallback": "yellow", "missing": "red", "error": "red"}
    table = Table("part", "status", "detail", title="shopagent doctor")
    for check in checks:
        table.add_row(check.part, f"[{colour[check.status]}]{check.status}[/]", check.detail)
    console.print(table)
    if any(c.status == "error" for c in checks):
        raise typer.Exit(code=1)
