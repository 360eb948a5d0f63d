"""The plays service on the in-memory Unit of Work: who may record, change and remove
which play, the rules a play and its participants meet before anything is staged, and a
game or player with plays refused removal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.domain.accounts import Role
from backend.domain.errors import (
    BrokenReferenceError,
    DomainRuleError,
    NotSignedIn,
    PermissionDenied,
    StaleObjectError,
)
from backend.domain.principal import ANONYMOUS, SYSTEM, Principal
from backend.domain.versions import ExpectedVersion
from backend.repositories.plays import PlayFilters
from backend.services import catalog, players, plays
from tests.factories import make_game
from tests.fakes import FakeUnitOfWork
from tests.unit.test_players_service import add_user

WHEN = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(games=[make_game(title="Azul")])


@pytest.fixture
def member(uow: FakeUnitOfWork) -> tuple[Principal, uuid.UUID]:
    """A member and their own player."""
    principal = add_user(uow, Role.MEMBER)
    return principal, players.create_player(uow, principal, {"display_name": "Ana"})["id"]


@pytest.fixture
def guest(uow: FakeUnitOfWork) -> uuid.UUID:
    return players.create_player(uow, SYSTEM, {"display_name": "Guest"})["id"]


def game_id(uow: FakeUnitOfWork) -> uuid.UUID:
    return uow.games.games[0].id


def body(uow: FakeUnitOfWork, *player_ids: uuid.UUID, **fields: Any) -> dict[str, Any]:
    return {
        "game_id": game_id(uow),
        "played_at": WHEN,
        "participants": [{"player_id": player_id} for player_id in player_ids],
        **fields,
    }


def test_a_member_records_a_play_they_take_part_in(
    uow: FakeUnitOfWork, member: tuple[Principal, uuid.UUID], guest: uuid.UUID
) -> None:
    principal, own = member
    before = uow.commits
    play = plays.record_play(uow, principal, body(uow, own, guest))
    assert uow.commits == before + 1
    assert play["game"]["title"] == "Azul"
    assert [p["display_name"] for p in play["participants"]] == ["Ana", "Guest"]
    assert all(p["is_winner"] is False and p["rating"] is None for p in play["participants"])
    assert players.player_of(uow, principal, own)["play_count"] == 1


def test_who_may_record_a_play(
    uow: FakeUnitOfWork, member: tuple[Principal, uuid.UUID], guest: uuid.UUID
) -> None:
    principal, _own = member
    with pytest.raises(NotSignedIn):
        plays.record_play(uow, ANONYMOUS, body(uow, guest))
    with pytest.raises(PermissionDenied):
        plays.record_play(uow, principal, body(uow, guest))
    stranger = add_user(uow, Role.MEMBER)  # has no player at all
    with pytest.raises(PermissionDenied):
        plays.record_play(uow, stranger, body(uow, guest))
    for role in (Role.ORGANIZER, Role.ADMIN):
        plays.record_play(uow, add_user(uow, role), body(uow, guest))
    assert len(uow.plays.stored) == 2


@pytest.mark.parametrize(
    ("participants", "error", "field"),
    [
        ([], DomainRuleError, "participants"),
        ([{"rating": 11}], DomainRuleError, "participants.0.rating"),
        ([{}, {"same": True}], DomainRuleError, "participants.1.player_id"),
        ([{}, {"player_id": uuid.UUID(int=7)}], BrokenReferenceError, "participants.1.player_id"),
    ],
)
def test_a_broken_participant_stages_nothing(
    uow: FakeUnitOfWork,
    guest: uuid.UUID,
    participants: list[dict[str, Any]],
    error: type[Exception],
    field: str,
) -> None:
    listed = [
        {"player_id": guest, **{k: v for k, v in p.items() if k != "same"}} for p in participants
    ]
    with pytest.raises(error) as raised:
        plays.record_play(uow, SYSTEM, {**body(uow), "participants": listed})
    assert field in raised.value.fields  # type: ignore[attr-defined]
    assert uow.plays.stored == {}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"played_at": datetime(2026, 1, 1)}, "played_at"),
        ({"played_at": datetime(999, 1, 1, tzinfo=UTC)}, "played_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"game_id": uuid.UUID(int=9)}, "game_id"),
    ],
)
def test_a_broken_play_stages_nothing(
    uow: FakeUnitOfWork, guest: uuid.UUID, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises((DomainRuleError, BrokenReferenceError)) as raised:
        plays.record_play(uow, SYSTEM, body(uow, guest, **fields))
    assert field in raised.value.fields  # type: ignore[union-attr]
    assert uow.plays.stored == {}


def test_a_participant_changes_the_play_and_another_member_may_not(
    uow: FakeUnitOfWork, member: tuple[Principal, uuid.UUID], guest: uuid.UUID
) -> None:
    principal, own = member
    play = plays.record_play(uow, SYSTEM, body(uow, own, guest))
    other = add_user(uow, Role.MEMBER)
    players.create_player(uow, other, {"display_name": "Bo"})
    expected = ExpectedVersion.of({"1"})
    with pytest.raises(PermissionDenied):
        plays.change_play(uow, other, play["id"], {"note": "x"}, expected_version=expected)
    changed = plays.change_play(
        uow,
        principal,
        play["id"],
        {"participants": [{"player_id": own, "is_winner": True}]},
        expected_version=expected,
    )
    assert [(p["display_name"], p["is_winner"]) for p in changed["participants"]] == [("Ana", True)]
    with pytest.raises(StaleObjectError):
        plays.remove_play(uow, principal, play["id"], expected_version=expected)
    plays.remove_play(
        uow, principal, play["id"], expected_version=ExpectedVersion.of({str(changed["version"])})
    )
    assert uow.plays.stored == {}


def test_a_game_or_player_with_plays_is_not_removed(uow: FakeUnitOfWork, guest: uuid.UUID) -> None:
    plays.record_play(uow, SYSTEM, body(uow, guest))
    plays.record_play(uow, SYSTEM, body(uow, guest))
    with pytest.raises(BrokenReferenceError, match="has 2 plays; remove them first"):
        catalog.remove_game(uow, SYSTEM, game_id(uow), expected_version=None)
    with pytest.raises(BrokenReferenceError, match=f"player {guest} has 2 plays"):
        players.remove_player(uow, SYSTEM, guest, expected_version=None)
    assert uow.games.count() == 1 and guest in uow.players.stored


def test_reads_need_a_signed_in_principal(uow: FakeUnitOfWork, guest: uuid.UUID) -> None:
    play = plays.record_play(uow, SYSTEM, body(uow, guest))
    for read in (
        lambda: plays.plays_page(uow, ANONYMOUS, PlayFilters(), page=1, page_size=20),
        lambda: plays.play_of(uow, ANONYMOUS, play["id"]),
        lambda: plays.stats_of(uow, ANONYMOUS, guest),
    ):
        with pytest.raises(NotSignedIn):
            read()
    found = plays.plays_of_player(uow, SYSTEM, guest, PlayFilters(), page=1, page_size=20)
    assert [listed["id"] for listed in found.items] == [play["id"]]
    assert plays.stats_of(uow, SYSTEM, guest)["plays"] == 1
