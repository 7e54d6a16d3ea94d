"""Catalog feeds: one reader per format, each yielding neutral rows for the importer.

Formats: ``jsonl`` and ``csv`` (the project's own), ``shopify`` (Shopify's product CSV export),
``merchant-tsv`` and ``merchant-xml`` (Google Merchant Center feeds). ``detect_format`` finds the
format from the file's content (its header or root element), so ``--format`` is only needed to
overrule it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from index.feeds.base import ImportFileError, RawRow, RawRows, open_text
from index.feeds.merchant import field_name, read_merchant_tsv, read_merchant_xml
from index.feeds.native import read_csv, read_jsonl
from index.feeds.shopify import read_shopify

Reader = Callable[[Path, Iterable[str]], Iterator[RawRow]]
READERS: dict[str, Reader] = {"shopify": read_shopify, "merchant-tsv": read_merchant_tsv,
                              "merchant-xml": read_merchant_xml, "jsonl": read_jsonl, "csv": read_csv}
CSV_FORMATS = {"csv", "shopify", "merchant-tsv"}  # read with newline="" so that quoted cells keep their line breaks
HEAD_CHARS = 4096  # detect_format reads no further

__all__ = ["FORMATS", "ImportFileError", "RawRows", "detect_format", "read_feed"]
FORMATS = tuple(READERS)


def detect_format(path: Path) -> str:
    """The file's format, from its first 4 KB: the header row or root element, so a feed needs no --format.

    JSON -> jsonl; <?xml, <rss or <feed -> merchant-xml; a tab-separated header with id (or g:id) and
    title or price -> merchant-tsv; a CSV header with Handle and Title (or Variant SKU) -> shopify; a CSV
    header with sku -> csv. Else a file named .jsonl is jsonl; anything else raises ImportFileError.
    """
    with open_text(path) as f:
        head = f.read(HEAD_CHARS).removeprefix("\ufeff").lstrip()
    if head.startswith("{"):
        return "jsonl"
    if head.startswith(("<?xml", "<rss", "<feed")):
        return "merchant-xml"
    header = head.split("\n", 1)[0]
    if "\t" in header:
        fields = {field_name(name) for name in _header(header, "\t")}
        if "id" in fields and fields & {"title", "price"}:
            return "merchant-tsv"
    names = {n.strip().casefold() for n in _header(header, ",")}
    if names & {"handle", "url handle"} and names & {"title", "variant sku", "sku"}:
        return "shopify"
    if "sku" in names:
        return "csv"
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"  # empty, or a first line that is no object: the reader names the line
    raise ImportFileError(path, None, "not a format shopagent reads",
                          "give a Shopify product CSV export, a Merchant Center feed (TSV or XML), JSON Lines or "
                          f"a CSV with a sku column, or name the format with --format (one of {', '.join(FORMATS)})")


def _header(line: str, delimiter: str) -> list[str]:
    """The cells of a header line; none when it is not readable as one."""
    try:
        return next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
    except csv.Error:
        return []


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
