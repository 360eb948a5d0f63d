"""Named locks on a database, so that one job of a kind runs at a time whatever process runs it."""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)


class LockHeld(RuntimeError):
    """Another session or process holds the lock."""


@contextmanager
def exclusive(session_factory: sessionmaker[Session], name: str) -> Iterator[None]:
    """Hold the lock `name` on the database of `session_factory` for the block, or raise
    LockHeld at once when someone else holds it. The lock goes with its holder: a process
    that dies or loses its connection leaves nothing to clean up.

    PostgreSQL: a transaction-level advisory lock in a transaction of its own, open for the
    block (safe behind PgBouncer in transaction mode, where a session lock is not).
    MariaDB: GET_LOCK on a connection of its own (named after the database too: those
    names are server-wide). SQLite: an flock on a file beside the database, as every
    process that writes to it runs on this host.
    """
    session = session_factory()
    try:
        engine = session.get_bind().engine
        if engine.dialect.name == "sqlite":
            with _file_lock(Path(f"{engine.url.database}-{name}.lock")):
                yield
            return
        key = f"{engine.url.database}/{name}"
        if engine.dialect.name == "postgresql":
            # Advisory locks are per database, keyed by a 64-bit number.
            number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            held = session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": number})
            if not held:
                raise LockHeld(name)
            yield
            return
        lock_name = "gamenight-" + hashlib.sha256(key.encode()).hexdigest()[:40]
        connection = session.connection()
        held = connection.scalar(text("SELECT GET_LOCK(:name, 0)"), {"name": lock_name})
        if held != 1:
            raise LockHeld(name)
        try:
            yield
        finally:
            # Released here, not by closing the connection: the server frees a closed
            # connection's locks only when it notices, after the next holder may have asked.
            try:
                connection.scalar(text("SELECT RELEASE_LOCK(:name)"), {"name": lock_name})
            except DBAPIError as error:
                # A pooled connection must never keep the lock.
                connection.invalidate()
                _lost(name, error)
    finally:
        try:
            session.close()
        except DBAPIError as error:
            _lost(name, error)


def _lost(name: str, error: DBAPIError) -> None:
    # The server ended the lock's connection (killed, or idle in its transaction for too
    # long) and released the lock with it: the job itself may have succeeded.
    logger.warning(
        "the connection holding the lock %s was lost before the end: %s",
        name,
        " ".join(str(error.orig or error).split())[:200],
    )


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    # The file stays: removing it would let a waiting opener lock a file no longer there.
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(path.name) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
