"""The accounts resource (admins only): list, create, read, and change role or active flag."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.extensions import Blueprint
from backend.api.uow import get_uow
from backend.api.users.schemas import UserCreate, UserListArguments, UserOut, UserPatch
from backend.domain.permissions import Permission
from backend.models import User
from backend.repositories.base import Page
from backend.services import accounts

blp = Blueprint(
    "users",
    __name__,
    url_prefix="/api/v1/users",
    description="Accounts, managed by admins. There is no removal: deactivate instead, so the "
    "audit trail keeps pointing at someone.",
)
USER_PATH = "/api/v1/users/{user_id}"
# Accounts are never removed.
USER_LINKS = ("read", "change")


@blp.route("")
class Users(MethodView):
    @blp.requires(Permission.MANAGE_USERS)
    @blp.lists(UserListArguments, UserOut)
    def get(
        self, arguments: dict[str, Any], pagination_parameters: PaginationParameters
    ) -> Page[User]:
        """List accounts by email, optionally of one role or active state."""
        return accounts.users_page(
            get_uow(),
            current_principal(),
            role=arguments.get("role"),
            active=arguments.get("active"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )

    @blp.requires(Permission.MANAGE_USERS)
    @blp.creates(UserCreate, UserOut, USER_PATH, "user_id", USER_LINKS)
    def post(self, new_user: dict[str, Any]) -> tuple[User, dict[str, str]]:
        """Create an account with a role (member unless given)."""
        user = accounts.create_user(
            get_uow(),
            current_principal(),
            new_user["email"],
            new_user["password"],
            display_name=new_user.get("display_name"),
            role=new_user["role"],
        )
        blp.set_etag(accounts.user_version(user))
        return user, {"Location": url_for("users.UserById", user_id=user.id)}


@blp.route("/<uuid:user_id>")
class UserById(MethodView):
    @blp.requires(Permission.MANAGE_USERS)
    @blp.reads_one(UserOut, USER_PATH, "user_id", USER_LINKS)
    def get(self, user_id: UUID) -> User:
        """Get an account."""
        user = accounts.user_of(get_uow(), current_principal(), user_id)
        blp.set_etag(accounts.user_version(user))
        return user

    @blp.requires(Permission.MANAGE_USERS)
    @blp.changes(UserPatch(partial=True), UserOut, USER_PATH, "user_id", USER_LINKS)
    def patch(self, changes: dict[str, Any], user_id: UUID) -> User:
        """Change an account's display name, role or active flag; needs its ETag in If-Match.

        Deactivating stops its tokens at once; the last active admin stays one (422).
        """
        user = accounts.change_user(
            get_uow(),
            current_principal(),
            user_id,
            changes,
            expected_version=blp.expected_version(),
        )
        blp.set_etag(accounts.user_version(user))
        return user
