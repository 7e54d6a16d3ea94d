"""The rules planner's slot grammar and dialogue state.

Catalog slots (category, colour, pattern, price, size, brand) are read by the search's own
query grammar (retrieval.query), so the planner and the search never disagree on what "navy
under 60" means. This module adds what only a dialogue has: references to products shown
earlier ("the second one", "that one", "#123"), order numbers, heights, quantities and return
reasons; and the state they resolve against, rebuilt from the conversation's tool results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.conversation import Conversation
from index.vocab import COLOURS
from retrieval.query import ALL_SIZES, ParsedQuery, QueryError, parse_query

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
            "fifth": 4, "5th": 4, "sixth": 5, "6th": 5, "seventh": 6, "eighth": 7, "ninth": 8, "tenth": 9}
ORDINAL = re.compile(r"\b(?:the\s+)?(" + "|".join(ORDINALS) + r"|last)\b(?:\s+(?:one|item|product))?", re.I)
NUMBERED = re.compile(r"\b(?:number|no\.?|option|item)\s*(\d{1,2})\b", re.I)
BARE_NUMBER_LIST = re.compile(r"\b(\d{1,2})\s*(?:,|and|&|vs\.?|or)\s*(\d{1,2})(?:\s*(?:,|and|&)\s*(\d{1,2}))?\b")
PRODUCT_ID = re.compile(r"#(\d+)\b")
DEICTIC = re.compile(r"\b(it|that one|this one|that|this|the one)\b", re.I)
ORDER_ID = re.compile(r"\border\s*(?:number|no\.?|#)?\s*#?(\d+)\b", re.I)
HEIGHT = re.compile(r"\b(1[.,]\d{2})\s*m\b|\b(1\d{2}|2[0-2]\d)\s*cm\b|\b([4-7])\s*(?:'|ft|foot|feet)\s*(\d{1,2})?", re.I)
QUANTITY = re.compile(r"\b(\d|one|two|three|four|five)\s+(?:of\s+(?:it|them|those)|pieces|pairs|items)\b", re.I)
WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
REASONS = {"too small": r"too (small|tight|short)|runs small", "too large": r"too (large|big|loose|long)|runs large",
           "damaged": r"damaged|broken|torn|defect|faulty|stain", "wrong item": r"wrong (item|size|colour|color|product)",
           "not as pictured": r"not as (pictured|described|shown)|looks different",
           "changed my mind": r"changed my mind|don'?t (want|like) it|do not (want|like) it"}
SIZE_WORD = re.compile(r"\b(?:size\s+|in\s+(?:a\s+|an\s+|size\s+)?)?(xxs|xs|s|m|l|xl|xxl|3xl|w\d{2}|\d{2})\b", re.I)
PRICE_PHRASE = re.compile(r"\b(under|below|less than|at most|max|up to|over|above|more than|between)\s+[€$£]?\s*\d+"
                          r"(?:\s*(?:and|-|to)\s*[€$£]?\s*\d+)?\s*(?:eur|euros?|€)?", re.I)
COLOUR_WORDS = re.compile(r"\b(" + "|".join(sorted(COLOURS, key=len, reverse=True)) + r")\b", re.I)


@dataclass
class State:
    """What the dialogue refers to: the last list shown, the product in focus, the last search."""

    shown: list[dict] = field(default_factory=list)  # cards of the last list of products, in order
    focus: int | None = None  # the product talked about most recently
    last_query: str = ""
    known: set[int] = field(default_factory=set)  # every product id the tools returned


def state_of(conv: Conversation) -> State:
    state = State()
    for name, args, result in conv.tool_results():
        if "results" in result:
            state.shown = [r for r in result["results"] if "product_id" in r]
            state.focus = None
            if name == "search_products":
                state.last_query = args.get("query", "")
        pid = _single_product(name, args, result)
        if pid is not None:
            state.focus = pid
        for card in state.shown:
            state.known.add(card["product_id"])
        if pid is not None:
            state.known.add(pid)
    return state


def _single_product(name: str, args: dict, result: dict) -> int | None:
    if name in ("get_product", "summarize_reviews", "recommend_size", "add_to_cart", "find_similar"):
        pid = args.get("product_id")
        return int(pid) if pid is not None else None
    return None


def references(text: str, state: State) -> list[int]:
    """Product ids the text points at, in the order it names them."""
    found: list[int] = []
    for m in PRODUCT_ID.finditer(text):
        found.append(int(m.group(1)))
    for m in ORDINAL.finditer(text):
        word = m.group(1).lower()
        index = len(state.shown) - 1 if word == "last" else ORDINALS[word]
        if 0 <= index < len(state.shown):
            found.append(state.shown[index]["product_id"])
    for m in NUMBERED.finditer(text):
        index = int(m.group(1)) - 1
        if 0 <= index < len(state.shown):
            found.append(state.shown[index]["product_id"])
    if not found and state.shown:
        listed = BARE_NUMBER_LIST.search(text)
        if listed:
            for g in listed.groups():
                if g and 0 < int(g) <= len(state.shown):
                    found.append(state.shown[int(g) - 1]["product_id"])
    return list(dict.fromkeys(found))


def focus(text: str, state: State) -> int | None:
    """The one product the text is about: named, else the one in focus, else the top of the last list."""
    named = references(text, state)
    if named:
        return named[0]
    if state.focus is not None:
        return state.focus
    return state.shown[0]["product_id"] if state.shown else None


def order_id(text: str) -> int | None:
    m = ORDER_ID.search(text) or re.search(r"#(\d+)\b", text)
    return int(m.group(1)) if m else None


def height_cm(text: str) -> float | None:
    m = HEIGHT.search(text)
    if not m:
        return None
    if m.group(1):
        return round(float(m.group(1).replace(",", ".")) * 100, 1)
    if m.group(2):
        return float(m.group(2))
    return round(int(m.group(3)) * 30.48 + int(m.group(4) or 0) * 2.54, 1)


def quantity(text: str) -> int:
    m = QUANTITY.search(text)
    if not m:
        return 1
    word = m.group(1).lower()
    return WORD_NUMBERS.get(word) or int(word)


def size_label(text: str) -> str | None:
    """A size label the text names ("in M", "size 42", "W32"); a lone "s" or "m" counts only after in/size."""
    for m in SIZE_WORD.finditer(text):
        label = m.group(1).lower()
        bare = not m.group(0).lower().startswith(("in", "size"))
        if label in ("s", "m", "l") and bare:
            continue
        if label.isdigit() and bare:
            continue
        if label in ALL_SIZES:
            return ALL_SIZES[label]
    return None


def return_reason(text: str) -> str | None:
    for reason, pattern in REASONS.items():
        if re.search(pattern, text, re.I):
            return reason
    return None


def catalog_slots(text: str, brands: list[str] | tuple[str, ...]) -> ParsedQuery | None:
    """Category, colour, pattern, material, price, size and brand, as the search reads them."""
    try:
        return parse_query(text, brands)
    except QueryError:
        return None


FOLLOW_UP_FILLER = re.compile(r"^\s*(what|how) about\s+|^\s*(and|any|anything|something|maybe|or)\s+|"
                              r"^\s*(do you have )?(it|them|those|these|one)\s+|^\s*in\s+(?=\w+\s*\??$)|[?!.]+$", re.I)


def refine(previous: str, new: str) -> str:
    """The last search changed by a follow-up: a new colour or price replaces the old one."""
    for _ in range(3):
        new = FOLLOW_UP_FILLER.sub("", new).strip()
    query = previous
    if COLOUR_WORDS.search(new):
        query = COLOUR_WORDS.sub(" ", query)
    if PRICE_PHRASE.search(new):
        query = PRICE_PHRASE.sub(" ", query)
    return " ".join(f"{query} {new}".split())
