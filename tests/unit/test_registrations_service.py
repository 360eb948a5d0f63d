"""The registrations service on the in-memory Unit of Work: who may sign whom up, the
numbering and the waitlist, check-in's window, drops and promotions, and what each state
of the tournament refuses, before anything is committed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.domain.accounts import Role
from backend.domain.errors import (
    BrokenReferenceError,
    ConflictError,
    DuplicateError,
    NotFoundError,
    NotSignedIn,
    PermissionDenied,
    StaleObjectError,
)
from backend.domain.principal import ANONYMOUS, Principal
from backend.domain.tournaments import (
    RegistrationStatus,
    RoundStage,
    TournamentStatus,
    Visibility,
    is_entrant,
)
from backend.domain.versions import ExpectedVersion
from backend.models import Player, Round, Tournament
from backend.services import registrations
from tests.fakes import FakeUnitOfWork
from tests.unit.test_players_service import add_user

NOW = datetime(2026, 12, 12, 9, 30, tzinfo=UTC)
DROP = {"status": RegistrationStatus.DROPPED}


class Setting:
    """A fake Unit of Work holding one tournament, its organizer, and a member with a
    player of their own."""

    def __init__(self, *, capacity: int = 2, status: TournamentStatus) -> None:
        self.uow = FakeUnitOfWork()
        self.organizer = add_user(self.uow, Role.ORGANIZER)
        self.member = add_user(self.uow, Role.MEMBER)
        self.admin = add_user(self.uow, Role.ADMIN)
        assert self.organizer.user_id is not None
        self.tournament = self.uow.tournaments.add(
            Tournament(
                name="Winter Open",
                game_id=uuid.uuid4(),
                format_name="Standard",
                venue_id=uuid.uuid4(),
                organizer_id=self.organizer.user_id,
                capacity=capacity,
                starts_at=NOW,
                visibility=Visibility.PUBLIC,
                status=status,
                last_sequence=0,
            )
        )
        self.members_player = self.player("Ana", self.member.user_id)
        self.uow.commit()

    def player(self, name: str, user_id: uuid.UUID | None = None) -> uuid.UUID:
        return self.uow.players.add(Player(display_name=name, user_id=user_id)).id

    def sign_up(self, player_id: uuid.UUID, principal: Principal | None = None) -> Any:
        return registrations.register(
            self.uow, principal or self.organizer, self.tournament.id, player_id
        )

    def change(
        self,
        registration_id: uuid.UUID,
        changes: dict[str, Any],
        principal: Principal | None = None,
    ) -> Any:
        return registrations.change_registration(
            self.uow,
            principal or self.organizer,
            self.tournament.id,
            registration_id,
            changes,
            expected_version=None,
            now=NOW,
        )

    def move_to(self, status: TournamentStatus) -> None:
        self.tournament.status = status

    def paired_rounds(self, count: int) -> None:
        for number in range(1, count + 1):
            self.uow.rounds.add(
                Round(tournament_id=self.tournament.id, number=number, stage=RoundStage.SWISS)
            )

    def states(self) -> list[tuple[int, RegistrationStatus]]:
        page = self.uow.registrations.page(self.tournament.id, status=None, page=1, page_size=100)
        return [(view["sequence"], view["status"]) for view in page.items]


@pytest.fixture
def setting() -> Setting:
    return Setting(status=TournamentStatus.REGISTRATION_OPEN)


def test_sign_ups_take_the_next_number_and_the_places_first(setting: Setting) -> None:
    players = [setting.player(f"P{n}") for n in range(3)]
    before = setting.uow.commits
    views = [setting.sign_up(player_id) for player_id in players]
    assert [(view["sequence"], view["status"]) for view in views] == [
        (1, RegistrationStatus.REGISTERED),
        (2, RegistrationStatus.REGISTERED),
        (3, RegistrationStatus.WAITLISTED),
    ]
    assert setting.tournament.last_sequence == 3
    assert views[0]["display_name"] == "P0"
    assert setting.uow.commits == before + 3


def test_a_member_signs_up_only_their_own_player(setting: Setting) -> None:
    someone = setting.player("Bo")
    with pytest.raises(PermissionDenied):
        setting.sign_up(someone, setting.member)
    assert setting.sign_up(setting.members_player, setting.member)["sequence"] == 1


def test_an_organizer_of_another_tournament_signs_up_only_their_own_player(
    setting: Setting,
) -> None:
    other = add_user(setting.uow, Role.ORGANIZER)
    with pytest.raises(PermissionDenied):
        setting.sign_up(setting.members_player, other)
    assert setting.sign_up(setting.members_player, setting.admin)["sequence"] == 1


def test_anonymous_callers_cannot_sign_up(setting: Setting) -> None:
    with pytest.raises(NotSignedIn):
        setting.sign_up(setting.members_player, ANONYMOUS)


def test_a_second_sign_up_of_a_player_is_refused_and_takes_no_number(setting: Setting) -> None:
    setting.sign_up(setting.members_player)
    with pytest.raises(DuplicateError, match="number 1"):
        setting.sign_up(setting.members_player)
    setting.uow.rollback()
    assert setting.tournament.last_sequence == 1


def test_an_unknown_player_is_a_broken_reference(setting: Setting) -> None:
    with pytest.raises(BrokenReferenceError) as raised:
        setting.sign_up(uuid.uuid4())
    assert "player_id" in raised.value.fields


@pytest.mark.parametrize(
    "status",
    [TournamentStatus.IN_PROGRESS, TournamentStatus.COMPLETED, TournamentStatus.CANCELLED],
)
def test_sign_ups_only_while_registration_is_open(status: TournamentStatus) -> None:
    setting = Setting(status=status)
    with pytest.raises(ConflictError, match=str(status)):
        setting.sign_up(setting.members_player)


def test_a_draft_is_not_found_by_a_member(setting: Setting) -> None:
    setting.move_to(TournamentStatus.DRAFT)
    with pytest.raises(NotFoundError):
        setting.sign_up(setting.members_player, setting.member)
    with pytest.raises(NotFoundError):
        registrations.registrations_page(
            setting.uow, setting.member, setting.tournament.id, status=None, page=1, page_size=20
        )


def test_check_in_and_out_by_the_player(setting: Setting) -> None:
    registration = setting.sign_up(setting.members_player, setting.member)
    checked = setting.change(registration["id"], {"checked_in": True}, setting.member)
    assert checked["checked_in_at"] == NOW
    assert setting.change(registration["id"], {"checked_in": False})["checked_in_at"] is None


def test_check_in_is_refused_to_a_waitlisted_player() -> None:
    setting = Setting(status=TournamentStatus.REGISTRATION_OPEN, capacity=2)
    for name in ("A", "B"):
        setting.sign_up(setting.player(name))
    waiting = setting.sign_up(setting.members_player)
    with pytest.raises(ConflictError, match="waitlisted"):
        setting.change(waiting["id"], {"checked_in": True})


def test_check_in_closes_when_round_one_is_paired(setting: Setting) -> None:
    registration = setting.sign_up(setting.members_player)
    setting.move_to(TournamentStatus.IN_PROGRESS)
    assert setting.change(registration["id"], {"checked_in": True})["checked_in_at"] == NOW
    setting.paired_rounds(1)
    with pytest.raises(ConflictError, match="round 1"):
        setting.change(registration["id"], {"checked_in": False})


def test_a_stale_version_is_refused(setting: Setting) -> None:
    registration = setting.sign_up(setting.members_player)
    with pytest.raises(StaleObjectError):
        registrations.change_registration(
            setting.uow,
            setting.organizer,
            setting.tournament.id,
            registration["id"],
            {"checked_in": True},
            expected_version=ExpectedVersion.of({str(registration["version"] + 1)}),
        )


def test_a_drop_before_the_start_promotes_the_first_waitlisted(setting: Setting) -> None:
    ids = [setting.sign_up(setting.player(f"P{n}"))["id"] for n in range(4)]
    before = setting.uow.commits
    setting.change(ids[0], DROP)
    assert setting.states() == [
        (1, RegistrationStatus.DROPPED),
        (2, RegistrationStatus.REGISTERED),
        (3, RegistrationStatus.REGISTERED),
        (4, RegistrationStatus.WAITLISTED),
    ]
    promoted = setting.uow.registrations.get_or_raise(ids[2])
    assert promoted.promoted_at == NOW
    # The promotion is in the drop's commit: nothing else was committed.
    assert setting.uow.commits == before + 1


def test_a_waitlisted_drop_promotes_nobody(setting: Setting) -> None:
    ids = [setting.sign_up(setting.player(f"P{n}"))["id"] for n in range(4)]
    setting.change(ids[2], DROP)
    assert setting.states()[3] == (4, RegistrationStatus.WAITLISTED)


def test_a_drop_after_the_start_keeps_the_rounds_played(setting: Setting) -> None:
    playing = setting.sign_up(setting.members_player)
    no_show = setting.sign_up(setting.player("Bo"))
    waiting = setting.sign_up(setting.player("Cy"))
    setting.change(playing["id"], {"checked_in": True})
    setting.move_to(TournamentStatus.IN_PROGRESS)
    setting.paired_rounds(3)
    dropped = setting.change(playing["id"], DROP, setting.member)
    assert dropped["dropped_after_round"] == 3
    assert is_entrant(dropped["status"], True, dropped["dropped_after_round"])
    assert setting.change(no_show["id"], DROP)["dropped_after_round"] is None
    assert setting.uow.registrations.get_or_raise(waiting["id"]).status is (
        RegistrationStatus.WAITLISTED
    )


def test_a_drop_is_final_and_only_a_drop_is_asked_for(setting: Setting) -> None:
    registration = setting.sign_up(setting.members_player)
    with pytest.raises(ConflictError, match="sign-up order"):
        setting.change(registration["id"], {"status": RegistrationStatus.WAITLISTED})
    setting.change(registration["id"], DROP)
    with pytest.raises(ConflictError, match="final"):
        setting.change(registration["id"], {"status": RegistrationStatus.REGISTERED})
    with pytest.raises(ConflictError, match="dropped"):
        setting.change(registration["id"], {"checked_in": True})


@pytest.mark.parametrize("status", [TournamentStatus.COMPLETED, TournamentStatus.CANCELLED])
def test_no_drop_once_it_is_over(setting: Setting, status: TournamentStatus) -> None:
    registration = setting.sign_up(setting.members_player)
    setting.move_to(status)
    with pytest.raises(ConflictError, match=str(status)):
        setting.change(registration["id"], DROP)


def test_another_member_changes_nothing(setting: Setting) -> None:
    registration = setting.sign_up(setting.members_player)
    stranger = add_user(setting.uow, Role.MEMBER)
    with pytest.raises(PermissionDenied):
        setting.change(registration["id"], DROP, stranger)


def test_a_registration_of_another_tournament_is_not_found(setting: Setting) -> None:
    registration = setting.sign_up(setting.members_player)
    with pytest.raises(NotFoundError):
        registrations.registration_of(
            setting.uow, setting.organizer, uuid.uuid4(), registration["id"]
        )
    assert (
        registrations.registration_of(
            setting.uow, ANONYMOUS, setting.tournament.id, registration["id"]
        )["sequence"]
        == 1
    )


def test_a_drop_after_the_start_but_before_round_one_leaves_the_standings(
    setting: Setting,
) -> None:
    playing = setting.sign_up(setting.members_player)
    setting.change(playing["id"], {"checked_in": True})
    setting.move_to(TournamentStatus.IN_PROGRESS)
    dropped = setting.change(playing["id"], DROP, setting.member)
    # No round was played, so there is nothing to keep: not an entrant, not in standings.
    assert dropped["dropped_after_round"] is None
    assert not is_entrant(dropped["status"], True, dropped["dropped_after_round"])
