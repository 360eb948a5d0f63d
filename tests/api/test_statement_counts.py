"""Reads cost a constant number of SQL statements, whatever the page size; a bearer token
adds one (its lookup), and its last use is written at most once a minute."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.accounts import Role
from backend.domain.principal import SYSTEM, Principal
from backend.domain.tournaments import RegistrationStatus
from backend.models import (
    ApiToken,
    AuditLog,
    CollectionItem,
    GameCopy,
    Play,
    Player,
    PlayParticipant,
    game_categories,
    game_tags,
)
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services import registrations, rounds
from backend.state import app_state
from tests.accounts import Account, add_account
from tests.api.helpers import GAMES
from tests.conftest import recorded_statements
from tests.factories import game_fields
from tests.shelf_and_plays import World
from tests.tournament_builders import stored_event
from tests.tournament_rows import add_players, add_tournament, pair_rounds, register

PLAYS = "/api/v1/plays"
PLAYERS = "/api/v1/players"


@pytest.fixture
def catalog(clean_database: None, session_factory: sessionmaker[Session]) -> list[str]:
    """120 games, each with two categories and three tags."""
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        ids = uow.games.insert_many([game_fields() for _ in range(120)])
        categories = list(uow.categories.ids_by_slug(["Strategy", "Family"]).values())
        tags = list(uow.tags.ids_by_slug(["Dice", "Cards", "Tiles"]).values())
        uow.session.execute(
            insert(game_categories),
            [{"game_id": game, "category_id": label} for game in ids for label in categories],
        )
        uow.session.execute(
            insert(game_tags),
            [{"game_id": game, "tag_id": label} for game in ids for label in tags],
        )
        uow.commit()
    return [str(game_id) for game_id in ids]


def test_get_one_game_with_its_labels_costs_at_most_two_statements(
    anonymous_client: FlaskClient, catalog: list[str]
) -> None:
    with recorded_statements() as statements:
        response = anonymous_client.get(f"{GAMES}/{catalog[0]}")
    assert response.status_code == 200
    assert len(response.json["categories"]) == 2
    assert len(response.json["tags"]) == 3
    assert len(statements) <= 2, statements


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_page_of_games_with_labels_costs_at_most_four_statements(
    anonymous_client: FlaskClient, catalog: list[str], page_size: int
) -> None:
    with recorded_statements() as statements:
        response = anonymous_client.get(GAMES, query_string={"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json) == page_size
    assert all(len(game["tags"]) == 3 for game in response.json)
    assert len(statements) <= 4, statements


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_filtered_page_costs_no_more(
    anonymous_client: FlaskClient, catalog: list[str], page_size: int
) -> None:
    query = {
        "page_size": page_size,
        "players": 3,
        "category": "strategy",
        "tag": ["Dice", "tiles"],
        "max_minutes": 90,
        "sort": "-rating",
    }
    with recorded_statements() as statements:
        response = anonymous_client.get(GAMES, query_string=query)
    assert response.status_code == 200
    assert len(response.json) == page_size
    assert len(statements) <= 4, statements


def test_liveness_costs_no_statement_and_no_connection(app: Flask, client: FlaskClient) -> None:
    pool = app_state(app).engine.pool
    before = pool.checkedout()  # type: ignore[attr-defined]
    with recorded_statements() as statements:
        assert client.get("/health/live").status_code == 200
    assert statements == []
    assert pool.checkedout() == before  # type: ignore[attr-defined]


def token_statements(statements: list[str]) -> list[str]:
    """The statements that touch the api_tokens table."""
    return [statement for statement in statements if "api_tokens" in statement]


def is_a(kind: str, statement: str) -> bool:
    return statement.lstrip().upper().startswith(kind)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("one game", {}),
        ("page", {"page_size": 20}),
        ("page", {"page_size": 100, "players": 3, "category": "strategy", "sort": "-rating"}),
    ],
)
def test_a_read_with_a_token_costs_exactly_its_lookup_more_than_anonymously(
    client: FlaskClient,
    anonymous_client: FlaskClient,
    catalog: list[str],
    path: str,
    query: dict[str, object],
) -> None:
    url = f"{GAMES}/{catalog[0]}" if path == "one game" else GAMES
    with recorded_statements() as anonymous:
        alone = anonymous_client.get(url, query_string=query)
    with recorded_statements() as signed_in:
        with_token = client.get(url, query_string=query)
    assert (alone.status_code, with_token.status_code) == (200, 200)
    assert with_token.json == alone.json
    (lookup,) = token_statements(signed_in)
    assert is_a("SELECT", lookup), lookup
    assert len(signed_in) == len(anonymous) + 1, (anonymous, signed_in)
    assert [statement for statement in signed_in if statement != lookup] == anonymous


def test_an_authenticated_write_costs_one_statement_for_its_token(client: FlaskClient) -> None:
    with recorded_statements() as statements:
        response = client.post(GAMES, json=game_fields(title="Signed in"))
    assert response.status_code == 201
    # The lookup finds token and user at once; nothing else of the write reads either.
    (lookup,) = token_statements(statements)
    assert is_a("SELECT", lookup), lookup
    assert [statement for statement in statements if "users" in statement] == [lookup]


def test_a_token_last_used_over_a_minute_ago_is_written_once_and_only_its_use(
    client: FlaskClient,
    organizer: Account,
    catalog: list[str],
    engine: Engine,
) -> None:
    tokens = ApiToken.__table__
    long_ago = datetime.now(UTC) - timedelta(minutes=2)
    with engine.begin() as connection:
        connection.execute(
            update(tokens).where(tokens.c.id == organizer.token_id).values(last_used_at=long_ago)
        )
        version_before = connection.scalar(
            select(tokens.c.version).where(tokens.c.id == organizer.token_id)
        )
        audit_before = connection.scalar(select(func.count()).select_from(AuditLog))
    url = f"{GAMES}/{catalog[0]}"

    with recorded_statements() as first:
        assert client.get(url).status_code == 200
    with recorded_statements() as second:
        assert client.get(url).status_code == 200

    first_lookup, written = token_statements(first)
    assert is_a("SELECT", first_lookup) and is_a("UPDATE", written), first
    assert [statement for statement in first if is_a("UPDATE", statement)] == [written]
    (second_lookup,) = token_statements(second)
    assert is_a("SELECT", second_lookup), second
    assert not [statement for statement in second if is_a("UPDATE", statement)]
    with engine.connect() as connection:
        version, last_used_at = connection.execute(
            select(tokens.c.version, tokens.c.last_used_at).where(tokens.c.id == organizer.token_id)
        ).one()
        audit_after = connection.scalar(select(func.count()).select_from(AuditLog))
    assert version == version_before
    assert audit_after == audit_before
    noted = last_used_at if last_used_at.tzinfo else last_used_at.replace(tzinfo=UTC)
    assert noted > long_ago + timedelta(minutes=1)


@pytest.fixture
def shelf(catalog: list[str], session_factory: sessionmaker[Session]) -> tuple[str, str]:
    """120 copies of the catalog's first game, and a player owning every game of it."""
    now = datetime.now(UTC)
    bookkeeping = {"created_by": "tests", "updated_by": "tests", "version": 1}
    stamps = {"created_at": now, "updated_at": now, **bookkeeping}
    player_id = uuid.uuid4()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.session.execute(insert(Player), [{"id": player_id, "display_name": "Ana", **stamps}])
        uow.session.execute(
            insert(GameCopy),
            [{"id": uuid.uuid4(), "game_id": uuid.UUID(catalog[0]), **stamps} for _ in range(120)],
        )
        uow.session.execute(
            insert(CollectionItem),
            [
                {
                    "id": uuid.uuid4(),
                    "player_id": player_id,
                    "game_id": uuid.UUID(game_id),
                    **stamps,
                }
                for game_id in catalog
            ],
        )
        uow.commit()
    return catalog[0], str(player_id)


@pytest.mark.parametrize("page_size", [1, 20, 100])
@pytest.mark.parametrize("listing", ["copies", "collection"])
def test_a_page_of_the_shelf_costs_three_statements_whatever_its_size(
    client: FlaskClient, shelf: tuple[str, str], listing: str, page_size: int
) -> None:
    game_id, player_id = shelf
    url = (
        f"{GAMES}/{game_id}/copies"
        if listing == "copies"
        else f"/api/v1/players/{player_id}/collection"
    )
    with recorded_statements() as statements:
        response = client.get(url, query_string={"page_size": page_size})
    assert response.status_code == 200, response.json
    assert len(response.json) == page_size
    # The token's lookup, the count and the page.
    assert len(statements) == 3, statements


@pytest.fixture
def plays(catalog: list[str], session_factory: sessionmaker[Session]) -> dict[str, str]:
    """120 plays of one game, each with four participants of the same four players."""
    now = datetime.now(UTC)
    bookkeeping = {"created_by": "tests", "updated_by": "tests", "version": 1}
    player_ids = [uuid.uuid4() for _ in range(4)]
    play_ids = [uuid.uuid4() for _ in range(120)]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.session.execute(
            insert(Player),
            [
                {
                    "id": player_id,
                    "display_name": f"Player {n}",
                    "created_at": now,
                    "updated_at": now,
                    **bookkeeping,
                }
                for n, player_id in enumerate(player_ids)
            ],
        )
        uow.session.execute(
            insert(Play),
            [
                {
                    "id": play_id,
                    "game_id": uuid.UUID(catalog[0]),
                    "played_at": now - timedelta(days=n),
                    "created_at": now,
                    "updated_at": now,
                    **bookkeeping,
                }
                for n, play_id in enumerate(play_ids)
            ],
        )
        uow.session.execute(
            insert(PlayParticipant),
            [
                {
                    "play_id": play_id,
                    "player_id": player_id,
                    "score": n,
                    "is_winner": n == 0,
                    "rating": 7,
                }
                for play_id in play_ids
                for n, player_id in enumerate(player_ids)
            ],
        )
        uow.commit()
    return {"game": catalog[0], "player": str(player_ids[0]), "play": str(play_ids[0])}


@pytest.mark.parametrize("page_size", [1, 20, 100])
@pytest.mark.parametrize("listing", ["all", "filtered", "of a player"])
def test_a_page_of_plays_with_participants_costs_three_statements(
    client: FlaskClient, plays: dict[str, str], page_size: int, listing: str
) -> None:
    path, query = {
        "all": (PLAYS, {}),
        "filtered": (
            PLAYS,
            {
                "player_id": plays["player"],
                "game_id": plays["game"],
                "played_from": "2000-01-01T00:00:00Z",
            },
        ),
        "of a player": (f"{PLAYERS}/{plays['player']}/plays", {}),
    }[listing]
    with recorded_statements() as statements:
        response = client.get(path, query_string={"page_size": page_size, **query})
    assert response.status_code == 200, response.json
    assert len(response.json) == page_size
    assert all(len(play["participants"]) == 4 for play in response.json)
    # The token's lookup, the count, the page, its participants (and the player's lookup).
    expected = 5 if listing == "of a player" else 4
    assert len(statements) == expected, statements


def test_one_play_costs_two_statements(client: FlaskClient, plays: dict[str, str]) -> None:
    with recorded_statements() as statements:
        response = client.get(f"{PLAYS}/{plays['play']}")
    assert response.status_code == 200
    assert len(response.json["participants"]) == 4
    assert len(statements) == 1 + 2, statements


def test_a_players_stats_cost_three_statements(client: FlaskClient, plays: dict[str, str]) -> None:
    with recorded_statements() as statements:
        response = client.get(f"{PLAYERS}/{plays['player']}/stats")
    assert response.status_code == 200
    assert (response.json["plays"], response.json["wins"]) == (120, 120)
    assert len(statements) == 1 + 3, statements


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_the_games_club_statistics_cost_no_statement_more(
    anonymous_client: FlaskClient, plays: dict[str, str], page_size: int
) -> None:
    with recorded_statements() as one:
        detail = anonymous_client.get(f"{GAMES}/{plays['game']}")
    with recorded_statements() as page:
        listed = anonymous_client.get(GAMES, query_string={"page_size": page_size})
    assert (detail.json["club_plays"], detail.json["club_rating"]) == (120, 7.0)
    assert len(one) <= 2, one
    assert len(listed.json) == page_size and len(page) <= 4, page


@pytest.mark.parametrize("page_size", [1, 4])
def test_players_with_their_play_counts_cost_no_statement_more(
    client: FlaskClient, plays: dict[str, str], page_size: int
) -> None:
    with recorded_statements() as statements:
        response = client.get(PLAYERS, query_string={"page_size": page_size})
    assert response.status_code == 200
    assert [player["play_count"] for player in response.json] == [120] * page_size
    # The token's lookup, the count and the page.
    assert len(statements) == 3, statements


@pytest.mark.parametrize(("group_size", "catalog_size"), [(1, 5), (8, 5), (1, 200), (8, 200)])
def test_a_suggestion_request_costs_at_most_five_statements(
    client: FlaskClient,
    session_factory: sessionmaker[Session],
    clean_database: None,
    group_size: int,
    catalog_size: int,
) -> None:
    world = World(session_factory)
    members = [world.player(f"P{number}", favourite_tags=["Dice"]) for number in range(group_size)]
    for number in range(catalog_size):
        game_id = world.game(
            f"G{number}", min_players=1, max_players=10, categories=["Family"], tags=["Dice"]
        )
        world.owns(members[number % group_size], game_id)
        world.play(game_id, datetime.now(UTC), dict.fromkeys(members, 7))
    world.commit()
    query = {"players": ",".join(map(str, members)), "minutes": 120, "limit": 50}
    with recorded_statements() as statements:
        response = client.get("/api/v1/concierge/suggestions", query_string=query)
    assert response.status_code == 200, response.json
    assert len(response.json["items"]) == min(50, catalog_size)
    suggesting = [sql for sql in statements if sql not in token_statements(statements)]
    assert len(suggesting) <= 5, suggesting


@pytest.fixture
def signed_up(clean_database: None, session_factory: sessionmaker[Session]) -> str:
    """A public tournament with 120 sign-ups (16 registered, the rest waitlisted)."""
    organizer = add_account(session_factory, Role.ORGANIZER)
    tournament_id = add_tournament(session_factory, organizer.user_id, capacity=16)
    principal = Principal.of_user(organizer.user_id, Role.ORGANIZER)
    for player_id in add_players(session_factory, 120):
        with SqlAlchemyUnitOfWork(session_factory) as uow:
            registrations.register(uow, principal, tournament_id, player_id)
    return str(tournament_id)


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_page_of_registrations_with_their_players_costs_three_statements(
    anonymous_client: FlaskClient, signed_up: str, page_size: int
) -> None:
    url = f"/api/v1/tournaments/{signed_up}/registrations"
    with recorded_statements() as statements:
        response = anonymous_client.get(url, query_string={"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json) == page_size
    assert all(registration["display_name"] for registration in response.json)
    # The tournament (who may see it), the count, the page joined to the players.
    assert len(statements) == 3, statements
    with recorded_statements() as filtered:
        response = anonymous_client.get(
            url, query_string={"page_size": page_size, "status": "waitlisted"}
        )
    assert response.status_code == 200
    assert len(filtered) == 3, filtered


def _played_event(session_factory: sessionmaker[Session], organizer: Account, players: int) -> str:
    """A public tournament of `players`, its first round paired and every result confirmed."""
    event = stored_event(session_factory, organizer.user_id, players)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        paired = rounds.pair_next_round(uow, SYSTEM, event.tournament_id)
        for match in paired["matches"]:
            if match["player_b_id"] is not None:
                rounds.report_result(
                    uow,
                    SYSTEM,
                    event.tournament_id,
                    match["id"],
                    {"player_a_wins": 2, "player_b_wins": 1, "draws": 0},
                    expected_version=None,
                )
    return f"/api/v1/tournaments/{event.tournament_id}"


@pytest.mark.parametrize("read", ["standings", "rounds", "rounds/1", "matches"])
def test_a_tournaments_reads_cost_as_many_statements_for_8_players_as_for_64(
    anonymous_client: FlaskClient,
    session_factory: sessionmaker[Session],
    organizer: Account,
    read: str,
) -> None:
    counts = []
    for players in (8, 64):
        url = f"{_played_event(session_factory, organizer, players)}/{read}"
        with recorded_statements() as statements:
            response = anonymous_client.get(url)
        assert response.status_code == 200, response.json
        counts.append(len(statements))
    # The tournament, then its entrants and matches (standings), its rounds and their
    # matches, or the matches' count and page.
    assert counts[0] == counts[1] <= 3, counts


@pytest.fixture
def tournament(client: FlaskClient) -> str:
    """A public tournament of a new game at a new venue, its registration open."""
    game = client.post(GAMES, json=game_fields())
    venue = client.post(
        "/api/v1/venues",
        json={"name": "Hall", "address": "1 Main St", "capacity": 500, "time_zone": "UTC"},
    )
    created = client.post(
        "/api/v1/tournaments",
        json={
            "name": "Open",
            "game_id": game.json["id"],
            "venue_id": venue.json["id"],
            "format_name": "Swiss",
            "capacity": 256,
            "starts_at": "2026-12-12T10:00:00Z",
        },
    )
    assert created.status_code == 201, created.json
    path = f"/api/v1/tournaments/{created.json['id']}"
    opened = client.patch(
        path, json={"status": "registration_open"}, headers={"If-Match": created.headers["ETag"]}
    )
    assert opened.status_code == 200, opened.json
    tournament_id: str = created.json["id"]
    return tournament_id


@pytest.mark.parametrize(("rounds", "players"), [(0, 0), (1, 4), (6, 120)])
def test_a_tournament_with_its_rounds_and_matches_costs_a_constant_number_of_statements(
    anonymous_client: FlaskClient,
    session_factory: sessionmaker[Session],
    tournament: str,
    rounds: int,
    players: int,
) -> None:
    registered = [(RegistrationStatus.REGISTERED, True)] * 5
    register(session_factory, tournament, [*registered, (RegistrationStatus.WAITLISTED, False)])
    pair_rounds(session_factory, tournament, rounds=rounds, players=players)
    with recorded_statements() as statements:
        response = anonymous_client.get(f"/api/v1/tournaments/{tournament}")
    assert response.status_code == 200, response.json
    assert len(response.json["rounds"]) == rounds
    assert sum(len(round_["matches"]) for round_ in response.json["rounds"]) == rounds * (
        players // 2
    )
    assert response.json["registered_count"] == 5
    # The tournament, its counts, its rounds, their matches (none without rounds).
    assert len(statements) <= 4, statements


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_page_of_tournaments_with_their_counts_costs_two_statements(
    anonymous_client: FlaskClient,
    session_factory: sessionmaker[Session],
    client: FlaskClient,
    tournament: str,
    page_size: int,
) -> None:
    source = anonymous_client.get(f"/api/v1/tournaments/{tournament}").json
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.tournaments.insert_many(
            [
                {
                    name: source[name]
                    for name in ("name", "format_name", "capacity", "visibility", "status")
                }
                | {
                    "game_id": uuid.UUID(source["game_id"]),
                    "venue_id": uuid.UUID(source["venue_id"]),
                    "organizer_id": uuid.UUID(source["organizer_id"]),
                    "starts_at": datetime(2026, 12, 13, tzinfo=UTC) + timedelta(hours=n),
                    "last_sequence": 0,
                }
                for n in range(120)
            ]
        )
        uow.commit()
    register(session_factory, tournament, [(RegistrationStatus.REGISTERED, False)] * 3)
    with recorded_statements() as statements:
        response = anonymous_client.get(
            "/api/v1/tournaments", query_string={"page_size": page_size}
        )
    assert response.status_code == 200, response.json
    assert len(response.json) == page_size
    assert response.json[0]["registered_count"] == 3
    assert len(statements) == 2, statements
