"""The registrations endpoints: signing players up for a tournament (a member their own
player, its organizer and admins any), checking in, dropping, and who signed up (whoever
sees the tournament)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.extensions import Blueprint
from backend.api.registrations.schemas import (
    RegistrationCreate,
    RegistrationListArguments,
    RegistrationOut,
    RegistrationPatch,
)
from backend.api.uow import get_uow
from backend.domain.permissions import Permission
from backend.repositories.base import Page
from backend.repositories.registrations import RegistrationView
from backend.services import registrations

blp = Blueprint(
    "registrations",
    __name__,
    url_prefix="/api/v1",
    description="Tournaments' registrations, numbered in the order of sign-up: registered "
    "while places remain, waitlisted beyond. A member signs up, checks in and drops the "
    "player linked to their account; the tournament's organizer and admins any player. "
    "Whoever sees the tournament sees who signed up.",
)
REGISTRATION_PATH = "/api/v1/tournaments/{tournament_id}/registrations/{registration_id}"
# No removal: a drop is a change of status, kept for the standings and the audit trail.
LINKS = ("read", "change")


@blp.route("/tournaments/<uuid:tournament_id>/registrations")
class Registrations(MethodView):
    @blp.public
    @blp.lists(RegistrationListArguments, RegistrationOut)
    @blp.documents_errors(HTTPStatus.NOT_FOUND)
    def get(
        self,
        arguments: dict[str, Any],
        tournament_id: UUID,
        pagination_parameters: PaginationParameters,
    ) -> Page[RegistrationView]:
        """List a tournament's registrations in sign-up order, with their players' names."""
        return registrations.registrations_page(
            get_uow(),
            current_principal(),
            tournament_id,
            status=arguments.get("status"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )

    @blp.requires(Permission.SIGNED_IN)
    @blp.creates(
        RegistrationCreate,
        RegistrationOut,
        REGISTRATION_PATH,
        "registration_id",
        links=LINKS,
        parents=("tournament_id",),
    )
    @blp.documents_errors(HTTPStatus.NOT_FOUND)
    def post(
        self, sign_up: dict[str, Any], tournament_id: UUID
    ) -> tuple[RegistrationView, dict[str, str]]:
        """Sign a player up: registered while places remain, waitlisted beyond."""
        registration = registrations.register(
            get_uow(), current_principal(), tournament_id, sign_up["player_id"]
        )
        blp.set_etag(registrations.registration_version(registration))
        location = url_for(
            "registrations.RegistrationById",
            tournament_id=tournament_id,
            registration_id=registration["id"],
        )
        return registration, {"Location": location}


@blp.route("/tournaments/<uuid:tournament_id>/registrations/<uuid:registration_id>")
class RegistrationById(MethodView):
    @blp.public
    @blp.reads_one(
        RegistrationOut,
        REGISTRATION_PATH,
        "registration_id",
        links=LINKS,
        parents=("tournament_id",),
    )
    def get(self, tournament_id: UUID, registration_id: UUID) -> RegistrationView:
        """Get one of a tournament's registrations."""
        registration = registrations.registration_of(
            get_uow(), current_principal(), tournament_id, registration_id
        )
        blp.set_etag(registrations.registration_version(registration))
        return registration

    @blp.requires(Permission.SIGNED_IN)
    @blp.changes(
        RegistrationPatch,
        RegistrationOut,
        REGISTRATION_PATH,
        "registration_id",
        links=LINKS,
        parents=("tournament_id",),
    )
    def patch(
        self, changes: dict[str, Any], tournament_id: UUID, registration_id: UUID
    ) -> RegistrationView:
        """Check a player in or out, or drop them; needs the registration's ETag."""
        registration = registrations.change_registration(
            get_uow(),
            current_principal(),
            tournament_id,
            registration_id,
            changes,
            expected_version=blp.expected_version(),
        )
        blp.set_etag(registrations.registration_version(registration))
        return registration
