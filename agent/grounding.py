"""Answers name only products this conversation's tools returned.

Answers cite products as [#123] (the product id) or by SKU. A citation of anything the tools did
not return in this conversation is a made-up product: the sentence carrying it is dropped and
the answer says so, so a shopper never sees a product that may not exist or not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CITATION = re.compile(r"#(\d+)\b")
SKU = re.compile(r"\b[A-Z]{2,5}-[A-Z]{3}-\d{5}\b")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
REMOVED_NOTE = "(I left out a product I could not confirm in the catalog.)"


@dataclass
class GroundedAnswer:
    text: str
    cited: list[int] = field(default_factory=list)  # product ids, in order of first mention
    removed: list[str] = field(default_factory=list)  # citations that were not grounded


def ground(text: str, allowed: set[int], sku_to_id: dict[str, int]) -> GroundedAnswer:
    cited: list[int] = []
    removed: list[str] = []
    kept_parts = []
    for part in re.split(r"(\n+)", text):
        if part.startswith("\n"):
            kept_parts.append(part)
            continue
        sentences = [s for s in SENTENCE.split(part) if s]
        kept = []
        for sentence in sentences:
            refs = [(f"#{n}", int(n)) for n in CITATION.findall(sentence)]
            refs += [(sku, sku_to_id.get(sku, -1)) for sku in SKU.findall(sentence)]
            bad = [label for label, pid in refs if pid not in allowed]
            if bad:
                removed += bad
                continue
            cited += [pid for _, pid in refs if pid not in cited]
            kept.append(sentence)
        kept_parts.append(" ".join(kept))
    out = "".join(kept_parts).strip()
    if removed:
        out = (out + "\n\n" if out else "") + REMOVED_NOTE
    return GroundedAnswer(out, cited, removed)
