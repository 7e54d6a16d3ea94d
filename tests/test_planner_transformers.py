"""The transformers planner's real code on a tiny random Qwen2-VL, and Hermes tool-call parsing on fixed strings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from agent.build import PlannerUnavailable, load_planner
from agent.conversation import Conversation, UserMessage
from agent.loop import Agent
from agent.planners import Reply, chat_messages, hermes
from agent.planners.transformers_vlm import TransformersPlanner, visible_prefix
from agent.steps import ActionStep, AnswerStep, ToolCall, ToolResult, UserStep
from agent.tools import schemas_for
from shopagent.settings import Settings
from tiny_vlm import build_tiny_vlm


@pytest.mark.parametrize(("text", "name", "arguments"), [
    ('<tool_call>{"name": "search_products", "arguments": {"query": "red dress", "k": 3}}</tool_call>',
     "search_products", {"query": "red dress", "k": 3}),
    ("<tool_call>{'name': 'get_product', 'arguments': {'product_id': 7}}</tool_call>", "get_product",
     {"product_id": 7}),
    ('<tool_call>\n```json\n{"name": "view_cart", "arguments": {},}\n```\n</tool_call>', "view_cart", {}),
    ('<tool_call>{"name": "get_product", "arguments": "{\\"product_id\\": 3}"}</tool_call>', "get_product",
     {"product_id": 3}),
    ('<tool_call>{"name": "order_status", "parameters": {"order_id": 12}}', "order_status", {"order_id": 12}),
])
def test_hermes_calls_are_read_and_repaired(text: str, name: str, arguments: dict) -> None:
    reply = hermes.parse("Let me look. " + text)
    assert [(c.name, c.arguments) for c in reply.calls] == [(name, arguments)]
    assert reply.text == "Let me look." and not reply.malformed


def test_hermes_two_calls_thinking_and_garbage() -> None:
    reply = hermes.parse('<think>the shopper wants two things</think><tool_call>{"name": "view_cart", "arguments": '
                         '{}}</tool_call><tool_call>{"name": "order_status", "arguments": {}}</tool_call>')
    assert [c.name for c in reply.calls] == ["view_cart", "order_status"]
    assert reply.thinking == "the shopper wants two things" and reply.text == ""
    bad = hermes.parse("<tool_call>{name: search, query red}</tool_call>")
    assert not bad.calls and "not JSON" in bad.malformed[0]
    assert "arguments must be an object" in hermes.parse('<tool_call>{"name": "x", "arguments": [1]}</tool_call>'
                                                          ).malformed[0]
    assert hermes.parse("Here you go: [#12] a shirt.").text == "Here you go: [#12] a shirt."


def test_streaming_holds_back_markup() -> None:
    assert visible_prefix("Here is <tool_call>{\"na") == "Here is "
    assert visible_prefix("<think>hmm</think>Sure, the [#3] <tool") == "Sure, the [#3] "
    assert visible_prefix("<think>still thinking") == ""
    assert visible_prefix("Price 5 < 6 ok") == "Price 5 "  # a lone < waits for more text, then shows


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_vlm(tmp_path_factory.mktemp("tiny-qwen2-vl"))


def test_template_gets_tools_images_and_history(tiny_vlm: Path) -> None:
    planner = TransformersPlanner.load(str(tiny_vlm), Settings(device="cpu"))
    conv = Conversation("k", images={"abc": Image.new("RGB", (90, 120), (0, 0, 128))})
    conv.steps = [
        UserStep("like this", ["abc"]),
        ActionStep("", [ToolResult(ToolCall("c1", "find_similar", {"photo_id": "abc"}), result={"results": []})]),
    ]
    assert conv.messages == [
        {"role": "user", "content": "like this", "photo_ids": ["abc"]},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {
            "name": "find_similar", "arguments": {"photo_id": "abc"}}}]},
        {"role": "tool", "tool_call_id": "c1", "name": "find_similar", "content": '{"results": []}'},
    ]
    messages = chat_messages(conv, "SYSTEM", lambda _p, image: {"type": "image", "image": image}, False)
    prompt = planner.processor.apply_chat_template(messages, tools=schemas_for("shopper"), add_generation_prompt=True,
                                                   tokenize=False)
    assert "SYSTEM" in prompt and '"search_products"' in prompt and "<|image_pad|>" in prompt
    assert "[photo abc]" in prompt and '<tool_call>{"name": "find_similar"' in prompt and '{"results": []}' in prompt
    pieces = list(planner.step(conv, "SYSTEM", schemas_for("shopper")))
    assert isinstance(pieces[-1], Reply) and all(isinstance(p, str) for p in pieces[:-1])


def test_the_agent_runs_on_the_tiny_vlm(tiny_vlm: Path, shop_agent: Agent, shop: Settings) -> None:
    settings = shop.model_copy(update={"planner_backend": "transformers", "planner_model": str(tiny_vlm),
                                       "agent_max_new_tokens": 24, "device": "cpu"})
    planner, note = load_planner(settings, shop_agent.services)
    assert isinstance(planner, TransformersPlanner) and "transformers" in note
    agent = Agent(shop_agent.services, planner)
    photo = shop.data_dir / shop_agent.services.table.rows[0].image
    events = list(agent.respond(agent.open(), UserMessage("navy shirt under 60", [photo])))
    final = events[-1]
    assert isinstance(final, AnswerStep) and final.planner == "transformers"
    assert not any(isinstance(e, AnswerStep) for e in events[:-1])
    assert isinstance(events[0], UserStep) and len(events[0].photo_ids) == 1
    assert final.cited == [] or set(final.cited) <= {r.id for r in shop_agent.services.table.rows}


def test_auto_falls_back_to_rules_and_says_so(shop_agent: Agent, shop: Settings) -> None:
    missing = shop.model_copy(update={"planner_backend": "auto", "planner_model": "/nowhere/qwen"})
    planner, note = load_planner(missing, shop_agent.services)
    assert planner.name == "rules" and "/nowhere/qwen is not on this machine" in note
    with pytest.raises(PlannerUnavailable, match="planner_backend"):
        load_planner(missing.model_copy(update={"planner_backend": "transformers"}), shop_agent.services)
