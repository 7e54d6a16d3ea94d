"""One conversation as data: its typed steps (agent/steps.py), its photos, and the store that keeps them.

The steps are what every planner reads (as chat messages), what the UI, the CLI and eval stream,
and what the store keeps, one row per step (tool calls under the round that made them), so a
conversation can be resumed by its key and audited later. Photos are kept by id only; their
pixels come back from the photo store while the retention period lasts.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agent.steps import (ActionStep, AnswerStep, NoticeStep, RepairStep, StaffReplyStep, Step, ToolCall, ToolResult,
                         UserStep, to_messages, tool_results, viewed)
from index import models as m
from index.store import Store


def new_key() -> str:
    return secrets.token_hex(8)


@dataclass
class UserMessage:
    text: str = ""
    images: list[Any] = field(default_factory=list)  # paths, bytes or PIL images


@dataclass
class Conversation:
    key: str
    persona: str = "shopper"
    customer_id: int | None = None
    staff_role: str | None = None  # the signed-in staff member's role (staff persona); never stored
    steps: list[Step] = field(default_factory=list)
    images: dict[str, Image.Image] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict]:
        """The steps as OpenAI-style chat messages (what planners read)."""
        return to_messages(self.steps)

    @property
    def viewed(self) -> list[int]:
        return viewed(self.steps)

    def results(self) -> list[ToolResult]:
        """Every successful tool result, oldest first."""
        return tool_results(self.steps)

    def tool_results(self) -> list[tuple[str, dict, dict]]:
        """(tool name, arguments, result) of every successful call, oldest first."""
        return [(r.name, r.call.arguments, r.result or {}) for r in self.results()]


def product_ids_in(value: Any) -> set[int]:
    """Every product id anywhere in a tool result (keys product_id, product_ids, cheapest)."""
    found: set[int] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("product_id", "cheapest") and isinstance(v, int):
                found.add(v)
            elif k == "product_ids" and isinstance(v, list):
                found.update(x for x in v if isinstance(x, int))
            else:
                found |= product_ids_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= product_ids_in(v)
    return found


# ---------------------------------------------------------------- steps <-> rows: the one mapping


ROLES = {"user": "user", "staff_reply": "staff", "action": "assistant", "message": "assistant"}  # else the kind


def step_to_row(step: Step, conversation_id: int) -> m.Message:
    row = m.Message(conversation_id=conversation_id, role=ROLES.get(step.kind, step.kind), content="", photo_ids=[],
                    meta={})
    if isinstance(step, UserStep):
        row.content, row.photo_ids = step.text, list(step.photo_ids)
    elif isinstance(step, ActionStep):
        row.content = step.text
        row.tool_calls = [m.ToolCall(name=r.call.name, arguments=r.call.arguments, result=r.result,
                                     error=json.dumps(r.error) if r.error else None, duration_ms=r.duration_ms)
                          for r in step.results]
    elif isinstance(step, AnswerStep):
        row.content, row.meta = step.text, step.meta()
    elif isinstance(step, RepairStep):
        row.content, row.meta = step.written, {"problems": step.problems}
    elif isinstance(step, StaffReplyStep):
        row.content, row.meta = step.text, {"author": step.author}
    elif isinstance(step, NoticeStep):
        row.content = step.text
    return row


def step_from_row(row: m.Message) -> Step:
    meta = row.meta or {}
    if row.role == "user":
        return UserStep(row.content, list(row.photo_ids or []))
    if row.role == "staff":
        return StaffReplyStep(row.content, meta.get("author", ""))
    if row.role == "repair":
        return RepairStep(row.content, list(meta.get("problems", [])))
    if row.role == "notice":
        return NoticeStep(row.content)
    if row.tool_calls:
        return ActionStep(row.content, [
            ToolResult(ToolCall(f"call_{row.id}_{i}", call.name, call.arguments), call.result,
                       json.loads(call.error) if call.error else None, call.duration_ms)
            for i, call in enumerate(row.tool_calls)])
    return AnswerStep(row.content, cited=list(meta.get("cited", [])), removed=list(meta.get("removed", [])),
                      planner=meta.get("planner", ""), timings=dict(meta.get("timings", {})),
                      pending=meta.get("pending"))


SPOKEN = (UserStep, AnswerStep, StaffReplyStep)  # what a person said, as the live view shows it


class ConversationLog:
    """Steps in the store: written as they happen, read back to resume."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _row(self, s, key: str) -> m.Conversation | None:  # noqa: ANN001
        return s.scalars(select(m.Conversation).where(m.Conversation.session_key == key)
                         .options(selectinload(m.Conversation.messages).selectinload(m.Message.tool_calls))).first()

    def start(self, conv: Conversation) -> None:
        with self.store.session() as s:
            if s.scalars(select(m.Conversation).where(m.Conversation.session_key == conv.key)).first() is None:
                s.add(m.Conversation(session_key=conv.key, persona=conv.persona, customer_id=conv.customer_id))

    def append(self, conv: Conversation, steps: list[Step]) -> None:
        """Store one turn's steps."""
        with self.store.session() as s:
            row = s.scalars(select(m.Conversation).where(m.Conversation.session_key == conv.key)).one()
            s.add_all(step_to_row(step, row.id) for step in steps)

    def latest(self, customer_id: int, persona: str = "shopper") -> tuple[str, list[tuple[str, str]]] | None:
        """The customer's newest conversation: its key and (role, text) of what was said, for the copilot."""
        with self.store.session() as s:
            row = s.scalars(select(m.Conversation).where(m.Conversation.customer_id == customer_id,
                                                         m.Conversation.persona == persona)
                            .order_by(m.Conversation.id.desc())
                            .options(selectinload(m.Conversation.messages).selectinload(m.Message.tool_calls))).first()
            if row is None:
                return None
            steps = [step_from_row(msg) for msg in row.messages]
            return row.session_key, [(ROLES[st.kind], st.text) for st in steps if isinstance(st, SPOKEN) and st.text]

    def add_staff_reply(self, key: str, text: str, author: str) -> None:
        """A reply a staff member sent into the customer's conversation."""
        with self.store.session() as s:
            row = s.scalars(select(m.Conversation).where(m.Conversation.session_key == key)).one()
            s.add(step_to_row(StaffReplyStep(text, author), row.id))

    def load(self, key: str) -> Conversation | None:
        """The conversation with its steps (the caller fetches the photos still kept)."""
        with self.store.session() as s:
            row = self._row(s, key)
            if row is None:
                return None
            return Conversation(key, row.persona, row.customer_id, steps=[step_from_row(msg) for msg in row.messages])
