"""Hermes-style tool calls in model text: <tool_call>{"name": ..., "arguments": {...}}</tool_call>.

Small models slip: single quotes, trailing commas, code fences, arguments as a JSON string, a
missing closing tag when generation stopped. Those are repaired here; what cannot be read is
reported as malformed, with why, so the loop can ask the model once more.
"""

from __future__ import annotations

import ast
import json
import re

from agent.planners import Reply, ToolCallRequest

TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)
THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.S)
FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _load(raw: str) -> object:
    text = TRAILING_COMMA.sub(r"\1", FENCE.sub("", raw.strip()))
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:  # Python-literal style: single quotes, True/None
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        raise ValueError(f"not JSON: {exc}") from None


def read_call(raw: str) -> ToolCallRequest:
    """One call from the text between the tags; ValueError says what is wrong."""
    data = _load(raw)
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ValueError('a tool call is {"name": "...", "arguments": {...}}')
    args = data.get("arguments", data.get("parameters", {}))
    if isinstance(args, str):
        args = _load(args) if args.strip() else {}
    if not isinstance(args, dict):
        raise ValueError("arguments must be an object")
    return ToolCallRequest(data["name"], args)


def parse(text: str) -> Reply:
    """The visible answer, the tool calls and any thinking in one model output."""
    thinking = " ".join(t.strip() for t in THINK.findall(text))
    visible = THINK.sub("", text)
    calls, malformed = [], []
    for raw in TOOL_CALL.findall(visible):
        try:
            calls.append(read_call(raw))
        except ValueError as exc:
            malformed.append(f"{raw.strip()[:200]} ({exc})")
    visible = TOOL_CALL.sub("", visible).strip()
    return Reply(visible, calls, thinking, malformed)
