"""The audit writer without a database: one row builder, one stamping, one JSON form."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from backend.domain.accounts import Role
from backend.models import ApiToken, AuditLog, Game, User
from backend.models.audit import AuditAction, AuditContext
from backend.repositories.audit import (
    AUDIT_CONTEXT_KEY,
    NOT_AUDITED,
    REDACTED,
    BulkUpdate,
    audit_row,
    bookkeeping,
    jsonable,
    record_changes,
    stamp_bulk_inserts,
    stamp_bulk_updates,
)
from tests.factories import game_fields

CONTEXT = AuditContext(actor="ada", change_reason="typo", request_id="r-1")
NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
GAME_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")


def test_an_audit_row_carries_the_context_the_action_and_the_key_as_text() -> None:
    row = audit_row(AuditAction.UPDATE, "games", GAME_ID, {"title": ["A", "B"]}, CONTEXT, NOW)
    assert row == {
        "occurred_at": NOW,
        "actor": "ada",
        "action": AuditAction.UPDATE,
        "entity_type": "games",
        "entity_id": str(GAME_ID),
        "changes": {"title": ["A", "B"]},
        "change_reason": "typo",
        "request_id": "r-1",
    }


def test_a_composite_key_is_recorded_as_its_parts_joined_by_commas() -> None:
    row = audit_row(AuditAction.DELETE, "links", (GAME_ID, 7), {}, CONTEXT, NOW)
    assert row["entity_id"] == f"{GAME_ID},7"


def test_values_become_json_one_way() -> None:
    assert jsonable(GAME_ID) == str(GAME_ID)
    assert jsonable(Decimal("2.50")) == "2.50"
    assert jsonable(NOW) == "2024-05-01T12:30:00+00:00"
    assert jsonable(date(2024, 5, 1)) == "2024-05-01"
    assert jsonable(AuditAction.INSERT) == "insert"
    assert [jsonable(value) for value in (None, "x", 3, 2.5, True)] == [None, "x", 3, 2.5, True]
    assert jsonable(["Dice", "Cards"]) == ["Dice", "Cards"]


def test_bookkeeping_fills_time_actor_reason_and_version_one_on_insert() -> None:
    assert bookkeeping(Game, CONTEXT, NOW, new=True) == {
        "created_at": NOW,
        "updated_at": NOW,
        "created_by": "ada",
        "updated_by": "ada",
        "change_reason": "typo",
        "version": 1,
    }
    assert bookkeeping(Game, CONTEXT, NOW, new=False) == {
        "updated_at": NOW,
        "updated_by": "ada",
        "change_reason": "typo",
    }
    # What is stamped is never audited: the audit row itself says who, why and when.
    assert set(bookkeeping(Game, CONTEXT, NOW, new=True)) == NOT_AUDITED


def test_a_model_without_the_mixins_has_no_bookkeeping() -> None:
    assert bookkeeping(AuditLog, CONTEXT, NOW, new=True) == {}


def test_bulk_inserts_are_stamped_keyed_and_audited_without_bookkeeping() -> None:
    rows = [
        {"title": "Kept key", "id": GAME_ID, "created_by": "a client"},
        {"title": "New key", "complexity": Decimal("2.5")},
    ]
    extras = [{"tags": [None, ["Dice"]]}, {"tags": [None, []]}]
    prepared, entries = stamp_bulk_inserts(Game, rows, CONTEXT, extras)
    assert prepared[0]["id"] == GAME_ID
    assert isinstance(prepared[1]["id"], uuid.UUID)
    stamp = bookkeeping(Game, CONTEXT, prepared[0]["created_at"], new=True)
    assert all(row.items() >= stamp.items() for row in prepared)
    assert [entry["changes"] for entry in entries] == [
        {"title": [None, "Kept key"], "id": [None, str(GAME_ID)], "tags": [None, ["Dice"]]},
        {
            "title": [None, "New key"],
            "complexity": [None, "2.5"],
            "id": [None, str(prepared[1]["id"])],
            "tags": [None, []],
        },
    ]
    assert entries[1] == audit_row(
        AuditAction.INSERT,
        "games",
        prepared[1]["id"],
        entries[1]["changes"],
        CONTEXT,
        prepared[1]["created_at"],
    )


def test_bulk_updates_are_stamped_and_audited_as_old_and_new() -> None:
    update = BulkUpdate(GAME_ID, 3, {"title": "B"}, {"title": ["A", "B"], "id": [None, GAME_ID]})
    [parameters], [entry] = stamp_bulk_updates(Game, [update], CONTEXT)
    now = parameters["updated_at"]
    assert parameters == {
        "title": "B",
        **bookkeeping(Game, CONTEXT, now, new=False),
        "_id": GAME_ID,
        "_version": 3,
    }
    assert entry == audit_row(
        AuditAction.UPDATE,
        "games",
        GAME_ID,
        {"title": ["A", "B"], "id": [None, str(GAME_ID)]},
        CONTEXT,
        now,
    )


def test_the_listener_and_the_bulk_path_write_the_same_insert() -> None:
    fields = {**game_fields(), "id": GAME_ID}
    session = Session(info={AUDIT_CONTEXT_KEY: CONTEXT})
    game = Game(**fields)
    session.add(game)
    record_changes(session, None, None)  # type: ignore[arg-type]
    [orm_entry] = [entity for entity in session.new if isinstance(entity, AuditLog)]
    [bulk_row], [bulk_entry] = stamp_bulk_inserts(Game, [fields], CONTEXT)

    # Only the time differs: each path takes its own, for the row and its audit alike.
    assert _columns(orm_entry) == {**bulk_entry, "occurred_at": orm_entry.occurred_at}
    orm_stamp = {name: getattr(game, name) for name in NOT_AUDITED}
    assert orm_stamp == bookkeeping(Game, CONTEXT, orm_entry.occurred_at, new=True)
    bulk_stamp = bookkeeping(Game, CONTEXT, bulk_entry["occurred_at"], new=True)
    assert bulk_row.items() >= bulk_stamp.items()


def _columns(entry: AuditLog) -> dict[str, Any]:
    return {
        column.key: getattr(entry, column.key)
        for column in AuditLog.__table__.columns
        if column.key != "id"
    }


def test_secret_columns_are_recorded_as_changed_but_redacted() -> None:
    session = Session(info={AUDIT_CONTEXT_KEY: CONTEXT})
    user = User(
        email="ann@example.org",
        email_key="ann@example.org",
        display_name="Ann",
        password_hash="$argon2id$not-for-the-audit",
        role=Role.MEMBER,
    )
    session.add(user)
    record_changes(session, None, None)  # type: ignore[arg-type]
    [entry] = [entity for entity in session.new if isinstance(entity, AuditLog)]
    assert entry.changes["password_hash"] == [None, REDACTED]
    assert entry.changes["email"] == [None, "ann@example.org"]
    assert "not-for-the-audit" not in str(entry.changes)

    token_row = {"user_id": user.id, "name": "laptop", "token_hash": "f" * 64, "expires_at": NOW}
    [_row], [bulk_entry] = stamp_bulk_inserts(ApiToken, [token_row], CONTEXT)
    assert bulk_entry["changes"]["token_hash"] == [None, REDACTED]
    update = BulkUpdate(id=user.id, version=1, values={}, changes={"password_hash": ("old", "new")})
    [_parameters], [update_entry] = stamp_bulk_updates(User, [update], CONTEXT)
    assert update_entry["changes"] == {"password_hash": [REDACTED, REDACTED]}
