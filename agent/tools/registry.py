"""The one tool registry: a tool's signature and Google docstring are its JSON schema.

`@tool` reads the schema with transformers' `get_json_schema` (the same reader chat templates
use), so the function is the only place a tool is described. `run_tool` validates the
arguments against the signature (pydantic, so "3" becomes 3 and a missing argument is named),
runs the tool under a timeout, and sorts failures in two: errors a person or the model can fix
(ShopError, NotReady: `{"code", "message"}` with a stable code the planner, the UI and eval
scripts read) and bugs (anything else: logged with the traceback, code `internal`, and the
loop apologises instead of asking the model to try again).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError, validate_call
from transformers.utils import get_json_schema

from agent.consent import call_ids, consents
from agent.tools.context import ToolContext, using
from shopagent.errors import code_of

log = logging.getLogger(__name__)

SHOPPER = "shopper"
STAFF = "staff"
PERSONAS = (SHOPPER, STAFF)
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tool")


@dataclass(frozen=True)
class Tool:
    name: str
    fn: Callable[..., dict]
    schema: dict
    personas: frozenset[str]
    consent: re.Pattern | None  # side effects run only when the user's own words this turn match


REGISTRY: dict[str, Tool] = {}


def tool(personas: tuple[str, ...] = PERSONAS, consent: str | None = None) -> Callable:
    """Register a function as a tool. consent: a regex the user's message must match for the tool to run."""
    def register(fn: Callable[..., dict]) -> Callable[..., dict]:
        schema = get_json_schema(fn)
        schema["function"].pop("return", None)
        REGISTRY[fn.__name__] = Tool(fn.__name__, validate_call(fn), schema, frozenset(personas),
                                     re.compile(consent, re.I) if consent else None)
        return fn
    return register


def tools_for(persona: str) -> list[Tool]:
    if persona not in PERSONAS:
        raise ValueError(f"unknown persona {persona!r}; one of {', '.join(PERSONAS)}")
    return [t for t in REGISTRY.values() if persona in t.personas]


def schemas_for(persona: str) -> list[dict]:
    return [t.schema for t in tools_for(persona)]


@dataclass
class ToolOutcome:
    name: str
    arguments: dict[str, Any]
    result: dict | None = None
    error: dict | None = None  # {"code": a stable code (shopagent/errors.py), "message": ...}
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None



    @property
    def is_bug(self) -> bool:
        """Our fault, not the model's or the user's: the loop apologises instead of asking the model to retry."""
        return bool(self.error) and self.error["code"] == INTERNAL


INTERNAL = "internal"


def _fail(code: str, message: str) -> dict:
    return {"code": code, "message": message}


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e["loc"]) or "arguments"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def run_tool(name: str, arguments: dict[str, Any], ctx: ToolContext, timeout_s: float = 30.0) -> ToolOutcome:
    """Run one call for ctx's persona; never raises for anything the planner or user could cause."""
    outcome = ToolOutcome(name, dict(arguments or {}))
    start = time.perf_counter()
    tool_ = REGISTRY.get(name)
    if tool_ is None or ctx.persona not in tool_.personas:
        names = ", ".join(t.name for t in tools_for(ctx.persona))
        outcome.error = _fail("unknown_tool", f"there is no tool {name!r} here; the tools are: {names}.")
        return outcome
    if tool_.consent is not None and not consents(tool_.consent, ctx.user_text, ctx.previous_text, ctx.question,
                                                  call_ids(arguments)):
        outcome.error = _fail("needs_consent", f"{name} changes the shopper's records; it runs only when the "
                                               "shopper asks for it in their own words. Ask them first.")
        return outcome
    if not isinstance(arguments, dict):
        outcome.error = _fail("bad_arguments", "arguments must be a JSON object.")
        return outcome

    def work() -> dict:
        with using(ctx):
            return tool_.fn(**arguments)

    future = _pool.submit(work)
    try:
        outcome.result = future.result(timeout=timeout_s)
    except FutureTimeout:
        outcome.error = _fail("timeout", f"{name} took longer than {timeout_s:g} s and was abandoned; try again "
                                         "with a narrower request.")
    except ValidationError as exc:
        outcome.error = _fail("bad_arguments", _validation_message(exc))
    except Exception as exc:  # noqa: BLE001 (sorted below: what a person can fix, and our bugs)
        code = code_of(exc)
        if code is None:  # a bug: logged with its traceback, never the model's fault
            log.error("tool %s failed", name, exc_info=exc)
            outcome.error = _fail(INTERNAL, f"{name} failed because of a fault in the shop's software; it is "
                                            "logged for the team.")
        else:
            outcome.error = _fail(code, str(exc))
    outcome.duration_ms = (time.perf_counter() - start) * 1000
    return outcome
