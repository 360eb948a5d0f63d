"""The games resource: list, search, read, add, change and remove games in the catalog."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, cast
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.audit.routes import add_history_route
from backend.api.extensions import Blueprint
from backend.api.games.schemas import GameCreate, GameListArguments, GameOut, GamePatch
from backend.api.uow import get_uow
from backend.domain.games import game_version_tag
from backend.domain.labels import LABEL_KINDS
from backend.domain.permissions import Permission
from backend.domain.versions import VersionTag
from backend.models import Game
from backend.repositories.base import Page
from backend.repositories.games import GameFilters, GameView, SortKey
from backend.services import catalog

blp = Blueprint("games", __name__, url_prefix="/api/v1/games", description="The game catalog.")
GAME_PATH = "/api/v1/games/{game_id}"
# The club's copies of a game (backend/api/shelf): a game's answers link to adding one.
COPIES_PATH = GAME_PATH + "/copies"


def view_version(game: GameView) -> VersionTag:
    """The version tag of a game as read for display (the service tags entities alike)."""
    return game_version_tag(
        game["version"],
        {
            kind: [(label["id"], label["name"]) for label in game[kind]]  # type: ignore[literal-required]
            for kind in LABEL_KINDS
        },
    )


def filters_from(arguments: dict[str, Any]) -> GameFilters:
    return GameFilters(
        title_contains=arguments.get("q"),
        players=arguments.get("players"),
        max_minutes=arguments.get("max_minutes"),
        min_complexity=arguments.get("min_complexity"),
        max_complexity=arguments.get("max_complexity"),
        labels={kind: arguments.get(kind.singular, ()) for kind in LABEL_KINDS},
        year_from=arguments.get("year_from"),
        year_to=arguments.get("year_to"),
    )


@blp.route("")
class Games(MethodView):
    # No ETag on lists: flask-smorest would serialise every page a second time to hash it,
    # for nothing but a 304 on an unchanged page. Each game has its own.
    @blp.public
    @blp.lists(GameListArguments, GameOut)
    def get(
        self, arguments: dict[str, Any], pagination_parameters: PaginationParameters
    ) -> Page[GameView]:
        """List games matching every filter given, by title unless sorted otherwise."""
        sort: str = arguments["sort"]
        return get_uow().games.search(
            filters_from(arguments),
            sort=cast(SortKey, sort.lstrip("-")),
            descending=sort.startswith("-"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )

    @blp.requires(Permission.EDIT_CATALOG)
    @blp.creates(GameCreate, GameOut, GAME_PATH, "game_id")
    @blp.documents_a_link_to_add(
        201, COPIES_PATH, "game_id", "add_copy", "Put a copy of it on the club's shelf."
    )
    @blp.documents_a_link(
        201,
        "copies",
        COPIES_PATH,
        "get",
        {"game_id": "$response.body#/id"},
        "The club's copies of it.",
    )
    def post(self, new_game: dict[str, Any]) -> tuple[GameView, dict[str, str]]:
        """Add a game, with its categories and tags."""
        uow = get_uow()
        added = catalog.add_game(uow, current_principal(), new_game)
        # Read back as every answer carries a game: with the club's statistics of it.
        game = uow.games.view(added.id)
        blp.set_etag(view_version(game))
        return game, {"Location": url_for("games.GameById", game_id=game["id"])}


@blp.route("/<uuid:game_id>")
class GameById(MethodView):
    @blp.public
    @blp.reads_one(GameOut, GAME_PATH, "game_id")
    @blp.documents_a_link_to_add(
        200, COPIES_PATH, "game_id", "add_copy", "Put a copy of it on the club's shelf."
    )
    @blp.documents_a_link(
        200,
        "copies",
        COPIES_PATH,
        "get",
        {"game_id": "$response.body#/id"},
        "The club's copies of it.",
    )
    def get(self, game_id: UUID) -> GameView:
        """Get a game with its categories and tags."""
        game = get_uow().games.view(game_id)
        blp.set_etag(view_version(game))
        return game

    @blp.requires(Permission.EDIT_CATALOG)
    @blp.changes(GamePatch(partial=True), GameOut, GAME_PATH, "game_id")
    def patch(self, changes: dict[str, Any], game_id: UUID) -> GameView:
        """Change some of a game's fields or labels; needs the game's ETag in If-Match."""
        uow, principal, version = get_uow(), current_principal(), blp.expected_version()
        catalog.change_game(uow, principal, game_id, changes, expected_version=version)
        game = uow.games.view(game_id)
        blp.set_etag(view_version(game))
        return game

    @blp.requires(Permission.EDIT_CATALOG)
    @blp.removes(HTTPStatus.CONFLICT)
    def delete(self, game_id: UUID) -> None:
        """Remove a game without plays; needs the game's ETag in If-Match."""
        catalog.remove_game(
            get_uow(), current_principal(), game_id, expected_version=blp.expected_version()
        )


add_history_route(blp, "/<uuid:game_id>/history", Game.__tablename__, "game")
