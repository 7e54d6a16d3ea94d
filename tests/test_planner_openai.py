"""The OpenAI-compatible planner against a real HTTP server on 127.0.0.1, started by the test."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import SecretStr

from agent.conversation import UserMessage
from agent.loop import Agent
from agent.planners import PlannerError
from agent.planners.openai_compat import OpenAIPlanner
from agent.steps import (AnswerDelta, AnswerStep, NoticeStep, Thinking, ToolCall, ToolResult,
                         UserStep)


def sse(chunks: list[dict]) -> bytes:
    lines = [f"data: {json.dumps({'choices': [{'index': 0, 'delta': c}]})}\n\n" for c in chunks]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


class FakeServer:
    """Answers /v1/chat/completions with whatever the test's script returns for each request body."""

    def __init__(self, script: Callable[[dict], tuple[int, bytes]]) -> None:
        self.requests: list[tuple[dict, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((dict(self.headers), body))
                status, payload = script(body) if self.path == "/v1/chat/completions" else (404, b"no such path")
                self.send_response(status)
                self.send_header("Content-Type", "text/event-stream" if status == 200 else "text/plain")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Callable[[Callable[[dict], tuple[int, bytes]]], FakeServer]]:
    started: list[FakeServer] = []

    def start(script: Callable[[dict], tuple[int, bytes]]) -> FakeServer:
        started.append(FakeServer(script))
        return started[-1]

    yield start
    for s in started:
        s.close()


def shop_assistant(body: dict) -> tuple[int, bytes]:
    """Search first (arguments streamed in pieces), then answer citing the first result."""
    last = body["messages"][-1]
    if last["role"] != "tool":
        return 200, sse([{"role": "assistant"}, {"reasoning_content": "they want a dress"},
                         {"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                                          "function": {"name": "search_products", "arguments": ""}}]},
                         {"tool_calls": [{"index": 0, "function": {"arguments": '{"query": "dre'}}]},
                         {"tool_calls": [{"index": 0, "function": {"arguments": 'ss", "k": 3}'}}]}])
    first = json.loads(last["content"])["results"][0]
    return 200, sse([{"content": "Try "}, {"content": f"[#{first['product_id']}] {first['title']}"},
                     {"content": f", {first['price']} EUR."}])


def test_tool_calls_streaming_and_photos(server, shop_agent: Agent) -> None:  # noqa: ANN001
    srv = server(shop_assistant)
    agent = Agent(shop_agent.services, OpenAIPlanner(srv.url, "test-model", "sk-test"))
    photo = shop_agent.settings.data_dir / shop_agent.services.table.rows[0].image
    events = list(agent.respond(agent.open("shopper", 2), UserMessage("a dress like this", [photo])))
    kinds = [type(e) for e in events]
    assert kinds[:4] == [UserStep, Thinking, ToolCall, ToolResult] and events[2].arguments == {
        "query": "dress", "k": 3}
    assert len(events[0].photo_ids) == 1 and events[1].text == "they want a dress"
    deltas = [e.text for e in events if isinstance(e, AnswerDelta)]
    final = events[-1]
    assert isinstance(final, AnswerStep)
    assert len(deltas) == 3 and "".join(deltas) == final.text and final.cited
    headers, first = srv.requests[0]
    assert headers["Authorization"] == "Bearer sk-test" and first["model"] == "test-model" and first["stream"]
    assert "search_products" in {t["function"]["name"] for t in first["tools"]}
    parts = first["messages"][1]["content"]
    assert parts[1]["type"] == "image_url" and parts[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    second = srv.requests[1][1]["messages"]
    assert json.loads(second[2]["tool_calls"][0]["function"]["arguments"]) == {"query": "dress", "k": 3}
    assert second[3]["role"] == "tool" and second[3]["tool_call_id"] == "call_a"


def test_hermes_text_from_a_server_without_a_tool_parser(server, shop_agent: Agent) -> None:  # noqa: ANN001
    def hermes_text(body: dict) -> tuple[int, bytes]:
        if body["messages"][-1]["role"] == "tool":
            return 200, sse([{"content": "Your cart is empty."}])
        return 200, sse([{"content": '<tool_call>{"name": "view_cart", '}, {"content": '"arguments": {}}</tool_call>'}])

    agent = Agent(shop_agent.services, OpenAIPlanner(server(hermes_text).url, "m"))
    events = list(agent.respond(agent.open(), UserMessage("what's in my cart")))
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["view_cart"]
    assert not [e for e in events if isinstance(e, AnswerDelta) and "tool_call" in e.text]


def test_server_errors_are_reported(server, shop_agent: Agent) -> None:  # noqa: ANN001
    agent = Agent(shop_agent.services, OpenAIPlanner(server(lambda body: (500, b"model crashed")).url, "m"))
    events = list(agent.respond(agent.open(), UserMessage("hi")))
    assert isinstance(events[0], UserStep) and isinstance(events[1], NoticeStep)
    assert "500" in events[1].text and "model crashed" in events[1].text
    assert isinstance(events[-1], AnswerStep) and "not available" in events[-1].text
    planner = OpenAIPlanner("http://127.0.0.1:9/v1", "m")
    with pytest.raises(PlannerError, match="cannot reach"):
        list(planner.step(agent.open(), "s", []))
    with pytest.raises(PlannerError, match="openai_model"):
        OpenAIPlanner("http://127.0.0.1:9/v1", "")


def test_from_settings(shop_agent: Agent) -> None:
    settings = shop_agent.settings.model_copy(update={"openai_base_url": "http://127.0.0.1:1234/v1/",
                                                      "openai_model": "qwen", "openai_api_key": SecretStr("k")})
    planner = OpenAIPlanner.from_settings(settings)
    assert planner.url == "http://127.0.0.1:1234/v1/chat/completions" and planner.model == "qwen"
