"""Any OpenAI-compatible chat server as the planner: vLLM, llama.cpp's server, Ollama, a hosted API.

Chat completions with streaming (server-sent events), tools per the OpenAI spec, photos as JSON
data URLs. A server that returns Hermes <tool_call> text instead of structured tool calls (some
llama.cpp and Ollama setups) is understood too.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import httpx
from PIL import Image

from agent.conversation import Conversation
from agent.planners import PlannerError, Reply, chat_messages, hermes
from shopagent.settings import Settings

TIMEOUT = httpx.Timeout(120.0, connect=5.0)


def data_url(image: Image.Image, max_side: int = 1024) -> str:
    """A JPEG data URL, at most max_side pixels on the long side (servers cap request sizes)."""
    image = image.convert("RGB")
    image.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=88)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


class OpenAIPlanner:
    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str = "", max_tokens: int = 512,
                 client: httpx.Client | None = None) -> None:
        if not model:
            raise PlannerError("openai_model is empty: set it to the model name the server serves "
                               "(e.g. SHOPAGENT_OPENAI_MODEL=Qwen/Qwen3-VL-8B-Instruct).")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.max_tokens = max_tokens
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = client or httpx.Client(timeout=TIMEOUT, headers=headers)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIPlanner:
        return cls(settings.openai_base_url, settings.openai_model, settings.openai_api_key.get_secret_value(),
                   settings.agent_max_new_tokens)

    def step(self, conv: Conversation, system: str, tools: list[dict]) -> Iterator[str | Reply]:
        messages = chat_messages(conv, system, lambda _pid, image: {"type": "image_url",
                                                                    "image_url": {"url": data_url(image)}},
                                 arguments_as_json=True)
        body = {"model": self.model, "messages": messages, "tools": tools, "stream": True,
                "max_tokens": self.max_tokens, "temperature": 0}
        text, thinking = "", ""
        partial: dict[int, dict] = {}  # tool calls arrive in pieces, keyed by index
        try:
            with self.client.stream("POST", self.url, json=body) as response:
                if response.status_code != 200:
                    detail = response.read().decode(errors="replace")[:300]
                    raise PlannerError(f"the model server at {self.url} answered {response.status_code}: {detail}")
                for delta in _deltas(response):
                    if delta.get("content"):
                        text += delta["content"]
                        if "<tool_call>" not in text:
                            yield delta["content"]
                    thinking += delta.get("reasoning_content") or delta.get("reasoning") or ""
                    for piece in delta.get("tool_calls") or []:
                        slot = partial.setdefault(piece.get("index", 0), {"id": "", "name": "", "arguments": ""})
                        slot["id"] = piece.get("id") or slot["id"]
                        fn = piece.get("function") or {}
                        slot["name"] += fn.get("name") or ""
                        slot["arguments"] += fn.get("arguments") or ""
        except httpx.HTTPError as exc:
            raise PlannerError(f"cannot reach the model server at {self.url}: {exc}. Is it running? "
                               "(openai_base_url)") from exc
        reply = hermes.parse(text) if "<tool_call>" in text else Reply(text.strip())
        reply.thinking = (reply.thinking + " " + thinking).strip()
        for _, slot in sorted(partial.items()):
            try:
                call = hermes.read_call(json.dumps({"name": slot["name"], "arguments": slot["arguments"] or "{}"}))
                call.id = slot["id"]
                reply.calls.append(call)
            except ValueError as exc:
                reply.malformed.append(f"{slot['name']}({slot['arguments'][:200]}) ({exc})")
        yield reply


def _deltas(response: httpx.Response) -> Iterator[dict]:
    """The `delta` of each streamed chunk, until [DONE]."""
    for line in response.iter_lines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError:
            raise PlannerError(f"the model server sent a line that is not JSON: {data[:200]}") from None
        for choice in chunk.get("choices", []):
            yield choice.get("delta") or {}

