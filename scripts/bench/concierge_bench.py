"""Benchmark: the concierge's suggestions on PostgreSQL with the full shared catalog, 200
players, 600 owned games and 20,000 plays, beside the same requests done the obvious way
(`make bench-concierge`).

A fresh database gets the catalog through the importer, then players with preferences,
collections, club copies and plays with ratings, bulk-copied from a fixed random seed. Each
request is a random group of 2 to 6 players and 30 to 180 minutes, sent through the Flask
test client in-process with an organizer's bearer token: the whole request (authentication,
SQL, ranking, JSON) is timed. The obvious way loads every game with its labels and every
play into Python for each request and ranks them with the same domain function
(scripts/bench/concierge_naive.py), in-process without HTTP; both must give the same
suggestions. Written to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, event, select

from backend import create_app
from backend.config import Settings
from backend.db.bulk import copy_values
from backend.db.engine import make_engine
from backend.domain.concierge import Request, suggest
from backend.models import Category, Game, Tag
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork, make_session_factory
from backend.services.game_import import import_games
from scripts.bench.accounts import organizer_token
from scripts.bench.concierge_naive import naive_candidates
from scripts.bench.databases import (
    catalog_on_postgresql_arguments,
    fresh_database,
    postgresql_version,
)
from scripts.bench.report import machine_description, write_section

PLAYERS = 200
OWNED = 600
CLUB_COPIES = 150
PLAYS = 20_000
TARGET_MEDIAN_MS, TARGET_P99_MS = 50.0, 150.0
SUGGESTIONS = "/api/v1/concierge/suggestions"


def main() -> int:
    arguments = _arguments()
    if not arguments.file.is_file():
        print(f"no data file at {arguments.file}; pass --file", file=sys.stderr)
        return 2
    with fresh_database(arguments.server, "concierge") as settings:
        games = _import_catalog(settings, arguments.file)
        players = _populate(settings, random.Random(arguments.seed))
        token = organizer_token(settings)
        app = create_app(settings)
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        rng = random.Random(arguments.seed + 1)
        requests = [
            (rng.sample(players, rng.randint(2, 6)), rng.randint(30, 180))
            for _ in range(arguments.requests)
        ]
        for group, minutes in requests[:20]:  # warm-up: plans, caches, the pool
            _get(client, group, minutes)
        timings, statements, empty = [], [], 0
        load = os.getloadavg()[0]
        for group, minutes in requests:
            with _statements() as sent:
                started = time.perf_counter()
                answer = _get(client, group, minutes)
                timings.append((time.perf_counter() - started) * 1000)
            statements.append(len([sql for sql in sent if "api_tokens" not in sql]))
            empty += not answer["items"]
        naive, agreed = _naive(settings, requests[: arguments.naive_requests], client)
        body = _report(
            arguments,
            games,
            timings,
            naive,
            agreed,
            statements,
            empty,
            load,
            postgresql_version(Settings(database_url=arguments.server)),
        )
    print(body)
    if arguments.write:
        write_section("concierge", body)
        print("written to docs/benchmarks.md")
    return 0


def _arguments() -> argparse.Namespace:
    parser = catalog_on_postgresql_arguments(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=300)
    # The obvious way takes many seconds a request on the full catalog: a few show it.
    parser.add_argument("--naive-requests", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-write", dest="write", action="store_false")
    return parser.parse_args()


def _get(client: Any, group: list[uuid.UUID], minutes: int) -> dict[str, Any]:
    query = {"players": ",".join(map(str, group)), "minutes": minutes}
    response = client.get(SUGGESTIONS, query_string=query)
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.json}")
    answer: dict[str, Any] = response.json
    return answer


@contextmanager
def _statements() -> Iterator[list[str]]:
    sent: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", remember)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", remember)


def _import_catalog(settings: Settings, source: Path) -> int:
    engine = make_engine(settings)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            summary = import_games(
                partial(SqlAlchemyUnitOfWork, make_session_factory(engine)),
                source,
                rejects_path=Path(scratch) / "rejects.csv",
            )
        return summary.inserted
    finally:
        engine.dispose()


def _populate(settings: Settings, rng: random.Random) -> list[uuid.UUID]:
    """Players with preferences, collections, club copies and plays; the players' ids."""
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            playable = [
                row.id
                for row in connection.execute(
                    select(Game.id)
                    .where(
                        Game.min_players.is_not(None),
                        Game.max_players >= 2,
                        Game.max_play_minutes.between(15, 180),
                    )
                    .order_by(Game.average_rating.desc().nulls_last(), Game.id)
                    .limit(3000)
                )
            ]
            categories = list(connection.scalars(select(Category.id)))
            tags = list(connection.scalars(select(Tag.id)))
    finally:
        engine.dispose()
    now = datetime.now(UTC)
    book = {
        "created_at": now,
        "updated_at": now,
        "created_by": "bench",
        "updated_by": "bench",
        "change_reason": None,
        "version": 1,
    }
    players = [uuid.uuid4() for _ in range(PLAYERS)]
    shelf_pool = rng.sample(playable, 500)
    tables: dict[str, list[dict[str, Any]]] = {
        "players": [
            {"id": player_id, "display_name": f"Player {number:03d}", **book}
            for number, player_id in enumerate(players)
        ],
        "player_preferences": [],
        "player_favourite_categories": [],
        "player_favourite_tags": [],
        "player_refused_games": [],
        "collection_items": [],
        "game_copies": [],
        "plays": [],
        "play_participants": [],
    }
    for player_id in players:
        low = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0])
        tables["player_preferences"].append(
            {
                "player_id": player_id,
                "min_play_minutes": None,
                "max_play_minutes": None,
                "min_complexity": low,
                "max_complexity": min(5.0, low + rng.choice([0.5, 1.0, 2.0])),
                "min_group_size": None,
                "max_group_size": None,
                **book,
            }
        )
        for table, column, pool, count in (
            ("player_favourite_categories", "category_id", categories, rng.randint(0, 3)),
            ("player_favourite_tags", "tag_id", tags, rng.randint(0, 3)),
            ("player_refused_games", "game_id", shelf_pool, rng.randint(0, 3)),
        ):
            tables[table].extend(
                {"player_id": player_id, column: item} for item in rng.sample(pool, count)
            )
    owned: set[tuple[uuid.UUID, uuid.UUID]] = set()
    while len(owned) < OWNED:
        owned.add((rng.choice(players), rng.choice(shelf_pool)))
    tables["collection_items"] = [
        {"id": uuid.uuid4(), "player_id": player_id, "game_id": game_id, **book}
        for player_id, game_id in sorted(owned)
    ]
    tables["game_copies"] = [
        {"id": uuid.uuid4(), "game_id": game_id, "note": None, **book}
        for game_id in rng.sample(shelf_pool, CLUB_COPIES)
    ]
    for _ in range(PLAYS):
        play_id = uuid.uuid4()
        tables["plays"].append(
            {
                "id": play_id,
                "game_id": rng.choice(shelf_pool),
                "played_at": now - timedelta(days=rng.uniform(0, 730)),
                "duration_minutes": None,
                "note": None,
                **book,
            }
        )
        tables["play_participants"].extend(
            {
                "play_id": play_id,
                "player_id": player_id,
                "score": None,
                "is_winner": False,
                "rating": rng.choice([None, *range(1, 11)]),
            }
            for player_id in rng.sample(players, rng.randint(2, 6))
        )
    url = settings.database.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as connection:
        with connection.transaction():
            for table, rows in tables.items():
                if rows:
                    names = list(rows[0])
                    copy_values(connection, table, names, ([row[n] for n in names] for row in rows))
        connection.execute("ANALYZE")
    return players


def _naive(
    settings: Settings, requests: list[tuple[list[uuid.UUID], int]], client: Any
) -> tuple[list[float], int]:
    """The same requests done the obvious way, timed; how many answered the endpoint's
    suggestions in the same order (a few milliseconds later: a near tie may swap)."""
    engine = make_engine(settings)
    timings, agreed = [], 0
    try:
        factory = make_session_factory(engine, read_only=True)
        for group, minutes in requests:
            expected = _get(client, group, minutes)
            started = time.perf_counter()
            with SqlAlchemyUnitOfWork(factory) as uow:
                request = Request(uow.concierge.tastes(group), minutes, datetime.now(UTC))
                answer = suggest(request, naive_candidates(uow.session, request))
            timings.append((time.perf_counter() - started) * 1000)
            agreed += [str(item.game_id) for item in answer.items] == [
                item["game_id"] for item in expected["items"]
            ]
    finally:
        engine.dispose()
    return timings, agreed


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _report(
    arguments: argparse.Namespace,
    games: int,
    timings: list[float],
    naive: list[float],
    agreed: int,
    statements: list[int],
    empty: int,
    load: float,
    database: str,
) -> str:
    median, p90, p99 = (_percentile(timings, share) for share in (0.5, 0.9, 0.99))
    naive_median, naive_p90, naive_p99 = (
        statistics.median(naive),
        _percentile(naive, 0.9),
        _percentile(naive, 0.99),
    )
    naive_row = f"{naive_median:.0f} ms | {naive_p90:.0f} ms | {naive_p99:.0f} ms"
    goal = f"median under {TARGET_MEDIAN_MS:.0f} ms and p99 under {TARGET_P99_MS:.0f} ms"
    met = median < TARGET_MEDIAN_MS and p99 < TARGET_P99_MS
    command = (
        f"python -m scripts.bench.concierge_bench --requests {arguments.requests} "
        f"--naive-requests {arguments.naive_requests} --seed {arguments.seed}"
    )
    return f"""## Concierge: suggestions for a group

Command: `make bench-concierge` (`{command}`).

Machine: {machine_description(database)}; load average {load:.1f} when the timing began
(other work on the machine slows every figure alike).

A fresh database with the full shared catalog ({games:,} games, through the importer),
{PLAYERS} players with preferences, {OWNED} owned games and {CLUB_COPIES} club copies,
{PLAYS:,} plays of 2 to 6 players with ratings. {len(timings)} requests for random groups of 2
to 6 players and 30 to 180 minutes, each through the Flask test client in-process with a
bearer token (authentication, SQL, ranking, JSON), after 20 to warm up; {empty} of them
answered empty, with an explanation.

| | median | p90 | p99 |
|---|---|---|---|
| GET /api/v1/concierge/suggestions | {median:.1f} ms | {p90:.1f} ms | {p99:.1f} ms |
| the obvious way ({len(naive)} requests) | {naive_row} |

Statements per request (the token's lookup aside): {min(statements)} to {max(statements)}.
The obvious way loads every game with its labels, the shelf and every play into Python and
ranks them with the same function, without HTTP; it gave the same suggestions in the same
order for {agreed} of its {len(naive)} requests (it runs a few milliseconds later, so the
time since a play differs a little). Goal: {goal}: {"met" if met else "missed"}.
"""


if __name__ == "__main__":
    sys.exit(main())
