"""Planner backends: each reads the conversation and the tool schemas and answers or calls tools.

`step` yields pieces of text as they are written (strings), then one `Reply`. The loop does the
rest (running tools, repairs, grounding), so a backend only talks to its model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from agent.conversation import Conversation


@dataclass
class ToolCallRequest:
    name: str
    arguments: dict
    id: str = ""


@dataclass
class Reply:
    text: str = ""
    calls: list[ToolCallRequest] = field(default_factory=list)
    thinking: str = ""
    malformed: list[str] = field(default_factory=list)  # tool calls that could not be read, with why
    pending: dict | None = None  # the tool call a question in text waits on (agent.steps.AnswerStep.pending)


class Planner(Protocol):
    name: str

    def step(self, conv: Conversation, system: str, tools: list[dict]) -> Iterator[str | Reply]: ...


class PlannerError(RuntimeError):
    """The planner's model could not be reached or run; the message says what to check."""


def chat_messages(conv: Conversation, system: str, image_part: Callable[[str, Image.Image], dict],
                  arguments_as_json: bool) -> list[dict]:
    """The conversation in the chat format models share (OpenAI / HF chat templates).

    Photos still held are sent as image parts, each preceded by its id so the model can pass it to
    tools. arguments_as_json: OpenAI wants tool-call arguments as a JSON string, HF templates a dict.
    """
    out: list[dict] = [{"role": "system", "content": system}]
    for msg in conv.messages:
        if msg["role"] == "user":
            parts: list[dict] = []
            for pid in msg.get("photo_ids", []):
                if pid in conv.images:
                    parts += [{"type": "text", "text": f"[photo {pid}]"}, image_part(pid, conv.images[pid])]
            parts.append({"type": "text", "text": msg["content"]})
            out.append({"role": "user", "content": parts if len(parts) > 1 else msg["content"]})
        elif msg["role"] == "assistant":
            entry: dict = {"role": "assistant", "content": msg.get("content") or ""}
            if msg.get("tool_calls"):
                entry["tool_calls"] = [
                    {"id": c["id"], "type": "function",
                     "function": {"name": c["function"]["name"],
                                  "arguments": json.dumps(c["function"]["arguments"]) if arguments_as_json
                                  else c["function"]["arguments"]}}
                    for c in msg["tool_calls"]]
            out.append(entry)
        else:
            out.append({"role": "tool", "tool_call_id": msg["tool_call_id"], "name": msg["name"],
                        "content": msg["content"]})
    return out
