"""Who is acting: the principal every service is given, and whose name the audit trail keeps."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from backend.domain.accounts import Role
from backend.domain.errors import DomainRuleError


@dataclass(frozen=True)
class Principal:
    """A person or a named system process acting on the catalog.

    `name` is what audit columns record. A user's is `user:<id>`, which survives a change
    of email or display name; a system process's is its own name, and it has no
    `user_id` or `role`.
    """

    name: str
    user_id: UUID | None = None
    role: Role | None = None

    @classmethod
    def of_user(cls, user_id: UUID, role: Role) -> Principal:
        return cls(user_principal_name(user_id), user_id, Role(role))

    @classmethod
    def system(cls, name: str) -> Principal:
        """A named system process (`--actor` of a command); DomainRuleError for a name that
        is blank, too long, or could be taken for a user or for anonymous."""
        name = name.strip()
        problem = None
        if not name:
            problem = "Must not be blank."
        elif len(name) > SYSTEM_NAME_MAX_LENGTH:
            problem = f"Must be at most {SYSTEM_NAME_MAX_LENGTH} characters long."
        elif name.startswith(USER_PREFIX) or name == ANONYMOUS_NAME:
            problem = (
                f"Must not start with {USER_PREFIX!r} or be {ANONYMOUS_NAME!r}: those name "
                "users and anonymous callers."
            )
        if problem is not None:
            raise DomainRuleError(f"actor: {problem}", fields={"actor": [problem]})
        return cls(name)

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self != ANONYMOUS

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


USER_PREFIX = "user:"
ANONYMOUS_NAME = "anonymous"
# The audit columns' width (ACTOR_MAX_LENGTH of the models) less room to spare.
SYSTEM_NAME_MAX_LENGTH = 64


def user_principal_name(user_id: UUID) -> str:
    return f"{USER_PREFIX}{user_id}"


# An HTTP request without a token.
ANONYMOUS = Principal(ANONYMOUS_NAME)
# Commands run by an operator (the CLI, the importer) name themselves; this is the default.
SYSTEM = Principal("system")
