"""`shopagent bench agent`: how long a shopper waits for a text turn (search plus answer)."""

from __future__ import annotations

import math
import time

import numpy as np

from agent.conversation import UserMessage
from agent.loop import Agent
from eval.stats import Report, Table, percentiles

TARGET_P95_MS = 300
PARTS = {"wall_ms": "whole turn, as the shopper waits", "planner_ms": "planner (intent, slots, answer)",
         "tools_ms": "tools (search)", "total_ms": "loop, before the turn is stored"}


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


def report(agent: Agent, turns: int = 200) -> Report:
    """p50 / p95 / max of each part of a text turn, then whether the p95 target is met."""
    timings = turn_timings(agent, shopper_queries(agent, turns))
    table = Table(f"bench agent — rules planner, {turns} turns, {len(agent.services.table)} products",
                  ("part of a text turn", "p50 (ms)", "p95 (ms)", "max (ms)"))
    for key, label in PARTS.items():
        table.add(label, *(f"{v:.1f}" for v in percentiles(timings[key], (50, 95, 100))))
    yield table
    (p95,) = percentiles(timings["wall_ms"], (95,))
    yield (f"target: p95 <= {TARGET_P95_MS} ms per text turn: {'met' if p95 <= TARGET_P95_MS else 'NOT met'} "
           f"({p95:.0f} ms)")
