"""Who may do what: each permission names the roles that hold it, in this one place."""

from __future__ import annotations

from enum import Enum

from backend.domain.accounts import Role
from backend.domain.errors import NotSignedIn, PermissionDenied
from backend.domain.principal import Principal


class Permission(Enum):
    """An action that needs a signed-in user, and the roles that may take it.

    Services call `require(principal, Permission.X)`; routes declare the same permission,
    so an HTTP client is refused before its body is read and the OpenAPI spec says who may
    call what. System principals (operators' commands) hold every permission.
    """

    SIGNED_IN = ("act as a signed-in user", frozenset(Role))
    EDIT_CATALOG = ("change the catalog", frozenset({Role.ORGANIZER, Role.ADMIN}))
    READ_HISTORY = ("read an entity's history", frozenset({Role.ORGANIZER, Role.ADMIN}))
    # A member manages only the player linked to their own account (checked by the
    # service, object by object); this is managing any player, and seeing their Discord ids.
    MANAGE_PLAYERS = ("manage any player", frozenset({Role.ORGANIZER, Role.ADMIN}))
    # The club's physical copies of games: inventory, not the catalog's description of them.
    MANAGE_SHELF = ("manage the club's copies of games", frozenset({Role.ORGANIZER, Role.ADMIN}))
    # A member records, changes and removes only plays they take part in (checked by the
    # service, play by play); this is doing so for any play.
    MANAGE_PLAYS = ("manage any play", frozenset({Role.ORGANIZER, Role.ADMIN}))
    # Venues, and creating tournaments; an organizer manages only the tournaments they
    # organize (checked by the service, tournament by tournament), an admin any.
    MANAGE_TOURNAMENTS = (
        "organize tournaments and manage venues",
        frozenset({Role.ORGANIZER, Role.ADMIN}),
    )
    MANAGE_USERS = ("manage accounts", frozenset({Role.ADMIN}))
    READ_AUDIT = ("read the audit trail", frozenset({Role.ADMIN}))

    def __init__(self, action: str, roles: frozenset[Role]) -> None:
        self.action = action
        self.roles = roles

    def allows(self, principal: Principal) -> bool:
        return principal.is_system or principal.role in self.roles

    @property
    def role_names(self) -> str:
        """The roles in words: "an organizer or an admin"."""
        ordered = [role for role in Role if role in self.roles][::-1]
        return " or ".join(f"{_article(role)} {role}" for role in ordered)


def require(principal: Principal, permission: Permission) -> None:
    """NotSignedIn for the anonymous, PermissionDenied for a user whose role lacks it."""
    if permission.allows(principal):
        return
    if principal.user_id is None:
        raise NotSignedIn()
    raise PermissionDenied(
        f"Only {permission.role_names} may {permission.action}; you are {_article(principal.role)} "
        f"{principal.role}."
    )


def _article(role: Role | None) -> str:
    return "an" if str(role)[:1] in "aeiou" else "a"
