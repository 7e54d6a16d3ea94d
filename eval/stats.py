"""What the benchmarks share: percentiles, and the tables they hand the CLI to print as they are.

A benchmark yields `Table`s (and lines of text) as each part finishes; the CLI prints them
without computing anything. A row may carry `passed` (the measure met its target or not): the
CLI marks it ok / missed after the last cell, or, for a `mark="row"` table, shows a failed row
in red.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np


def percentiles(values: Sequence[float], qs: Sequence[float] = (50, 95)) -> tuple[float, ...]:
    """The qs-th percentiles of values (linear interpolation), as plain floats; NaN for no values."""
    if len(values) == 0:
        return tuple(float("nan") for _ in qs)
    return tuple(float(v) for v in np.percentile(np.asarray(values, float), list(qs)))


def median(values: Sequence[float]) -> float:
    return percentiles(values, (50,))[0]


def mean(values: Sequence[float]) -> float | None:
    """The mean, or None when there is nothing to average."""
    return float(np.mean(values)) if len(values) else None


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None when whole is 0."""
    return part / whole if whole else None


def fmt(value: float | None, spec: str = ".2f", none: str = "-") -> str:
    """A number for a table cell; none for a missing one."""
    return none if value is None else format(value, spec)


@dataclass
class Row:
    cells: tuple[str, ...]
    passed: bool | None = None  # met its target (True), missed it (False), has none (None)


@dataclass
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    mark: Literal["target", "row"] = "target"  # how a row's passed shows: ok/missed after the last cell, or red

    def add(self, *cells: str, passed: bool | None = None) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(Row(tuple(cells), passed))


Report = Iterator["Table | str"]  # what a benchmark yields: tables and lines, in the order to print them
