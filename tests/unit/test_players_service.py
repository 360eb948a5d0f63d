"""The players service on the in-memory Unit of Work: who may create, change and remove
which player, who sees a Discord id, and preferences replaced as a whole."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from backend.domain.accounts import Role
from backend.domain.errors import (
    BrokenReferenceError,
    DomainRuleError,
    DuplicateError,
    NotFoundError,
    NotSignedIn,
    PermissionDenied,
    StaleObjectError,
)
from backend.domain.principal import ANONYMOUS, SYSTEM, Principal
from backend.domain.versions import ExpectedVersion
from backend.models import User
from backend.services import players
from backend.services.unit_of_work import UnitOfWork
from tests.factories import make_game
from tests.fakes import FakeUnitOfWork

DISCORD_ID = "80351110224678912"


def add_user(uow: FakeUnitOfWork, role: Role) -> Principal:
    """An account in the fake, and the principal it signs in as."""
    user = uow.users.add(
        User(
            id=uuid.uuid4(),
            email=f"{role}-{uuid.uuid4().hex[:6]}@example.org",
            email_key=f"{role}-{uuid.uuid4().hex[:6]}@example.org",
            display_name=str(role),
            password_hash="x",
            role=role,
        )
    )
    uow.commit()
    return Principal.of_user(user.id, role)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def owned_player(uow: FakeUnitOfWork) -> tuple[Principal, uuid.UUID]:
    """A member and the player they created for themselves, with a Discord id."""
    owner = add_user(uow, Role.MEMBER)
    player = players.create_player(uow, owner, {"display_name": "Ana", "discord_id": DISCORD_ID})
    return owner, player["id"]


def version_of(uow: FakeUnitOfWork, player_id: uuid.UUID) -> ExpectedVersion:
    return ExpectedVersion.of([players.player_version(uow.players.view(player_id))])


def test_the_fake_is_a_unit_of_work() -> None:
    unit: UnitOfWork = FakeUnitOfWork()  # mypy checks the protocol here
    assert unit.players is not None


def test_a_member_creates_their_own_player_linked_to_their_account(uow: FakeUnitOfWork) -> None:
    owner, player_id = owned_player(uow)
    stored = uow.players.get_or_raise(player_id)
    assert stored.user_id == owner.user_id
    assert uow.commits == 2  # the account, then the player


def test_a_member_may_not_create_a_player_for_another_account(uow: FakeUnitOfWork) -> None:
    member = add_user(uow, Role.MEMBER)
    other = add_user(uow, Role.MEMBER)
    for user_id in (other.user_id, None):
        with uow, pytest.raises(PermissionDenied):
            players.create_player(uow, member, {"display_name": "X", "user_id": user_id})
    assert uow.players.stored == {}


def test_a_second_player_for_one_account_is_a_duplicate(uow: FakeUnitOfWork) -> None:
    owner, _player_id = owned_player(uow)
    with uow, pytest.raises(DuplicateError, match="already has a player"):
        players.create_player(uow, owner, {"display_name": "Ana again"})
    assert len(uow.players.stored) == 1


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.ADMIN])
def test_organizers_and_admins_create_unlinked_or_linked_players(
    uow: FakeUnitOfWork, role: Role
) -> None:
    manager = add_user(uow, role)
    member = add_user(uow, Role.MEMBER)
    unlinked = players.create_player(uow, manager, {"display_name": "Guest"})
    linked = players.create_player(uow, manager, {"display_name": "Bo", "user_id": member.user_id})
    assert unlinked["user_id"] is None
    assert linked["user_id"] == member.user_id
    with uow, pytest.raises(BrokenReferenceError, match="no account"):
        players.create_player(uow, manager, {"display_name": "C", "user_id": uuid.uuid4()})


def test_the_anonymous_may_do_nothing(uow: FakeUnitOfWork) -> None:
    _owner, player_id = owned_player(uow)
    calls: list[Callable[[], object]] = [
        lambda: players.players_page(uow, ANONYMOUS, name_contains=None, page=1, page_size=20),
        lambda: players.player_of(uow, ANONYMOUS, player_id),
        lambda: players.create_player(uow, ANONYMOUS, {"display_name": "X"}),
        lambda: players.preferences_of(uow, ANONYMOUS, player_id),
        lambda: players.set_preferences(uow, ANONYMOUS, player_id, {}, expected_version=None),
        lambda: players.remove_player(uow, ANONYMOUS, player_id, expected_version=None),
    ]
    for call in calls:
        with pytest.raises(NotSignedIn):
            call()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.MEMBER, False), (Role.ORGANIZER, True), (Role.ADMIN, True), (None, True)],
)
def test_who_changes_sets_preferences_of_and_removes_someone_elses_player(
    uow: FakeUnitOfWork, role: Role | None, allowed: bool
) -> None:
    _owner, player_id = owned_player(uow)
    caller = SYSTEM if role is None else add_user(uow, role)
    writes: list[Callable[[], object]] = [
        lambda: players.change_player(
            uow, caller, player_id, {"display_name": "B"}, expected_version=None
        ),
        lambda: players.set_preferences(
            uow, caller, player_id, {"max_group_size": 4}, expected_version=None
        ),
        lambda: players.remove_player(uow, caller, player_id, expected_version=None),
    ]
    for write in writes:
        if allowed:
            write()
        else:
            with uow, pytest.raises(PermissionDenied):
                write()
    assert (player_id in uow.players.stored) is not allowed
    if not allowed:
        assert uow.players.get_or_raise(player_id).display_name == "Ana"
        assert uow.player_preferences.stored == {}


def test_the_owner_changes_sets_preferences_of_and_removes_their_player(
    uow: FakeUnitOfWork,
) -> None:
    owner, player_id = owned_player(uow)
    changed = players.change_player(
        uow,
        owner,
        player_id,
        {"display_name": "Ana B"},
        expected_version=version_of(uow, player_id),
    )
    assert changed["display_name"] == "Ana B"
    preferences = players.set_preferences(
        uow, owner, player_id, {"min_group_size": 2}, expected_version=None
    )
    assert preferences["min_group_size"] == 2
    players.remove_player(uow, owner, player_id, expected_version=version_of(uow, player_id))
    assert uow.players.stored == {}
    assert uow.player_preferences.stored == {}  # they went with the player


def test_a_member_may_not_move_their_player_to_another_account(uow: FakeUnitOfWork) -> None:
    owner, player_id = owned_player(uow)
    other = add_user(uow, Role.MEMBER)
    for user_id in (other.user_id, None):
        with uow, pytest.raises(PermissionDenied):
            players.change_player(
                uow, owner, player_id, {"user_id": user_id}, expected_version=None
            )
    assert uow.players.get_or_raise(player_id).user_id == owner.user_id


def test_a_stale_version_changes_nothing(uow: FakeUnitOfWork) -> None:
    owner, player_id = owned_player(uow)
    stale = version_of(uow, player_id)
    players.change_player(uow, owner, player_id, {"display_name": "B"}, expected_version=stale)
    with uow, pytest.raises(StaleObjectError):
        players.change_player(uow, owner, player_id, {"display_name": "C"}, expected_version=stale)
    assert uow.players.get_or_raise(player_id).display_name == "B"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": "   "}, "display_name"),
        ({"discord_id": "1234"}, "discord_id"),
        ({"discord_id": "8035111022467891x"}, "discord_id"),
        ({"discord_id": "1" * 21}, "discord_id"),
    ],
)
def test_broken_player_rules_are_refused_naming_the_field(
    uow: FakeUnitOfWork, changes: dict[str, str], field: str
) -> None:
    owner, player_id = owned_player(uow)
    with uow, pytest.raises(DomainRuleError) as refused:
        players.change_player(uow, owner, player_id, changes, expected_version=None)
    assert field in refused.value.fields


def test_a_taken_discord_id_is_a_duplicate(uow: FakeUnitOfWork) -> None:
    _owner, _player_id = owned_player(uow)
    organizer = add_user(uow, Role.ORGANIZER)
    with uow, pytest.raises(DuplicateError) as refused:
        players.create_player(uow, organizer, {"display_name": "B", "discord_id": DISCORD_ID})
    assert "discord_id" in refused.value.fields


@pytest.mark.parametrize(
    ("role", "sees"),
    [(Role.MEMBER, False), (Role.ORGANIZER, True), (Role.ADMIN, True), ("owner", True)],
)
def test_a_discord_id_is_shown_to_its_owner_organizers_and_admins_only(
    uow: FakeUnitOfWork, role: Role | str, sees: bool
) -> None:
    owner, player_id = owned_player(uow)
    reader = owner if role == "owner" else add_user(uow, Role(role))
    expected = DISCORD_ID if sees else None
    assert players.player_of(uow, reader, player_id)["discord_id"] == expected
    page = players.players_page(uow, reader, name_contains=None, page=1, page_size=20)
    assert [player["discord_id"] for player in page.items] == [expected]
    assert uow.players.get_or_raise(player_id).discord_id == DISCORD_ID  # hidden, not changed


def test_preferences_are_empty_at_version_zero_until_set(uow: FakeUnitOfWork) -> None:
    owner, player_id = owned_player(uow)
    preferences = players.preferences_of(uow, owner, player_id)
    assert preferences["version"] == 0
    assert preferences["favourite_tags"] == [] and preferences["max_complexity"] is None
    assert players.preferences_version(preferences) == players.NO_PREFERENCES_TAG
    with pytest.raises(NotFoundError):
        players.preferences_of(uow, owner, uuid.uuid4())


def test_set_preferences_replaces_the_whole(uow: FakeUnitOfWork) -> None:
    owner, player_id = owned_player(uow)
    uow.categories.named(["Strategy Games", "Party Games"])
    uow.tags.named(["Dice"])
    game = uow.games.add(make_game(title="Monopoly"))
    uow.commit()
    first = players.set_preferences(
        uow,
        owner,
        player_id,
        {
            "min_complexity": 2.0,
            "max_complexity": 3.5,
            "favourite_categories": ["strategy-games", "Party Games"],
            "favourite_tags": ["Dice"],
            "refused_games": [game.id],
        },
        expected_version=players.NO_PREFERENCES_EXPECTED,
    )
    assert [c["name"] for c in first["favourite_categories"]] == ["Party Games", "Strategy Games"]
    assert [g["title"] for g in first["refused_games"]] == ["Monopoly"]
    second = players.set_preferences(
        uow,
        owner,
        player_id,
        {"max_group_size": 5, "favourite_tags": ["dice"]},
        expected_version=ExpectedVersion.of([players.preferences_version(first)]),
    )
    # What the second left out is cleared: a PUT replaces, it does not merge.
    assert second["min_complexity"] is None and second["max_complexity"] is None
    assert second["favourite_categories"] == [] and second["refused_games"] == []
    assert [t["name"] for t in second["favourite_tags"]] == ["Dice"]
    assert second["max_group_size"] == 5
    assert second["version"] > first["version"]


def test_a_writer_who_saw_no_preferences_does_not_overwrite_new_ones(
    uow: FakeUnitOfWork,
) -> None:
    owner, player_id = owned_player(uow)
    players.set_preferences(uow, owner, player_id, {"max_group_size": 4}, expected_version=None)
    with uow, pytest.raises(StaleObjectError):
        players.set_preferences(
            uow,
            owner,
            player_id,
            {"max_group_size": 6},
            expected_version=players.NO_PREFERENCES_EXPECTED,
        )
    assert uow.player_preferences.of_player(player_id).max_group_size == 4  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"min_play_minutes": 90, "max_play_minutes": 30}, "max_play_minutes"),
        ({"min_complexity": 4.0, "max_complexity": 2.0}, "max_complexity"),
        ({"min_group_size": 6, "max_group_size": 2}, "max_group_size"),
        ({"max_complexity": 5.5}, "max_complexity"),
        ({"min_group_size": 0}, "min_group_size"),
    ],
)
def test_broken_preference_rules_store_nothing(
    uow: FakeUnitOfWork, values: dict[str, float], field: str
) -> None:
    owner, player_id = owned_player(uow)
    with uow, pytest.raises(DomainRuleError) as refused:
        players.set_preferences(uow, owner, player_id, values, expected_version=None)
    assert field in refused.value.fields
    assert uow.player_preferences.stored == {}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"favourite_categories": ["Nope"]}, "favourite_categories"),
        ({"favourite_tags": ["Nope"]}, "favourite_tags"),
        ({"refused_games": [uuid.uuid4()]}, "refused_games"),
    ],
)
def test_unknown_favourites_or_refused_games_store_nothing(
    uow: FakeUnitOfWork, values: dict[str, list[object]], field: str
) -> None:
    owner, player_id = owned_player(uow)
    with uow, pytest.raises(BrokenReferenceError) as refused:
        players.set_preferences(uow, owner, player_id, values, expected_version=None)
    assert list(refused.value.fields) == [field]
    assert uow.player_preferences.stored == {}
