"""What every feed reader shares: the file-level error, line checks, and CSV records.

A reader turns one file into ``RawRows``: for each product, the line it starts on and either a
plain dict in the neutral row shape (``index.importer.CatalogRow``) or the error that makes that
row invalid. A file that cannot be read to the end raises ``ImportFileError`` instead, so nothing
of it is imported.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from shopagent.errors import ShopError

RawRow = tuple[int, dict[str, Any] | Exception]
RawRows = list[RawRow]
CSV_FIELD_LIMIT = 1_000_000  # characters in one CSV cell: room for long descriptions (csv's default is 131,072)
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as surrogateescape keeps them


class ImportFileError(ShopError):
    """The file itself cannot be read in full, so none of it is imported. line is None when it failed to open."""

    code = "bad_import_file"

    def __init__(self, path: Path, line: int | None, problem: str, fix: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        where = f"{path.name} line {line}" if line is not None else path.name
        super().__init__(f"{where}: {problem}; {fix}. Nothing was imported.")


class RowProblem(ValueError):
    """A product a reader could not make sense of, naming the SKUs its rows would have had.

    A feed reader checks some cells itself (a Shopify variant's price, a Merchant item's
    availability), so the importer gets this error instead of a dict with the SKU in it; skus lets
    it still name the product in its report, and a full import not retire a product over a typo.
    """

    def __init__(self, message: str, skus: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.skus = tuple(skus)

    @property
    def sku(self) -> str | None:
        return self.skus[0] if self.skus else None


class RepeatedKeys(dict):
    """A JSON object (or CSV sizes cell) that names a key more than once: pairs keeps every one."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object_pairs_hook: a plain dict, or a RepeatedKeys when a key repeats (json keeps the last)."""
    return dict(pairs) if len({k for k, _ in pairs}) == len(pairs) else RepeatedKeys(pairs)


def checked_lines(path: Path, lines: Iterable[str]) -> Iterator[str]:
    """Each physical line, refused when it holds bytes that are not UTF-8 text or a NUL byte."""
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.removeprefix("\ufeff")  # a UTF-8 byte order mark, as Excel and Shopify write it
        if bad := _UNDECODABLE.search(line):
            raise ImportFileError(path, number, f"not UTF-8 text (byte 0x{ord(bad.group()) - 0xDC00:02x})",
                                  "save the file as UTF-8 and import it again")
        if "\x00" in line:
            raise ImportFileError(path, number, "a NUL byte (is it UTF-16 or not a text file?)",
                                  "save the file as UTF-8 text and import it again")
        yield line


def open_text(path: Path, newline: str | None = None) -> TextIO:
    """The file as text; a non-UTF-8 byte reaches checked_lines, which names its line (strict decoding
    would fail per read chunk, far from the line)."""
    try:
        return path.open(encoding="utf-8", errors="surrogateescape", newline=newline)
    except OSError as exc:
        raise ImportFileError(path, None, f"cannot be read ({exc.strerror or exc})",
                              "check the file and import it again") from None


class _StartLines:
    """The lines csv reads, noting where each record starts: csv's line_num is the line a record
    ends on, which is not where a person looks when a quoted cell spans several lines."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines, self.number, self.start = lines, 0, 0

    def __iter__(self) -> _StartLines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.number += 1
        if not self.start and line not in ("\n", "\r\n", "\r"):  # csv skips empty lines between records
            self.start = self.number
        return line

    def mark(self) -> None:
        """The next record starts at the next non-empty line."""
        self.start = 0


def csv_records(path: Path, f: Iterable[str], delimiter: str = ",") -> Iterator[tuple[int, dict[str, str | None]]]:
    """(line the record starts on, cells by stripped header name) for each record; a broken file raises
    ImportFileError.

    A record with more cells than the header has a None key, as csv.DictReader gives it.
    """
    csv.field_size_limit(CSV_FIELD_LIMIT)  # process-wide; the default 131,072 is too small for descriptions
    lines = _StartLines(checked_lines(path, f))
    reader = csv.DictReader(lines, delimiter=delimiter)
    while True:
        try:
            _ = reader.fieldnames  # the header is read first, so that mark() below is about a record
            lines.mark()
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.reader.line_num  # DictReader's own line_num is only set after a good row
            if "field larger than field limit" in str(exc):
                raise ImportFileError(path, line, f"a cell is longer than {CSV_FIELD_LIMIT:,} characters",
                                      "shorten it (or check for an unclosed quote) and import the file again") from None
            raise ImportFileError(path, line, f"not readable as CSV ({exc})",
                                  "fix that line and import the file again") from None
        yield lines.start, {(k.strip() if isinstance(k, str) else k): v for k, v in raw.items()}


def cells(raw: dict[str | None, Any]) -> dict[str, str]:
    """The non-empty cells of a record (empty means 'not given'); ValueError when it has extra cells."""
    if None in raw:
        raise ValueError(f"the row has more cells than the header ({len(raw) - 1} columns)")
    return {k: v.strip() for k, v in raw.items() if isinstance(v, str) and v.strip() != ""}


def split_list(value: str, separator: str = "|") -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]
