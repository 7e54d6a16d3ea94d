"""`shopagent bench agent`: how long a shopper waits for a text turn (search plus answer)."""

from __future__ import annotations

import math
import time

import numpy as np

from agent.conversation import UserMessage
from agent.loop import Agent


def shopper_queries(agent: Agent, n: int, seed: int = 0) -> list[str]:
    """Queries a shopper would type, made from real catalog rows: colour, category, a price cap."""
    rng = np.random.default_rng(seed)
    rows = agent.services.table.rows
    out = []
    for i in rng.choice(len(rows), size=n, replace=len(rows) < n):
        p = rows[int(i)]
        cap = int(math.ceil((p.price + 10) / 10) * 10)
        out.append(f"I'm looking for a {p.colours[0]} {p.category.replace('-', ' ')} under {cap}")
    return out


def turn_timings(agent: Agent, queries: list[str], warmup: int = 3) -> dict[str, list[float]]:
    """Per turn: total, planner and tools milliseconds, each turn in a fresh conversation."""
    for text in queries[:warmup]:
        list(agent.respond(agent.open(), UserMessage(text)))
    out: dict[str, list[float]] = {"total_ms": [], "planner_ms": [], "tools_ms": [], "wall_ms": []}
    for text in queries:
        conv = agent.open()
        start = time.perf_counter()
        final = list(agent.respond(conv, UserMessage(text)))[-1]
        out["wall_ms"].append((time.perf_counter() - start) * 1000)
        for key in ("total_ms", "planner_ms", "tools_ms"):
            out[key].append(final.timings[key])
    return out
