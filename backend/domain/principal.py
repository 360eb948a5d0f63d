"""Who is acting: the principal every service is given, and whose name the audit trail keeps."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from backend.domain.accounts import Role


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

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self != ANONYMOUS

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def user_principal_name(user_id: UUID) -> str:
    return f"user:{user_id}"


# Until accounts arrive, every HTTP request acts as this one.
ANONYMOUS = Principal("anonymous")
# Commands run by an operator (the CLI, the importer) name themselves; this is the default.
SYSTEM = Principal("system")
