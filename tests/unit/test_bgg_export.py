"""Reading an export: each value taken, read as unknown, or the row refused, never altered."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.services.bgg_export import (
    ExportFormatError,
    GameRow,
    RejectedRow,
    read_export,
)
from tests.exports import HEADER, export_line, write_export


def read_one(tmp_path: Path, line: str) -> GameRow | RejectedRow:
    rows = list(read_export(write_export(tmp_path / "one.csv", line)))
    assert len(rows) == 1
    return rows[0]


def test_a_good_row_is_read_as_it_is(tmp_path: Path) -> None:
    row = read_one(tmp_path, export_line(bgg_id=174430, name="Gloomhaven", rating="8,79"))
    assert isinstance(row, GameRow)
    assert row.line == 2
    assert row.values == {
        "bgg_id": 174430,
        "title": "Gloomhaven",
        "year_published": 2001,
        "min_players": 2,
        "max_players": 4,
        "max_play_minutes": 60,
        "min_age": 10,
        "average_rating": 8.79,
        "complexity": 2.5,
    }
    assert row.tags == ("Dice Rolling", "Hand Management")
    assert row.categories == ("Family Games",)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"year": 0}, "year_published"),
        ({"year": ""}, "year_published"),
        ({"min_players": 0}, "min_players"),
        ({"max_players": 0}, "max_players"),
        ({"play_time": 0}, "max_play_minutes"),
        ({"min_age": 0}, "min_age"),
        ({"rating": "0"}, "average_rating"),
        ({"complexity": "0"}, "complexity"),
        ({"complexity": "0,00"}, "complexity"),
        ({"complexity": ""}, "complexity"),
    ],
)
def test_zero_or_empty_means_unknown(
    tmp_path: Path, overrides: dict[str, object], field: str
) -> None:
    row = read_one(tmp_path, export_line(**overrides))  # type: ignore[arg-type]
    assert isinstance(row, GameRow)
    assert row.values[field] is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"bgg_id": ""}, "missing_bgg_id"),
        ({"bgg_id": "12a"}, "invalid_bgg_id"),
        ({"bgg_id": "0"}, "bgg_id_range"),
        ({"bgg_id": "-5"}, "bgg_id_range"),
        ({"name": ""}, "missing_title"),
        ({"name": "   "}, "missing_title"),
        ({"name": "x" * 201}, "title_length"),
        ({"year": "19x5"}, "invalid_number"),
        ({"year": "2200"}, "year_published_range"),
        ({"min_players": "2,5"}, "invalid_number"),
        ({"min_players": 5, "max_players": 2}, "min_players_le_max_players"),
        ({"max_players": 1000}, "max_players_range"),
        ({"play_time": "abc"}, "invalid_number"),
        ({"play_time": 100_001}, "max_play_minutes_range"),
        ({"min_age": 120}, "min_age_range"),
        ({"rating": "11"}, "average_rating_range"),
        ({"rating": "1.234,5"}, "invalid_number"),
        ({"year": "1" * 5000}, "invalid_number"),
        ({"bgg_id": "9" * 5000}, "invalid_bgg_id"),
        ({"bgg_id": "١٢٣"}, "invalid_bgg_id"),
        ({"min_players": "\uff14"}, "invalid_number"),  # a full-width 4
        ({"bgg_id": "+7"}, "invalid_bgg_id"),
        ({"complexity": "5,5"}, "complexity_range"),
        ({"mechanics": "Dice Rolling, ---"}, "invalid_label"),
        ({"domains": "x" * 101}, "invalid_label"),
        ({"mechanics": "ß" * 60}, "invalid_label"),  # "ss" x 60: too long as a slug
        ({"mechanics": ", ".join(f"Mechanic {n}" for n in range(101))}, "too_many_labels"),
    ],
)
def test_a_wrong_value_refuses_the_row_with_its_reason(
    tmp_path: Path, overrides: dict[str, object], reason: str
) -> None:
    line = export_line(**overrides)  # type: ignore[arg-type]
    row = read_one(tmp_path, line)
    assert isinstance(row, RejectedRow)
    assert (row.reason, row.line, row.text) == (reason, 2, line)
    assert row.detail


def test_an_ancient_year_and_a_dot_decimal_are_kept(tmp_path: Path) -> None:
    row = read_one(tmp_path, export_line(year=-2200, rating="8.5"))
    assert isinstance(row, GameRow)
    assert (row.values["year_published"], row.values["average_rating"]) == (-2200, 8.5)


def test_a_duplicate_id_is_refused_naming_the_first_line(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "dup.csv",
        export_line(bgg_id=7, name="First"),
        export_line(bgg_id=7, name="Second"),
    )
    first, second = read_export(path)
    assert isinstance(first, GameRow)
    assert isinstance(second, RejectedRow)
    assert second.reason == "duplicate_bgg_id"
    assert "line 2" in second.detail


def test_a_refused_first_occurrence_does_not_block_a_valid_second(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "dup.csv", export_line(bgg_id=7, max_players=1000), export_line(bgg_id=7)
    )
    first, second = read_export(path)
    assert isinstance(first, RejectedRow)
    assert isinstance(second, GameRow)


def test_quoted_fields_keep_semicolons_and_line_breaks(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "quoted.csv",
        export_line(bgg_id=1, name='"Gloomhaven; Jaws of the Lion"'),
        export_line(bgg_id=2, name='"Two\r\nLines"'),
        export_line(bgg_id=3),
    )
    rows = list(read_export(path))
    assert [row.values["title"] for row in rows if isinstance(row, GameRow)] == [
        "Gloomhaven; Jaws of the Lion",
        "Two\r\nLines",
        "A Game",
    ]
    assert [row.line for row in rows] == [2, 3, 5]


def test_an_unclosed_quote_costs_only_its_own_row(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "broken.csv",
        export_line(bgg_id=1, name='"Never closed'),
        # Quotes further on must not close the broken field and swallow these rows.
        *(export_line(bgg_id=number, name=f'Game "{number}"') for number in range(2, 40)),
    )
    rows = list(read_export(path))
    rejected = [row for row in rows if isinstance(row, RejectedRow)]
    assert [(row.line, row.reason) for row in rejected] == [(2, "malformed_row")]
    assert [row.line for row in rows] == list(range(2, 41))
    assert rows[1].values["title"] == 'Game "2"'  # type: ignore[union-attr]


def test_a_quote_inside_an_unquoted_field_is_plain_text(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "inches.csv",
        export_line(bgg_id=1, name='12" Heroes'),
        export_line(bgg_id=2, name="Plain"),
        export_line(bgg_id=3, name='5" tall'),
        export_line(bgg_id=4, name="Last"),
    )
    rows = list(read_export(path))
    assert [row.values["title"] for row in rows if isinstance(row, GameRow)] == [
        '12" Heroes',
        "Plain",
        '5" tall',
        "Last",
    ]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"5;Bad \xff\xfe bytes;2001;2;4;60;10;100;7,5;1;2,5;500;;", "invalid_utf8"),
        (b"5;Nul \x00 char;2001;2;4;60;10;100;7,5;1;2,5;500;;", "nul_character"),
        (b"5;Too few;2001", "wrong_field_count"),
        (b"5;Too many;2001;2;4;60;10;100;7,5;1;2,5;500;;;extra", "wrong_field_count"),
    ],
)
def test_unreadable_rows_are_refused_and_the_next_still_read(
    tmp_path: Path, raw: bytes, reason: str
) -> None:
    path = tmp_path / "bytes.csv"
    path.write_bytes(
        HEADER.encode() + b"\r\n" + raw + b"\r\n" + export_line(bgg_id=6).encode() + b"\r\n"
    )
    bad, good = read_export(path)
    assert isinstance(bad, RejectedRow)
    assert bad.reason == reason
    assert isinstance(good, GameRow)


@pytest.mark.parametrize(("bom", "line_end"), [(True, "\r\n"), (False, "\n"), (True, "\n")])
def test_with_or_without_bom_crlf_or_lf(tmp_path: Path, bom: bool, line_end: str) -> None:
    path = write_export(
        tmp_path / "x.csv",
        export_line(bgg_id=1),
        "",
        export_line(bgg_id=2),
        bom=bom,
        line_end=line_end,
    )
    rows = list(read_export(path))
    assert [row.values["bgg_id"] for row in rows if isinstance(row, GameRow)] == [1, 2]
    assert [row.line for row in rows] == [2, 4]


def test_repeated_label_names_count_once(tmp_path: Path) -> None:
    row = read_one(tmp_path, export_line(mechanics="Dice Rolling, Dice Rolling,  , Tile Placement"))
    assert isinstance(row, GameRow)
    assert row.tags == ("Dice Rolling", "Tile Placement")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"ID,Name,YearPublished\r\n1,x,2000\r\n", "missing columns"),
        (HEADER.replace(";Domains", "").encode() + b"\r\n", "missing columns Domains"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_whole(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "not-an-export.csv"
    path.write_bytes(content)
    with pytest.raises(ExportFormatError, match=message):
        list(read_export(path))


def test_a_missing_file_is_an_export_format_error(tmp_path: Path) -> None:
    with pytest.raises(ExportFormatError, match="cannot read"):
        list(read_export(tmp_path / "absent.csv"))
