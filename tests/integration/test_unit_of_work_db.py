"""The Unit of Work on a real database: commit persists, everything else rolls back, and every
change is audited, versioned and checked by the database's own constraints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.errors import DomainRuleError, DuplicateError, NotFoundError, StaleObjectError
from backend.domain.versions import BulkUpdate
from backend.models import AuditLog, Game
from backend.models.audit import AuditAction
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import game_fields, game_titled, make_game

pytestmark = pytest.mark.usefixtures("clean_database")
Factory = sessionmaker[Session]


def test_uncommitted_work_is_rolled_back(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.games.add(make_game(title="Ghost"))
        uow.session.flush()  # sent to the database, inside the transaction
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert game_titled(uow, "Ghost") is None


def test_an_error_inside_the_block_rolls_back(session_factory: Factory) -> None:
    with pytest.raises(RuntimeError), SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.games.add(make_game(title="Doomed"))
        uow.session.flush()
        raise RuntimeError("the view failed after writing")
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert game_titled(uow, "Doomed") is None


def test_commit_persists(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.games.add(make_game(title="Kept"))
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        kept = game_titled(uow, "Kept")
        assert kept is not None
        assert kept.version == 1


def test_audit_columns_come_from_the_unit_of_work(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory, actor="ada", change_reason="first entry") as uow:
        game = uow.games.add(make_game())
        uow.commit()
        game_id = game.id
    with SqlAlchemyUnitOfWork(session_factory, actor="grace", change_reason="fix the title") as uow:
        game = uow.games.get_or_raise(game_id)
        uow.games.update(game, {"title": "Renamed"})
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = uow.games.get_or_raise(game_id)
        assert (game.created_by, game.updated_by) == ("ada", "grace")
        assert game.change_reason == "fix the title"
        assert game.version == 2
        assert game.updated_at >= game.created_at


def test_every_insert_update_and_delete_is_in_the_audit_log(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(
        session_factory, actor="ada", change_reason="stock", request_id="req-7"
    ) as uow:
        game = uow.games.add(make_game(title="Audited", min_players=2))
        uow.commit()
        uow.games.update(game, {"min_players": 1})
        uow.commit()
        uow.games.delete(game)
        uow.commit()
        game_id = str(game.id)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        entries = uow.session.scalars(
            select(AuditLog).where(AuditLog.entity_id == game_id).order_by(AuditLog.id)
        ).all()
        assert [entry.action for entry in entries] == [
            AuditAction.INSERT,
            AuditAction.UPDATE,
            AuditAction.DELETE,
        ]
        inserted, updated, deleted = entries
        assert inserted.changes["title"] == [None, "Audited"]
        assert updated.changes == {"min_players": [2, 1]}
        assert deleted.changes["min_players"] == [1, None]
        assert {(e.actor, e.change_reason, e.request_id, e.entity_type) for e in entries} == {
            ("ada", "stock", "req-7", "games")
        }


def test_an_update_that_changes_nothing_is_not_a_change(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = uow.games.add(make_game(title="Same"))
        uow.commit()
        uow.games.update(game, {"title": "Same"})
        uow.commit()
        assert game.version == 1
        count = uow.session.scalar(
            select(AuditLog.id).where(AuditLog.action == AuditAction.UPDATE).limit(1)
        )
        assert count is None


def test_timestamps_come_back_as_aware_utc(session_factory: Factory) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game_id = uow.games.add(make_game()).id
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = uow.games.get_or_raise(game_id)
        assert game.created_at.tzinfo is not None
        assert game.created_at.utcoffset() == timedelta(0)
        assert before <= game.created_at <= datetime.now(UTC) + timedelta(seconds=1)


def test_a_writer_holding_an_old_version_gets_a_stale_error(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game_id = uow.games.add(make_game(title="Contended")).id
        uow.commit()
    with (
        SqlAlchemyUnitOfWork(session_factory) as slow,
        SqlAlchemyUnitOfWork(session_factory) as fast,
    ):
        slow_copy = slow.games.get_or_raise(game_id)
        fast.games.update(fast.games.get_or_raise(game_id), {"title": "Fast wins"})
        fast.commit()
        slow.games.update(slow_copy, {"title": "Slow loses"})
        with pytest.raises(StaleObjectError):
            slow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.get_or_raise(game_id).title == "Fast wins"


def test_a_duplicate_bgg_id_is_a_duplicate_error_naming_the_field(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.games.add(make_game(bgg_id=13))
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.games.add(make_game(bgg_id=13))
        with pytest.raises(DuplicateError) as caught:
            uow.commit()
    assert caught.value.fields == {"bgg_id": ["already taken"]}
    assert "bgg_id" in caught.value.message


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"max_players": 1}, "max_players", "Must be greater than or equal to min_players."),
        (
            {"min_play_minutes": 500},
            "max_play_minutes",
            "Must be greater than or equal to min_play_minutes.",
        ),
        ({"complexity": 5.5}, "complexity", "Must be between 1.0 and 5.0."),
        ({"title": "   "}, "title", "Must not be blank."),
        ({"min_age": 0}, "min_age", "Must be between 1 and 99."),
    ],
)
def test_the_databases_check_constraints_hold_and_name_the_field(
    session_factory: Factory, changes: dict[str, object], field: str, message: str
) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = uow.games.add(make_game(min_players=2, max_players=4))
        uow.commit()
        uow.games.update(game, changes)
        with pytest.raises(DomainRuleError) as caught:
            uow.commit()
    assert caught.value.fields == {field: [message]}


def test_get_or_raise_names_the_missing_entity(session_factory: Factory) -> None:
    missing = UUID("00000000-0000-4000-8000-000000000000")
    with (
        SqlAlchemyUnitOfWork(session_factory) as uow,
        pytest.raises(NotFoundError, match=f"game {missing}"),
    ):
        uow.games.get_or_raise(missing)


def test_insert_many_is_set_based_and_audited_like_single_inserts(session_factory: Factory) -> None:
    rows = [
        {"title": f"Bulk {n}", "min_players": 1, "max_players": 4, "bgg_id": 1000 + n}
        for n in range(3)
    ]
    with SqlAlchemyUnitOfWork(session_factory, actor="importer", change_reason="bulk load") as uow:
        ids = uow.games.insert_many(rows)
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        games = uow.session.scalars(select(Game).where(Game.id.in_(ids))).all()
        entries = uow.session.scalars(select(AuditLog).where(AuditLog.actor == "importer")).all()
        assert sorted(game.title for game in games) == ["Bulk 0", "Bulk 1", "Bulk 2"]
        assert {(g.created_by, g.change_reason, g.version) for g in games} == {
            ("importer", "bulk load", 1)
        }
        assert sorted(entry.entity_id for entry in entries) == sorted(str(i) for i in ids)


def test_bulk_writes_and_flushes_store_the_same_audit_rows(session_factory: Factory) -> None:
    """The same insert and update, once through the ORM's flush and once set-based: the
    stored rows and their audit rows differ only in the game's key and the times."""
    fields = game_fields(title="Twice")
    with SqlAlchemyUnitOfWork(
        session_factory, actor="ada", change_reason="r", request_id="q"
    ) as uow:
        orm_id = uow.games.add(Game(**fields)).id
        [bulk_id] = uow.games.insert_many([fields])
        uow.commit()
    with SqlAlchemyUnitOfWork(
        session_factory, actor="bob", change_reason="s", request_id="t"
    ) as uow:
        uow.games.update(uow.games.get_or_raise(orm_id), {"title": "Once"})
        uow.games.update_many(
            [BulkUpdate(bulk_id, 1, {"title": "Once"}, {"title": ["Twice", "Once"]})]
        )
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        orm, bulk = (_written(uow.session, game_id) for game_id in (orm_id, bulk_id))
    assert orm["game"] == bulk["game"]
    assert orm["audit"] == bulk["audit"]
    assert [entry["changes"] for entry in orm["audit"]] == [
        {name: [None, value] for name, value in fields.items()},
        {"title": ["Twice", "Once"]},
    ]
    for written in (orm, bulk):
        # The row's bookkeeping and its audit row take their time from the same clock read.
        assert written["times"] == written["occurred_at"]


def _written(session: Session, game_id: UUID) -> dict[str, Any]:
    """A game's columns and its audit rows (insert, then update), the key and times apart."""
    game = session.get_one(Game, game_id)
    entries = session.scalars(
        select(AuditLog).where(AuditLog.entity_id == str(game_id)).order_by(AuditLog.id)
    ).all()
    audit = []
    for entry in entries:
        changes = dict(entry.changes)
        if entry.action == AuditAction.INSERT:
            assert changes.pop("id") == [None, str(game_id)]
        audit.append(
            {
                "actor": entry.actor,
                "action": entry.action,
                "entity_type": entry.entity_type,
                "changes": changes,
                "change_reason": entry.change_reason,
                "request_id": entry.request_id,
            }
        )
    apart = ("id", "created_at", "updated_at")
    return {
        "game": {
            column.key: getattr(game, column.key)
            for column in Game.__table__.columns
            if column.key not in apart
        },
        "audit": audit,
        "times": [game.created_at, game.updated_at],
        "occurred_at": [entry.occurred_at for entry in entries],
    }


def test_insert_many_reports_a_duplicate_as_a_domain_error(session_factory: Factory) -> None:
    rows = [{"title": "A", "min_players": 1, "max_players": 2, "bgg_id": 77}] * 2
    with SqlAlchemyUnitOfWork(session_factory) as uow, pytest.raises(DuplicateError):
        uow.games.insert_many(rows)
