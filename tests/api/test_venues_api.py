"""The venues endpoints: anyone reads them, organizers and admins manage them (members are
403), the time zone and capacity checked, If-Match, and a venue with tournaments kept;
on every configured database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.accounts import Account
from tests.api.helpers import create_game

VENUES = "/api/v1/venues"
TOURNAMENTS = "/api/v1/tournaments"


def venue_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "The Meeple Café",
        "address": "1 Main Street",
        "capacity": 40,
        "time_zone": "Europe/Paris",
        **fields,
    }


def add(http: FlaskClient, caller: Account, **fields: Any) -> dict[str, Any]:
    response = http.post(VENUES, json=venue_body(**fields), headers=caller.headers)
    assert response.status_code == 201, response.json
    created: dict[str, Any] = response.json
    return created


def with_etag(http: FlaskClient, caller: Account, venue_id: str) -> dict[str, str]:
    etag = http.get(f"{VENUES}/{venue_id}").headers["ETag"]
    return {**caller.headers, "If-Match": etag}


def test_organizers_and_admins_add_venues_anyone_reads_them(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    response = http.post(VENUES, json=venue_body(), headers=people["organizer"].headers)
    assert response.status_code == 201, response.json
    venue = response.json
    assert response.headers["Location"].endswith(f"{VENUES}/{venue['id']}")
    assert response.headers["ETag"] == f'"{venue["version"]}"'
    assert venue["time_zone"] == "Europe/Paris"
    add(http, people["admin"], name="Attic")
    assert http.post(VENUES, json=venue_body(), headers=people["member"].headers).status_code == 403
    assert http.post(VENUES, json=venue_body()).status_code == 401
    listed = http.get(VENUES)
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json] == ["Attic", "The Meeple Café"]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2
    page = http.get(VENUES, query_string={"page": 2, "page_size": 1})
    assert [item["name"] for item in page.json] == ["The Meeple Café"]
    one = http.get(f"{VENUES}/{venue['id']}")
    assert one.status_code == 200
    assert one.json["address"] == "1 Main Street"
    assert http.get(f"{VENUES}/6f1c1d0e-0000-4000-8000-000000000000").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "europe/paris"}, "time_zone"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": "40"}, "capacity"),
        ({"name": " \t"}, "name"),
        ({"address": "x" * 501}, "address"),
        ({"id": "6f1c1d0e-0000-4000-8000-000000000000"}, "id"),
    ],
)
def test_bad_fields_are_422_naming_them(
    http: FlaskClient, people: dict[str, Account], fields: dict[str, Any], field: str
) -> None:
    response = http.post(VENUES, json=venue_body(**fields), headers=people["admin"].headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]


def test_a_change_needs_the_current_etag_and_a_manager(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    venue = add(http, people["organizer"])
    path = f"{VENUES}/{venue['id']}"
    missing = http.patch(path, json={"capacity": 50}, headers=people["organizer"].headers)
    assert missing.status_code == 428
    member = http.patch(
        path, json={"capacity": 50}, headers=with_etag(http, people["member"], venue["id"])
    )
    assert member.status_code == 403
    headers = with_etag(http, people["admin"], venue["id"])
    changed = http.patch(
        path, json={"capacity": 50, "time_zone": "America/New_York"}, headers=headers
    )
    assert changed.status_code == 200, changed.json
    assert (changed.json["capacity"], changed.json["time_zone"]) == (50, "America/New_York")
    stale = http.patch(path, json={"capacity": 60}, headers=headers)
    assert stale.status_code == 412
    bad_zone = http.patch(
        path, json={"time_zone": "Nowhere"}, headers=with_etag(http, people["admin"], venue["id"])
    )
    assert bad_zone.status_code == 422
    assert "time_zone" in bad_zone.json["errors"]["json"]


def test_a_venue_with_tournaments_is_kept_naming_how_many(
    http: FlaskClient, client: FlaskClient, people: dict[str, Account]
) -> None:
    organizer = people["organizer"]
    venue = add(http, organizer)
    game, _ = create_game(client, title="Netrunner")
    for name in ("Open", "Cup"):
        tournament = http.post(
            TOURNAMENTS,
            json={
                "name": name,
                "game_id": game["id"],
                "venue_id": venue["id"],
                "format_name": "Swiss",
                "capacity": 8,
                "starts_at": "2026-12-12T10:00:00Z",
            },
            headers=organizer.headers,
        )
        assert tournament.status_code == 201, tournament.json
    path = f"{VENUES}/{venue['id']}"
    refused = http.delete(path, headers=with_etag(http, organizer, venue["id"]))
    assert refused.status_code == 409
    assert refused.json["message"].startswith(f"venue {venue['id']} has 2 tournaments;")

    empty = add(http, organizer, name="Empty hall")
    removed = http.delete(
        f"{VENUES}/{empty['id']}", headers=with_etag(http, organizer, empty["id"])
    )
    assert removed.status_code == 204
    assert http.get(f"{VENUES}/{empty['id']}").status_code == 404
    history = http.get(f"{VENUES}/{empty['id']}/history", headers=organizer.headers)
    assert history.status_code == 200
    assert [entry["action"] for entry in history.json] == ["delete", "insert"]
