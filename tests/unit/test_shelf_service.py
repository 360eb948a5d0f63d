"""The shelf service on the in-memory Unit of Work: who manages the club's copies, who
changes whose collection, versions checked, and nothing half-written when refused."""

from __future__ import annotations

import uuid

import pytest

from backend.domain.accounts import Role
from backend.domain.errors import (
    DomainRuleError,
    NotFoundError,
    NotSignedIn,
    PermissionDenied,
    StaleObjectError,
)
from backend.domain.principal import ANONYMOUS, SYSTEM, Principal
from backend.domain.versions import ExpectedVersion
from backend.models import Game, Player
from backend.services import catalog, players, shelf
from tests.factories import make_game
from tests.fakes import FakeUnitOfWork

MEMBER = Principal.of_user(uuid.uuid4(), Role.MEMBER)
ORGANIZER = Principal.of_user(uuid.uuid4(), Role.ORGANIZER)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def stored_game(uow: FakeUnitOfWork, title: str = "Azul") -> Game:
    game = uow.games.add(make_game(title=title))
    uow.commit()
    return game


def members_player(uow: FakeUnitOfWork) -> Player:
    player = uow.players.add(Player(display_name="Ana", user_id=MEMBER.user_id))
    uow.commit()
    return player


def test_organizers_add_change_and_remove_copies(uow: FakeUnitOfWork) -> None:
    game = stored_game(uow)
    copy = shelf.add_copy(uow, ORGANIZER, game.id, {"note": "missing 2 meeples"})
    assert (copy.game_id, copy.note, copy.version) == (game.id, "missing 2 meeples", 1)
    at_first = ExpectedVersion.of({shelf.copy_version(copy)})
    changed = shelf.change_copy(
        uow, ORGANIZER, game.id, copy.id, {"note": None}, expected_version=at_first
    )
    assert changed.note is None and changed.version == 2
    with pytest.raises(StaleObjectError):
        shelf.remove_copy(uow, ORGANIZER, game.id, copy.id, expected_version=at_first)
    shelf.remove_copy(uow, SYSTEM, game.id, copy.id, expected_version=None)
    assert shelf.copies_page(uow, MEMBER, game.id, page=1, page_size=20).total == 0


def test_members_read_copies_but_do_not_manage_them(uow: FakeUnitOfWork) -> None:
    game = stored_game(uow)
    copy = shelf.add_copy(uow, ORGANIZER, game.id, {})
    assert shelf.copy_of(uow, MEMBER, game.id, copy.id) is copy
    with pytest.raises(PermissionDenied, match="copies of games"):
        shelf.add_copy(uow, MEMBER, game.id, {})
    with pytest.raises(PermissionDenied):
        shelf.change_copy(uow, MEMBER, game.id, copy.id, {"note": "x"}, expected_version=None)
    with pytest.raises(PermissionDenied):
        shelf.remove_copy(uow, MEMBER, game.id, copy.id, expected_version=None)
    with pytest.raises(NotSignedIn):
        shelf.copies_page(uow, ANONYMOUS, game.id, page=1, page_size=20)
    assert len(uow.game_copies.stored) == 1 and copy.note is None


def test_a_copy_of_another_game_is_not_found_under_this_one(uow: FakeUnitOfWork) -> None:
    game, other = stored_game(uow), stored_game(uow, "Carcassonne")
    copy = shelf.add_copy(uow, ORGANIZER, game.id, {"note": "sleeved"})
    with pytest.raises(NotFoundError, match=f"copy {copy.id} of game {other.id}"):
        shelf.copy_of(uow, MEMBER, other.id, copy.id)
    with pytest.raises(NotFoundError):
        shelf.change_copy(uow, ORGANIZER, other.id, copy.id, {"note": "x"}, expected_version=None)
    assert copy.note == "sleeved"


def test_a_blank_note_or_an_unknown_game_stores_nothing(uow: FakeUnitOfWork) -> None:
    game = stored_game(uow)
    with pytest.raises(DomainRuleError):
        shelf.add_copy(uow, ORGANIZER, game.id, {"note": " \t"})
    with pytest.raises(NotFoundError, match="game"):
        shelf.add_copy(uow, ORGANIZER, uuid.uuid4(), {})
    with pytest.raises(NotFoundError, match="game"):
        shelf.copies_page(uow, MEMBER, uuid.uuid4(), page=1, page_size=20)
    assert uow.game_copies.stored == {} and uow.commits == 1


def test_owning_a_game_is_idempotent(uow: FakeUnitOfWork) -> None:
    game, player = stored_game(uow), members_player(uow)
    first, added = shelf.own_game(uow, MEMBER, player.id, game.id)
    again, added_again = shelf.own_game(uow, MEMBER, player.id, game.id)
    assert (added, added_again) == (True, False)
    assert first == again and first["title"] == "Azul"
    page = shelf.collection_page(uow, ORGANIZER, player.id, page=1, page_size=20)
    assert [item["game_id"] for item in page.items] == [game.id] and page.total == 1
    shelf.disown_game(uow, MEMBER, player.id, game.id)
    with pytest.raises(NotFoundError, match="in the collection of player"):
        shelf.disown_game(uow, MEMBER, player.id, game.id)


def test_only_the_owner_or_a_manager_changes_a_collection(uow: FakeUnitOfWork) -> None:
    game, player = stored_game(uow), members_player(uow)
    stranger = Principal.of_user(uuid.uuid4(), Role.MEMBER)
    with pytest.raises(PermissionDenied):
        shelf.own_game(uow, stranger, player.id, game.id)
    assert uow.collection_items.stored == {}
    shelf.own_game(uow, ORGANIZER, player.id, game.id)
    with pytest.raises(PermissionDenied):
        shelf.disown_game(uow, stranger, player.id, game.id)
    shelf.disown_game(uow, ORGANIZER, player.id, game.id)
    assert uow.collection_items.stored == {}


def test_an_unknown_player_or_game_is_named(uow: FakeUnitOfWork) -> None:
    game, player = stored_game(uow), members_player(uow)
    unknown = uuid.uuid4()
    with pytest.raises(NotFoundError, match=f"player {unknown}"):
        shelf.own_game(uow, ORGANIZER, unknown, game.id)
    with pytest.raises(NotFoundError, match=f"^game {unknown} does not exist"):
        shelf.own_game(uow, ORGANIZER, player.id, unknown)
    with pytest.raises(NotFoundError, match=f"^game {unknown} does not exist"):
        shelf.disown_game(uow, ORGANIZER, player.id, unknown)
    with pytest.raises(NotFoundError, match=f"player {unknown}"):
        shelf.collection_page(uow, MEMBER, unknown, page=1, page_size=20)


def test_removing_a_game_or_a_player_takes_their_shelf_rows_along(uow: FakeUnitOfWork) -> None:
    game, kept, player = stored_game(uow), stored_game(uow, "Carcassonne"), members_player(uow)
    shelf.add_copy(uow, ORGANIZER, game.id, {})
    kept_copy = shelf.add_copy(uow, ORGANIZER, kept.id, {})
    for owned in (game, kept):
        shelf.own_game(uow, MEMBER, player.id, owned.id)
    catalog.remove_game(uow, ORGANIZER, game.id, expected_version=None)
    assert list(uow.game_copies.stored.values()) == [kept_copy]
    assert [item.game_id for item in uow.collection_items.stored.values()] == [kept.id]
    players.remove_player(uow, MEMBER, player.id, expected_version=None)
    assert uow.collection_items.stored == {}
