"""The Unit of Work on SQLAlchemy: one session, its typed repositories, an explicit commit.

Leaving the `with` block always rolls back what was not committed and closes the session,
so the connection returns to the pool on success and on error alike. A read-only Unit of
Work (one from a `read_only` session factory) refuses to flush or commit; on PostgreSQL
the server refuses any other write too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from backend.db.errors import raising_domain_errors
from backend.db.locks import exclusive
from backend.db.maintenance import refresh_statistics
from backend.domain.errors import DatabaseUnavailable, DomainError
from backend.domain.labels import LabelKind
from backend.domain.principal import SYSTEM
from backend.models import Base
from backend.models.audit import AuditContext
from backend.repositories.audit import AUDIT_CONTEXT_KEY, record_changes
from backend.repositories.audit_log import AuditLogRepository
from backend.repositories.concierge import ConciergeRepository
from backend.repositories.games import GameRepository
from backend.repositories.labels import CategoryRepository, LabelRepository, TagRepository
from backend.repositories.players import PlayerPreferencesRepository, PlayerRepository
from backend.repositories.plays import PlayRepository
from backend.repositories.registrations import RegistrationRepository
from backend.repositories.rounds import MatchRepository, RoundRepository
from backend.repositories.shelf import CollectionItemRepository, GameCopyRepository
from backend.repositories.sign_in import SignInThrottleRepository
from backend.repositories.tournaments import TournamentRepository
from backend.repositories.users import ApiTokenRepository, UserRepository
from backend.repositories.venues import VenueRepository

logger = logging.getLogger(__name__)

# Session.info key: how a read-only session's transactions end ("commit" or "rollback").
READ_ONLY_KEY = "read_only_ends_with"
RepositoryT = TypeVar("RepositoryT")


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions whose flushes fill the audit columns and write the audit log.

    `read_only` sessions refuse to flush. On PostgreSQL their transactions are also READ
    ONLY, so the server refuses any write too, and they end with COMMIT: the same as a
    rollback for a transaction that cannot write, but psycopg forgets every prepared
    statement of the connection at each ROLLBACK, and then plans each query afresh.
    """
    info: dict[str, Any] = {}
    bind = engine
    if read_only:
        if engine.dialect.name == "postgresql":
            bind = engine.execution_options(postgresql_readonly=True)
            info[READ_ONLY_KEY] = "commit"
        else:
            info[READ_ONLY_KEY] = "rollback"
    # Objects stay readable after commit: the response is built from them without a reload.
    factory = sessionmaker(bind=bind, expire_on_commit=False, info=info)
    event.listen(factory, "before_flush", _refuse_writes if read_only else record_changes)
    return factory


class ReadOnlyError(RuntimeError):
    """A read-only Unit of Work was asked to write: a bug in the caller, never the client's."""


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    raise ReadOnlyError("this unit of work is read-only; changes cannot be saved")


class Registered(Generic[RepositoryT]):
    """A repository of the Unit of Work, made on first use on the Unit of Work's session."""

    def __init__(self, repository: Callable[[Session], RepositoryT]) -> None:
        self.repository = repository
        self.name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, uow: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, uow: SqlAlchemyUnitOfWork, owner: type[Any]) -> RepositoryT: ...
    def __get__(self, uow: SqlAlchemyUnitOfWork | None, owner: type[Any]) -> Self | RepositoryT:
        if uow is None:
            return self
        # Kept on the instance: later reads find it there without calling this again.
        repository: RepositoryT = self.repository(uow.session)
        uow.__dict__[self.name] = repository
        return repository


class SqlAlchemyUnitOfWork:
    """`with SqlAlchemyUnitOfWork(session_factory, actor=...) as uow:` ... `uow.commit()`.

    Each aggregate's repository is registered here, one line each; a label kind's
    repository is the attribute named after the kind (see `labels`).
    """

    games = Registered(GameRepository)
    categories = Registered(CategoryRepository)
    tags = Registered(TagRepository)
    players = Registered(PlayerRepository)
    player_preferences = Registered(PlayerPreferencesRepository)
    plays = Registered(PlayRepository)
    users = Registered(UserRepository)
    api_tokens = Registered(ApiTokenRepository)
    audit_log = Registered(AuditLogRepository)
    sign_in_throttles = Registered(SignInThrottleRepository)
    game_copies = Registered(GameCopyRepository)
    collection_items = Registered(CollectionItemRepository)
    concierge = Registered(ConciergeRepository)
    venues = Registered(VenueRepository)
    tournaments = Registered(TournamentRepository)
    registrations = Registered(RegistrationRepository)
    rounds = Registered(RoundRepository)
    matches = Registered(MatchRepository)

    session: Session

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        actor: str = SYSTEM.name,
        change_reason: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.context = AuditContext(actor=actor, change_reason=change_reason, request_id=request_id)

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self._read_only_ends_with: str | None = self.session.info.get(READ_ONLY_KEY)
        self.session.info[AUDIT_CONTEXT_KEY] = self.context
        for name, member in vars(type(self)).items():
            if isinstance(member, Registered):
                self.__dict__.pop(name, None)  # a repository belongs to one session
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        ending = "ROLLBACK"
        if exc_type is None and self._read_only_ends_with == "commit" and not self._has_changes():
            ending = "COMMIT"  # READ ONLY: nothing to save (see make_session_factory)
        try:
            if ending == "COMMIT":
                self.session.commit()
            else:
                self.rollback()
        except SQLAlchemyError as error:
            # Leaving must not fail: drop the broken connection instead of returning it to
            # the pool, where its reset would fail again and log a traceback of its own.
            self._discard_connection(ending, error)
        finally:
            self.session.close()

    def _discard_connection(self, ending: str, error: SQLAlchemyError) -> None:
        cause = error.orig if isinstance(error, DBAPIError) else error
        reason = f"{type(cause).__name__}: {str(cause).strip().splitlines()[0]}"
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            # The connection died (a restart, a failover, a killed backend): the server
            # throws the transaction away, and a READ ONLY one had nothing to save, so
            # nothing of this unit of work was saved. An operator needs no traceback.
            logger.warning(
                "connection lost at the %s ending the unit of work (%s); nothing of it was "
                "saved, and the connection is discarded",
                ending,
                reason,
            )
        else:
            logger.warning(
                "the %s ending the unit of work failed (%s); the connection is discarded",
                ending,
                reason,
                exc_info=True,
            )
        self.session.invalidate()

    def act_as(self, actor: str) -> None:
        """Record `actor` as the one who makes this Unit of Work's changes from now on:
        for a request whose token is looked up in its own Unit of Work, before anything is
        written."""
        self.context = replace(self.context, actor=actor)
        if hasattr(self, "session"):
            self.session.info[AUDIT_CONTEXT_KEY] = self.context

    def labels(self, kind: LabelKind) -> LabelRepository[Any]:
        """The repository of one kind of label: `uow.labels(LabelKind.TAGS)` is `uow.tags`."""
        repository: LabelRepository[Any] = getattr(self, kind.value)
        return repository

    def exclusive(self, name: str) -> AbstractContextManager[None]:
        """Hold the database-wide lock `name` for the block, on a connection of its own, or
        raise LockHeld at once when another process holds it (see backend/db/locks.py)."""
        return exclusive(self._session_factory, name)

    @property
    def read_only(self) -> bool:
        return self._read_only_ends_with is not None

    def _has_changes(self) -> bool:
        return bool(self.session.new or self.session.dirty or self.session.deleted)

    def commit(self) -> None:
        """Save everything staged so far, or raise the domain error that stopped it."""
        if self.read_only:
            raise ReadOnlyError("this unit of work is read-only; it cannot commit")
        try:
            with raising_domain_errors(Base.metadata):
                self.session.commit()
        except DatabaseUnavailable as unavailable:
            unavailable.failed_at = "COMMIT"
            raise

    def refresh_statistics(self, tables: Sequence[str]) -> bool:
        """Refresh the planner's view of these tables after a bulk load, and commit.

        Housekeeping, not part of anyone's result: where the database refuses (PostgreSQL
        lets only an index's owner merge its pending list, say), it is logged and left
        to autovacuum. Returns whether it was done.
        """
        try:
            refresh_statistics(self.session.connection(), tables)
            self.commit()
        except (SQLAlchemyError, DomainError) as error:
            # commit() translates: a connection lost here arrives as DatabaseUnavailable.
            logger.warning(
                "could not refresh planner statistics (%s); autovacuum will in time",
                str(error.orig if isinstance(error, DBAPIError) else error).splitlines()[0],
            )
            self.rollback()
            return False
        return True

    def rollback(self) -> None:
        self.session.rollback()
