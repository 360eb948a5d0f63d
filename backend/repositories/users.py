"""UserRepository and ApiTokenRepository: accounts and their tokens, in the domain's words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select, update

from backend.domain.accounts import Role, TokenCredentials
from backend.models import ApiToken, User
from backend.repositories.base import Page, Repository


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

    def count_active_admins(self, *, lock: bool = False) -> int:
        """How many active admins there are; `lock` row-locks them until the Unit of Work
        ends, so that a concurrent change of one of them waits for this one."""
        if not lock:
            return self.count(User.role == Role.ADMIN, User.is_active.is_(True))
        statement = (
            select(User.id)
            .where(User.role == Role.ADMIN, User.is_active.is_(True))
            .with_for_update()
        )
        return len(self.session.scalars(statement).all())

    def page(
        self, *, role: Role | None, active: bool | None, page: int, page_size: int
    ) -> Page[User]:
        conditions = []
        if role is not None:
            conditions.append(User.role == role)
        if active is not None:
            conditions.append(User.is_active.is_(active))
        return self.list(where=conditions, page=page, page_size=page_size)


class ApiTokenRepository(Repository[ApiToken]):
    model = ApiToken
    entity_name = "token"
    updatable = frozenset({"name", "last_used_at", "revoked_at"})
    default_order = (ApiToken.created_at, ApiToken.id)

    def by_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))

    def with_user_by_hash(self, token_hash: str) -> TokenCredentials | None:
        """The token with this hash and what authenticating needs of its user, in one
        statement; plain columns, not entities: every authenticated request runs it."""
        statement = (
            select(
                ApiToken.id,
                ApiToken.token_hash,
                ApiToken.expires_at,
                ApiToken.last_used_at,
                ApiToken.revoked_at,
                User.id,
                User.role,
                User.is_active,
            )
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash)
        )
        row = self.session.execute(statement).first()
        return None if row is None else TokenCredentials(*row)

    def record_use(self, token_id: UUID, at: datetime, *, unless_since: datetime) -> None:
        """Note that the token was used at `at`, unless a use since `unless_since` is noted.

        A plain UPDATE, not a change of the entity: bookkeeping that moves neither the
        token's version nor the audit trail. Its condition makes concurrent requests with
        one token (other threads, workers, hosts) write it once.
        """
        statement = (
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= unless_since),
            )
            .values(last_used_at=at)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(statement)

    def of_user(self, user_id: UUID) -> Sequence[ApiToken]:
        statement = (
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(*self.default_order)
        )
        return list(self.session.scalars(statement))

    def page_of_user(self, user_id: UUID, *, page: int, page_size: int) -> Page[ApiToken]:
        newest_first = (ApiToken.created_at.desc(), ApiToken.id.desc())
        return self.list(
            where=[ApiToken.user_id == user_id],
            order_by=newest_first,
            page=page,
            page_size=page_size,
        )

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
