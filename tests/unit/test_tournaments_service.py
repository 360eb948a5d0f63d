"""The venues' and tournaments' services on the in-memory Unit of Work: who may do what,
every lifecycle step allowed and refused with its timestamp, the fields' rules and
references, and the list's audience agreeing with `may_see`."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.domain.accounts import Role
from backend.domain.errors import (
    BrokenReferenceError,
    ConflictError,
    DomainRuleError,
    NotFoundError,
    NotSignedIn,
    PermissionDenied,
    StaleObjectError,
)
from backend.domain.principal import ANONYMOUS, SYSTEM, Principal
from backend.domain.tournaments import (
    TRANSITION_TIMESTAMPS,
    TRANSITIONS,
    RegistrationStatus,
    TournamentStatus,
    Visibility,
    may_see,
)
from backend.domain.versions import ExpectedVersion
from backend.models import Registration
from backend.repositories.tournaments import TournamentFilters
from backend.services import tournaments, venues
from tests.factories import make_game
from tests.fakes import FakeUnitOfWork
from tests.unit.test_players_service import add_user

STARTS = datetime(2026, 12, 12, 10, tzinfo=UTC)
# The path from a draft to each state, through the lifecycle.
PATH_TO = {
    TournamentStatus.DRAFT: [],
    TournamentStatus.REGISTRATION_OPEN: [TournamentStatus.REGISTRATION_OPEN],
    TournamentStatus.IN_PROGRESS: [
        TournamentStatus.REGISTRATION_OPEN,
        TournamentStatus.IN_PROGRESS,
    ],
    TournamentStatus.COMPLETED: [
        TournamentStatus.REGISTRATION_OPEN,
        TournamentStatus.IN_PROGRESS,
        TournamentStatus.COMPLETED,
    ],
    TournamentStatus.CANCELLED: [TournamentStatus.CANCELLED],
}


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(games=[make_game(title="Netrunner")])


@pytest.fixture
def organizer(uow: FakeUnitOfWork) -> Principal:
    return add_user(uow, Role.ORGANIZER)


@pytest.fixture
def venue_id(uow: FakeUnitOfWork, organizer: Principal) -> uuid.UUID:
    venue = venues.add_venue(
        uow,
        organizer,
        {"name": "Hall", "address": "1 Main St", "capacity": 40, "time_zone": "Europe/Paris"},
    )
    return venue.id


def fields(uow: FakeUnitOfWork, venue_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Winter Open",
        "game_id": uow.games.games[0].id,
        "format_name": "Swiss",
        "venue_id": venue_id,
        "capacity": 16,
        "starts_at": STARTS,
        **changes,
    }


def create(
    uow: FakeUnitOfWork, principal: Principal, venue_id: uuid.UUID, **changes: Any
) -> uuid.UUID:
    return tournaments.create_tournament(uow, principal, fields(uow, venue_id, **changes))["id"]


def entrants(uow: FakeUnitOfWork, tournament_id: uuid.UUID, count: int) -> None:
    """`count` registered players who checked in."""
    for number in range(1, count + 1):
        uow.registrations.add(
            Registration(
                id=uuid.uuid4(),
                tournament_id=tournament_id,
                player_id=uuid.uuid4(),
                sequence=number,
                status=RegistrationStatus.REGISTERED,
                checked_in_at=STARTS,
            )
        )
    uow.commit()


def move(
    uow: FakeUnitOfWork, principal: Principal, tournament_id: uuid.UUID, status: TournamentStatus
) -> dict[str, Any]:
    return dict(
        tournaments.change_tournament(
            uow, principal, tournament_id, {"status": status}, expected_version=None
        )
    )


def test_an_organizer_creates_a_draft_they_organize(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID
) -> None:
    detail = tournaments.create_tournament(uow, organizer, fields(uow, venue_id))
    assert detail["status"] is TournamentStatus.DRAFT
    assert detail["organizer_id"] == organizer.user_id
    assert detail["visibility"] is Visibility.PUBLIC
    assert detail["top_cut_size"] is None
    assert (detail["registered_count"], detail["checked_in_count"]) == (0, 0)
    assert uow.commits >= 1


@pytest.mark.parametrize("role", [Role.MEMBER, None])
def test_members_and_the_anonymous_create_nothing(
    uow: FakeUnitOfWork, venue_id: uuid.UUID, role: Role | None
) -> None:
    principal = ANONYMOUS if role is None else add_user(uow, role)
    expected = NotSignedIn if role is None else PermissionDenied
    with pytest.raises(expected):
        tournaments.create_tournament(uow, principal, fields(uow, venue_id))
    with pytest.raises(expected):
        venues.add_venue(
            uow, principal, {"name": "X", "address": "Y", "capacity": 5, "time_zone": "UTC"}
        )


def test_the_organizer_named_must_organize(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID
) -> None:
    admin = add_user(uow, Role.ADMIN)
    member = add_user(uow, Role.MEMBER)
    named = create(uow, admin, venue_id, organizer_id=organizer.user_id)
    assert uow.tournaments.get_or_raise(named).organizer_id == organizer.user_id
    by_operator = create(uow, SYSTEM, venue_id, organizer_id=admin.user_id)
    assert uow.tournaments.get_or_raise(by_operator).organizer_id == admin.user_id
    with pytest.raises(DomainRuleError) as refused:
        create(uow, admin, venue_id, organizer_id=member.user_id)
    assert refused.value.fields == {"organizer_id": [tournaments.NOT_AN_ORGANIZER]}
    with pytest.raises(BrokenReferenceError):
        create(uow, admin, venue_id, organizer_id=uuid.uuid4())
    with pytest.raises(PermissionDenied):
        create(uow, organizer, venue_id, organizer_id=admin.user_id)
    with pytest.raises(DomainRuleError):
        create(uow, SYSTEM, venue_id)


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"name": " "}, "name", DomainRuleError),
        ({"capacity": 41}, "capacity", DomainRuleError),
        ({"capacity": 1}, "capacity", DomainRuleError),
        ({"starts_at": datetime(2026, 12, 12, 10)}, "starts_at", DomainRuleError),
        ({"top_cut_size": 6}, "top_cut_size", DomainRuleError),
        ({"game_id": uuid.uuid4()}, "game_id", BrokenReferenceError),
        ({"venue_id": uuid.uuid4()}, "venue_id", BrokenReferenceError),
    ],
)
def test_bad_fields_are_refused_naming_them_and_nothing_is_stored(
    uow: FakeUnitOfWork,
    organizer: Principal,
    venue_id: uuid.UUID,
    changes: dict[str, Any],
    field: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error) as refused:
        tournaments.create_tournament(uow, organizer, {**fields(uow, venue_id), **changes})
    assert field in (refused.value.fields or {})  # type: ignore[attr-defined]
    assert uow.tournaments.stored == {}


@pytest.mark.parametrize(
    ("current", "wanted"),
    [(current, wanted) for current in TournamentStatus for wanted in TournamentStatus],
)
def test_every_lifecycle_step_is_allowed_or_refused_as_the_domain_says(
    uow: FakeUnitOfWork,
    organizer: Principal,
    venue_id: uuid.UUID,
    current: TournamentStatus,
    wanted: TournamentStatus,
) -> None:
    tournament_id = create(uow, organizer, venue_id)
    entrants(uow, tournament_id, 2)
    for step in PATH_TO[current]:
        move(uow, organizer, tournament_id, step)
    before = datetime.now(UTC)
    if wanted in TRANSITIONS[current]:
        moved = move(uow, organizer, tournament_id, wanted)
        assert moved["status"] is wanted
        assert before <= moved[TRANSITION_TIMESTAMPS[wanted]] <= datetime.now(UTC)
    else:
        with pytest.raises(ConflictError):
            move(uow, organizer, tournament_id, wanted)
        assert uow.tournaments.get_or_raise(tournament_id).status is current


@pytest.mark.parametrize("checked_in", [0, 1])
def test_a_start_needs_two_entrants(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID, checked_in: int
) -> None:
    tournament_id = create(uow, organizer, venue_id)
    move(uow, organizer, tournament_id, TournamentStatus.REGISTRATION_OPEN)
    entrants(uow, tournament_id, checked_in)
    uow.registrations.add(
        Registration(
            id=uuid.uuid4(),
            tournament_id=tournament_id,
            player_id=uuid.uuid4(),
            sequence=9,
            status=RegistrationStatus.REGISTERED,
            checked_in_at=None,
        )
    )
    with pytest.raises(ConflictError, match="at least 2"):
        move(uow, organizer, tournament_id, TournamentStatus.IN_PROGRESS)
    assert uow.tournaments.get_or_raise(tournament_id).started_at is None


def test_fields_change_only_before_the_start(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID
) -> None:
    tournament_id = create(uow, organizer, venue_id)
    for status in (TournamentStatus.DRAFT, TournamentStatus.REGISTRATION_OPEN):
        if status is not TournamentStatus.DRAFT:
            move(uow, organizer, tournament_id, status)
        changed = tournaments.change_tournament(
            uow, organizer, tournament_id, {"name": f"In {status}"}, expected_version=None
        )
        assert changed["name"] == f"In {status}"
    entrants(uow, tournament_id, 2)
    move(uow, organizer, tournament_id, TournamentStatus.IN_PROGRESS)
    with pytest.raises(ConflictError, match="only its status"):
        tournaments.change_tournament(
            uow, organizer, tournament_id, {"capacity": 8}, expected_version=None
        )


def test_capacity_never_drops_below_the_registered(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID
) -> None:
    tournament_id = create(uow, organizer, venue_id)
    entrants(uow, tournament_id, 3)
    with pytest.raises(ConflictError, match="3 players are registered"):
        tournaments.change_tournament(
            uow, organizer, tournament_id, {"capacity": 2}, expected_version=None
        )


def test_organizers_manage_their_own_admins_any(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID
) -> None:
    tournament_id = create(uow, organizer, venue_id)
    other = add_user(uow, Role.ORGANIZER)
    admin = add_user(uow, Role.ADMIN)
    # A draft is not even seen by another organizer.
    with pytest.raises(NotFoundError):
        move(uow, other, tournament_id, TournamentStatus.REGISTRATION_OPEN)
    move(uow, organizer, tournament_id, TournamentStatus.REGISTRATION_OPEN)
    with pytest.raises(PermissionDenied):
        move(uow, other, tournament_id, TournamentStatus.CANCELLED)
    with pytest.raises(PermissionDenied):
        tournaments.remove_tournament(uow, other, tournament_id, expected_version=None)
    assert move(uow, admin, tournament_id, TournamentStatus.CANCELLED)["cancelled_at"]


def test_a_stale_version_changes_nothing(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID
) -> None:
    tournament_id = create(uow, organizer, venue_id)
    with pytest.raises(StaleObjectError):
        tournaments.change_tournament(
            uow,
            organizer,
            tournament_id,
            {"name": "Late"},
            expected_version=ExpectedVersion.of(["99"]),
        )
    assert uow.tournaments.get_or_raise(tournament_id).name == "Winter Open"


@pytest.mark.parametrize("status", list(TournamentStatus))
def test_only_a_draft_is_removed(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID, status: TournamentStatus
) -> None:
    tournament_id = create(uow, organizer, venue_id)
    entrants(uow, tournament_id, 2)
    for step in PATH_TO[status]:
        move(uow, organizer, tournament_id, step)
    if status is TournamentStatus.DRAFT:
        tournaments.remove_tournament(uow, organizer, tournament_id, expected_version=None)
        assert tournament_id not in uow.tournaments.stored
    else:
        with pytest.raises(ConflictError, match="cancel it instead"):
            tournaments.remove_tournament(uow, organizer, tournament_id, expected_version=None)


def test_the_list_shows_what_may_see_allows(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID
) -> None:
    other = add_user(uow, Role.ORGANIZER)
    callers = [
        ANONYMOUS,
        SYSTEM,
        organizer,
        other,
        add_user(uow, Role.MEMBER),
        add_user(uow, Role.ADMIN),
    ]
    hours = itertools.count()
    for owner, status, visibility in itertools.product(
        (organizer, other),
        (TournamentStatus.DRAFT, TournamentStatus.REGISTRATION_OPEN),
        Visibility,
    ):
        tournament_id = create(
            uow,
            owner,
            venue_id,
            visibility=visibility,
            starts_at=STARTS + timedelta(hours=next(hours)),
        )
        if status is not TournamentStatus.DRAFT:
            move(uow, owner, tournament_id, status)
    for caller in callers:
        page = tournaments.tournaments_page(uow, caller, TournamentFilters(), page=1, page_size=100)
        expected = [
            tournament.id
            for tournament in sorted(uow.tournaments.stored.values(), key=lambda t: t.starts_at)
            if may_see(caller, tournament.organizer_id, tournament.status, tournament.visibility)
        ]
        assert [item["id"] for item in page.items] == expected, caller
        assert page.total == len(expected)


def test_audiences_follow_the_roles(organizer: Principal) -> None:
    assert tournaments.audience_of(ANONYMOUS) == tournaments.Audience()
    assert tournaments.audience_of(SYSTEM).everything
    own = tournaments.audience_of(organizer)
    assert (own.everything, own.signed_in, own.organizer_id) == (False, True, organizer.user_id)


def test_a_venue_keeps_its_rules_and_its_tournaments(
    uow: FakeUnitOfWork, organizer: Principal, venue_id: uuid.UUID
) -> None:
    with pytest.raises(DomainRuleError) as refused:
        venues.change_venue(
            uow, organizer, venue_id, {"time_zone": "Europe/Atlantis"}, expected_version=None
        )
    assert refused.value.fields is not None and "time_zone" in refused.value.fields
    create(uow, organizer, venue_id)
    create(uow, organizer, venue_id)
    with pytest.raises(BrokenReferenceError, match=f"venue {venue_id} has 2 tournaments"):
        venues.remove_venue(uow, organizer, venue_id, expected_version=None)
    member = add_user(uow, Role.MEMBER)
    with pytest.raises(PermissionDenied):
        venues.change_venue(uow, member, venue_id, {"capacity": 5}, expected_version=None)
    empty = venues.add_venue(
        uow, organizer, {"name": "Attic", "address": "Up", "capacity": 6, "time_zone": "UTC"}
    )
    venues.remove_venue(uow, organizer, empty.id, expected_version=None)
    assert [venue.name for venue in venues.venues_page(uow, page=1, page_size=10).items] == ["Hall"]
