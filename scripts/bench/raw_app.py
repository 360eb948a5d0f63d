"""The benchmark's baseline: a minimal Flask app on raw psycopg that sends the same SQL as
Game Night for the same requests (with or without a bearer token), and answers the same
JSON. Run by load_bench.py under the same gunicorn settings; not part of the product."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

GAME_COLUMNS = (
    "id, title, year_published, min_players, max_players, min_play_minutes, max_play_minutes, "
    "min_age, complexity, average_rating, bgg_id, description, created_at, updated_at, "
    "created_by, updated_by, change_reason, version"
)
DATABASE_URL = os.environ["BENCH_RAW_DATABASE_URL"]
POOL_SIZE = int(os.environ.get("BENCH_RAW_POOL_SIZE", "4"))
POOL_MAX = int(os.environ.get("BENCH_RAW_POOL_MAX", "6"))

app = Flask(__name__)
_pools: dict[int, ConnectionPool] = {}


def pool() -> ConnectionPool:
    """One pool per worker process, opened after the fork."""
    pid = os.getpid()
    if pid not in _pools:
        _pools[pid] = ConnectionPool(
            DATABASE_URL, min_size=POOL_SIZE, max_size=POOL_MAX, timeout=5, open=True
        )
    return _pools[pid]


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, default=str), status=status, mimetype="application/json")


# Game Night's SQL, spelled out: one game joined with its categories, then its tags; a page
# of games, then the page's categories and tags, one statement per kind.
ONE_GAME = (
    "SELECT " + ", ".join(f"games.{column}" for column in GAME_COLUMNS.split(", "))
    + ", categories.id AS category_id, categories.name AS category_name, categories.slug AS "
    "category_slug FROM games LEFT OUTER JOIN (game_categories JOIN categories ON "
    "categories.id = game_categories.category_id) ON games.id = game_categories.game_id "
    "WHERE games.id = %s::UUID ORDER BY categories.name"
)  # fmt: skip
PAGE = (
    f"SELECT {GAME_COLUMNS} FROM games ORDER BY games.title ASC, games.id "
    "LIMIT %s::INTEGER OFFSET %s::INTEGER"
)
LABELS_OF = {
    kind: f"SELECT {links}.game_id, {kind}.id, {kind}.name, {kind}.slug FROM {links} "
    f"JOIN {kind} ON {kind}.id = {links}.{column_name} "
    f"WHERE {links}.game_id = ANY (%s::UUID[]) ORDER BY {kind}.name"
    for kind, links, column_name in (
        ("categories", "game_categories", "category_id"),
        ("tags", "game_tags", "tag_id"),
    )
}


# Game Night's authentication: one statement finds the token and its user, in a short
# transaction of its own (its once-a-minute write of last_used_at is left out).
AUTHENTICATE = (
    "SELECT api_tokens.id, api_tokens.user_id, api_tokens.name, api_tokens.token_hash, "
    "api_tokens.expires_at, api_tokens.last_used_at, api_tokens.revoked_at, "
    "api_tokens.created_at, api_tokens.updated_at, api_tokens.created_by, "
    "api_tokens.updated_by, api_tokens.change_reason, api_tokens.version, users.id AS id_1, "
    "users.email, users.email_key, users.display_name, users.password_hash, users.is_active, "
    "users.role, users.created_at AS created_at_1, users.updated_at AS updated_at_1, "
    "users.created_by AS created_by_1, users.updated_by AS updated_by_1, "
    "users.change_reason AS change_reason_1, users.version AS version_1 "
    "FROM api_tokens JOIN users ON users.id = api_tokens.user_id "
    "WHERE api_tokens.token_hash = %s::VARCHAR"
)


class Refused(Exception):
    """A bearer token that opens nothing."""


def _actor() -> str:
    """Who the request acts as: `user:<id>` for a working bearer token, else anonymous."""
    header = request.headers.get("Authorization")
    if header is None:
        return "anonymous"
    secret = header.partition(" ")[2].strip()
    digest = hashlib.sha256(secret.encode()).hexdigest()
    with pool().connection() as connection, connection.cursor(row_factory=dict_row) as cursor:
        cursor.execute(AUTHENTICATE, (digest,))
        row = cursor.fetchone()
    if row is None or row["revoked_at"] is not None or not row["is_active"]:
        raise Refused
    return f"user:{row['user_id']}"


@app.errorhandler(Refused)
def refused(_error: Refused) -> Response:
    return _json({"code": 401, "status": "Unauthorized"}, 401)


def _label(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    return {name: row[f"{prefix}{name}"] for name in ("id", "name", "slug")}


def _labels_of(cursor: Any, kind: str, ids: list[Any]) -> dict[Any, list[dict[str, Any]]]:
    by_game: dict[Any, list[dict[str, Any]]] = {game_id: [] for game_id in ids}
    cursor.execute(LABELS_OF[kind], (ids,))
    for row in cursor.fetchall():
        by_game[row["game_id"]].append(_label(row))
    return by_game


@app.get("/api/v1/games/<game_id>")
def one_game(game_id: str) -> Response:
    _actor()
    with pool().connection() as connection, connection.cursor(row_factory=dict_row) as cursor:
        cursor.execute(ONE_GAME, (uuid.UUID(game_id),))
        rows = cursor.fetchall()
        if not rows:
            return _json({"code": 404, "status": "Not Found"}, 404)
        game = {key: value for key, value in rows[0].items() if not key.startswith("category_")}
        game["categories"] = [_label(row, "category_") for row in rows if row["category_id"]]
        game["tags"] = _labels_of(cursor, "tags", [game["id"]])[game["id"]]
    return _json(game)


@app.get("/api/v1/games")
def list_games() -> Response:
    page_size = int(request.args.get("page_size", "20"))
    page = int(request.args.get("page", "1"))
    _actor()
    with pool().connection() as connection, connection.cursor(row_factory=dict_row) as cursor:
        # Game Night's four statements: count, page, then the page's categories and tags.
        cursor.execute("SELECT count(*) AS count_1 FROM games")
        total = cursor.fetchone()["count_1"]  # type: ignore[index]
        cursor.execute(PAGE, (page_size, (page - 1) * page_size))
        games = cursor.fetchall()
        ids = [game["id"] for game in games]
        for kind in LABELS_OF:
            labels_of = _labels_of(cursor, kind, ids)
            for game in games:
                game[kind] = labels_of[game["id"]]
    response = _json(games)
    response.headers["X-Pagination"] = json.dumps({"total": total, "page": page})
    return response


@app.post("/api/v1/games")
def add_game() -> Response:
    actor = _actor()
    body = request.get_json()
    now = datetime.now(UTC)
    game = {
        "id": uuid.uuid4(),
        "title": body["title"],
        "min_players": body["min_players"],
        "max_players": body["max_players"],
        "created_at": now,
        "updated_at": now,
        "created_by": actor,
        "updated_by": actor,
        "version": 1,
    }
    with pool().connection() as connection, connection.cursor() as cursor:
        # Game Night's two writes: the game and its audit row, in one transaction.
        cursor.execute(
            "INSERT INTO games (id, title, min_players, max_players, created_at, updated_at, "
            "created_by, updated_by, version) VALUES (%(id)s, %(title)s, %(min_players)s, "
            "%(max_players)s, %(created_at)s, %(updated_at)s, %(created_by)s, %(updated_by)s, "
            "%(version)s)",
            game,
        )
        cursor.execute(
            "INSERT INTO audit_log (occurred_at, actor, action, entity_type, entity_id, changes) "
            "VALUES (%s, %s, 'insert', 'games', %s, %s)",
            (now, actor, str(game["id"]), Jsonb({"title": [None, game["title"]]})),
        )
    response = _json(game, 201)
    response.headers["Location"] = f"/api/v1/games/{game['id']}"
    return response
