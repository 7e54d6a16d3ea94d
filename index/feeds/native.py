"""The project's own formats: JSON Lines (one neutral row per line) and the flat CSV.

In the CSV, lists (colours, images) are `|`-separated, sizes read `S:3|M:0`, and attributes is
a JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from index.feeds.base import RawRow, RepeatedKeys, cells, checked_lines, csv_records, json_object, split_list


def read_jsonl(path: Path, f: Iterable[str]) -> Iterator[RawRow]:
    for number, line in enumerate(checked_lines(path, f), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, object_pairs_hook=json_object)
        except json.JSONDecodeError as exc:
            yield number, ValueError(f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(value, dict):
            yield number, TypeError("each line must be a JSON object")
        elif isinstance(value, RepeatedKeys):
            repeated = next(k for n, (k, _) in enumerate(value.pairs) if k in dict(value.pairs[:n]))
            yield number, ValueError(f"the key {repeated!r} appears twice in the row; give each field once")
        else:
            yield number, value


def read_csv(path: Path, f: Iterable[str]) -> Iterator[RawRow]:
    for line, raw in csv_records(path, f):
        try:
            yield line, _csv_row(raw)
        except (ValueError, json.JSONDecodeError) as exc:
            yield line, exc


def _csv_row(raw: dict[str | None, str | None]) -> dict[str, Any]:
    """CSV cells to the same shape a JSON line has; empty cells mean 'not given'."""
    row: dict[str, Any] = cells(raw)
    for key in ("colours", "images"):
        if key in row:
            row[key] = split_list(row[key])
    if "sizes" in row:
        sizes = []
        for part in split_list(row["sizes"]):
            label, sep, stock = part.rpartition(":")
            if not sep or not stock.strip().lstrip("-").isdigit():
                raise ValueError(f"sizes must read like S:3|M:0, not {row['sizes']!r}")
            sizes.append((label.strip(), int(stock)))
        row["sizes"] = json_object(sizes)
    if "attributes" in row:
        row["attributes"] = json.loads(row["attributes"])
    return row
