"""A conversation as typed steps, and what a turn streams: one list, read the same way everywhere.

`Conversation.steps` is the conversation (smolagents' memory steps are the model): what the user
said, each planner round with the tools it called and what they returned, repairs, notices, the
answers, and replies staff sent in. Planners read it as chat messages (`to_messages`), the store
keeps it as rows (agent/conversation.py, ConversationLog), and a turn streams the same objects
to the UI, the CLI and eval, plus three stream-only pieces: `Thinking`, `AnswerDelta` (text as
it is written) and each `ToolCall` / `ToolResult` as it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from agent.text import quote_as_data


@dataclass
class UserStep:
    """The user's words this turn and the ids of the photos they sent (kept in the photo store)."""

    text: str
    photo_ids: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "user"

    def to_messages(self) -> list[dict]:
        return [{"role": "user", "content": self.text, "photo_ids": list(self.photo_ids)}]


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]
    kind: ClassVar[str] = "tool_call"


@dataclass
class ToolResult:
    """What one call returned, or its error: {"code": stable code, "message": ...}."""

    call: ToolCall
    result: dict | None = None
    error: dict | None = None
    duration_ms: float = 0.0
    kind: ClassVar[str] = "tool_result"

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def name(self) -> str:
        return self.call.name

    def for_planner(self) -> dict:
        return {"error": self.error} if self.error else self.result or {}


@dataclass
class ActionStep:
    """One planner round that called tools: what it wrote beside the calls, and their results."""

    text: str
    results: list[ToolResult] = field(default_factory=list)
    kind: ClassVar[str] = "action"

    def to_messages(self) -> list[dict]:
        calls = [{"id": r.call.id, "type": "function", "function": {"name": r.call.name,
                                                                      "arguments": r.call.arguments}}
                 for r in self.results]
        return [{"role": "assistant", "content": self.text, "tool_calls": calls},
                *({"role": "tool", "tool_call_id": r.call.id, "name": r.call.name,
                   "content": quote_as_data(r.for_planner())} for r in self.results)]


@dataclass
class RepairStep:
    """The planner wrote tool calls that could not be read; it is asked once more, with why."""

    written: str
    problems: list[str]
    kind: ClassVar[str] = "repair"

    def to_messages(self) -> list[dict]:
        return [{"role": "assistant", "content": self.written},
                {"role": "user", "content": "[system] Your tool call could not be read: " + "; ".join(self.problems)
                 + '. Write it again as <tool_call>{"name": ..., "arguments": {...}}</tool_call>, or answer in '
                 "words."}]


@dataclass
class AnswerStep:
    """The answer as the user sees it: grounded, with the cards of the products it cites."""

    text: str
    products: list[dict] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    planner: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    # a tool call waiting for one slot the answer asked for ({"name", "arguments", "slot"}): stored with the
    # conversation, so the shopper's reply completes it after a resume or a server restart
    pending: dict | None = None
    kind: ClassVar[str] = "message"

    def to_messages(self) -> list[dict]:
        return [{"role": "assistant", "content": self.text}]

    def meta(self) -> dict:
        return {"planner": self.planner, "timings": self.timings, "cited": self.cited, "removed": self.removed,
                "pending": self.pending}


@dataclass
class StaffReplyStep:
    """A reply customer-care staff sent into the shopper's conversation."""

    text: str
    author: str = ""
    kind: ClassVar[str] = "staff_reply"

    def to_messages(self) -> list[dict]:
        return [{"role": "assistant", "content": f"[customer care] {self.text}"}]


@dataclass
class NoticeStep:
    """Something the user should know about how the turn went (a model unavailable, a retry)."""

    text: str
    kind: ClassVar[str] = "notice"

    def to_messages(self) -> list[dict]:
        return []


@dataclass
class Thinking:
    text: str
    kind: ClassVar[str] = "thinking"


@dataclass
class AnswerDelta:
    """A piece of the answer as it is written; the AnswerStep at the end has it all."""

    text: str
    kind: ClassVar[str] = "delta"


Step = UserStep | ActionStep | RepairStep | AnswerStep | StaffReplyStep | NoticeStep
StreamItem = Step | ToolCall | ToolResult | Thinking | AnswerDelta


def to_messages(steps: list[Step]) -> list[dict]:
    """The conversation in the OpenAI-style message format planners read."""
    return [msg for step in steps for msg in step.to_messages()]


def tool_results(steps: list[Step]) -> list[ToolResult]:
    """Every successful tool result, oldest first."""
    return [r for step in steps if isinstance(step, ActionStep) for r in step.results if r.ok]


def viewed(steps: list[Step]) -> list[int]:
    """Products opened (get_product) in the conversation, for recommendations."""
    return [int(r.result["product"]["product_id"]) for r in tool_results(steps)
            if r.name == "get_product" and r.result and "product" in r.result]

