"""Text that crosses a trust boundary: what users and catalogs send, and tool results the planner reads."""

from __future__ import annotations

import json
import re

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
