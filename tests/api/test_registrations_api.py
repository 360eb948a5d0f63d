"""The registrations endpoints: who may sign whom up, the numbering and the waitlist,
check-in, drops before and after the start, and the conflicts each state refuses."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from backend.domain.tournaments import TournamentStatus, Visibility
from tests.accounts import Account
from tests.tournament_rows import add_players, add_round, add_tournament, set_status

Factory = sessionmaker[Session]
People = dict[str, Account]


def registrations_of(tournament_id: uuid.UUID) -> str:
    return f"/api/v1/tournaments/{tournament_id}/registrations"


class Club:
    """A tournament run by the people's organizer, and the calls made on it."""

    def __init__(
        self,
        http: FlaskClient,
        people: People,
        session_factory: Factory,
        owners_player: uuid.UUID | None = None,
        **tournament: Any,
    ) -> None:
        self.http = http
        self.people = people
        self.session_factory = session_factory
        self.id = add_tournament(session_factory, people["organizer"].user_id, **tournament)
        self.url = registrations_of(self.id)
        if owners_player is None:
            (owners_player,) = add_players(session_factory, 1, user_id=people["owner"].user_id)
        self.owners_player = owners_player

    def players(self, count: int) -> list[str]:
        return [str(player_id) for player_id in add_players(self.session_factory, count)]

    def sign_up(self, player_id: Any, caller: str = "organizer") -> TestResponse:
        return self.http.post(
            self.url, json={"player_id": str(player_id)}, headers=self.people[caller].headers
        )

    def signed_up(self, player_id: Any, caller: str = "organizer") -> dict[str, Any]:
        response = self.sign_up(player_id, caller)
        assert response.status_code == 201, response.json
        answer: dict[str, Any] = response.json
        return answer

    def read(self, registration_id: str, caller: str = "organizer") -> TestResponse:
        return self.http.get(f"{self.url}/{registration_id}", headers=self.people[caller].headers)

    def change(
        self, registration_id: str, body: dict[str, Any], caller: str = "organizer"
    ) -> TestResponse:
        etag = self.read(registration_id).headers["ETag"]
        headers = {**self.people[caller].headers, "If-Match": etag}
        return self.http.patch(f"{self.url}/{registration_id}", json=body, headers=headers)

    def statuses(self) -> list[tuple[int, str, bool]]:
        """(sequence, status, promoted) of every registration, in sign-up order."""
        response = self.http.get(self.url, query_string={"page_size": 100})
        assert response.status_code == 200, response.json
        return [(r["sequence"], r["status"], r["promoted_at"] is not None) for r in response.json]

    def move_to(self, status: TournamentStatus) -> None:
        set_status(self.session_factory, self.id, status)


@pytest.fixture
def club(http: FlaskClient, people: People, session_factory: Factory) -> Club:
    return Club(http, people, session_factory, capacity=2)


# Signing up


def test_a_member_signs_up_their_own_player(club: Club) -> None:
    response = club.sign_up(club.owners_player, "owner")
    assert response.status_code == 201, response.json
    registration = response.json
    assert registration["player_id"] == str(club.owners_player)
    assert registration["tournament_id"] == str(club.id)
    assert (registration["sequence"], registration["status"]) == (1, "registered")
    assert registration["display_name"].startswith("Player")
    assert registration["checked_in_at"] is None and registration["dropped_after_round"] is None
    assert registration["created_by"] == club.people["owner"].actor
    assert response.headers["Location"].endswith(f"{club.url}/{registration['id']}")
    assert response.headers["ETag"] == club.read(registration["id"]).headers["ETag"]


def test_a_member_may_not_sign_up_another_players(club: Club) -> None:
    (someone,) = club.players(1)
    assert club.sign_up(someone, "owner").status_code == 403
    assert club.sign_up(club.owners_player, "member").status_code == 403
    assert club.statuses() == []


def test_the_organizer_and_admins_sign_up_anyone_but_not_another_organizer(
    club: Club, accounts: Any
) -> None:
    first, second, third = club.players(3)
    assert club.sign_up(first, "organizer").status_code == 201
    assert club.sign_up(second, "admin").status_code == 201
    club.people["stranger"] = accounts("organizer")
    assert club.sign_up(third, "stranger").status_code == 403


def test_signing_up_needs_a_token(club: Club) -> None:
    response = club.http.post(club.url, json={"player_id": str(club.owners_player)})
    assert response.status_code == 401


def test_the_same_player_twice_is_409(club: Club) -> None:
    club.signed_up(club.owners_player, "owner")
    again = club.sign_up(club.owners_player, "owner")
    assert again.status_code == 409
    assert "signed up already" in again.json["message"]
    assert len(club.statuses()) == 1


def test_an_unknown_player_is_409_naming_the_field(club: Club) -> None:
    response = club.sign_up(uuid.uuid4())
    assert response.status_code == 409
    assert "player_id" in response.json["errors"]["json"]


@pytest.mark.parametrize(
    "status",
    [TournamentStatus.IN_PROGRESS, TournamentStatus.COMPLETED, TournamentStatus.CANCELLED],
)
def test_signing_up_outside_registration_is_409_saying_the_status(
    club: Club, status: TournamentStatus
) -> None:
    club.move_to(status)
    response = club.sign_up(club.owners_player, "owner")
    assert response.status_code == 409
    assert str(status) in response.json["message"]


def test_sign_ups_beyond_the_capacity_are_waitlisted_in_order(club: Club) -> None:
    for player_id in club.players(4):
        club.signed_up(player_id)
    assert club.statuses() == [
        (1, "registered", False),
        (2, "registered", False),
        (3, "waitlisted", False),
        (4, "waitlisted", False),
    ]


# Reading


def test_the_list_is_in_sign_up_order_filtered_by_status_and_paginated(club: Club) -> None:
    for player_id in club.players(5):
        club.signed_up(player_id)
    waitlisted = club.http.get(club.url, query_string={"status": "waitlisted"})
    assert [r["sequence"] for r in waitlisted.json] == [3, 4, 5]
    second_page = club.http.get(club.url, query_string={"page": 2, "page_size": 2})
    assert [r["sequence"] for r in second_page.json] == [3, 4]
    assert '"total": 5' in second_page.headers["X-Pagination"]
    assert club.http.get(club.url, query_string={"status": "gone"}).status_code == 422


def test_a_registration_is_read_only_under_its_own_tournament(
    club: Club, http: FlaskClient, people: People, session_factory: Factory
) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    assert http.get(f"{club.url}/{registration['id']}").status_code == 200
    other = add_tournament(session_factory, people["organizer"].user_id)
    assert http.get(f"{registrations_of(other)}/{registration['id']}").status_code == 404
    assert http.get(f"{club.url}/{uuid.uuid4()}").status_code == 404


def test_an_invisible_tournament_is_404_for_every_operation(
    http: FlaskClient, people: People, session_factory: Factory
) -> None:
    draft = Club(http, people, session_factory, status=TournamentStatus.DRAFT)
    for caller in ("owner", "member"):
        assert draft.sign_up(draft.owners_player, caller).status_code == 404
        headers = people[caller].headers
        assert http.get(draft.url, headers=headers).status_code == 404
    assert http.get(draft.url).status_code == 404
    assert http.get(registrations_of(uuid.uuid4())).status_code == 404
    # A members-only tournament: signed-in users see it, anonymous callers do not.
    members = Club(
        http, people, session_factory, draft.owners_player, visibility=Visibility.MEMBERS
    )
    registration = members.signed_up(members.owners_player, "owner")
    assert http.get(members.url).status_code == 404
    assert http.get(f"{members.url}/{registration['id']}").status_code == 404
    assert http.get(members.url, headers=people["member"].headers).json[0]["sequence"] == 1


# Checking in


def test_the_player_checks_in_and_out_while_registration_is_open(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    checked_in = club.change(registration["id"], {"checked_in": True}, "owner")
    assert checked_in.status_code == 200, checked_in.json
    assert checked_in.json["checked_in_at"] is not None
    assert checked_in.json["version"] == registration["version"] + 1
    out = club.change(registration["id"], {"checked_in": False}, "organizer")
    assert out.status_code == 200 and out.json["checked_in_at"] is None


def test_another_member_may_not_check_a_player_in(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    assert club.change(registration["id"], {"checked_in": True}, "member").status_code == 403


def test_a_waitlisted_player_cannot_check_in(club: Club) -> None:
    for player_id in club.players(2):
        club.signed_up(player_id)
    waitlisted = club.signed_up(club.owners_player, "owner")
    response = club.change(waitlisted["id"], {"checked_in": True}, "owner")
    assert response.status_code == 409
    assert "waitlisted" in response.json["message"]


def test_check_in_stays_open_after_the_start_until_round_one_is_paired(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    club.move_to(TournamentStatus.IN_PROGRESS)
    assert club.change(registration["id"], {"checked_in": True}, "owner").status_code == 200
    add_round(club.session_factory, club.id)
    late = club.change(registration["id"], {"checked_in": False}, "owner")
    assert late.status_code == 409
    assert "round 1" in late.json["message"]


def test_check_in_is_closed_once_the_tournament_is_over(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    club.move_to(TournamentStatus.CANCELLED)
    assert club.change(registration["id"], {"checked_in": True}, "owner").status_code == 409


def test_a_change_needs_the_current_etag(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    url = f"{club.url}/{registration['id']}"
    headers = club.people["owner"].headers
    assert club.http.patch(url, json={"checked_in": True}, headers=headers).status_code == 428
    stale = {**headers, "If-Match": '"999"'}
    assert club.http.patch(url, json={"checked_in": True}, headers=stale).status_code == 412


# Dropping


def test_drops_before_the_start_promote_the_waitlisted_in_sign_up_order(club: Club) -> None:
    ids = [club.signed_up(player_id)["id"] for player_id in club.players(4)]
    dropped = club.change(ids[1], {"status": "dropped"})
    assert dropped.status_code == 200, dropped.json
    assert dropped.json["dropped_at"] is not None and dropped.json["dropped_after_round"] is None
    assert club.statuses() == [
        (1, "registered", False),
        (2, "dropped", False),
        (3, "registered", True),
        (4, "waitlisted", False),
    ]
    # A waitlisted player dropping frees no place: nobody is promoted.
    club.change(ids[3], {"status": "dropped"})
    club.change(ids[0], {"status": "dropped"})
    assert club.statuses() == [
        (1, "dropped", False),
        (2, "dropped", False),
        (3, "registered", True),
        (4, "dropped", False),
    ]


def test_the_player_drops_themself_but_not_another(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    assert club.change(registration["id"], {"status": "dropped"}, "member").status_code == 403
    assert club.change(registration["id"], {"status": "dropped"}, "owner").status_code == 200


def test_a_drop_is_final(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    club.change(registration["id"], {"status": "dropped"}, "owner")
    again = club.change(registration["id"], {"status": "registered"}, "admin")
    assert again.status_code == 409
    assert "final" in again.json["message"]
    checked_in = club.change(registration["id"], {"checked_in": True}, "admin")
    assert checked_in.status_code == 409


def test_only_a_drop_changes_the_status(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    assert club.change(registration["id"], {"status": "waitlisted"}).status_code == 409
    # Asking for the status it has changes nothing.
    same = club.change(registration["id"], {"status": "registered"})
    assert same.status_code == 200 and same.json["version"] == registration["version"]


def test_a_drop_after_the_start_keeps_the_rounds_played_and_promotes_nobody(club: Club) -> None:
    playing = club.signed_up(club.owners_player, "owner")
    no_show, waiting = (club.signed_up(player_id) for player_id in club.players(2))
    club.change(playing["id"], {"checked_in": True}, "owner")
    club.move_to(TournamentStatus.IN_PROGRESS)
    add_round(club.session_factory, club.id, 1)
    add_round(club.session_factory, club.id, 2)
    dropped = club.change(playing["id"], {"status": "dropped"}, "owner")
    assert dropped.status_code == 200, dropped.json
    assert dropped.json["dropped_after_round"] == 2
    # A player never paired (a no-show) leaves no rounds behind.
    no_show_dropped = club.change(no_show["id"], {"status": "dropped"})
    assert no_show_dropped.json["dropped_after_round"] is None
    assert club.statuses() == [
        (1, "dropped", False),
        (2, "dropped", False),
        (3, "waitlisted", False),
    ]
    assert waiting["sequence"] == 3


@pytest.mark.parametrize("status", [TournamentStatus.COMPLETED, TournamentStatus.CANCELLED])
def test_no_drop_once_the_tournament_is_over(club: Club, status: TournamentStatus) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    club.move_to(status)
    response = club.change(registration["id"], {"status": "dropped"}, "owner")
    assert response.status_code == 409
    assert str(status) in response.json["message"]


def test_unknown_or_malformed_changes_are_422(club: Club) -> None:
    registration = club.signed_up(club.owners_player, "owner")
    for body in ({"checked_in": "yes"}, {"status": "gone"}, {"sequence": 7}):
        assert club.change(registration["id"], body).status_code == 422, body


def test_a_player_who_signed_up_is_kept_and_so_is_the_tournaments_game(club: Club) -> None:
    (someone,) = club.players(1)
    club.signed_up(someone)
    admin = club.people["admin"].headers
    player = club.http.get(f"/api/v1/players/{someone}", headers=admin)
    removed = club.http.delete(
        f"/api/v1/players/{someone}", headers={**admin, "If-Match": player.headers["ETag"]}
    )
    assert removed.status_code == 409, removed.json
    assert removed.json["message"] == (
        f"player {someone} signed up for 1 tournaments, which keep them"
    )
    game_id = club.http.get(f"/api/v1/tournaments/{club.id}").json["game_id"]
    game = club.http.get(f"/api/v1/games/{game_id}")
    removed = club.http.delete(
        f"/api/v1/games/{game_id}", headers={**admin, "If-Match": game.headers["ETag"]}
    )
    assert removed.status_code == 409, removed.json
    assert removed.json["message"] == f"game {game_id} is played in 1 tournaments, which keep it"
    assert club.http.get(f"/api/v1/players/{someone}", headers=admin).status_code == 200


def test_a_raised_capacity_promotes_the_waitlisted_in_order(club: Club) -> None:
    for player_id in club.players(5):
        club.signed_up(player_id)
    url = f"/api/v1/tournaments/{club.id}"
    organizer = club.people["organizer"].headers
    etag = club.http.get(url, headers=organizer).headers["ETag"]
    raised = club.http.patch(url, json={"capacity": 4}, headers={**organizer, "If-Match": etag})
    assert raised.status_code == 200, raised.json
    assert (raised.json["registered_count"], raised.json["waitlisted_count"]) == (4, 1)
    assert club.statuses() == [
        (1, "registered", False),
        (2, "registered", False),
        (3, "registered", True),
        (4, "registered", True),
        (5, "waitlisted", False),
    ]
