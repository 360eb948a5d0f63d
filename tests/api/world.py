"""A small world for the security tests: accounts of every kind, an entity for every path
parameter the API has, and a valid request for every operation, all built for each test."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from backend.domain.accounts import Role
from backend.domain.tournaments import MatchStatus, RoundStage
from backend.models import Match, Round
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.state import app_state
from tests.accounts import TEST_PASSWORD, Account
from tests.conftest import AccountMaker
from tests.factories import game_fields
from tests.tournament_builders import build_event

# A passphrase any new account or changed password may have.
NEW_PASSWORD = "a brand new passphrase for tests"


@dataclass(frozen=True)
class World:
    """Who can call, and what they call it on."""

    member: Account
    organizer: Account
    admin: Account
    deactivated: Account
    expired: Account
    revoked: Account
    # The user and token that /users/{user_id} and /auth/tokens/{token_id} name: no
    # caller's own, so no call on them takes a caller's token away.
    target: Account
    game_id: str
    # A club copy of that game.
    copy_id: str
    category_id: str
    tag_id: str
    # The member's own player, made on first use: a route without {player_id} (creating a
    # player) meets a member who has none yet, one with it the player the member owns,
    # which owns the game (so taking it out of the collection finds it there).
    member_player: Callable[[], str]
    # A play of the world's game the member's player took part in, made on first use, so
    # the member's player and the game have no plays unless a route names a play.
    member_play: Callable[[], str]
    # A public tournament of the world's game at its venue, its registration open, which
    # the organizer runs (so anyone reads it), and the member's player's registration in it,
    # each made on first use.
    open_tournament: Callable[[], str]
    member_registration: Callable[[], str]
    # A public tournament in progress, organized by the organizer, in its first round: the
    # member's player against another, whose user reported the result (so the member may
    # re-report it or confirm it); its match.
    tournament: Callable[[], str]
    match: Callable[[], str]
    # A public tournament in progress, organized by the organizer, with no round yet.
    unpaired_tournament: Callable[[], str]
    # A venue, made on first use; removals get a venue without tournaments and a draft
    # tournament of their own, new each time.
    venue: Callable[[], str]
    empty_venue: Callable[[], str]
    draft_tournament: Callable[[], str]

    def role(self, role: Role) -> Account:
        return {Role.MEMBER: self.member, Role.ORGANIZER: self.organizer, Role.ADMIN: self.admin}[
            role
        ]


def make_world(app: Flask, accounts: AccountMaker) -> World:
    admin = accounts(Role.ADMIN)
    client = app.test_client()
    created: dict[str, str] = {}
    for kind, path, body in (
        ("game", "/api/v1/games", game_fields()),
        ("category", "/api/v1/categories", {"name": "Strategy Games"}),
        ("tag", "/api/v1/tags", {"name": "Solo"}),
    ):
        response = client.post(path, json=body, headers=admin.headers)
        assert response.status_code == 201, response.json
        created[kind] = response.get_json()["id"]
    copy = client.post(f"/api/v1/games/{created['game']}/copies", json={}, headers=admin.headers)
    assert copy.status_code == 201, copy.json
    member = accounts(Role.MEMBER)
    organizer = accounts(Role.ORGANIZER)

    def new_venue() -> str:
        response = client.post(
            "/api/v1/venues",
            json={
                "name": _unique("Hall"),
                "address": "1 Main St",
                "capacity": 64,
                "time_zone": "UTC",
            },
            headers=organizer.headers,
        )
        assert response.status_code == 201, response.json
        venue_id: str = response.get_json()["id"]
        return venue_id

    venue = functools.cache(new_venue)

    def new_draft() -> str:
        response = client.post(
            "/api/v1/tournaments",
            json=tournament_body(created["game"], venue()),
            headers=organizer.headers,
        )
        assert response.status_code == 201, response.json
        tournament_id: str = response.get_json()["id"]
        return tournament_id

    @functools.cache
    def open_tournament() -> str:
        tournament_id = new_draft()
        path = f"/api/v1/tournaments/{tournament_id}"
        etag = client.get(path, headers=organizer.headers).headers["ETag"]
        opened = client.patch(
            path,
            json={"status": "registration_open"},
            headers={**organizer.headers, "If-Match": etag},
        )
        assert opened.status_code == 200, opened.json
        return tournament_id

    @functools.cache
    def member_player() -> str:
        response = client.post(
            "/api/v1/players", json={"display_name": "Member's own"}, headers=member.headers
        )
        assert response.status_code == 201, response.json
        player_id: str = response.get_json()["id"]
        owned = client.put(
            f"/api/v1/players/{player_id}/collection/{created['game']}", headers=member.headers
        )
        assert owned.status_code == 201, owned.json
        return player_id

    @functools.cache
    def member_play() -> str:
        body = {
            "game_id": created["game"],
            "played_at": "2026-11-20T19:30:00Z",
            "participants": [{"player_id": member_player()}],
        }
        response = client.post("/api/v1/plays", json=body, headers=member.headers)
        assert response.status_code == 201, response.json
        play_id: str = response.get_json()["id"]
        return play_id

    @functools.cache
    def member_registration() -> str:
        response = client.post(
            f"/api/v1/tournaments/{open_tournament()}/registrations",
            json={"player_id": member_player()},
            headers=admin.headers,
        )
        assert response.status_code == 201, response.json
        registration_id: str = response.get_json()["id"]
        return registration_id

    session_factory = app_state(app).session_factory

    @functools.cache
    def tournament_and_match() -> tuple[str, str]:
        member_player_id = uuid.UUID(member_player())
        with SqlAlchemyUnitOfWork(session_factory, actor=organizer.actor) as uow:
            event = build_event(uow, organizer.user_id, 1, existing_players=[member_player_id])
            match = Match(
                table_number=1,
                player_a_id=member_player_id,
                player_b_id=event.player_ids[1],
                player_a_wins=0,
                player_b_wins=2,
                draws=0,
                status=MatchStatus.REPORTED,
                reported_by=f"user:{uuid.uuid4()}",
            )
            uow.rounds.add(
                Round(
                    tournament_id=event.tournament_id,
                    number=1,
                    stage=RoundStage.SWISS,
                    matches=[match],
                )
            )
            uow.tournaments.update(
                uow.tournaments.get_or_raise(event.tournament_id),
                {"swiss_rounds": 1, "top_cut_size": 0},
            )
            uow.commit()
            return str(event.tournament_id), str(match.id)

    @functools.cache
    def unpaired_tournament() -> str:
        with SqlAlchemyUnitOfWork(session_factory, actor=organizer.actor) as uow:
            return str(build_event(uow, organizer.user_id, 4).tournament_id)

    return World(
        member=member,
        organizer=organizer,
        admin=admin,
        # Admins all: what refuses them is the token or the account, never the role.
        deactivated=accounts(Role.ADMIN, active=False),
        expired=accounts(Role.ADMIN, expires_in=-timedelta(minutes=1)),
        revoked=accounts(Role.ADMIN, revoked=True),
        target=accounts(Role.MEMBER),
        game_id=created["game"],
        copy_id=copy.get_json()["id"],
        category_id=created["category"],
        tag_id=created["tag"],
        member_player=member_player,
        member_play=member_play,
        open_tournament=open_tournament,
        member_registration=member_registration,
        tournament=lambda: tournament_and_match()[0],
        match=lambda: tournament_and_match()[1],
        unpaired_tournament=unpaired_tournament,
        venue=venue,
        empty_venue=new_venue,
        draft_tournament=new_draft,
    )


def tournament_body(game_id: str, venue_id: str) -> dict[str, Any]:
    """A valid new tournament of this game at this venue."""
    return {
        "name": _unique("Open"),
        "game_id": game_id,
        "venue_id": venue_id,
        "format_name": "Swiss, best of three",
        "capacity": 32,
        "starts_at": "2026-12-12T10:00:00+01:00",
    }


# Removals that need an entity of their own: a venue without tournaments, a draft.
FRESH_FOR_REMOVAL = {
    "/api/v1/venues/<uuid:venue_id>": "venue_id",
    "/api/v1/tournaments/<uuid:tournament_id>": "tournament_id",
}


def path_values(world: World, rule: str, method: str = "GET") -> dict[str, str]:
    """The path parameters a rule names, filled with the world's entities; a parameter no
    entity fills fails the test, so a new kind of resource cannot be left out."""
    label_id = world.category_id if rule.startswith("/api/v1/categories") else world.tag_id
    known: dict[str, Callable[[], str]] = {
        "game_id": lambda: world.game_id,
        "copy_id": lambda: world.copy_id,
        "label_id": lambda: label_id,
        "user_id": lambda: str(world.target.user_id),
        "token_id": lambda: str(world.target.token_id),
        "player_id": world.member_player,
        "play_id": world.member_play,
        # Pairing a round needs one whose last round is over (one with none); its rounds,
        # matches and standings one in its first round; the tournament itself and its
        # registrations one open for registration.
        "tournament_id": (
            world.unpaired_tournament
            if rule.endswith("/rounds")
            else world.tournament
            if re.search(r"/(rounds|matches|standings)\b", rule)
            else world.open_tournament
        ),
        "registration_id": world.member_registration,
        "number": lambda: "1",
        "match_id": world.match,
        "venue_id": world.venue,
    }
    if method == "DELETE" and rule in FRESH_FOR_REMOVAL:
        fresh = {"venue_id": world.empty_venue, "tournament_id": world.draft_tournament}
        name = FRESH_FOR_REMOVAL[rule]
        known[name] = fresh[name]
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    missing = [name for name in names if name not in known]
    assert not missing, f"no entity of the world fills {missing} of {rule}: add one"
    return {name: known[name]() for name in names}


def fill(world: World, rule: str, method: str = "GET") -> str:
    """The rule's path with its parameters filled (for `method`: a removal may need an
    entity of its own)."""
    values = path_values(world, rule, method)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: values[match.group(1)], rule)


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


# A valid body for each operation that takes one, by (method, OpenAPI path); built per
# call, since names and emails must be new each time.
VALID_BODIES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("post", "/api/v1/games"): lambda _world: game_fields(),
    ("patch", "/api/v1/games/{game_id}"): lambda _world: {"title": _unique("Renamed")},
    ("post", "/api/v1/categories"): lambda _world: {"name": _unique("Category")},
    ("patch", "/api/v1/categories/{label_id}"): lambda _world: {"name": _unique("Category")},
    ("post", "/api/v1/tags"): lambda _world: {"name": _unique("Tag")},
    ("patch", "/api/v1/tags/{label_id}"): lambda _world: {"name": _unique("Tag")},
    ("post", "/api/v1/auth/tokens"): lambda world: {
        "email": world.target.email,
        "password": TEST_PASSWORD,
        "name": "laptop",
    },
    ("put", "/api/v1/auth/me/password"): lambda _world: {
        "current_password": TEST_PASSWORD,
        "new_password": NEW_PASSWORD,
    },
    ("post", "/api/v1/users"): lambda _world: {
        "email": f"new-{uuid.uuid4().hex[:8]}@example.org",
        "password": NEW_PASSWORD,
        "display_name": "Newcomer",
        "role": "member",
    },
    ("patch", "/api/v1/users/{user_id}"): lambda _world: {"display_name": _unique("Renamed")},
    ("post", "/api/v1/players"): lambda _world: {"display_name": _unique("Player")},
    ("patch", "/api/v1/players/{player_id}"): lambda _world: {"display_name": _unique("Renamed")},
    ("put", "/api/v1/players/{player_id}/preferences"): lambda _world: {
        "min_group_size": 2,
        "max_group_size": 5,
    },
    ("post", "/api/v1/games/{game_id}/copies"): lambda _world: {"note": "missing 2 meeples"},
    ("patch", "/api/v1/games/{game_id}/copies/{copy_id}"): lambda _world: {"note": "sleeved"},
    ("post", "/api/v1/plays"): lambda world: {
        "game_id": world.game_id,
        "played_at": "2026-11-21T20:00:00+01:00",
        "participants": [{"player_id": world.member_player(), "score": 3, "rating": 7}],
    },
    ("patch", "/api/v1/plays/{play_id}"): lambda _world: {"note": _unique("Note")},
    ("post", "/api/v1/tournaments/{tournament_id}/registrations"): lambda world: {
        "player_id": world.member_player()
    },
    ("patch", "/api/v1/tournaments/{tournament_id}/registrations/{registration_id}"): (
        lambda _world: {"checked_in": True}
    ),
    ("post", "/api/v1/tournaments/{tournament_id}/rounds"): lambda _world: {
        "allow_rematches": False
    },
    ("put", "/api/v1/tournaments/{tournament_id}/matches/{match_id}/result"): lambda _world: {
        "player_a_wins": 2,
        "player_b_wins": 1,
        "draws": 0,
    },
    ("post", "/api/v1/venues"): lambda _world: {
        "name": _unique("Venue"),
        "address": "2 Main St",
        "capacity": 30,
        "time_zone": "Europe/Paris",
    },
    ("patch", "/api/v1/venues/{venue_id}"): lambda _world: {"name": _unique("Renamed")},
    ("post", "/api/v1/tournaments"): lambda world: tournament_body(world.game_id, world.venue()),
    ("patch", "/api/v1/tournaments/{tournament_id}"): lambda _world: {"name": _unique("Renamed")},
}

# A valid query for each read that needs one, by OpenAPI path.
VALID_QUERIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "/api/v1/concierge/suggestions": lambda world: {
        "players": world.member_player(),
        "minutes": 60,
    },
}


def openapi_path(rule: str) -> str:
    """Flask's `/games/<uuid:game_id>` as OpenAPI writes it: `/games/{game_id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def current_etag(client: FlaskClient, world: World, path: str) -> str | None:
    """The ETag an admin reads at `path`, or None where nothing there has one."""
    response = client.get(path, headers=world.admin.headers)
    return response.headers.get("ETag") if response.status_code == 200 else None
