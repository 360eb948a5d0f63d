"""SignInThrottleRepository: the recent failed sign-ins of each email, in Core statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Insert, Table, delete, select, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Session

from backend.domain.errors import DatabaseUnavailable
from backend.models import SignInThrottle

# The table, not the class: statements on it are Core, which no flush (and so no audit) sees.
THROTTLES = cast(Table, SignInThrottle.__table__)
# Stale rows one prune deletes at most: enough to keep pace with the failures that make
# them (one each), few enough that a prune stays a short transaction.
PRUNE_BATCH = 100
# Each retry needs another sign-in for the same email to succeed meanwhile: rare twice.
LOCK_ATTEMPTS = 3


class SignInThrottleRepository:
    """Only Core statements touch the table: the audit writer sees the ORM's flushes alone,
    so a failed sign-in writes no audit row. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def locked_failures(self, key: str) -> list[datetime]:
        """The recorded failures of `key`, oldest first, its row locked until the Unit of
        Work ends (made first, empty, if there was none).

        The lock makes concurrent attempts for one email wait for each other, password
        check included, on every worker and host: the second reads what the first wrote.
        On PostgreSQL and MariaDB that is the row lock; SQLite has no row locks, but the
        insert-if-absent takes its write lock, which every writer of the file waits for.
        """
        locked = select(THROTTLES.c.recent_failures).where(THROTTLES.c.email_key == key)
        for _ in range(LOCK_ATTEMPTS):
            self.session.execute(self._insert_if_absent(key))
            stamps = self.session.scalar(locked.with_for_update())
            # None: a sign-in that held the row succeeded and deleted it while this one
            # waited for its lock (PostgreSQL then finds no row); make it again.
            if stamps is not None:
                return [datetime.fromisoformat(stamp) for stamp in stamps]
        raise DatabaseUnavailable("sign-ins for this email keep colliding; try again")

    def record_failure(self, key: str, failures_to_keep: Sequence[datetime], at: datetime) -> None:
        """Store these as `key`'s recent failures, `at` the newest (locked_failures first)."""
        self.session.execute(
            update(THROTTLES)
            .where(THROTTLES.c.email_key == key)
            .values(
                recent_failures=[_iso(failure) for failure in failures_to_keep],
                last_failed_at=at,
            )
        )

    def clear(self, key: str) -> None:
        """Forget `key`'s failures: it signed in."""
        self.session.execute(delete(THROTTLES).where(THROTTLES.c.email_key == key))

    def prune(self, before: datetime) -> int:
        """Delete up to PRUNE_BATCH rows whose last failure is older than `before` (those the
        window has left); how many. Call it in a transaction of its own.

        It cannot deadlock: it locks only rows no one else holds (SKIP LOCKED; a row a
        sign-in is using waits for a later prune) and so never waits for a row lock while
        holding others, and the transaction holds nothing else.
        """
        stale = list(
            self.session.scalars(
                select(THROTTLES.c.email_key)
                .where(THROTTLES.c.last_failed_at < before)
                .limit(PRUNE_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if stale:
            self.session.execute(delete(THROTTLES).where(THROTTLES.c.email_key.in_(stale)))
        return len(stale)

    def _insert_if_absent(self, key: str) -> Insert:
        values = {"email_key": key, "recent_failures": [], "last_failed_at": datetime.now(UTC)}
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(THROTTLES).values(values).on_conflict_do_nothing()
        if dialect in ("mysql", "mariadb"):
            # Not INSERT IGNORE: on a duplicate key InnoDB gives that a shared lock, and two
            # attempts holding one each would deadlock asking for FOR UPDATE's exclusive
            # lock. ON DUPLICATE KEY UPDATE takes the exclusive lock at once.
            insert = mysql.insert(THROTTLES).values(values)
            return insert.on_duplicate_key_update(email_key=insert.inserted.email_key)
        return sqlite.insert(THROTTLES).values(values).on_conflict_do_nothing()


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()
