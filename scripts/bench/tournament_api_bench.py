"""Benchmark: each Swiss round of a 256-player event paired, and its standings read, through
the API on a fresh PostgreSQL database (`make bench-tournament`, or python -m
scripts.bench.tournament_api_bench; --no-write only prints).

Everything a request does is timed (the token, the tournament's lock, reading the event,
the standings and the matching, inserting the round, JSON), in-process with the Flask test
client. Between rounds every result is confirmed through the results service (each one a
play in the players' history, as in a real event), from a fixed seed; those are not timed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from backend import create_app
from backend.config import Settings
from backend.domain.principal import SYSTEM
from backend.domain.tournaments import RegistrationStatus, TournamentStatus
from backend.models import Game, Player, Registration, Tournament, User, Venue
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services import rounds
from backend.state import app_state
from scripts.bench.accounts import organizer_token
from scripts.bench.databases import DEFAULT_POSTGRES, fresh_database, postgresql_version
from scripts.bench.report import machine_description, write_section

GOAL_SECONDS = 1.0
# A best-of-three's endings: (games won by player A, by player B, drawn).
ENDINGS = [(2, 0, 0), (2, 1, 0), (0, 2, 0), (1, 2, 0), (1, 1, 1)]
STARTS_AT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _event(session_factory: Any, players: int) -> uuid.UUID:
    """A tournament in progress with `players` registered and checked in."""
    with SqlAlchemyUnitOfWork(session_factory, actor=SYSTEM.name) as uow:
        organizer_id = uow.session.scalar(select(User.id))
        game = Game(
            title="Bench Game",
            min_players=2,
            max_players=2,
            min_play_minutes=30,
            max_play_minutes=50,
        )
        venue = Venue(name="Bench Hall", address="1 Bench Road", capacity=500, time_zone="UTC")
        uow.session.add_all([game, venue])
        people = [Player(display_name=f"Player {number:03d}") for number in range(players)]
        uow.session.add_all(people)
        uow.commit()
        tournament = Tournament(
            name="Bench Open",
            game_id=game.id,
            format_name="Standard",
            venue_id=venue.id,
            organizer_id=organizer_id,
            capacity=players,
            starts_at=STARTS_AT,
            status=TournamentStatus.IN_PROGRESS,
            started_at=STARTS_AT,
            last_sequence=players,
        )
        uow.session.add(tournament)
        uow.commit()
        uow.session.add_all(
            Registration(
                tournament_id=tournament.id,
                player_id=player.id,
                sequence=sequence,
                status=RegistrationStatus.REGISTERED,
                checked_in_at=STARTS_AT,
            )
            for sequence, player in enumerate(people, start=1)
        )
        uow.commit()
        return tournament.id


def _confirm_every_result(
    session_factory: Any, tournament_id: uuid.UUID, paired: dict[str, Any], chance: random.Random
) -> None:
    with SqlAlchemyUnitOfWork(session_factory, actor=SYSTEM.name) as uow:
        for match in paired["matches"]:
            if match["player_b_id"] is None:
                continue
            a, b, draws = chance.choice(ENDINGS)
            rounds.report_result(
                uow,
                SYSTEM,
                tournament_id,
                uuid.UUID(match["id"]),
                {"player_a_wins": a, "player_b_wins": b, "draws": draws},
                expected_version=None,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where databases may be created (BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--players", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-write", dest="write", action="store_false")
    arguments = parser.parse_args()
    chance = random.Random(arguments.seed)  # noqa: S311 - simulated results, not secrets
    pairing_ms: list[float] = []
    standings_ms: list[float] = []
    with fresh_database(arguments.server, "tournament") as settings:
        token = organizer_token(settings)
        app = create_app(settings)
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        session_factory = app_state(app).session_factory
        tournament_id = _event(session_factory, arguments.players)
        base = f"/api/v1/tournaments/{tournament_id}"
        for number in range(1, arguments.rounds + 1):
            started = time.perf_counter()
            answer = client.post(f"{base}/rounds", json={})
            pairing_ms.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 201:
                print(f"round {number}: {answer.status_code} {answer.get_json()}")
                return 1
            _confirm_every_result(session_factory, tournament_id, answer.get_json(), chance)
            started = time.perf_counter()
            table = client.get(f"{base}/standings")
            standings_ms.append((time.perf_counter() - started) * 1000)
            if table.status_code != 200:
                print(f"standings after round {number}: {table.status_code}")
                return 1
            print(
                f"round {number}: paired in {pairing_ms[-1]:.0f} ms, "
                f"standings after it in {standings_ms[-1]:.0f} ms"
            )
        database = postgresql_version(Settings(database_url=arguments.server))
        app_state(app).engine.dispose()
    slowest = max(*pairing_ms, *standings_ms) / 1000
    met = "met" if slowest < GOAL_SECONDS else "NOT met"
    rows = "\n".join(
        f"| {number} | {pairing:.0f} ms | {standing:.0f} ms |"
        for number, (pairing, standing) in enumerate(
            zip(pairing_ms, standings_ms, strict=True), start=1
        )
    )
    body = f"""## Tournament API: rounds paired, standings read, {arguments.players} players

Command: `make bench-tournament` (`python -m scripts.bench.tournament_api_bench --players \\
{arguments.players} --rounds {arguments.rounds} --seed {arguments.seed}`).

Machine: {machine_description(database)}.

A fresh database; a tournament in progress with {arguments.players} players checked in.
Each round is paired with `POST /api/v1/tournaments/{{id}}/rounds` (the organizer's token),
then every result is confirmed through the results service (untimed; each records a play),
then `GET /api/v1/tournaments/{{id}}/standings` is read. One request each, in-process
through the Flask test client: the whole request is timed.

| round | POST .../rounds | GET .../standings after it |
|---|---|---|
{rows}

Median pairing {statistics.median(pairing_ms):.0f} ms, median standings
{statistics.median(standings_ms):.0f} ms. Goal (issue 13): pairing a round of a 256-player
event and computing its standings each under one second: {met}.
"""
    print(body)
    if arguments.write:
        write_section("tournament-api", body)
        print("written to docs/benchmarks.md")
    return 0 if slowest < GOAL_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
