"""The shelf endpoints: the club's copies of a game (organizers and admins manage them) and
each player's collection (its owner, organizers and admins change it); signed-in users."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.extensions import Blueprint
from backend.api.schemas import ListArguments
from backend.api.shelf.schemas import CollectionItemOut, CopyIn, CopyOut, CopyPatch
from backend.api.uow import get_uow
from backend.domain.permissions import Permission
from backend.models import GameCopy
from backend.repositories.base import Page
from backend.repositories.shelf import CollectionItemView, CopyView
from backend.services import shelf

blp = Blueprint(
    "shelf",
    __name__,
    url_prefix="/api/v1",
    description="The shelf, for signed-in users: the club's copies of each game (organizers "
    "and admins manage them) and the games each player owns (a member changes their own "
    "player's collection; organizers and admins any).",
)
COPY_PATH = "/api/v1/games/{game_id}/copies/{copy_id}"
# A collection's changes: 404 naming what is missing. A member refused another's player is
# 403, undocumented as on the players' own writes (the spec's checks keep 403 for roles).
OWNERS_ERRORS = (HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE)


@blp.route("/games/<uuid:game_id>/copies")
class Copies(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.lists(ListArguments, CopyOut)
    @blp.documents_errors(HTTPStatus.NOT_FOUND)
    def get(
        self, _arguments: Any, game_id: UUID, pagination_parameters: PaginationParameters
    ) -> Page[CopyView]:
        """List the club's copies of a game, oldest first."""
        return shelf.copies_page(
            get_uow(),
            current_principal(),
            game_id,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )

    @blp.requires(Permission.MANAGE_SHELF)
    @blp.creates(CopyIn, CopyOut, COPY_PATH, "copy_id", parents=("game_id",), body_required=False)
    @blp.documents_errors(HTTPStatus.NOT_FOUND)
    def post(self, new_copy: dict[str, Any], game_id: UUID) -> tuple[GameCopy, dict[str, str]]:
        """Add a copy of a game to the club's shelf, with a note on its state."""
        copy = shelf.add_copy(get_uow(), current_principal(), game_id, new_copy)
        blp.set_etag(shelf.copy_version(copy))
        location = url_for("shelf.CopyById", game_id=game_id, copy_id=copy.id)
        return copy, {"Location": location}


@blp.route("/games/<uuid:game_id>/copies/<uuid:copy_id>")
class CopyById(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.reads_one(CopyOut, COPY_PATH, "copy_id", parents=("game_id",))
    def get(self, game_id: UUID, copy_id: UUID) -> GameCopy:
        """Get one of the club's copies of a game."""
        copy = shelf.copy_of(get_uow(), current_principal(), game_id, copy_id)
        blp.set_etag(shelf.copy_version(copy))
        return copy

    @blp.requires(Permission.MANAGE_SHELF)
    @blp.changes(CopyPatch(partial=True), CopyOut, COPY_PATH, "copy_id", parents=("game_id",))
    def patch(self, changes: dict[str, Any], game_id: UUID, copy_id: UUID) -> GameCopy:
        """Change a copy's note; needs the copy's ETag in If-Match."""
        copy = shelf.change_copy(
            get_uow(),
            current_principal(),
            game_id,
            copy_id,
            changes,
            expected_version=blp.expected_version(),
        )
        blp.set_etag(shelf.copy_version(copy))
        return copy

    @blp.requires(Permission.MANAGE_SHELF)
    @blp.removes()
    def delete(self, game_id: UUID, copy_id: UUID) -> None:
        """Take a copy off the club's shelf; needs the copy's ETag in If-Match."""
        shelf.remove_copy(
            get_uow(),
            current_principal(),
            game_id,
            copy_id,
            expected_version=blp.expected_version(),
        )


@blp.route("/players/<uuid:player_id>/collection")
class Collection(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.lists(ListArguments, CollectionItemOut)
    @blp.documents_errors(HTTPStatus.NOT_FOUND)
    def get(
        self, _arguments: Any, player_id: UUID, pagination_parameters: PaginationParameters
    ) -> Page[CollectionItemView]:
        """List the games a player owns, by title."""
        return shelf.collection_page(
            get_uow(),
            current_principal(),
            player_id,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )


@blp.route("/players/<uuid:player_id>/collection/<uuid:game_id>")
class CollectionGame(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.response(200, CollectionItemOut, description="The player owned the game already.")
    @blp.alt_response(
        HTTPStatus.CREATED, schema=CollectionItemOut, description="Added to the collection."
    )
    @blp.documents_errors(*OWNERS_ERRORS, HTTPStatus.CONFLICT)
    def put(self, player_id: UUID, game_id: UUID) -> tuple[CollectionItemView, int]:
        """Put a game in a player's collection; 201 when added, 200 when already there."""
        item, added = shelf.own_game(get_uow(), current_principal(), player_id, game_id)
        return item, HTTPStatus.CREATED if added else HTTPStatus.OK

    @blp.requires(Permission.SIGNED_IN)
    @blp.response(204)
    @blp.documents_errors(*OWNERS_ERRORS)
    def delete(self, player_id: UUID, game_id: UUID) -> None:
        """Take a game out of a player's collection; 404 when the player does not own it."""
        shelf.disown_game(get_uow(), current_principal(), player_id, game_id)
