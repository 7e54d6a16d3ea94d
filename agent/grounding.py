"""Answers name only products this conversation's tools returned.

Answers cite products as [#123] (the product id) or by SKU, in whatever format the shop's SKUs
have. A citation of anything the tools did not return in this conversation is a made-up
product: the sentence carrying it is dropped and the answer says so, so a shopper never sees a
product that may not exist or not match.

What counts as a SKU citation: a token that is one of the catalog's SKUs, or one with a digit
that has the *shape* of the catalog's SKUs (letters as A, digits as 9, separators kept:
"TEE-0042-BLK" is AAA-9999-AAA), so a made-up "TEE-0099-BLK" is caught in an imported catalog
as well as in the demo's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CITATION = re.compile(r"#(\d+)\b")
TOKEN = re.compile(r"(?<![\w#])[A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9](?![\w])")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
REMOVED_NOTE = "(I left out a product I could not confirm in the catalog.)"


def shape(token: str) -> str:
    return re.sub(r"[0-9]", "9", re.sub(r"[A-Za-z]", "A", token))


class SkuIndex:
    """The catalog's SKUs and their shapes, built once per product table."""

    def __init__(self, sku_to_id: dict[str, int]) -> None:
        self.sku_to_id = sku_to_id
        self.shapes = {shape(sku) for sku in sku_to_id if any(c.isdigit() for c in sku)}

    def cited(self, sentence: str) -> list[tuple[str, int]]:
        """(label, product id or -1) of each SKU-like token in the sentence."""
        out = []
        for token in TOKEN.findall(sentence):
            if token in self.sku_to_id:
                out.append((token, self.sku_to_id[token]))
            elif any(c.isdigit() for c in token) and shape(token) in self.shapes:
                out.append((token, -1))
        return out


@dataclass
class GroundedAnswer:
    text: str
    cited: list[int] = field(default_factory=list)  # product ids, in order of first mention
    removed: list[str] = field(default_factory=list)  # citations that were not grounded


def ground(text: str, allowed: set[int], skus: SkuIndex) -> GroundedAnswer:
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
            refs = [(f"#{n}", int(n)) for n in CITATION.findall(sentence)] + skus.cited(sentence)
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
