"""One conversation as data: its messages (OpenAI-style dicts), photos, and what tools returned.

The message list is what every planner reads; the store keeps the same turns (messages, tool
calls with arguments, results, errors and timings) so a conversation can be resumed by its key
and audited later. Photos are kept by id only; their pixels come back from the photo store
while the retention period lasts.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from index import models as m
from index.store import Store

# Markup a chat template gives meaning to; inside data it is neutralised so it cannot close the data block.
CONTROL_MARKUP = re.compile(r"<\|?/?\s*(tool_call|tool_response|tools|im_start|im_end|system|user|assistant|think)"
                            r"[^>]*>", re.I)


# NUL and other control characters (tab and newline kept), and the bidirectional overrides and
# isolates that make text read differently from what it holds.
UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Text from a user or the catalog as it may be shown or echoed: no control or direction characters."""
    return UNSAFE_CHARS.sub("", text or "").strip()


def clip(text: str, limit: int) -> str:
    """At most limit characters, cut at a word with an ellipsis: long catalog text is never echoed whole."""
    text = clean_text(text)
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def quote_as_data(result: dict) -> str:
    """A tool result as the planner sees it: JSON whose strings cannot pose as chat or tool-call markup."""
    return CONTROL_MARKUP.sub("[markup removed]", json.dumps(result, ensure_ascii=False, default=str))


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
    messages: list[dict] = field(default_factory=list)
    images: dict[str, Image.Image] = field(default_factory=dict)
    viewed: list[int] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)  # every successful tool result, in order

    def tool_results(self) -> list[tuple[str, dict, dict]]:
        """(tool name, arguments, result) of every successful call, oldest first."""
        return [(r["name"], r["arguments"], r["result"]) for r in self.results]


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


class ConversationLog:
    """Turns in the store: written as they happen, read back to resume."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def start(self, conv: Conversation) -> None:
        with self.store.session() as s:
            if s.scalars(select(m.Conversation).where(m.Conversation.session_key == conv.key)).first() is None:
                s.add(m.Conversation(session_key=conv.key, persona=conv.persona, customer_id=conv.customer_id))

    def append(self, conv: Conversation, messages: list[dict], outcomes: dict[str, dict], meta: dict) -> None:
        """Store one turn: messages, with each tool call under the assistant message that made it."""
        with self.store.session() as s:
            row = s.scalars(select(m.Conversation).where(m.Conversation.session_key == conv.key)).one()
            for msg in messages:
                if msg["role"] == "tool":
                    continue
                stored = m.Message(conversation_id=row.id, role=msg["role"], content=msg.get("content") or "",
                                   photo_ids=list(msg.get("photo_ids", [])),
                                   meta=meta if msg is messages[-1] else {})
                for call in msg.get("tool_calls", []):
                    o = outcomes.get(call["id"], {})
                    stored.tool_calls.append(m.ToolCall(name=call["function"]["name"],
                                                        arguments=call["function"]["arguments"],
                                                        result=o.get("result"), error=json.dumps(o["error"])
                                                        if o.get("error") else None,
                                                        duration_ms=o.get("duration_ms", 0.0)))
                s.add(stored)

    def latest(self, customer_id: int, persona: str = "shopper") -> tuple[str, list[tuple[str, str]]] | None:
        """The customer's newest conversation: its key and (role, text) of each message, for the copilot."""
        with self.store.session() as s:
            row = s.scalars(select(m.Conversation).where(m.Conversation.customer_id == customer_id,
                                                         m.Conversation.persona == persona)
                            .order_by(m.Conversation.id.desc()).options(selectinload(m.Conversation.messages))).first()
            if row is None:
                return None
            return row.session_key, [(msg.role, msg.content) for msg in row.messages if msg.content]

    def add_staff_reply(self, key: str, text: str, author: str) -> None:
        """A reply a staff member sent into the customer's conversation."""
        with self.store.session() as s:
            row = s.scalars(select(m.Conversation).where(m.Conversation.session_key == key)).one()
            s.add(m.Message(conversation_id=row.id, role="staff", content=text, meta={"author": author}))

    def load(self, key: str) -> tuple[Conversation, list[str]] | None:
        """The conversation and the ids of photos it used (the caller fetches what is still kept)."""
        with self.store.session() as s:
            row = s.scalars(select(m.Conversation).where(m.Conversation.session_key == key)
                            .options(selectinload(m.Conversation.messages)
                                     .selectinload(m.Message.tool_calls))).first()
            if row is None:
                return None
            conv = Conversation(key, row.persona, row.customer_id)
            photo_ids: list[str] = []
            for msg in row.messages:
                photo_ids += msg.photo_ids
                entry: dict = {"role": msg.role, "content": msg.content}
                if msg.role == "staff":  # a reply customer care sent into the chat
                    entry = {"role": "assistant", "content": f"[customer care] {msg.content}"}
                if msg.photo_ids:
                    entry["photo_ids"] = list(msg.photo_ids)
                calls = []
                for i, call in enumerate(msg.tool_calls):
                    call_id = f"call_{msg.id}_{i}"
                    calls.append({"id": call_id, "type": "function",
                                  "function": {"name": call.name, "arguments": call.arguments}})
                if calls:
                    entry["tool_calls"] = calls
                conv.messages.append(entry)
                for call, spec in zip(msg.tool_calls, calls):
                    body = {"error": json.loads(call.error)} if call.error else call.result or {}
                    conv.messages.append({"role": "tool", "tool_call_id": spec["id"], "name": call.name,
                                          "content": quote_as_data(body)})
                    if not call.error:
                        conv.results.append({"name": call.name, "arguments": call.arguments, "result": call.result})
                        if call.name == "get_product":
                            conv.viewed.append(int(call.arguments.get("product_id", 0)))
            return conv, photo_ids
