"""Planner backends: each reads the conversation and the tool schemas and answers or calls tools.

`step` yields pieces of text as they are written (strings), then one `Reply`. The loop does the
rest (running tools, repairs, grounding), so a backend only talks to its model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

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


class Planner(Protocol):
    name: str

    def step(self, conv: Conversation, system: str, tools: list[dict]) -> Iterator[str | Reply]: ...
