"""The venues endpoints: anyone reads them; organizers and admins add, change and remove
them."""

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
from backend.api.uow import get_uow
from backend.api.venues.schemas import VenueIn, VenueListArguments, VenueOut, VenuePatch
from backend.domain.permissions import Permission
from backend.models import Venue
from backend.repositories.base import Page
from backend.services import venues

blp = Blueprint(
    "venues",
    __name__,
    url_prefix="/api/v1/venues",
    description="The venues tournaments are held at. Anyone reads them; organizers and "
    "admins add, change and remove them.",
)
VENUE_PATH = "/api/v1/venues/{venue_id}"


@blp.route("")
class Venues(MethodView):
    @blp.public
    @blp.lists(VenueListArguments, VenueOut)
    def get(
        self, _arguments: dict[str, Any], pagination_parameters: PaginationParameters
    ) -> Page[Venue]:
        """List venues by name."""
        return venues.venues_page(
            get_uow(), page=pagination_parameters.page, page_size=pagination_parameters.page_size
        )

    @blp.requires(Permission.MANAGE_TOURNAMENTS)
    @blp.creates(VenueIn, VenueOut, VENUE_PATH, "venue_id")
    def post(self, new_venue: dict[str, Any]) -> tuple[Venue, dict[str, str]]:
        """Add a venue."""
        venue = venues.add_venue(get_uow(), current_principal(), new_venue)
        blp.set_etag(venues.venue_version(venue))
        return venue, {"Location": url_for("venues.VenueById", venue_id=venue.id)}


@blp.route("/<uuid:venue_id>")
class VenueById(MethodView):
    @blp.public
    @blp.reads_one(VenueOut, VENUE_PATH, "venue_id")
    def get(self, venue_id: UUID) -> Venue:
        """Get a venue."""
        venue = venues.venue_of(get_uow(), venue_id)
        blp.set_etag(venues.venue_version(venue))
        return venue

    @blp.requires(Permission.MANAGE_TOURNAMENTS)
    @blp.changes(VenuePatch(partial=True), VenueOut, VENUE_PATH, "venue_id")
    def patch(self, changes: dict[str, Any], venue_id: UUID) -> Venue:
        """Change some of a venue's fields; needs the venue's ETag in If-Match."""
        venue = venues.change_venue(
            get_uow(),
            current_principal(),
            venue_id,
            changes,
            expected_version=blp.expected_version(),
        )
        blp.set_etag(venues.venue_version(venue))
        return venue

    @blp.requires(Permission.MANAGE_TOURNAMENTS)
    @blp.removes(HTTPStatus.CONFLICT)
    def delete(self, venue_id: UUID) -> None:
        """Remove a venue no tournament is held at; needs the venue's ETag in If-Match."""
        venues.remove_venue(
            get_uow(), current_principal(), venue_id, expected_version=blp.expected_version()
        )


add_history_route(blp, "/<uuid:venue_id>/history", Venue.__tablename__, "venue")
