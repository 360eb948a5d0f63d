"""The importer's decisions on the in-memory Unit of Work: what is new, changed, unchanged or
refused, batch by batch, without a database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.domain.principal import Principal
from backend.services.game_import import (
    IMPORT_LOCK,
    ImportAlreadyRunning,
    ImportSummary,
    import_games,
)
from tests.exports import export_line, write_export
from tests.fakes import FakeUnitOfWork, FakeUnitsOfWork


def run(units: FakeUnitsOfWork, path: Path, **options: Any) -> ImportSummary:
    return import_games(units, path, rejects_path=path.with_suffix(".rejects.csv"), **options)


def titles(uow: FakeUnitOfWork) -> dict[int | None, str]:
    return {game.bgg_id: game.title for game in uow.games.games}


def test_new_rows_are_inserted_with_their_labels(tmp_path: Path) -> None:
    units = FakeUnitsOfWork()
    path = write_export(
        tmp_path / "two.csv",
        export_line(bgg_id=13, name="Catan", mechanics="Dice Rolling, Trading"),
        export_line(bgg_id=822, name="Carcassonne", mechanics="Tile Placement", domains=""),
    )
    summary = run(units, path)
    assert (summary.inserted, summary.updated, summary.unchanged) == (2, 0, 0)
    assert titles(units.uow) == {13: "Catan", 822: "Carcassonne"}
    catan = next(game for game in units.uow.games.games if game.bgg_id == 13)
    assert [tag.name for tag in catan.tags] == ["Dice Rolling", "Trading"]
    assert [category.name for category in catan.categories] == ["Family Games"]


def test_each_batch_is_its_own_unit_of_work_acting_as_the_principal(tmp_path: Path) -> None:
    units = FakeUnitsOfWork()
    path = write_export(tmp_path / "five.csv", *(export_line(bgg_id=n) for n in range(1, 6)))
    summary = run(units, path, batch_size=2, principal=Principal("ada"))
    assert summary.batches_committed == 3
    batches = [made for made in units.made if made["change_reason"] is not None]
    assert batches == [{"actor": "ada", "change_reason": "imported from five.csv"}] * 3


def test_the_same_file_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    units = FakeUnitsOfWork()
    path = write_export(tmp_path / "three.csv", *(export_line(bgg_id=n) for n in (1, 2, 3)))
    run(units, path)
    again = run(units, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert units.uow.games.count() == 3


def test_a_changed_row_updates_only_what_the_export_knows(tmp_path: Path) -> None:
    units = FakeUnitsOfWork()
    run(units, write_export(tmp_path / "v1.csv", export_line(bgg_id=5, name="Old", min_age=10)))
    summary = run(
        units, write_export(tmp_path / "v2.csv", export_line(bgg_id=5, name="New", min_age=0))
    )
    assert (summary.updated, summary.unchanged) == (1, 0)
    (game,) = units.uow.games.games
    assert (game.title, game.min_age, game.version) == ("New", 10, 2)


def test_a_row_that_conflicts_with_a_stored_value_is_refused(tmp_path: Path) -> None:
    units = FakeUnitsOfWork()
    run(units, write_export(tmp_path / "v1.csv", export_line(bgg_id=5, play_time=60)))
    (game,) = units.uow.games.games
    game.min_play_minutes = 45  # set by hand; the export's play time 30 would go below it
    units.uow.commit()
    summary = run(units, write_export(tmp_path / "v2.csv", export_line(bgg_id=5, play_time=30)))
    assert summary.rejected == {"conflicts_with_stored": 1}
    assert game.max_play_minutes == 60


def test_a_dry_run_decides_the_same_and_commits_nothing(tmp_path: Path) -> None:
    units = FakeUnitsOfWork()
    path = write_export(tmp_path / "two.csv", export_line(bgg_id=1), export_line(bgg_id=2))
    summary = run(units, path, dry_run=True)
    assert (summary.inserted, summary.batches_committed) == (2, 0)
    assert units.uow.games.games == []
    assert units.uow.commits == 0


def test_an_import_while_another_runs_stops_before_reading(tmp_path: Path) -> None:
    units = FakeUnitsOfWork()
    units.uow.locks_held.add(IMPORT_LOCK)
    path = write_export(tmp_path / "one.csv", export_line(bgg_id=1))
    with pytest.raises(ImportAlreadyRunning):
        run(units, path)
    assert units.uow.games.games == []
    # A dry run writes nothing, so it needs no turn.
    assert run(units, path, dry_run=True).inserted == 1
