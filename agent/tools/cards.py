"""Small helpers the tools share."""

from __future__ import annotations


def clamp_k(k: int, most: int = 10) -> int:
    return max(1, min(most, int(k)))
