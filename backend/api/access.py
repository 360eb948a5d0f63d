"""Who may call what: every operation declares its access, and each request is checked
against it (and its bearer token authenticated) before the view reads anything."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from backend.api.request_context import current_request_id
from backend.api.uow import get_uow
from backend.domain.errors import DomainError, NotSignedIn
from backend.domain.permissions import Permission, require
from backend.domain.principal import ANONYMOUS, Principal
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services import accounts
from backend.state import app_state

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTRIBUTE = "gamenight_access"
BEARER_SCHEME = "bearerAuth"
MALFORMED_AUTHORIZATION = (
    "The Authorization header must be `Bearer <token>`, with a token from POST /api/v1/auth/tokens."
)


@dataclass(frozen=True)
class Access:
    """What an operation asks of its caller: a permission (None: anyone), and whether a
    bearer token sent along is checked and names the caller (a wrong one is then 401)."""

    permission: Permission | None
    reads_token: bool = True


# Anyone; a token sent along is checked, and names the caller.
PUBLIC = Access(None)
# Anyone, and a token sent along is not even looked at: health checks, metrics, the docs,
# and signing in (an expired token in a client's settings must not stop a new sign-in).
OPEN = Access(None, reads_token=False)
# Flask's and flask-smorest's own endpoints, which are not ours to decorate.
OPEN_ENDPOINTS = frozenset({"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"})


def declare(access: Access) -> Callable[[F], F]:
    """Mark a view function (or a MethodView's method) with its access."""

    def decorator(func: F) -> F:
        setattr(func, ACCESS_ATTRIBUTE, access)
        return func

    return decorator


def access_of(app: Flask, endpoint: str, method: str) -> Access | None:
    """The access declared for `method` on `endpoint`, or None when nothing is declared."""
    if endpoint in OPEN_ENDPOINTS:
        return OPEN
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        name = method.lower()
        view = getattr(view_class, "get" if name == "head" else name, None)
    access: Access | None = getattr(view, ACCESS_ATTRIBUTE, None)
    return access


def current_principal() -> Principal:
    """Who makes the current request: the user its token names, or anonymous."""
    principal: Principal = g.get("principal", ANONYMOUS)
    return principal


def current_token_id() -> Any:
    """The id of the token the current request came with, or None."""
    return g.get("token_id")


def init_app(app: Flask) -> None:
    app.before_request(_check_access)
    # Registered before the Unit of Work's teardown, so it runs after it (Flask runs
    # teardown functions newest first).
    app.teardown_request(_record_token_use)


def _check_access() -> None:
    # A preflight carries no credentials (browsers never send them), and a request that
    # matched no route gets its 404 or 405 from Flask.
    if request.method == "OPTIONS" or request.endpoint is None or request.routing_exception:
        return
    access = access_of(current_app, request.endpoint, request.method)
    if access is None:
        # A route nobody declared (tests/api/test_access.py keeps there being none): closed
        # to all but admins rather than open to all.
        logger.error("no access declared for %s %s", request.method, request.endpoint)
        access = Access(Permission.MANAGE_USERS)
    header = request.headers.get("Authorization")
    if access.reads_token and header is not None:
        _authenticate(header)
    if access.permission is not None:
        require(current_principal(), access.permission)


def _authenticate(header: str) -> None:
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or " " in secret:
        raise NotSignedIn(MALFORMED_AUTHORIZATION, credentials_sent=True)
    # In the request's own Unit of Work: the lookup is the one statement authentication
    # adds, inside the request's transaction (read-only for a read).
    uow = get_uow()
    authenticated = accounts.authenticate(uow, secret)
    uow.act_as(authenticated.principal.name)
    g.principal = authenticated.principal
    g.token_id = authenticated.token_id
    if authenticated.use_to_record:
        g.token_use_due = authenticated.token_id


def _record_token_use(_error: BaseException | None) -> None:
    """Note a token's use, due at most once a minute, in a short transaction of its own
    (a read's Unit of Work cannot write, and a failed request must not lose the note),
    after the request's Unit of Work has given its connection back: a thread never holds
    two connections, which the pool's sizing counts on."""
    token_id = g.pop("token_use_due", None)
    if token_id is None:
        return
    state = app_state(current_app)
    try:
        with SqlAlchemyUnitOfWork(state.session_factory, request_id=current_request_id()) as writer:
            accounts.record_token_use(writer, token_id)
    except (DomainError, SQLAlchemyError) as error:
        # Bookkeeping: the answer is sent already, and the next request notes it again.
        logger.warning("could not note the use of token %s: %s", token_id, error)
