"""System prompts, one file per persona plus the shared answer style, so they can be edited without code."""

from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).parent


@cache
def _read(name: str) -> str:
    return (HERE / f"{name}.md").read_text().strip()


def system_prompt(persona: str, customer_id: int | None) -> str:
    who = f"customer {customer_id}" if customer_id is not None else "a guest shopper"
    return _read(persona).format(who=who, customer_id=customer_id) + "\n\n" + _read("style")
