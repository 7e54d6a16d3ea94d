"""Errors: the ones a person or the model can fix carry stable codes; everything else is a bug, logged and apologised for."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import agent.tools  # noqa: F401 (registers the tools)
import eval.runner  # noqa: F401
import index.importer  # noqa: F401
import retrieval.search  # noqa: F401
import tryon.service  # noqa: F401
from agent.conversation import UserMessage
from agent.loop import APOLOGY, Agent
from agent.planners import Reply, ToolCallRequest
from agent.steps import AnswerStep, ToolResult
from agent.tools.registry import REGISTRY
from shopagent.errors import NotReady, ShopError, code_of

SCRIPTS = Path(__file__).parent.parent / "eval" / "scripts"
REGISTRY_CODES = {"unknown_tool", "needs_consent", "bad_arguments", "timeout", "internal"}


def all_codes() -> set[str]:
    found: set[str] = set()
    todo: list[type] = [ShopError, NotReady]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo += cls.__subclasses__()
    return found


def test_every_error_code_an_eval_script_names_is_defined() -> None:
    codes = all_codes() | REGISTRY_CODES
    named = []
    for path in SCRIPTS.glob("*.yaml"):
        for turn in yaml.safe_load(path.read_text()).get("turns", []):
            for spec in (turn.get("expect") or {}).get("results", []) or []:
                if isinstance(spec, dict) and "error" in spec:
                    assert "type" not in spec["error"], f"{path.name}: match on code, not on a class name"
                    named.append((path.name, spec["error"]["code"]))
    assert named, "the scripts check errors"
    assert [n for n in named if n[1] not in codes] == []


def test_a_renamed_class_keeps_its_code() -> None:
    from index.commerce import ReturnRefused

    renamed = type("ReturnDeclined", (ReturnRefused,), {})
    assert code_of(renamed("window closed")) == "return_refused" == code_of(ReturnRefused("x"))
    assert code_of(KeyError("boom")) is None and code_of(ValueError("plain")) is None
    assert code_of(ShopError("x", code="custom")) == "custom"


class CallsViewCart:
    name = "scripted"

    def __init__(self) -> None:
        self.steps = 0

    def step(self, conv, system: str, tools: list[dict]) -> Iterator[Reply]:  # noqa: ANN001
        self.steps += 1
        yield Reply(calls=[ToolCallRequest("view_cart", {})]) if self.steps == 1 else Reply("retried")


def test_a_bug_in_a_tool_is_logged_and_apologised_for(shop_agent: Agent, monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> dict:
        return {}["missing"]  # KeyError: our bug, not the model's

    monkeypatch.setitem(REGISTRY, "view_cart", dataclasses.replace(REGISTRY["view_cart"], fn=broken))
    planner = CallsViewCart()
    bot = Agent(shop_agent.services, planner)
    with caplog.at_level(logging.ERROR, logger="agent.tools.registry"):
        items = list(bot.respond(bot.open(), UserMessage("what is in my cart?")))
    [result] = [i for i in items if isinstance(i, ToolResult)]
    assert result.error["code"] == "internal" and "missing" not in result.error["message"]
    assert isinstance(items[-1], AnswerStep) and items[-1].text == APOLOGY
    assert planner.steps == 1  # the model is not asked to make up for it
    assert any(r.exc_info and "KeyError" in repr(r.exc_info[1].__class__) for r in caplog.records)


def test_a_refusal_goes_back_to_the_model_with_its_code(shop_agent: Agent) -> None:
    planner = type("P", (), {"name": "p", "n": 0})()

    def step(conv, system, tools):  # noqa: ANN001, ANN202
        planner.n += 1
        yield Reply(calls=[ToolCallRequest("get_product", {"product_id": 999_999})]) if planner.n == 1 else \
            Reply("Sorry, I could not find that one.")

    planner.step = step
    bot = Agent(shop_agent.services, planner)
    items = list(bot.respond(bot.open(), UserMessage("tell me about product 999999")))
    [result] = [i for i in items if isinstance(i, ToolResult)]
    assert result.error["code"] == "tool_refused" and planner.n == 2 and items[-1].text.startswith("Sorry, I could")
