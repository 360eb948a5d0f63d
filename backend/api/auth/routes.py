"""Signing in for an API token, the signed-in user's own account, and their tokens."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from flask import current_app
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal, current_token_id
from backend.api.auth.schemas import NewToken, PasswordChange, SignIn, TokenOut
from backend.api.extensions import Blueprint
from backend.api.schemas import ListArguments
from backend.api.uow import get_uow
from backend.api.users.schemas import UserOut
from backend.domain.accounts import token_lifetime
from backend.domain.permissions import Permission
from backend.models import ApiToken, User
from backend.repositories.base import Page
from backend.services import accounts
from backend.state import app_state

blp = Blueprint(
    "auth",
    __name__,
    url_prefix="/api/v1/auth",
    description="Signing in: an email and password give an API token, sent as "
    "`Authorization: Bearer <token>`.",
)
# RFC 6749 5.1: an answer carrying a credential is never cached.
NO_STORE = {"Cache-Control": "no-store"}


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.open
    @blp.arguments(SignIn)
    @blp.response(201, NewToken, headers={"Cache-Control": {"schema": {"type": "string"}}})
    @blp.documents_errors(
        HTTPStatus.UNAUTHORIZED, HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE
    )
    def post(self, sign_in: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Sign in: a new API token for an email and password (401 when they are wrong).

        After 5 failed sign-ins for one email within 15 minutes, the next get 429 with
        Retry-After until the window passes.
        """
        days = app_state(current_app).settings.api_token_days
        token, secret = accounts.sign_in(
            get_uow(),
            current_principal(),
            sign_in["email"],
            sign_in["password"],
            sign_in["name"],
            lifetime=token_lifetime(days),
        )
        return {**_token_fields(token), "token": secret}, NO_STORE

    @blp.requires(Permission.SIGNED_IN)
    @blp.lists(ListArguments, TokenOut)
    def get(self, _arguments: Any, pagination_parameters: PaginationParameters) -> Page[ApiToken]:
        """List your own tokens, newest first (never their secrets)."""
        return accounts.tokens_page(
            get_uow(),
            current_principal(),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )


@blp.route("/tokens/<uuid:token_id>")
class TokenById(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.response(204)
    @blp.documents_errors(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE)
    def delete(self, token_id: UUID) -> None:
        """Revoke one of your tokens (an admin: anyone's); it stops working at once.

        Needs no If-Match: revoking is the same whatever the token's state, and must never
        wait on a read.
        """
        accounts.revoke_token(get_uow(), current_principal(), token_id)


@blp.route("/me")
class Me(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.response(200, UserOut)
    @blp.documents_errors(HTTPStatus.SERVICE_UNAVAILABLE)
    def get(self) -> User:
        """Get your own account: who the token you sent speaks for."""
        return accounts.current_user(get_uow(), current_principal())


@blp.route("/me/password")
class MyPassword(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.arguments(PasswordChange)
    @blp.response(204)
    @blp.documents_errors(HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE)
    def put(self, change: dict[str, Any]) -> None:
        """Change your password, giving the current one; every other token of yours is revoked.

        The token you sent keeps working. A wrong current password is 422, and counts as a
        failed sign-in for your email (429 after 5 in 15 minutes).
        """
        accounts.change_password(
            get_uow(),
            current_principal(),
            current_password=change["current_password"],
            new_password=change["new_password"],
            keep_token_id=current_token_id(),
        )


def _token_fields(token: ApiToken) -> dict[str, Any]:
    return {name: getattr(token, name) for name in TokenOut().fields}
