"""What a turn streams to a front end, step by step."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("photos", "thinking", "tool_call", "tool_result", "message", "notice")  # photos: ids of the turn's stored photos


@dataclass
class Event:
    kind: str  # one of KINDS
    text: str = ""
    data: dict = field(default_factory=dict)
    delta: bool = False  # a piece of a message still being written; the final message event has it all

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "data": self.data, "delta": self.delta}
