"""The tournaments endpoints: who may create, see, change and remove a tournament (every
role), the fields' 422s and the references' 409s, the lifecycle with its timestamps, and
the list's visibility and filters; on every configured database."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.tournaments import RegistrationStatus
from tests.accounts import Account
from tests.api.helpers import create_game
from tests.tournament_rows import pair_rounds, register

TOURNAMENTS = "/api/v1/tournaments"
VENUES = "/api/v1/venues"
REGISTERED = (RegistrationStatus.REGISTERED, False)
CHECKED_IN = (RegistrationStatus.REGISTERED, True)
WAITLISTED = (RegistrationStatus.WAITLISTED, False)


@pytest.fixture
def place(client: FlaskClient) -> dict[str, str]:
    """A game and a venue for 40 players."""
    game, _ = create_game(client, title="Netrunner")
    venue = client.post(
        VENUES,
        json={
            "name": "The Meeple Café",
            "address": "1 Main Street",
            "capacity": 40,
            "time_zone": "Europe/Paris",
        },
    )
    assert venue.status_code == 201, venue.json
    return {"game_id": game["id"], "venue_id": venue.json["id"]}


def body(place: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {
        **place,
        "name": "Winter Open",
        "format_name": "Best of three",
        "capacity": 16,
        "starts_at": "2026-12-12T10:00:00+01:00",
        **fields,
    }


def create(
    http: FlaskClient, caller: Account, place: dict[str, str], **fields: Any
) -> dict[str, Any]:
    response = http.post(TOURNAMENTS, json=body(place, **fields), headers=caller.headers)
    assert response.status_code == 201, response.json
    created: dict[str, Any] = response.json
    return created


def patch(http: FlaskClient, caller: Account, tournament_id: str, changes: dict[str, Any]) -> Any:
    path = f"{TOURNAMENTS}/{tournament_id}"
    etag = http.get(path, headers=caller.headers).headers.get("ETag", '"none"')
    return http.patch(path, json=changes, headers={**caller.headers, "If-Match": etag})


def opened(
    http: FlaskClient, caller: Account, place: dict[str, str], **fields: Any
) -> dict[str, Any]:
    """A new tournament with its registration open."""
    tournament = create(http, caller, place, **fields)
    response = patch(http, caller, tournament["id"], {"status": "registration_open"})
    assert response.status_code == 200, response.json
    answer: dict[str, Any] = response.json
    return answer


def test_an_organizer_creates_a_draft_of_their_own(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str]
) -> None:
    organizer = people["organizer"]
    response = http.post(TOURNAMENTS, json=body(place), headers=organizer.headers)
    assert response.status_code == 201, response.json
    created = response.json
    assert response.headers["Location"].endswith(f"{TOURNAMENTS}/{created['id']}")
    assert response.headers["ETag"].startswith(f'"{created["version"]}.')
    assert created["status"] == "draft"
    assert created["organizer_id"] == str(organizer.user_id)
    assert created["visibility"] == "public"
    assert created["top_cut_size"] is None
    assert created["rounds"] == []
    assert (created["registered_count"], created["waitlisted_count"]) == (0, 0)
    assert created["checked_in_count"] == 0
    assert created["registration_opened_at"] is None
    assert datetime.fromisoformat(created["starts_at"]) == datetime.fromisoformat(
        "2026-12-12T09:00:00+00:00"
    )


def test_members_and_anonymous_callers_cannot_create(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str]
) -> None:
    refused = http.post(TOURNAMENTS, json=body(place), headers=people["member"].headers)
    assert refused.status_code == 403
    assert http.post(TOURNAMENTS, json=body(place)).status_code == 401


def test_an_admin_names_the_organizer_who_must_organize(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str]
) -> None:
    admin, organizer = people["admin"], people["organizer"]
    named = create(http, admin, place, organizer_id=str(organizer.user_id))
    assert named["organizer_id"] == str(organizer.user_id)
    member = http.post(
        TOURNAMENTS,
        json=body(place, organizer_id=str(people["member"].user_id)),
        headers=admin.headers,
    )
    assert member.status_code == 422
    assert "organizer_id" in member.json["errors"]["json"]
    assert "organizer or admin" in member.json["message"]
    unknown = http.post(
        TOURNAMENTS,
        json=body(place, organizer_id="6f1c1d0e-0000-4000-8000-000000000000"),
        headers=admin.headers,
    )
    assert unknown.status_code == 409
    assert "organizer_id" in unknown.json["errors"]["json"]
    by_organizer = http.post(
        TOURNAMENTS,
        json=body(place, organizer_id=str(admin.user_id)),
        headers=organizer.headers,
    )
    assert by_organizer.status_code == 403


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"format_name": ""}, "format_name"),
        ({"capacity": 1}, "capacity"),
        ({"capacity": 41}, "capacity"),
        ({"starts_at": "2026-12-12T10:00:00"}, "starts_at"),
        ({"starts_at": "1800-12-12T10:00:00Z"}, "starts_at"),
        ({"top_cut_size": 3}, "top_cut_size"),
        ({"visibility": "secret"}, "visibility"),
        ({"status": "completed"}, "status"),
        ({"id": "6f1c1d0e-0000-4000-8000-000000000000"}, "id"),
    ],
)
def test_bad_fields_are_422_naming_them(
    http: FlaskClient,
    people: dict[str, Account],
    place: dict[str, str],
    fields: dict[str, Any],
    field: str,
) -> None:
    response = http.post(TOURNAMENTS, json=body(place, **fields), headers=people["admin"].headers)
    assert response.status_code == 422, response.json
    assert field in json.dumps(response.json["errors"])


@pytest.mark.parametrize("field", ["game_id", "venue_id"])
def test_an_unknown_game_or_venue_is_409_naming_it(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str], field: str
) -> None:
    unknown = body(place, **{field: "6f1c1d0e-0000-4000-8000-000000000000"})
    response = http.post(TOURNAMENTS, json=unknown, headers=people["organizer"].headers)
    assert response.status_code == 409
    assert field in response.json["errors"]["json"]


def test_a_draft_is_seen_by_its_organizer_and_admins_only(
    http: FlaskClient,
    people: dict[str, Account],
    place: dict[str, str],
    accounts: Any,
) -> None:
    draft = create(http, people["organizer"], place)
    path = f"{TOURNAMENTS}/{draft['id']}"
    other_organizer = accounts(people["organizer"].role)
    assert http.get(path).status_code == 404
    for caller in (people["member"], other_organizer):
        assert http.get(path, headers=caller.headers).status_code == 404
        refused = patch(http, caller, draft["id"], {"name": "Mine now"})
        assert refused.status_code in (403, 404)
    for caller in (people["organizer"], people["admin"]):
        response = http.get(path, headers=caller.headers)
        assert response.status_code == 200
        assert response.json["id"] == draft["id"]


def test_an_organizer_manages_only_their_own_tournaments_admins_any(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str], accounts: Any
) -> None:
    tournament = opened(http, people["organizer"], place)
    other_organizer = accounts(people["organizer"].role)
    assert http.get(f"{TOURNAMENTS}/{tournament['id']}").status_code == 200
    refused = patch(http, other_organizer, tournament["id"], {"name": "Taken over"})
    assert refused.status_code == 403
    member = patch(http, people["member"], tournament["id"], {"name": "Taken over"})
    assert member.status_code == 403
    admin = patch(http, people["admin"], tournament["id"], {"name": "Renamed by an admin"})
    assert admin.status_code == 200, admin.json
    assert admin.json["name"] == "Renamed by an admin"


def test_the_lifecycle_stamps_each_state_it_enters(
    http: FlaskClient,
    people: dict[str, Account],
    place: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    organizer = people["organizer"]
    tournament = create(http, organizer, place)
    refused = patch(http, organizer, tournament["id"], {"status": "in_progress"})
    assert refused.status_code == 409
    assert "registration_open" in refused.json["message"]

    opened = patch(http, organizer, tournament["id"], {"status": "registration_open"})
    assert opened.status_code == 200, opened.json
    assert opened.json["status"] == "registration_open"
    assert opened.json["registration_opened_at"] is not None
    assert opened.json["version"] == tournament["version"] + 1

    register(session_factory, tournament["id"], [CHECKED_IN, REGISTERED, WAITLISTED])
    too_few = patch(http, organizer, tournament["id"], {"status": "in_progress"})
    assert too_few.status_code == 409
    assert "at least 2" in too_few.json["message"]

    register(session_factory, tournament["id"], [CHECKED_IN])
    started = patch(http, organizer, tournament["id"], {"status": "in_progress"})
    assert started.status_code == 200, started.json
    assert started.json["started_at"] is not None
    assert (started.json["registered_count"], started.json["waitlisted_count"]) == (3, 1)
    assert started.json["checked_in_count"] == 2

    frozen = patch(http, organizer, tournament["id"], {"name": "Too late"})
    assert frozen.status_code == 409
    assert "only its status" in frozen.json["message"]

    completed = patch(http, organizer, tournament["id"], {"status": "completed"})
    assert completed.status_code == 200, completed.json
    assert completed.json["completed_at"] is not None
    assert completed.json["cancelled_at"] is None

    final = patch(http, organizer, tournament["id"], {"status": "cancelled"})
    assert final.status_code == 409
    assert "final" in final.json["message"]


@pytest.mark.parametrize("reached", ["draft", "registration_open"])
def test_a_tournament_is_cancelled_before_it_completes(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str], reached: str
) -> None:
    organizer = people["organizer"]
    tournament = create(http, organizer, place)
    if reached == "registration_open":
        patch(http, organizer, tournament["id"], {"status": "registration_open"})
    cancelled = patch(http, organizer, tournament["id"], {"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["cancelled_at"] is not None
    again = patch(http, organizer, tournament["id"], {"status": "registration_open"})
    assert again.status_code == 409


def test_capacity_stays_within_the_venue_and_above_the_registered(
    http: FlaskClient,
    people: dict[str, Account],
    place: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    organizer = people["organizer"]
    tournament = opened(http, organizer, place)
    register(session_factory, tournament["id"], [REGISTERED, REGISTERED, CHECKED_IN])
    too_low = patch(http, organizer, tournament["id"], {"capacity": 2})
    assert too_low.status_code == 409
    assert "3 players are registered" in too_low.json["message"]
    too_high = patch(http, organizer, tournament["id"], {"capacity": 41})
    assert too_high.status_code == 422
    assert "capacity" in too_high.json["errors"]["json"]
    small = http.post(
        VENUES,
        json={"name": "Back room", "address": "2 Main Street", "capacity": 8, "time_zone": "UTC"},
        headers=organizer.headers,
    )
    moved = patch(http, organizer, tournament["id"], {"venue_id": small.json["id"]})
    assert moved.status_code == 422
    assert "venue's capacity (8)" in moved.json["message"]
    fits = patch(http, organizer, tournament["id"], {"capacity": 3})
    assert fits.status_code == 200, fits.json
    assert fits.json["capacity"] == 3


def test_changes_need_the_current_etag(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str]
) -> None:
    organizer = people["organizer"]
    tournament = create(http, organizer, place)
    path = f"{TOURNAMENTS}/{tournament['id']}"
    missing = http.patch(path, json={"name": "X"}, headers=organizer.headers)
    assert missing.status_code == 428
    stale_tag = http.get(path, headers=organizer.headers).headers["ETag"]
    assert patch(http, organizer, tournament["id"], {"name": "Y"}).status_code == 200
    stale = http.patch(
        path, json={"name": "Z"}, headers={**organizer.headers, "If-Match": stale_tag}
    )
    assert stale.status_code == 412


def test_only_a_draft_is_removed(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str]
) -> None:
    organizer = people["organizer"]
    draft = create(http, organizer, place)
    live = opened(http, organizer, place)
    for tournament, expected in ((live, 409), (draft, 204)):
        path = f"{TOURNAMENTS}/{tournament['id']}"
        etag = http.get(path, headers=organizer.headers).headers["ETag"]
        response = http.delete(path, headers={**organizer.headers, "If-Match": etag})
        assert response.status_code == expected, response.json
    path = f"{TOURNAMENTS}/{live['id']}"
    etag = http.get(path, headers=organizer.headers).headers["ETag"]
    refused = http.delete(path, headers={**organizer.headers, "If-Match": etag})
    assert "cancel it instead" in refused.json["message"]
    assert http.get(f"{TOURNAMENTS}/{draft['id']}", headers=organizer.headers).status_code == 404


def test_the_list_shows_each_caller_what_they_may_see(
    http: FlaskClient,
    people: dict[str, Account],
    place: dict[str, str],
    accounts: Any,
    session_factory: sessionmaker[Session],
) -> None:
    organizer, other = people["organizer"], accounts(people["organizer"].role)
    public = opened(http, organizer, place, name="Public", starts_at="2026-12-01T10:00:00Z")
    members = opened(
        http, other, place, name="Members", visibility="members", starts_at="2026-12-02T10:00Z"
    )
    own_draft = create(http, organizer, place, name="Own draft", starts_at="2026-12-03T10:00Z")
    other_draft = create(http, other, place, name="Other draft", starts_at="2026-12-04T10:00Z")
    register(session_factory, public["id"], [REGISTERED, CHECKED_IN, WAITLISTED])

    def listed(caller: Account | None, **query: Any) -> list[str]:
        headers = {} if caller is None else caller.headers
        response = http.get(TOURNAMENTS, headers=headers, query_string=query)
        assert response.status_code == 200, response.json
        names = [item["name"] for item in response.json]
        assert json.loads(response.headers["X-Pagination"])["total"] == len(names)
        return names

    assert listed(None) == ["Public"]
    assert listed(people["member"]) == ["Public", "Members"]
    assert listed(organizer) == ["Public", "Members", "Own draft"]
    assert listed(other) == ["Public", "Members", "Other draft"]
    assert listed(people["admin"]) == ["Public", "Members", "Own draft", "Other draft"]
    assert listed(people["admin"], status="draft") == ["Own draft", "Other draft"]
    assert listed(people["admin"], starts_from="2026-12-02T10:00:00Z") == [
        "Members",
        "Own draft",
        "Other draft",
    ]
    assert listed(people["admin"], starts_until="2026-12-02T10:00:00Z") == ["Public"]
    assert listed(None, venue_id=place["venue_id"], game_id=place["game_id"]) == ["Public"]
    assert listed(None, venue_id=other_draft["id"]) == []
    page = http.get(TOURNAMENTS, query_string={"page_size": 1, "page": 2}, headers=other.headers)
    assert [item["name"] for item in page.json] == ["Members"]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    first = http.get(TOURNAMENTS).json[0]
    assert (first["registered_count"], first["waitlisted_count"]) == (2, 1)
    assert "rounds" not in first
    assert own_draft["id"] != members["id"]


def test_the_list_refuses_an_upside_down_period(http: FlaskClient) -> None:
    response = http.get(
        TOURNAMENTS,
        query_string={"starts_from": "2026-12-02T10:00:00Z", "starts_until": "2026-12-01T10:00Z"},
    )
    assert response.status_code == 422
    assert "starts_until" in json.dumps(response.json["errors"])


def test_the_detail_carries_the_rounds_with_their_matches(
    http: FlaskClient,
    people: dict[str, Account],
    place: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    tournament = opened(http, people["organizer"], place)
    pair_rounds(session_factory, tournament["id"], rounds=2, players=6)
    response = http.get(f"{TOURNAMENTS}/{tournament['id']}")
    assert response.status_code == 200
    rounds = response.json["rounds"]
    assert [round_["number"] for round_ in rounds] == [1, 2]
    assert [match["table_number"] for match in rounds[1]["matches"]] == [1, 2, 3]
    assert rounds[1]["matches"][0]["round_number"] == 2


def test_history_records_the_lifecycle(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str]
) -> None:
    tournament = opened(http, people["organizer"], place)
    response = http.get(
        f"{TOURNAMENTS}/{tournament['id']}/history", headers=people["organizer"].headers
    )
    assert response.status_code == 200
    assert len(response.json) == 2
    assert (
        http.get(
            f"{TOURNAMENTS}/{tournament['id']}/history", headers=people["member"].headers
        ).status_code
        == 403
    )


def test_each_answer_carrying_one_tournament_links_to_it(http: FlaskClient) -> None:
    spec = http.get("/api/openapi.json").json
    item = spec["paths"]["/api/v1/tournaments/{tournament_id}"]
    for operation, status in (
        (spec["paths"]["/api/v1/tournaments"]["post"], "201"),
        (item["get"], "200"),
        (item["patch"], "200"),
    ):
        links = operation["responses"][status]["links"]
        assert set(links) == {
            *("read", "change", "remove"),
            *("sign_up", "registrations", "pair_round", "rounds", "matches", "standings"),
        }
        assert links["read"]["parameters"] == {"tournament_id": "$response.body#/id"}
        assert links["read"]["operationRef"].endswith("~1tournaments~1{tournament_id}/get")
        # And to what it holds, by its id.
        assert links["pair_round"]["parameters"] == {"tournament_id": "$response.body#/id"}
        assert links["pair_round"]["operationRef"].endswith("~1{tournament_id}~1rounds/post")


def test_the_etag_follows_the_counts_and_rounds_too(
    http: FlaskClient,
    people: dict[str, Account],
    place: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    organizer = people["organizer"]
    tournament = opened(http, organizer, place)
    path = f"{TOURNAMENTS}/{tournament['id']}"
    seen = http.get(path).headers["ETag"]
    assert http.get(path, headers={"If-None-Match": seen}).status_code == 304
    for change in (
        lambda: register(session_factory, tournament["id"], [CHECKED_IN]),
        lambda: pair_rounds(session_factory, tournament["id"], rounds=1, players=2),
    ):
        change()
        fresh = http.get(path, headers={"If-None-Match": seen})
        assert fresh.status_code == 200
        assert fresh.headers["ETag"] != seen
        stale = http.patch(
            path, json={"name": "Late"}, headers={**organizer.headers, "If-Match": seen}
        )
        assert stale.status_code == 412
        seen = fresh.headers["ETag"]
    changed = http.patch(
        path, json={"name": "On time"}, headers={**organizer.headers, "If-Match": seen}
    )
    assert changed.status_code == 200, changed.json


def test_a_top_cut_larger_than_the_capacity_is_422(
    http: FlaskClient, people: dict[str, Account], place: dict[str, str]
) -> None:
    """Regression: a top 8 of a 4-place event was taken, and once started (when the cut is
    fixed) its Swiss rounds ended in a cut that could never be paired."""
    organizer = people["organizer"]
    refused = http.post(
        TOURNAMENTS,
        json=body(place, capacity=4, top_cut_size=8),
        headers=organizer.headers,
    )
    assert refused.status_code == 422, refused.json
    assert "top_cut_size" in refused.json["errors"]["json"]
    assert "capacity is 4" in refused.json["message"]
    tournament = create(http, organizer, place, capacity=8, top_cut_size=8)
    lowered = patch(http, organizer, tournament["id"], {"capacity": 6})
    assert lowered.status_code == 422, lowered.json
    assert "capacity" in lowered.json["errors"]["json"]
    raised = patch(http, organizer, tournament["id"], {"top_cut_size": 16})
    assert raised.status_code == 422 and "top_cut_size" in raised.json["errors"]["json"]
    both = patch(http, organizer, tournament["id"], {"capacity": 4, "top_cut_size": 4})
    assert both.status_code == 200, both.json
