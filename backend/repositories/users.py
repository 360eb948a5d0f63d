"""UserRepository and ApiTokenRepository: accounts and their tokens, in the domain's words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from backend.domain.accounts import Role
from backend.models import ApiToken, User
from backend.repositories.base import Repository


class UserRepository(Repository[User]):
    model = User
    entity_name = "user"
    updatable = frozenset(
        {"email", "email_key", "display_name", "password_hash", "is_active", "role"}
    )
    default_order = (User.email_key, User.id)

    def get_by_email(self, key: str) -> User | None:
        """The user whose normalised email is `key` (see email_key in backend/domain)."""
        return self.session.scalar(select(User).where(User.email_key == key))

    def count_active_admins(self) -> int:
        return self.count(User.role == Role.ADMIN, User.is_active.is_(True))


class ApiTokenRepository(Repository[ApiToken]):
    model = ApiToken
    entity_name = "token"
    updatable = frozenset({"name", "last_used_at", "revoked_at"})
    default_order = (ApiToken.created_at, ApiToken.id)

    def by_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))

    def of_user(self, user_id: UUID) -> Sequence[ApiToken]:
        statement = (
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(*self.default_order)
        )
        return list(self.session.scalars(statement))

    def revoke_all_of_user(self, user_id: UUID, at: datetime, *, keep: Any = None) -> int:
        """Revoke the user's unrevoked tokens but `keep` (a token's id); how many.

        Through the session, token by token, so each revocation is versioned and audited as
        any change is: a user holds a handful of tokens, not thousands.
        """
        revoked = 0
        for token in self.of_user(user_id):
            if token.id != keep and token.revoked_at is None:
                token.revoked_at = at
                revoked += 1
        return revoked
