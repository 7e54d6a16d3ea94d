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


MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
MD_LINK = re.compile(r"\[([^\]]*)\]\(\s*(?:[a-z][a-z0-9+.-]*:|//|www\.)[^)]*\)", re.I)
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]*)>", re.I)
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def inert_markup(text: str) -> str:
    """Text shown as Markdown that can fetch or lead nowhere: images become their alt text, links to
    other sites their words, HTML tags go. A model's answer (or an error echoing a customer's words)
    could otherwise make the shopper's browser load a URL carrying their data."""
    text = MD_IMAGE.sub(lambda m: m.group(1), text)
    text = MD_LINK.sub(lambda m: m.group(1), text)
    text = AUTOLINK.sub(lambda m: m.group(1), text)
    return HTML_TAG.sub("", text)
