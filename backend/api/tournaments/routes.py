"""The tournaments endpoints: anyone reads the tournaments they may see; organizers create
tournaments and manage their own through the lifecycle, admins any."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.audit.routes import add_history_route
from backend.api.extensions import Blueprint
from backend.api.tournaments.schemas import (
    TournamentCreate,
    TournamentDetailOut,
    TournamentListArguments,
    TournamentOut,
    TournamentPatch,
)
from backend.api.uow import get_uow
from backend.domain.permissions import Permission
from backend.models import Tournament
from backend.repositories.base import Page
from backend.repositories.tournaments import TournamentFilters, TournamentView
from backend.services import tournaments
from backend.services.tournaments import TournamentDetail

blp = Blueprint(
    "tournaments",
    __name__,
    url_prefix="/api/v1/tournaments",
    description="Tournaments: a game in a format at a venue, run by its organizer through "
    "draft -> registration_open -> in_progress -> completed (or cancelled). Anyone sees "
    "public ones, signed-in users members-only ones, and a draft only its organizer and "
    "admins. Organizers create tournaments and manage their own; admins any.",
)
TOURNAMENT_PATH = "/api/v1/tournaments/{tournament_id}"
F = TypeVar("F", bound=Callable[..., Any])
# What a client does next with a tournament an answer carries, besides reading, changing and
# removing it: OpenAPI links, by name, to the operations on what it holds.
HELD = (
    ("sign_up", "registrations", "post", "Sign a player up for it."),
    ("registrations", "registrations", "get", "Who signed up for it."),
    ("pair_round", "rounds", "post", "Pair its next round."),
    ("rounds", "rounds", "get", "Its rounds, with their matches."),
    ("matches", "matches", "get", "Its matches."),
    ("standings", "standings", "get", "Its standings."),
)


def documents_what_it_holds(status: int) -> Callable[[F], F]:
    """Document, as OpenAPI links on a response carrying a tournament, the operations on
    its registrations, rounds, matches and standings, its id filling `tournament_id`."""

    def decorator(func: F) -> F:
        for name, collection, method, description in HELD:
            func = blp.documents_a_link(
                status,
                name,
                f"{TOURNAMENT_PATH}/{collection}",
                method,
                {"tournament_id": "$response.body#/id"},
                description,
            )(func)
        return func

    return decorator


@blp.route("")
class Tournaments(MethodView):
    @blp.public
    @blp.lists(TournamentListArguments, TournamentOut)
    def get(
        self, arguments: dict[str, Any], pagination_parameters: PaginationParameters
    ) -> Page[TournamentView]:
        """List the tournaments you may see, by start time, with their counts."""
        filters = TournamentFilters(
            status=arguments.get("status"),
            game_id=arguments.get("game_id"),
            venue_id=arguments.get("venue_id"),
            starts_from=arguments.get("starts_from"),
            starts_until=arguments.get("starts_until"),
        )
        return tournaments.tournaments_page(
            get_uow(),
            current_principal(),
            filters,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )

    @blp.requires(Permission.MANAGE_TOURNAMENTS)
    @blp.creates(TournamentCreate, TournamentDetailOut, TOURNAMENT_PATH, "tournament_id")
    @documents_what_it_holds(201)
    def post(self, new_tournament: dict[str, Any]) -> tuple[TournamentDetail, dict[str, str]]:
        """Create a tournament, as a draft that only you and the admins see."""
        detail = tournaments.create_tournament(get_uow(), current_principal(), new_tournament)
        blp.set_etag(tournaments.tournament_version(detail))
        location = url_for("tournaments.TournamentById", tournament_id=detail["id"])
        return detail, {"Location": location}


@blp.route("/<uuid:tournament_id>")
class TournamentById(MethodView):
    @blp.public
    @blp.reads_one(TournamentDetailOut, TOURNAMENT_PATH, "tournament_id")
    @documents_what_it_holds(200)
    def get(self, tournament_id: UUID) -> TournamentDetail:
        """Get a tournament with its counts and its rounds of matches."""
        detail = tournaments.tournament_detail(get_uow(), current_principal(), tournament_id)
        blp.set_etag(tournaments.tournament_version(detail))
        return detail

    @blp.requires(Permission.MANAGE_TOURNAMENTS)
    @blp.changes(
        TournamentPatch(partial=True), TournamentDetailOut, TOURNAMENT_PATH, "tournament_id"
    )
    @documents_what_it_holds(200)
    def patch(self, changes: dict[str, Any], tournament_id: UUID) -> TournamentDetail:
        """Change a tournament's fields or move its status on; needs its ETag in If-Match."""
        detail = tournaments.change_tournament(
            get_uow(),
            current_principal(),
            tournament_id,
            changes,
            expected_version=blp.expected_version(),
        )
        blp.set_etag(tournaments.tournament_version(detail))
        return detail

    @blp.requires(Permission.MANAGE_TOURNAMENTS)
    @blp.removes(HTTPStatus.CONFLICT)
    def delete(self, tournament_id: UUID) -> None:
        """Remove a draft tournament (cancel one past its draft); needs its ETag in If-Match."""
        tournaments.remove_tournament(
            get_uow(), current_principal(), tournament_id, expected_version=blp.expected_version()
        )


add_history_route(blp, "/<uuid:tournament_id>/history", Tournament.__tablename__, "tournament")
