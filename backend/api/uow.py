"""The request's Unit of Work: opened on first use, closed at teardown, never committed there."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from backend.api.request_context import current_request_id
from backend.domain.principal import ANONYMOUS, Principal
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.state import app_state

# Requests with these methods only read: their Unit of Work is read-only.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    # At the request's teardown, not the app context's: that runs once the request is gone,
    # so whatever closing the Unit of Work logs would no longer name the request. Flask runs
    # teardown_request functions newest first: this one before request_context's.
    app.teardown_request(_close_uow)


def get_uow() -> SqlAlchemyUnitOfWork:
    """The Unit of Work of the current request; `/health/live` never calls it, so never connects."""
    if "uow" not in g:
        state = app_state(current_app)
        reads_only = request.method in READING_METHODS
        g.uow = SqlAlchemyUnitOfWork(
            state.read_session_factory if reads_only else state.session_factory,
            # Who authentication named so far (backend/api/access.py), which calls act_as
            # when the token is looked up in this very Unit of Work.
            actor=_principal().name,
            change_reason=g.get("change_reason"),
            request_id=current_request_id(),
        ).__enter__()
    uow: SqlAlchemyUnitOfWork = g.uow
    return uow


def _principal() -> Principal:
    principal: Principal = g.get("principal", ANONYMOUS)
    return principal


def _close_uow(error: BaseException | None) -> None:
    uow: SqlAlchemyUnitOfWork | None = g.pop("uow", None)
    if uow is not None:
        # Rolls back whatever the view did not commit, and returns the connection to the pool.
        uow.__exit__(type(error) if error else None, error, None)
