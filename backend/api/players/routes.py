"""The players endpoints: the club's players (signed-in users only) and their preferences."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from webargs.flaskparser import abort

from backend.api.access import current_principal
from backend.api.audit.routes import add_history_route
from backend.api.extensions import Blueprint
from backend.api.players.schemas import (
    PlayerCreate,
    PlayerListArguments,
    PlayerOut,
    PlayerPatch,
    PlayerPreferencesIn,
    PlayerPreferencesOut,
)
from backend.api.uow import get_uow
from backend.domain.errors import StaleObjectError
from backend.domain.permissions import Permission
from backend.models import Player
from backend.repositories.base import Page
from backend.repositories.players import PlayerView
from backend.services import players
from backend.services.players import PreferencesView

blp = Blueprint(
    "players",
    __name__,
    url_prefix="/api/v1/players",
    description="The club's players and what they like to play; for signed-in users. A "
    "member manages their own player; organizers and admins manage any.",
)
PLAYER_PATH = "/api/v1/players/{player_id}"
PREFERENCES_IF_MATCH = (
    "The preferences' current ETag: needed once the player has preferences (428 without "
    "it, 412 when stale); may be left out while it has none."
)
PREFERENCES_NEED_IF_MATCH = (
    "This player has preferences already: send their current ETag in If-Match (GET them first)."
)


@blp.route("")
class Players(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.lists(PlayerListArguments, PlayerOut)
    def get(
        self, arguments: dict[str, Any], pagination_parameters: PaginationParameters
    ) -> Page[PlayerView]:
        """List players by display name, with their play counts."""
        return players.players_page(
            get_uow(),
            current_principal(),
            name_contains=arguments.get("q"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )

    @blp.requires(Permission.SIGNED_IN)
    @blp.creates(PlayerCreate, PlayerOut, PLAYER_PATH, "player_id")
    def post(self, new_player: dict[str, Any]) -> tuple[PlayerView, dict[str, str]]:
        """Create a player: a member their own, organizers and admins any."""
        player = players.create_player(get_uow(), current_principal(), new_player)
        blp.set_etag(players.player_version(player))
        return player, {"Location": url_for("players.PlayerById", player_id=player["id"])}


@blp.route("/<uuid:player_id>")
class PlayerById(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.reads_one(PlayerOut, PLAYER_PATH, "player_id")
    def get(self, player_id: UUID) -> PlayerView:
        """Get a player with its play count."""
        player = players.player_of(get_uow(), current_principal(), player_id)
        blp.set_etag(players.player_version(player))
        return player

    @blp.requires(Permission.SIGNED_IN)
    @blp.changes(PlayerPatch(partial=True), PlayerOut, PLAYER_PATH, "player_id")
    def patch(self, changes: dict[str, Any], player_id: UUID) -> PlayerView:
        """Change some of a player's fields; needs the player's ETag in If-Match."""
        player = players.change_player(
            get_uow(),
            current_principal(),
            player_id,
            changes,
            expected_version=blp.expected_version(),
        )
        blp.set_etag(players.player_version(player))
        return player

    @blp.requires(Permission.SIGNED_IN)
    @blp.removes(HTTPStatus.CONFLICT)
    def delete(self, player_id: UUID) -> None:
        """Remove a player without plays, and its preferences; needs its ETag in If-Match."""
        players.remove_player(
            get_uow(), current_principal(), player_id, expected_version=blp.expected_version()
        )


@blp.route("/<uuid:player_id>/preferences")
class Preferences(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.reads_one(PlayerPreferencesOut, PLAYER_PATH + "/preferences", "player_id", links=())
    def get(self, player_id: UUID) -> PreferencesView:
        """Get a player's preferences (empty, at version 0, until set)."""
        preferences = players.preferences_of(get_uow(), current_principal(), player_id)
        blp.set_etag(players.preferences_version(preferences))
        return preferences

    @blp.requires(Permission.SIGNED_IN)
    @blp.replaces(PlayerPreferencesIn, PlayerPreferencesOut, PREFERENCES_IF_MATCH)
    def put(self, values: dict[str, Any], player_id: UUID) -> PreferencesView:
        """Replace a player's preferences as a whole; If-Match once it has some."""
        sent = blp.expected_version_if_sent()
        try:
            preferences = players.set_preferences(
                get_uow(),
                current_principal(),
                player_id,
                values,
                # Without If-Match the writer expects none to exist yet.
                expected_version=sent or players.NO_PREFERENCES_EXPECTED,
            )
        except StaleObjectError:
            if sent is None:
                abort(428, message=PREFERENCES_NEED_IF_MATCH)
            raise
        blp.set_etag(players.preferences_version(preferences))
        return preferences


add_history_route(blp, "/<uuid:player_id>/history", Player.__tablename__, "player")
