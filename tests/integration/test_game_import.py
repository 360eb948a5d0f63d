"""The importer on every database: idempotent upserts by bgg_id, labels, audit, batches that
commit one by one, dry runs, and the whole shared catalog."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.locks import LockHeld, exclusive
from backend.domain.errors import BrokenReferenceError, DatabaseUnavailable, StaleObjectError
from backend.domain.versions import BulkUpdate
from backend.models import AuditLog, Game
from backend.repositories.games import GameRepository
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services.bgg_export import ExportFormatError
from backend.services.game_import import (
    IMPORT_LOCK,
    ImportAlreadyRunning,
    ImportSummary,
    import_games,
)
from tests.exports import SHARED_CATALOG, export_line, write_export
from tests.factories import game_with_bgg_id

pytestmark = pytest.mark.usefixtures("clean_database")
Factory = sessionmaker[Session]


@pytest.fixture
def run_import(session_factory: Factory, tmp_path: Path) -> Callable[..., ImportSummary]:
    def run(path: Path, **options: Any) -> ImportSummary:
        return import_games(
            partial(SqlAlchemyUnitOfWork, session_factory),
            path,
            rejects_path=tmp_path / "rejects.csv",
            **options,
        )

    return run


def stored(session_factory: Factory, bgg_id: int) -> dict[str, Any]:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = game_with_bgg_id(uow, bgg_id)
        assert game is not None
        game = uow.games.get_with_labels(game.id)
        return {
            "title": game.title,
            "version": game.version,
            "max_play_minutes": game.max_play_minutes,
            "tags": [tag.name for tag in game.tags],
            "categories": [category.name for category in game.categories],
            "created_by": game.created_by,
        }


def test_rows_are_inserted_with_their_labels_and_audited(
    run_import: Callable[..., ImportSummary], session_factory: Factory, tmp_path: Path
) -> None:
    path = write_export(
        tmp_path / "two.csv",
        export_line(
            bgg_id=13, name="Catan", mechanics="Dice Rolling, Trading", domains="Family Games"
        ),
        export_line(bgg_id=822, name="Carcassonne", mechanics="Tile Placement", domains=""),
    )
    summary = run_import(path)
    assert (summary.rows_read, summary.inserted, summary.updated, summary.unchanged) == (2, 2, 0, 0)
    catan = stored(session_factory, 13)
    assert catan["tags"] == ["Dice Rolling", "Trading"]
    assert catan["categories"] == ["Family Games"]
    assert catan["created_by"] == "import-games"
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        entry = uow.session.scalar(
            select(AuditLog)
            .where(AuditLog.entity_type == "games", AuditLog.action == "insert")
            .order_by(AuditLog.id)
        )
        assert entry is not None
        assert entry.changes["title"] == [None, "Catan"]
        assert entry.changes["tags"] == [None, ["Dice Rolling", "Trading"]]
        assert entry.change_reason == "imported from two.csv"


def test_the_same_file_twice_inserts_nothing_the_second_time(
    run_import: Callable[..., ImportSummary], session_factory: Factory, tmp_path: Path
) -> None:
    path = write_export(tmp_path / "three.csv", *(export_line(bgg_id=n) for n in (1, 2, 3)))
    run_import(path)
    again = run_import(path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert any("Nothing new" in line for line in again.lines())
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.count() == 3
        games_audited = select(func.count()).where(AuditLog.entity_type == "games")
        assert uow.session.scalar(games_audited) == 3


def test_a_changed_row_updates_fields_and_labels_and_bumps_the_version(
    run_import: Callable[..., ImportSummary], session_factory: Factory, tmp_path: Path
) -> None:
    run_import(
        write_export(tmp_path / "v1.csv", export_line(bgg_id=5, name="Old", mechanics="A, B"))
    )
    changed = write_export(
        tmp_path / "v2.csv", export_line(bgg_id=5, name="New", play_time=90, mechanics="B, C")
    )
    summary = run_import(changed)
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 0)
    game = stored(session_factory, 5)
    assert (game["title"], game["max_play_minutes"], game["tags"], game["version"]) == (
        "New", 90, ["B", "C"], 2,
    )  # fmt: skip
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        update = uow.session.scalar(select(AuditLog).where(AuditLog.action == "update"))
        assert update is not None
        assert update.changes == {
            "title": ["Old", "New"],
            "max_play_minutes": [60, 90],
            "tags": [["A", "B"], ["B", "C"]],
        }


def test_unknown_in_the_export_never_erases_what_is_stored(
    run_import: Callable[..., ImportSummary], session_factory: Factory, tmp_path: Path
) -> None:
    run_import(
        write_export(tmp_path / "v1.csv", export_line(bgg_id=5, play_time=60, mechanics="A"))
    )
    again = run_import(
        write_export(tmp_path / "v2.csv", export_line(bgg_id=5, play_time=0, mechanics=""))
    )
    assert (again.updated, again.unchanged) == (0, 1)
    game = stored(session_factory, 5)
    assert (game["max_play_minutes"], game["tags"]) == (60, ["A"])


def test_label_names_differing_only_in_accents_are_two_labels(
    run_import: Callable[..., ImportSummary], session_factory: Factory, tmp_path: Path
) -> None:
    summary = run_import(
        write_export(tmp_path / "accents.csv", export_line(mechanics="Café, Cafe"))
    )
    assert summary.inserted == 1
    assert sorted(stored(session_factory, 1)["tags"]) == ["Cafe", "Café"]


def test_a_stale_row_among_several_stops_the_bulk_update(
    session_factory: Factory, tmp_path: Path
) -> None:

    with SqlAlchemyUnitOfWork(session_factory) as uow:
        ids = uow.games.insert_many([export_values(n) for n in (1, 2, 3)])
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        updates = [BulkUpdate(game_id, 1, export_values(0), {}) for game_id in ids]
        updates[1] = BulkUpdate(ids[1], 7, export_values(0), {})  # read at another version
        with pytest.raises(StaleObjectError):
            uow.games.update_many(updates)


def export_values(number: int) -> dict[str, Any]:
    return {"title": f"Game {number}", "min_players": 1, "max_players": 4}


def test_the_statistics_refresh_is_best_effort(
    run_import: Callable[..., ImportSummary],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sqlalchemy.exc import ProgrammingError

    import backend.repositories.unit_of_work as unit_of_work

    def refused(*_args: Any) -> None:
        raise ProgrammingError("SELECT gin_clean_pending_list", {}, Exception("must be owner"))

    monkeypatch.setattr(unit_of_work, "refresh_statistics", refused)
    summary = run_import(write_export(tmp_path / "one.csv", export_line(bgg_id=1)))
    assert summary.inserted == 1
    assert "could not refresh planner statistics (must be owner)" in caplog.text


def test_a_lost_connection_at_the_statistics_commit_keeps_the_summary(
    run_import: Callable[..., ImportSummary],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    import backend.repositories.unit_of_work as unit_of_work

    refreshing = {"now": False}
    original_commit = SqlAlchemyUnitOfWork.commit

    def refresh(*_args: Any) -> None:
        refreshing["now"] = True

    def commit(self: SqlAlchemyUnitOfWork) -> None:
        if refreshing["now"]:
            raise DatabaseUnavailable("the database went away")
        original_commit(self)

    monkeypatch.setattr(unit_of_work, "refresh_statistics", refresh)
    monkeypatch.setattr(SqlAlchemyUnitOfWork, "commit", commit)
    summary = run_import(write_export(tmp_path / "one.csv", export_line(bgg_id=1)))
    assert summary.inserted == 1
    assert "could not refresh planner statistics (the database went away)" in caplog.text


def test_a_label_gone_before_its_links_are_written_stops_the_batch_with_a_domain_error(
    run_import: Callable[..., ImportSummary],
    session_factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = GameRepository.link_labels

    def link_to_a_vanished_label(
        self: GameRepository, kind: str, labels_of: Any, *, replace: bool
    ) -> None:
        vanished = {game_id: [*label_ids, uuid.uuid4()] for game_id, label_ids in labels_of.items()}
        original(self, kind, vanished, replace=replace)

    monkeypatch.setattr(GameRepository, "link_labels", link_to_a_vanished_label)
    with pytest.raises(BrokenReferenceError):
        run_import(write_export(tmp_path / "one.csv", export_line(bgg_id=1)))
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.count() == 0  # the batch was rolled back whole


def test_the_rejects_file_cannot_be_the_export(
    run_import: Callable[..., ImportSummary], tmp_path: Path
) -> None:
    path = write_export(tmp_path / "victim.csv", export_line())
    with pytest.raises(ValueError, match="cannot be the export"):
        import_games(partial(SqlAlchemyUnitOfWork, sessionmaker()), path, rejects_path=path)
    assert path.read_text().startswith("\ufeffID;Name")


def test_an_import_while_another_runs_stops_before_writing_anything(
    session_factory: Factory, run_import: Callable[..., ImportSummary], tmp_path: Path
) -> None:
    path = write_export(tmp_path / "club.csv", export_line(bgg_id=1))
    earlier_rejects = tmp_path / "rejects.csv"
    earlier_rejects.write_text("the running import's rejects\n")
    with exclusive(session_factory, IMPORT_LOCK):
        with pytest.raises(ImportAlreadyRunning) as stopped:
            run_import(path)
        dry_run = import_games(
            partial(SqlAlchemyUnitOfWork, session_factory),
            path,
            rejects_path=tmp_path / "dry.csv",
            dry_run=True,
        )
        assert dry_run.inserted == 1
    assert str(stopped.value) == (
        "another import is running on this database; try again when it has finished"
    )
    assert earlier_rejects.read_text() == "the running import's rejects\n"
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.count() == 0


def test_an_import_holds_its_turn_until_it_ends_and_then_lets_the_next_run(
    session_factory: Factory, run_import: Callable[..., ImportSummary], tmp_path: Path
) -> None:
    path = write_export(tmp_path / "club.csv", export_line(bgg_id=1))
    held_during: list[bool] = []

    def try_to_take_the_turn(_bytes: int) -> None:
        try:
            with exclusive(session_factory, IMPORT_LOCK):
                held_during.append(False)
        except LockHeld:
            held_during.append(True)

    assert run_import(path, on_progress=try_to_take_the_turn).inserted == 1
    assert held_during == [True]
    other_format = tmp_path / "other.csv"
    other_format.write_text("ID;Name\n1;Catan\n")
    with pytest.raises(ExportFormatError):
        run_import(other_format)
    assert run_import(path).unchanged == 1


def test_duplicate_ids_in_one_file_are_reported_not_inserted_twice(
    run_import: Callable[..., ImportSummary], session_factory: Factory, tmp_path: Path
) -> None:
    path = write_export(
        tmp_path / "dups.csv",
        export_line(bgg_id=9, name="Kept"),
        export_line(bgg_id=9, name="Duplicate"),
    )
    summary = run_import(path)
    assert (summary.inserted, summary.rejected["duplicate_bgg_id"]) == (1, 1)
    assert stored(session_factory, 9)["title"] == "Kept"


def test_rejects_go_to_a_csv_with_line_reason_and_original_text(
    run_import: Callable[..., ImportSummary], tmp_path: Path
) -> None:
    bad = export_line(bgg_id=2, min_players=5, max_players=2)
    path = write_export(tmp_path / "mixed.csv", export_line(bgg_id=1), bad, export_line(bgg_id=""))
    summary = run_import(path)
    assert summary.rejected == {"min_players_le_max_players": 1, "missing_bgg_id": 1}
    assert summary.rejects_path is not None
    with summary.rejects_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["line"], row["reason"]) for row in rows] == [
        ("3", "min_players_le_max_players"),
        ("4", "missing_bgg_id"),
    ]
    assert rows[0]["original"] == bad


def test_counts_always_add_up_to_the_rows_read(
    run_import: Callable[..., ImportSummary], tmp_path: Path
) -> None:
    lines = [export_line(bgg_id=n) for n in range(1, 8)] + [export_line(bgg_id="x"), "1;too;few"]
    summary = run_import(write_export(tmp_path / "sum.csv", *lines), batch_size=3)
    total = summary.inserted + summary.updated + summary.unchanged + summary.rejected_total
    assert total == summary.rows_read == 9


def test_dry_run_writes_nothing_but_reports_what_it_would_do(
    run_import: Callable[..., ImportSummary], session_factory: Factory, tmp_path: Path
) -> None:
    run_import(write_export(tmp_path / "v1.csv", export_line(bgg_id=1)))
    path = write_export(
        tmp_path / "v2.csv", export_line(bgg_id=1, name="Renamed"), export_line(bgg_id=2)
    )
    summary = run_import(path, dry_run=True)
    assert (summary.inserted, summary.updated, summary.batches_committed) == (1, 1, 0)
    assert "dry run" in summary.lines()[0]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.count() == 1
    assert stored(session_factory, 1)["title"] == "A Game"


def test_an_interrupted_import_keeps_committed_batches_and_a_rerun_completes_it(
    run_import: Callable[..., ImportSummary],
    session_factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_export(tmp_path / "six.csv", *(export_line(bgg_id=n) for n in range(1, 7)))
    original = GameRepository.insert_many
    calls = {"count": 0}

    def fail_on_the_second_batch(self: GameRepository, rows: Any, **options: Any) -> Any:
        calls["count"] += 1
        if calls["count"] == 2:
            raise DatabaseUnavailable("the database went away")
        return original(self, rows, **options)

    monkeypatch.setattr(GameRepository, "insert_many", fail_on_the_second_batch)
    with pytest.raises(DatabaseUnavailable):
        run_import(path, batch_size=2)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.count() == 2  # the first batch, and nothing of the second

    monkeypatch.setattr(GameRepository, "insert_many", original)
    rerun = run_import(path, batch_size=2)
    assert (rerun.inserted, rerun.unchanged) == (4, 2)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.count() == 6


def test_a_row_conflicting_with_a_stored_value_is_rejected_not_the_batch(
    run_import: Callable[..., ImportSummary], session_factory: Factory, tmp_path: Path
) -> None:
    run_import(write_export(tmp_path / "v1.csv", export_line(bgg_id=1), export_line(bgg_id=2)))
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = game_with_bgg_id(uow, 1)
        assert game is not None
        uow.games.update(game, {"min_play_minutes": 45})  # set by hand; PlayTime 60 is fine
        uow.commit()
    path = write_export(
        tmp_path / "v2.csv", export_line(bgg_id=1, play_time=30), export_line(bgg_id=2, name="B")
    )
    summary = run_import(path)
    assert summary.rejected == {"conflicts_with_stored": 1}
    assert summary.updated == 1
    assert stored(session_factory, 1)["max_play_minutes"] == 60


def test_a_game_changed_by_someone_else_mid_import_stops_the_batch(
    run_import: Callable[..., ImportSummary],
    session_factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_import(write_export(tmp_path / "v1.csv", export_line(bgg_id=1)))
    original = GameRepository.stored_by_bgg_id

    def read_then_someone_edits(self: GameRepository, bgg_ids: Any) -> Any:
        found = original(self, bgg_ids)
        with SqlAlchemyUnitOfWork(session_factory, actor="someone") as other:
            game = game_with_bgg_id(other, 1)
            assert game is not None
            other.games.update(game, {"title": "Edited meanwhile"})
            other.commit()
        return found

    monkeypatch.setattr(GameRepository, "stored_by_bgg_id", read_then_someone_edits)
    with pytest.raises(StaleObjectError):
        run_import(write_export(tmp_path / "v2.csv", export_line(bgg_id=1, name="Imported")))
    assert stored(session_factory, 1)["title"] == "Edited meanwhile"


@pytest.mark.slow
@pytest.mark.skipif(
    not SHARED_CATALOG.is_file(), reason="the real catalog export is absent (docs/testing.md)"
)
def test_the_whole_shared_catalog_imports_and_adds_up(
    run_import: Callable[..., ImportSummary], session_factory: Factory
) -> None:
    summary = run_import(SHARED_CATALOG)
    total = summary.inserted + summary.updated + summary.unchanged + summary.rejected_total
    # The file has no field spanning lines: every data line is one row, none swallowed.
    data_lines = sum(1 for line in SHARED_CATALOG.open(encoding="utf-8-sig") if line.strip()) - 1
    assert total == summary.rows_read == data_lines
    assert summary.inserted > 20_000
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.count() == summary.inserted
        assert (
            uow.session.scalar(
                select(func.count()).select_from(Game).where(Game.title == "Gloomhaven")
            )
            == 1
        )
