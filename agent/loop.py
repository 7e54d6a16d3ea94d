"""The chat loop: the planner proposes, tools run, the answer is checked, every step is typed, streamed and stored.

One turn:
1. the user's photos go to the photo store (stripped, with retention) and are referred to by id;
   the turn starts with a `UserStep`;
2. up to `agent_max_steps` rounds: the planner answers or calls tools; each call runs under a
   timeout with the conversation's persona, customer and staff role (never ones the text names).
   A refusal goes back to the planner as data with its stable code; a call it wrote that cannot be
   read is asked for again once (`RepairStep`); a bug in a tool ends the turn with an apology;
3. the answer is grounded: product citations not returned by this conversation's tools are removed;
4. every step is streamed (agent/steps.py) and the turn's steps are stored.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from PIL import Image

from agent.conversation import Conversation, ConversationLog, UserMessage, new_key, product_ids_in
from agent.grounding import SkuIndex, ground
from agent.planners import Planner, PlannerError, Reply
from agent.prompts import system_prompt
from agent.services import Services
from agent.steps import (ActionStep, AnswerDelta, AnswerStep, NoticeStep, RepairStep, Step, StreamItem, Thinking,
                         ToolCall, ToolResult, UserStep)
from agent.text import clean_text, inert_markup
from agent.tools import ToolContext, run_tool, schemas_for
from agent.tools.registry import PERSONAS, STAFF
from index import models as m
from index.images import ImageError, open_image
from shopagent.errors import ShopError
from shopagent.staff import ROLES

REPAIRS = 1
KEY = re.compile(r"[0-9a-f]{16}")  # what new_key() makes
APOLOGY = ("Sorry, something went wrong on our side while I was working on that. It is logged for the team; "
           "please try again in a moment.")


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

    @cached_property
    def skus(self) -> SkuIndex:
        """The catalog's SKUs for grounding, whatever their format (built once)."""
        return SkuIndex(self.services.table.id_of_sku)

    # ------------------------------------------------------------ sessions

    def open(self, persona: str = "shopper", customer_id: int | None = None, key: str | None = None,
             staff_role: str | None = None) -> Conversation:
        """A new conversation, or the stored one with this key (resumed with its history and photos).

        staff_role: the signed-in staff member's role for the staff persona (default "agent", the
        least one); the domain's rules (a return needs a lead) read it from the tool context."""
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
        role = (staff_role or "agent") if persona == STAFF else None
        if role is not None and role not in ROLES:
            raise AgentError(f"unknown staff role {role!r}; one of {', '.join(ROLES)}.")
        if key:
            conv = self.log.load(key)
            if conv is not None:
                if conv.customer_id != customer_id or conv.persona != persona:
                    raise AgentError(f"session {key} belongs to another customer or persona.")
                conv.staff_role = role
                self._restore_photos(conv)
                return conv
        conv = Conversation(key or new_key(), persona, customer_id, staff_role=role)
        self.log.start(conv)
        return conv

    def _restore_photos(self, conv: Conversation) -> None:
        """The photos of the conversation still kept (retention may have removed some)."""
        for step in conv.steps:
            for pid in step.photo_ids if isinstance(step, UserStep) else []:
                path = self.services.photos.path_of(pid)
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

    def respond(self, conv: Conversation, message: UserMessage) -> Iterator[StreamItem]:
        """Stream one turn (agent/steps.py); the last item is the AnswerStep."""
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
        previous, question = self._open_question(conv)
        turn: list[Step] = [UserStep(text, self._take_photos(conv, message.images))]
        conv.steps.append(turn[0])
        yield turn[0]
        ctx = ToolContext(self.services, conv.persona, conv.customer_id, conv.key, conv.images, text, previous,
                          question, conv.viewed, conv.staff_role)
        timings: dict[str, float] = {"planner_ms": 0.0, "tools_ms": 0.0}
        final: AnswerStep | None = None
        for item in self._rounds(conv, ctx, turn, timings):
            if isinstance(item, AnswerStep):
                final = item
            else:
                yield item
        assert final is not None
        yield self._finish(conv, turn, final, timings, start)

    def _rounds(self, conv: Conversation, ctx: ToolContext, turn: list[Step],
                timings: dict[str, float]) -> Iterator[StreamItem]:
        """Planner rounds until an answer: streams what happens, ends with an (ungrounded) AnswerStep."""
        system = system_prompt(conv.persona, conv.customer_id)
        tools = schemas_for(conv.persona)
        repairs = 0
        for _ in range(self.settings.agent_max_steps):
            t0 = time.perf_counter()
            reply = None
            try:
                for piece in self.planner.step(conv, system, tools):
                    if isinstance(piece, Reply):
                        reply = piece
                    elif piece:
                        yield AnswerDelta(piece)
            except PlannerError as exc:
                yield self._note(conv, turn, NoticeStep(str(exc)))
                yield AnswerStep(f"Sorry, the assistant's model is not available right now ({exc}).")
                return
            timings["planner_ms"] += (time.perf_counter() - t0) * 1000
            assert reply is not None, "a planner step must end with a Reply"
            if reply.thinking:
                yield Thinking(reply.thinking)
            if reply.malformed and not reply.calls:
                if repairs >= REPAIRS:
                    yield AnswerStep("Sorry, I got muddled calling the shop's tools. Could you say that again, "
                                     "perhaps more simply?")
                    return
                repairs += 1
                yield self._note(conv, turn, NoticeStep("the planner wrote a tool call that could not be read; "
                                                        "asking again"))
                self._note(conv, turn, RepairStep(reply.text, list(reply.malformed)))
                continue
            if not reply.calls:
                yield AnswerStep(reply.text, pending=reply.pending)
                return
            action = ActionStep(reply.text)
            self._note(conv, turn, action)
            for i, request in enumerate(reply.calls):
                call = ToolCall(request.id or f"call_{len(conv.steps)}_{i}", request.name, request.arguments)
                yield call
                outcome = run_tool(call.name, call.arguments, ctx, self.settings.agent_tool_timeout_s)
                timings["tools_ms"] += outcome.duration_ms
                result = ToolResult(call, outcome.result, outcome.error, round(outcome.duration_ms, 2))
                action.results.append(result)
                yield result
                if outcome.is_bug:  # our fault: the model is not asked to make up for it
                    yield AnswerStep(APOLOGY)
                    return
        yield AnswerStep(f"I could not finish this in {self.settings.agent_max_steps} steps. Could you narrow "
                         "the request down?")

    @staticmethod
    def _open_question(conv: Conversation) -> tuple[str, str]:
        """(the user's previous message, the agent's answer to it) when that answer asked a question:
        consent to a side effect may come as the answer (agent/consent.py)."""
        users = [st for st in conv.steps if isinstance(st, UserStep)]
        last_answer = next((st for st in reversed(conv.steps) if isinstance(st, AnswerStep)), None)
        if users and last_answer and "?" in last_answer.text:
            return users[-1].text, last_answer.text
        return "", ""

    @staticmethod
    def _note(conv: Conversation, turn: list[Step], step: Step) -> Step:
        conv.steps.append(step)
        turn.append(step)
        return step

    def _finish(self, conv: Conversation, turn: list[Step], reply: AnswerStep, timings: dict[str, float],
                start: float) -> AnswerStep:
        results = conv.results()
        allowed = set().union(*(product_ids_in(r.result) for r in results)) if results else set()
        grounded = ground(inert_markup(clean_text(reply.text)), allowed, self.skus)
        timings["total_ms"] = (time.perf_counter() - start) * 1000
        answer = AnswerStep(grounded.text, self._cards(results, grounded.cited), grounded.cited, grounded.removed,
                            self.planner.name, {k: round(v, 2) for k, v in timings.items()}, reply.pending)
        self._note(conv, turn, answer)
        self.log.append(conv, turn)
        return answer

    @staticmethod
    def _cards(results: list[ToolResult], ids: list[int]) -> list[dict]:
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

        for r in results:
            walk(r.result)
        return [found[i] for i in ids if i in found]
