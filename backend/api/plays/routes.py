"""The plays endpoints: plays recorded at the club and each player's statistics, for
signed-in users; a participant, an organizer or an admin changes or removes a play."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.audit.routes import add_history_route
from backend.api.extensions import Blueprint
from backend.api.plays.schemas import (
    PlayCreate,
    PlayerPlaysArguments,
    PlayerStatsOut,
    PlayListArguments,
    PlayOut,
    PlayPatch,
)
from backend.api.uow import get_uow
from backend.domain.permissions import Permission
from backend.models import Play
from backend.repositories.base import Page
from backend.repositories.plays import PlayerStatsView, PlayFilters, PlayView
from backend.services import plays

blp = Blueprint(
    "plays",
    __name__,
    url_prefix="/api/v1",
    description="Plays recorded at the club, with their participants, and what each "
    "player's plays add up to; for signed-in users. A member records, changes and removes "
    "plays they take part in; organizers and admins any.",
)
PLAY_PATH = "/api/v1/plays/{play_id}"


def filters_from(arguments: dict[str, Any]) -> PlayFilters:
    return PlayFilters(
        player_id=arguments.get("player_id"),
        game_id=arguments.get("game_id"),
        played_from=arguments.get("played_from"),
        played_until=arguments.get("played_until"),
    )


@blp.route("/plays")
class Plays(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.lists(PlayListArguments, PlayOut)
    def get(
        self, arguments: dict[str, Any], pagination_parameters: PaginationParameters
    ) -> Page[PlayView]:
        """List plays, newest first, with their games and participants."""
        return plays.plays_page(
            get_uow(),
            current_principal(),
            filters_from(arguments),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )

    @blp.requires(Permission.SIGNED_IN)
    @blp.creates(PlayCreate, PlayOut, PLAY_PATH, "play_id")
    def post(self, new_play: dict[str, Any]) -> tuple[PlayView, dict[str, str]]:
        """Record a play: a member one they take part in, organizers and admins any."""
        play = plays.record_play(get_uow(), current_principal(), new_play)
        blp.set_etag(plays.play_version(play))
        return play, {"Location": url_for("plays.PlayById", play_id=play["id"])}


@blp.route("/plays/<uuid:play_id>")
class PlayById(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.reads_one(PlayOut, PLAY_PATH, "play_id")
    def get(self, play_id: UUID) -> PlayView:
        """Get a play with its game and participants."""
        play = plays.play_of(get_uow(), current_principal(), play_id)
        blp.set_etag(plays.play_version(play))
        return play

    @blp.requires(Permission.SIGNED_IN)
    @blp.changes(PlayPatch(partial=True), PlayOut, PLAY_PATH, "play_id")
    def patch(self, changes: dict[str, Any], play_id: UUID) -> PlayView:
        """Change some of a play's fields, or replace its participants; needs its ETag."""
        play = plays.change_play(
            get_uow(),
            current_principal(),
            play_id,
            changes,
            expected_version=blp.expected_version(),
        )
        blp.set_etag(plays.play_version(play))
        return play

    @blp.requires(Permission.SIGNED_IN)
    @blp.removes()
    def delete(self, play_id: UUID) -> None:
        """Remove a play and its participants; needs the play's ETag in If-Match."""
        plays.remove_play(
            get_uow(), current_principal(), play_id, expected_version=blp.expected_version()
        )


@blp.route("/players/<uuid:player_id>/plays")
class PlayerPlays(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.lists(PlayerPlaysArguments, PlayOut)
    @blp.documents_errors(HTTPStatus.NOT_FOUND)
    def get(
        self,
        arguments: dict[str, Any],
        player_id: UUID,
        pagination_parameters: PaginationParameters,
    ) -> Page[PlayView]:
        """List the plays a player took part in, newest first."""
        return plays.plays_of_player(
            get_uow(),
            current_principal(),
            player_id,
            filters_from(arguments),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )


@blp.route("/players/<uuid:player_id>/stats")
class PlayerStats(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.response(200, PlayerStatsOut)
    @blp.documents_errors(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE)
    def get(self, player_id: UUID) -> PlayerStatsView:
        """A player's statistics: plays, wins, most played games, favourite categories."""
        return plays.stats_of(get_uow(), current_principal(), player_id)


add_history_route(blp, "/plays/<uuid:play_id>/history", Play.__tablename__, "play")
