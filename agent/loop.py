"""The chat loop: the planner proposes, tools run, the answer is checked, everything is streamed and stored.

One turn:
1. the shopper's photos go to the photo store (stripped, with retention) and are referred to by id;
2. up to `agent_max_steps` rounds: the planner answers or calls tools; each call runs under a
   timeout with the conversation's persona and customer (never ones the text names); errors go
   back to the planner as data; a call it wrote that cannot be read is asked for again once;
3. the answer is grounded: product citations not returned by this conversation's tools are removed;
4. every step is an `Event`, and the turn (messages, calls, results, timings) is stored.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from agent.conversation import (Conversation, ConversationLog, UserMessage, clean_text, new_key, product_ids_in,
                                quote_as_data)
from agent.events import Event
from agent.grounding import ground
from agent.planners import Planner, PlannerError, Reply
from agent.prompts import system_prompt
from agent.tools import Services, ToolContext, run_tool, schemas_for
from agent.tools.registry import PERSONAS
from index import models as m
from index.images import ImageError, open_image
from shopagent.errors import ShopError

REPAIRS = 1
KEY = re.compile(r"[0-9a-f]{16}")  # what new_key() makes


class AgentError(ShopError):
    """A request the agent cannot start: unknown persona, unreadable photo, unknown session."""

    code = "agent_refused"


class Agent:
    def __init__(self, services: Services, planner: Planner, planner_note: str = "") -> None:
        self.services = services
        self.planner = planner
        self.planner_note = planner_note
        self.settings = services.settings
        self.log = ConversationLog(services.store)

    # ------------------------------------------------------------ sessions

    def open(self, persona: str = "shopper", customer_id: int | None = None, key: str | None = None) -> Conversation:
        """A new conversation, or the stored one with this key (resumed with its history and photos)."""
        if persona not in PERSONAS:
            raise AgentError(f"unknown persona {persona!r}; one of {', '.join(PERSONAS)}.")
        if persona == "staff" and customer_id is None:
            raise AgentError("the staff copilot assists one customer: give their customer id.")
        if customer_id is not None:
            with self.services.store.session() as s:
                if s.get(m.Customer, customer_id) is None:
                    raise AgentError(f"there is no customer {customer_id}; check the id, or continue as a guest.")
        if key and not KEY.fullmatch(key):
            raise AgentError(f"{key[:80]!r} is not a session key; a key is the 16 letters and digits shopagent "
                             "printed when the conversation started.")
        if key:
            loaded = self.log.load(key)
            if loaded is not None:
                conv, photo_ids = loaded
                if conv.customer_id != customer_id or conv.persona != persona:
                    raise AgentError(f"session {key} belongs to another customer or persona.")
                self._restore_photos(conv, photo_ids)
                return conv
        conv = Conversation(key or new_key(), persona, customer_id)
        self.log.start(conv)
        return conv

    def _restore_photos(self, conv: Conversation, photo_ids: list[str]) -> None:
        folder = self.services.photos.folder
        for pid in photo_ids:
            path = folder / f"{pid}.jpg"
            if path.is_file():
                conv.images[pid] = open_image(path)

    def _take_photos(self, conv: Conversation, images: list) -> list[str]:
        ids = []
        for source in images:
            if isinstance(source, Image.Image):  # UserMessage takes pixels too; the photo store reads files
                buffer = io.BytesIO()
                source.save(buffer, format="PNG")
                source = buffer.getvalue()
            try:
                stored = self.services.photos.save(source if not isinstance(source, Path) else str(source),
                                                   conv.customer_id)
            except ImageError as exc:
                raise AgentError(f"that photo cannot be used: {exc}") from None
            conv.images[stored.id] = stored.image
            ids.append(stored.id)
        return ids

    # ------------------------------------------------------------ one turn

    def respond(self, conv: Conversation, message: UserMessage) -> Iterator[Event]:
        """Stream the events of one turn; the last event is the final message."""
        start = time.perf_counter()
        text = clean_text(message.text)
        if not text and not message.images:
            raise AgentError("the message is empty: write something or attach a photo.")
        if len(text) > self.settings.message_max_chars:
            raise AgentError(f"the message is {len(text):,} characters long; keep it under "
                             f"{self.settings.message_max_chars:,} (message_max_chars).")
        if len(message.images) > self.settings.upload_max_files:
            raise AgentError(f"{len(message.images)} photos in one message; send at most "
                             f"{self.settings.upload_max_files} (upload_max_files).")
        photo_ids = self._take_photos(conv, message.images)
        if photo_ids:
            yield Event("photos", "", {"photo_ids": photo_ids})
        previous, question = self._open_question(conv)
        turn: list[dict] = [{"role": "user", "content": text, "photo_ids": photo_ids}]
        conv.messages.append(turn[0])
        ctx = ToolContext(self.services, conv.persona, conv.customer_id, conv.key, conv.images, text,
                          previous, question, conv.viewed)
        system = system_prompt(conv.persona, conv.customer_id)
        tools = schemas_for(conv.persona)
        outcomes: dict[str, dict] = {}
        timings: dict[str, float] = {"planner_ms": 0.0, "tools_ms": 0.0}
        repairs = 0
        final: Reply | None = None
        for step in range(self.settings.agent_max_steps):
            t0 = time.perf_counter()
            reply = None
            try:
                for piece in self.planner.step(conv, system, tools):
                    if isinstance(piece, Reply):
                        reply = piece
                    elif piece:
                        yield Event("message", piece, delta=True)
            except PlannerError as exc:
                yield Event("notice", str(exc))
                final = Reply(f"Sorry, the assistant's model is not available right now ({exc}).")
                break
            timings["planner_ms"] += (time.perf_counter() - t0) * 1000
            assert reply is not None, "a planner step must end with a Reply"
            if reply.thinking:
                yield Event("thinking", reply.thinking)
            if reply.malformed and not reply.calls:
                if repairs >= REPAIRS:
                    final = Reply("Sorry, I got muddled calling the shop's tools. Could you say that again, "
                                  "perhaps more simply?")
                    break
                repairs += 1
                yield Event("notice", "the planner wrote a tool call that could not be read; asking again")
                self._append(conv, turn, {"role": "assistant", "content": reply.text})
                self._append(conv, turn, {"role": "user", "content": "[system] Your tool call could not be read: "
                                          + "; ".join(reply.malformed) + '. Write it again as <tool_call>{"name": '
                                          '..., "arguments": {...}}</tool_call>, or answer in words.'})
                continue
            if not reply.calls:
                final = reply
                break
            calls = []
            for i, call in enumerate(reply.calls):
                call.id = call.id or f"call_{len(conv.messages)}_{i}"
                calls.append({"id": call.id, "type": "function",
                              "function": {"name": call.name, "arguments": call.arguments}})
            self._append(conv, turn, {"role": "assistant", "content": reply.text, "tool_calls": calls})
            for call in reply.calls:
                yield Event("tool_call", call.name, {"id": call.id, "arguments": call.arguments})
                outcome = run_tool(call.name, call.arguments, ctx, self.settings.agent_tool_timeout_s)
                timings["tools_ms"] += outcome.duration_ms
                outcomes[call.id] = {"result": outcome.result, "error": outcome.error,
                                     "duration_ms": round(outcome.duration_ms, 2)}
                if outcome.ok:
                    conv.results.append({"name": call.name, "arguments": call.arguments, "result": outcome.result})
                self._append(conv, turn, {"role": "tool", "tool_call_id": call.id, "name": call.name,
                                          "content": quote_as_data(outcome.for_planner())})
                yield Event("tool_result", call.name, {"id": call.id, "ok": outcome.ok, "result": outcome.result,
                                                       "error": outcome.error,
                                                       "duration_ms": round(outcome.duration_ms, 2)})
        if final is None:
            final = Reply(f"I could not finish this in {self.settings.agent_max_steps} steps. Could you narrow "
                          "the request down?")
        yield self._finish(conv, turn, final, outcomes, timings, start)

    @staticmethod
    def _open_question(conv: Conversation) -> tuple[str, str]:
        """(the user's previous message, the agent's answer to it) when that answer asked a question:
        consent to a side effect may come as the answer (agent/consent.py)."""
        users = [msg for msg in conv.messages if msg["role"] == "user"]
        last_answer = next((msg for msg in reversed(conv.messages) if msg["role"] == "assistant"), None)
        if users and last_answer and "?" in last_answer.get("content", ""):
            return users[-1]["content"], last_answer["content"]
        return "", ""

    def _append(self, conv: Conversation, turn: list[dict], msg: dict) -> None:
        conv.messages.append(msg)
        turn.append(msg)

    def _finish(self, conv: Conversation, turn: list[dict], reply: Reply, outcomes: dict[str, dict],
                timings: dict[str, float], start: float) -> Event:
        allowed = set().union(*(product_ids_in(r["result"]) for r in conv.results)) if conv.results else set()
        answer = ground(clean_text(reply.text), allowed, self.services.table.id_of_sku)
        self._append(conv, turn, {"role": "assistant", "content": answer.text})
        cards = self._cards(conv, answer.cited)
        timings["total_ms"] = (time.perf_counter() - start) * 1000
        meta = {"planner": self.planner.name, "timings": {k: round(v, 2) for k, v in timings.items()},
                "cited": answer.cited, "removed": answer.removed}
        self.log.append(conv, turn, outcomes, meta)
        return Event("message", answer.text, {"products": cards, **meta})

    @staticmethod
    def _cards(conv: Conversation, ids: list[int]) -> list[dict]:
        """The cards of the cited products, as the tools returned them (newest result wins)."""
        found: dict[int, dict] = {}

        def walk(value: object) -> None:
            if isinstance(value, dict):
                if isinstance(value.get("product_id"), int) and "title" in value:
                    found[value["product_id"]] = value
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        for r in conv.results:
            walk(r["result"])
        return [found[i] for i in ids if i in found]
