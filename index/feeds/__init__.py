"""Catalog feeds: one reader per format, each yielding neutral rows for the importer.

Formats: ``jsonl`` and ``csv`` (the project's own), ``shopify`` (Shopify's product CSV export),
``merchant-tsv`` and ``merchant-xml`` (Google Merchant Center feeds). ``detect_format`` finds the
format from the file's content (its header or root element), so ``--format`` is only needed to
overrule it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from index.feeds.base import ImportFileError, RawRow, RawRows, open_text
from index.feeds.native import read_csv, read_jsonl

Reader = Callable[[Path, Iterable[str]], Iterator[RawRow]]
READERS: dict[str, Reader] = {"jsonl": read_jsonl, "csv": read_csv}
CSV_FORMATS = {"csv"}  # read with newline="" so that quoted cells keep their line breaks

__all__ = ["FORMATS", "ImportFileError", "RawRows", "detect_format", "read_feed"]
FORMATS = tuple(READERS)


def detect_format(path: Path) -> str:
    """The file's format, from its first bytes; the suffix decides only between our own two."""
    with open_text(path) as f:
        head = f.read(4096).removeprefix("\ufeff").lstrip()
    if head.startswith("{") or path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    if path.suffix.lower() == ".csv":
        return "csv"
    raise ImportFileError(path, None, "not a format shopagent reads",
                          f"give a file in one of the formats {', '.join(FORMATS)}, or name it with --format")


def read_feed(path: Path, format: str | None = None) -> RawRows:
    """(line, neutral row or its error) for every product in the file, read to the end first.

    Raises ImportFileError when the file cannot be read in full: then no row counts.
    """
    fmt = format or detect_format(path)
    if fmt not in READERS:
        raise ImportFileError(path, None, f"unknown format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    with open_text(path, newline="" if fmt in CSV_FORMATS else None) as f:
        try:
            return list(READERS[fmt](path, f))
        except OSError as exc:
            raise ImportFileError(path, None, f"cannot be read ({exc.strerror or exc})",
                                  "check the file and import it again") from None
