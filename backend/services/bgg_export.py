"""Reads a board-game database export (the format of bgg_dataset.csv) into validated game rows.

The format: semicolon separated, UTF-8 (with or without a byte order mark), CRLF or LF line
ends, decimal commas, and these columns (others are ignored):

    ID;Name;YearPublished;MinPlayers;MaxPlayers;PlayTime;MinAge;RatingAverage;
    ComplexityAverage;Mechanics;Domains

Each value is either taken as it is, read as "unknown" (stored as NULL), or the row is
refused with a reason; no value is ever changed into another. Per column:

| column            | becomes            | unknown when      | refused when                       |
|-------------------|--------------------|-------------------|------------------------------------|
| ID                | bgg_id             | (never)           | empty, not a whole number, < 1,    |
|                   |                    |                   | or already seen earlier in the file |
| Name              | title              | (never)           | empty or blank, over 200 characters |
| YearPublished     | year_published     | empty, 0 (no year | not a whole number, outside        |
|                   |                    | 0 exists)         | -5000..2100                        |
| MinPlayers        | min_players        | empty, 0          | not a whole number, over 999,      |
| MaxPlayers        | max_players        | empty, 0          | or min > max                       |
| PlayTime          | max_play_minutes   | empty, 0          | not a whole number, over 100000    |
| MinAge            | min_age            | empty, 0          | not a whole number, over 99        |
| RatingAverage     | average_rating     | empty, 0          | not a number, outside 1..10        |
| ComplexityAverage | complexity         | empty, 0          | not a number, outside 1..5         |
| Mechanics         | tags               | empty             | a name over 100 characters, one    |
| Domains           | categories         | empty             | without letter or digit, or over   |
|                   |                    |                   | 100 names                          |

PlayTime is one number, the time a play takes; it fills max_play_minutes (what "fits in 90
minutes" asks about) and leaves min_play_minutes unknown. A row that is not valid UTF-8,
holds a NUL character, cannot be split into fields, or has the wrong number of fields is
refused too. Refused rows keep their line number and their original text.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from backend.domain.games import GAME_RULES
from backend.domain.labels import MAX_LABELS_PER_GAME, LabelKind, label_name_problems

DELIMITER = ";"
# Column -> game field, for the columns read as whole numbers or as decimals.
WHOLE_NUMBERS = {
    "YearPublished": "year_published",
    "MinPlayers": "min_players",
    "MaxPlayers": "max_players",
    "PlayTime": "max_play_minutes",
    "MinAge": "min_age",
}
DECIMALS = {"RatingAverage": "average_rating", "ComplexityAverage": "complexity"}
LABEL_COLUMNS = {"Domains": LabelKind.CATEGORIES, "Mechanics": LabelKind.TAGS}
REQUIRED_COLUMNS = ("ID", "Name", *WHOLE_NUMBERS, *DECIMALS, *LABEL_COLUMNS)
# A quoted field may span lines; one spanning more than this is an unclosed quote.
MAX_LINES_PER_ROW = 20
# ASCII digits only (\d would take Arabic-Indic or full-width ones), and short enough that
# Python converts them (it refuses integers over 4300 digits).
_WHOLE = re.compile(r"-?[0-9]{1,15}")
_DECIMAL = re.compile(r"-?[0-9]{1,15}(?:[.,][0-9]{1,15})?")


class ExportFormatError(ValueError):
    """The file as a whole cannot be read as an export (missing columns, not a file)."""


@dataclass(frozen=True)
class GameRow:
    """A valid row: the game's fields, the names of its labels, and its original text."""

    line: int
    text: str
    values: dict[str, Any]
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def bgg_id(self) -> int:
        bgg_id: int = self.values["bgg_id"]
        return bgg_id

    def rejected(self, reason: str, detail: str) -> RejectedRow:
        return RejectedRow(self.line, self.text, reason, detail)


@dataclass(frozen=True)
class RejectedRow:
    """A row refused whole: where it was, what it said, and why."""

    line: int
    text: str
    reason: str
    detail: str


def size_in_bytes(row: GameRow | RejectedRow) -> int:
    """How much of the file a row took (for progress against the file's size)."""
    return len(row.text.encode("utf-8", "surrogateescape")) + 2


@dataclass
class _Problems:
    reason: str | None = None
    details: list[str] = field(default_factory=list)

    def add(self, reason: str, detail: str) -> None:
        self.reason = self.reason or reason
        self.details.append(detail)


def read_export(path: Path) -> Iterator[GameRow | RejectedRow]:
    """Every data row of the export, in file order, as a GameRow or a RejectedRow."""
    try:
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as error:
        raise ExportFormatError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        yield from _rows(handle)


def _rows(handle: TextIO) -> Iterator[GameRow | RejectedRow]:
    records = _records(handle)
    try:
        _, header_text = next(records)
    except StopIteration:
        raise ExportFormatError("the file is empty") from None
    header = _split(header_text)
    missing = [column for column in REQUIRED_COLUMNS if header is None or column not in header]
    if header is None or missing:
        raise ExportFormatError(
            f"not an export of the expected format: missing columns {', '.join(missing)} "
            f"(expected {DELIMITER}-separated {', '.join(REQUIRED_COLUMNS)})"
        )
    seen: dict[int, int] = {}
    for line, text in records:
        row = _row(line, text, header)
        if isinstance(row, GameRow):
            first = seen.get(row.bgg_id)
            if first is not None:
                row = row.rejected("duplicate_bgg_id", f"ID {row.bgg_id} is also on line {first}")
            else:
                seen[row.bgg_id] = line
        yield row


def _records(handle: TextIO) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each record, a quoted field's line breaks included.

    A line ends its record unless a quoted field is still open at its end (a quote opens
    a field only at the field's start, as the csv module reads it: `12" Heroes` is plain
    text). A field left open for MAX_LINES_PER_ROW lines is a broken row, not a long
    field: that first line alone becomes the record (to be refused), and reading resumes
    on the next line.
    """
    lines = enumerate(handle, start=1)
    # Lines to read again: those after a broken row's first line.
    backlog: deque[tuple[int, str]] = deque()

    def next_line() -> tuple[int, str] | None:
        return backlog.popleft() if backlog else next(lines, None)

    while (first := next_line()) is not None:
        pending = [first]
        while _open_quote_at_end("".join(line for _, line in pending)):
            following = next_line() if len(pending) < MAX_LINES_PER_ROW else None
            if following is None:
                break
            pending.append(following)
        text = "".join(line for _, line in pending)
        if len(pending) > 1 and (_open_quote_at_end(text) or _split(text) is None):
            # Not one good record after all: the first line goes alone (to be refused)
            # and the lines it took are read again on their own.
            backlog.extendleft(reversed(pending[1:]))
            pending, text = pending[:1], pending[0][1]
        if text.strip():
            yield pending[0][0], text


def _open_quote_at_end(text: str) -> bool:
    """Whether a quoted field is still open at the end of `text` (csv's reading rules)."""
    in_quotes = False
    at_field_start = True
    index = 0
    while index < len(text):
        character = text[index]
        if in_quotes:
            if character == '"':
                if text.startswith('"', index + 1):
                    index += 1  # a doubled quote stands for one quote
                else:
                    in_quotes = False
        elif character == '"' and at_field_start:
            in_quotes = True
        at_field_start = not in_quotes and character in (DELIMITER, "\n", "\r")
        index += 1
    return in_quotes


def _split(text: str) -> list[str] | None:
    """The fields of exactly one record, or None when the text is not one record."""
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=DELIMITER, strict=True))
    except csv.Error:
        return None
    return records[0] if len(records) == 1 else None


def _row(line: int, text: str, header: list[str]) -> GameRow | RejectedRow:
    original = text.rstrip("\r\n")
    if "\x00" in text:
        return RejectedRow(line, original, "nul_character", "the row holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return RejectedRow(line, original, "invalid_utf8", "the row is not valid UTF-8")
    fields = _split(text)
    if fields is None:
        return RejectedRow(line, original, "malformed_row", "the row cannot be split into fields")
    if len(fields) != len(header):
        detail = f"{len(fields)} fields where the header has {len(header)}"
        return RejectedRow(line, original, "wrong_field_count", detail)
    raw = dict(zip(header, fields, strict=True))
    problems = _Problems()
    values = _values(raw, problems)
    labels = {
        kind: _labels(raw[column], column, problems) for column, kind in LABEL_COLUMNS.items()
    }
    if problems.reason is None:
        for violation in GAME_RULES.violations(values):
            problems.add(violation.rule, f"{violation.field}: {violation.message}")
    if problems.reason is not None:
        return RejectedRow(line, original, problems.reason, "; ".join(problems.details))
    return GameRow(line, original, values, labels[LabelKind.CATEGORIES], labels[LabelKind.TAGS])


def _values(raw: dict[str, str], problems: _Problems) -> dict[str, Any]:
    values: dict[str, Any] = {
        "bgg_id": _bgg_id(raw["ID"].strip(), problems),
        "title": _title(raw["Name"], problems),
    }
    for column, name in WHOLE_NUMBERS.items():
        values[name] = _number(raw[column], column, _WHOLE, int, problems)
    for column, name in DECIMALS.items():
        values[name] = _number(raw[column], column, _DECIMAL, _decimal, problems)
    return values


def _bgg_id(text: str, problems: _Problems) -> int | None:
    if not text:
        problems.add("missing_bgg_id", "ID is empty: without it the row cannot be matched")
        return None
    if not _WHOLE.fullmatch(text):
        problems.add("invalid_bgg_id", f"ID {text!r} is not a whole number")
        return None
    return int(text)


def _title(text: str, problems: _Problems) -> str | None:
    if not text.strip():
        problems.add("missing_title", "Name is empty")
        return None
    return text


def _number(
    text: str, column: str, pattern: re.Pattern[str], convert: Any, problems: _Problems
) -> Any:
    text = text.strip()
    if not text:
        return None
    if not pattern.fullmatch(text):
        kind = "a whole number" if pattern is _WHOLE else "a number"
        problems.add("invalid_number", f"{column} {text!r} is not {kind}")
        return None
    number = convert(text)
    # The export writes 0 where it knows nothing: no game has zero players or minutes,
    # there is no year 0, and averages start at 1.
    return None if number == 0 else number


def _decimal(text: str) -> float:
    return float(text.replace(",", "."))


def _labels(text: str, column: str, problems: _Problems) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if len(names) > MAX_LABELS_PER_GAME:
        detail = f"{column} names {len(names)} labels; a game carries at most {MAX_LABELS_PER_GAME}"
        problems.add("too_many_labels", detail)
        return ()
    for name in names:
        for problem in label_name_problems(name):
            problems.add("invalid_label", f"{column} name {name[:40]!r}: {problem}")
    return names
