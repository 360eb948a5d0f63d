"""The rounds endpoints: pairing a tournament's rounds, its matches and their results, and
its standings. Whoever sees a tournament reads them; its organizer or an admin pairs
rounds; players report and confirm their own matches' results."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest import abort
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.extensions import Blueprint
from backend.api.rounds.schemas import (
    MatchListArguments,
    MatchOut,
    PairingIn,
    ResultIn,
    RoundOut,
    StandingsOut,
)
from backend.api.uow import get_uow
from backend.domain.errors import StaleObjectError
from backend.domain.permissions import Permission
from backend.repositories.base import Page
from backend.repositories.rounds import MatchFilters, MatchView, RoundView
from backend.services import rounds, standings
from backend.services.standings import StandingsView

blp = Blueprint(
    "rounds",
    __name__,
    url_prefix="/api/v1",
    description="A tournament's rounds and their pairings, match results and standings. "
    "Whoever sees the tournament reads them; its organizer or an admin pairs each round; "
    "a player reports their match's result and the other player (or the organizer) "
    "confirms it.",
)
ROUND_PATH = "/api/v1/tournaments/{tournament_id}/rounds/{number}"
MATCH_PATH = "/api/v1/tournaments/{tournament_id}/matches/{match_id}"
F = TypeVar("F", bound=Callable[..., Any])
# An OpenAPI link: its name, the path and method it leads to, its parameters (besides the
# tournament's id) and its description.
Link = tuple[str, str, str, dict[str, str], str]
# OpenAPI links from a round to what a client does next: read it again, and read, report or
# confirm its first match (a round has one at least).
FROM_A_ROUND: tuple[Link, ...] = (
    ("read", ROUND_PATH, "get", {"number": "$response.body#/number"}, "Read it again."),
    *(
        (name, f"{MATCH_PATH}{suffix}", method, {"match_id": "$response.body#/matches/0/id"}, text)
        for name, suffix, method, text in (
            ("read_match", "", "get", "Read its first match."),
            ("report_result", "/result", "put", "Report its first match's result."),
            ("confirm_result", "/confirmation", "post", "Confirm its first match's result."),
        )
    ),
)
# And from a match (which names no tournament: its request's path does): read it again,
# report its result with the ETag it came with, and confirm it.
FROM_A_MATCH: tuple[Link, ...] = (
    ("read", MATCH_PATH, "get", {}, "Read it again."),
    (
        "report_result",
        f"{MATCH_PATH}/result",
        "put",
        {"header.If-Match": "$response.header.ETag"},
        "Report or correct its result; the ETag it came with goes in If-Match.",
    ),
    ("confirm_result", f"{MATCH_PATH}/confirmation", "post", {}, "Confirm its result."),
)
CORRECTION_IF_MATCH = (
    "Needed to correct a confirmed result (its organizer or an admin): the match's ETag; "
    "without it such a correction is 428."
)


def documents_links(
    status: int,
    links: tuple[Link, ...],
    tournament_id: str,
    entity_id: str,
) -> Callable[[F], F]:
    """Document `links` as OpenAPI links on a response, each with the tournament's id
    (`tournament_id`, a runtime expression) and its own parameters; `entity_id` fills a
    match's id where a link names none."""

    def decorator(func: F) -> F:
        for name, path, method, parameters, description in links:
            by_id = {"tournament_id": tournament_id, **parameters}
            if "{match_id}" in path and "match_id" not in by_id:
                by_id["match_id"] = entity_id
            func = blp.documents_a_link(status, name, path, method, by_id, description)(func)
        return func

    return decorator


def documents_links_from_a_round(status: int) -> Callable[[F], F]:
    """The links from a response carrying a round."""
    return documents_links(status, FROM_A_ROUND, "$response.body#/tournament_id", "")


def documents_links_from_a_match(status: int) -> Callable[[F], F]:
    """The links from a response carrying a match."""
    return documents_links(
        status, FROM_A_MATCH, "$request.path.tournament_id", "$response.body#/id"
    )


@blp.route("/tournaments/<uuid:tournament_id>/rounds")
class Rounds(MethodView):
    @blp.public
    @blp.response(200, RoundOut(many=True))
    @blp.documents_errors(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE)
    def get(self, tournament_id: UUID) -> list[RoundView]:
        """List a tournament's rounds in order, each with its matches by table."""
        return rounds.rounds_of(get_uow(), current_principal(), tournament_id)

    @blp.requires(Permission.MANAGE_TOURNAMENTS)
    @blp.creates(PairingIn, RoundOut, ROUND_PATH, "number", links=(), body_required=False)
    @documents_links_from_a_round(201)
    @blp.documents_errors(HTTPStatus.NOT_FOUND)
    def post(
        self, pairing: dict[str, Any], tournament_id: UUID
    ) -> tuple[RoundView, dict[str, str]]:
        """Pair the tournament's next round: Swiss, then the top cut (its organizer or an admin)."""
        new_round = rounds.pair_next_round(
            get_uow(),
            current_principal(),
            tournament_id,
            allow_rematches=pairing.get("allow_rematches", False),
        )
        blp.set_etag(rounds.round_version(new_round))
        location = url_for(
            "rounds.RoundByNumber", tournament_id=tournament_id, number=new_round["number"]
        )
        return new_round, {"Location": location}


# Round numbers are stored as SMALLINT: a larger number in the path is no round, and is
# not sent to the database, whose integer types would overflow (a 500 before).
@blp.route("/tournaments/<uuid:tournament_id>/rounds/<int(min=1, max=32767):number>")
class RoundByNumber(MethodView):
    @blp.public
    @blp.reads_one(RoundOut, ROUND_PATH, "number", links=())
    @documents_links_from_a_round(200)
    def get(self, tournament_id: UUID, number: int) -> RoundView:
        """Get one round of a tournament with its matches by table."""
        found = rounds.round_of(get_uow(), current_principal(), tournament_id, number)
        blp.set_etag(rounds.round_version(found))
        return found


@blp.route("/tournaments/<uuid:tournament_id>/matches")
class Matches(MethodView):
    @blp.public
    @blp.lists(MatchListArguments, MatchOut)
    @blp.documents_errors(HTTPStatus.NOT_FOUND)
    def get(
        self,
        arguments: dict[str, Any],
        tournament_id: UUID,
        pagination_parameters: PaginationParameters,
    ) -> Page[MatchView]:
        """List a tournament's matches by round and table."""
        return rounds.matches_page(
            get_uow(),
            current_principal(),
            tournament_id,
            MatchFilters(round_number=arguments.get("round"), player_id=arguments.get("player_id")),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )


@blp.route("/tournaments/<uuid:tournament_id>/matches/<uuid:match_id>")
class MatchById(MethodView):
    @blp.public
    @blp.reads_one(MatchOut, MATCH_PATH, "match_id", links=())
    @documents_links_from_a_match(200)
    def get(self, tournament_id: UUID, match_id: UUID) -> MatchView:
        """Get one match of a tournament and its result."""
        match = rounds.match_of(get_uow(), current_principal(), tournament_id, match_id)
        blp.set_etag(rounds.match_version(match))
        return match


@blp.route("/tournaments/<uuid:tournament_id>/matches/<uuid:match_id>/result")
class MatchResult(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.replaces(ResultIn, MatchOut, CORRECTION_IF_MATCH)
    @documents_links_from_a_match(200)
    def put(self, result: dict[str, int], tournament_id: UUID, match_id: UUID) -> MatchView:
        """Report a match's result: a player of it; its organizer or an admin confirms it too."""
        sent = blp.expected_version_if_sent()
        try:
            match = rounds.report_result(
                get_uow(),
                current_principal(),
                tournament_id,
                match_id,
                result,
                expected_version=sent,
            )
        except StaleObjectError:
            if sent is None:
                abort(HTTPStatus.PRECONDITION_REQUIRED, message=rounds.CORRECTION_NEEDS_IF_MATCH)
            raise
        blp.set_etag(rounds.match_version(match))
        return match


@blp.route("/tournaments/<uuid:tournament_id>/matches/<uuid:match_id>/confirmation")
class MatchConfirmation(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.etag
    @blp.response(200, MatchOut)
    @documents_links_from_a_match(200)
    @blp.documents_errors(
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.SERVICE_UNAVAILABLE,
    )
    def post(self, tournament_id: UUID, match_id: UUID) -> MatchView:
        """Confirm a reported result: the other player of the match, its organizer or an admin."""
        match = rounds.confirm_result(get_uow(), current_principal(), tournament_id, match_id)
        blp.set_etag(rounds.match_version(match))
        return match


@blp.route("/tournaments/<uuid:tournament_id>/standings")
class Standings(MethodView):
    @blp.public
    @blp.response(200, StandingsOut)
    @blp.documents_errors(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE)
    def get(self, tournament_id: UUID) -> StandingsView:
        """A tournament's standings, derived from its confirmed Swiss results."""
        return standings.standings_of(get_uow(), current_principal(), tournament_id)
