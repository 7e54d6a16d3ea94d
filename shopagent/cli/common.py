"""What every command shares: the two consoles, one-line errors, the settings, the store, the agent,
and printing what a benchmark hands back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text

from shopagent.errors import NotReady, ShopError
from shopagent.settings import ENV_PREFIX, Settings, SettingsError

if TYPE_CHECKING:
    from eval.stats import Table

console = Console()
err = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print `error: message` on one line, whatever the width; raise what this returns (exit code 1)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


@contextmanager
def one_line_errors(*also: type[BaseException]) -> Iterator[None]:
    """Errors a person can act on (ShopError, NotReady, and the classes in also) end the command
    with their message on one line and exit code 1; anything else is a bug and shows its traceback."""
    try:
        yield
    except (ShopError, NotReady, *also) as exc:
        raise fail(str(exc)) from None


def note(text: str) -> None:
    """A dim line on stderr: what is in use, where things went."""
    err.print(Text(text, style="dim"), highlight=False)


def progress(text: str) -> None:
    """A dim "… step" line on stderr while long work goes on."""
    note(f"… {text}")


def load_settings(**overrides: Any) -> Settings:
    """The settings in force: defaults, the file, the environment, then the flags given here.

    Pass each flag under its setting's name; None means the flag was not given. `config show`
    names the origin of a value given so as "argument".
    """
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise fail(_one_line(exc, given)) from None
    except SettingsError as exc:
        raise fail(str(exc)) from None


def _one_line(exc: ValidationError, given: dict[str, Any]) -> str:
    problems = []
    for e in exc.errors(include_url=False):
        name = ".".join(str(part) for part in e["loc"]) or "settings"
        env = ENV_PREFIX + name.upper()
        source = " (from the command line)" if name in given else f" (from {env})" if env in os.environ else ""
        problems.append(f"{name} = {e['input']!r}{source}: {e['msg']}")
    return "; ".join(problems) + "."


def open_store(settings: Settings):  # noqa: ANN201 (index.store is imported lazily to keep --help fast)
    from index.store import Store, StoreError

    try:
        store = Store(settings.db_url)
        store.migrate()
        return store
    except StoreError as exc:
        raise fail(str(exc)) from None


def open_agent(settings: Settings):  # noqa: ANN201 (agent.loop.Agent)
    """The agent over the store, its planner named on stderr."""
    from agent.build import PlannerUnavailable, build_agent
    from agent.planners import PlannerError

    store = open_store(settings)
    try:
        agent = build_agent(settings, store)
    except (PlannerUnavailable, PlannerError) as exc:
        raise fail(str(exc)) from None
    note(agent.planner_note)
    return agent


def show(part: Table | str) -> None:
    """Print a benchmark's line or table as it is."""
    if isinstance(part, str):
        console.print(part, markup=False, highlight=False)
        return
    out = RichTable(*part.columns, title=Text(part.title))
    for row in part.rows:
        cells = [Text(cell) for cell in row.cells]
        if row.passed is not None and part.mark == "target":
            cells[-1].append(" ok" if row.passed else " missed", style="green" if row.passed else "red")
        out.add_row(*cells, style="red" if part.mark == "row" and row.passed is False else None)
    console.print(out)
