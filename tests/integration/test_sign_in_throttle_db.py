"""The sign-in throttle on every configured database: failures are counted in the database,
so every Unit of Work (every worker, every host) sees them; they leave no audit row; a
failure costs the same statements whether or not the email has an account; and on
PostgreSQL and MariaDB twenty concurrent attempts cannot slip past the count."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.db.engine import make_engine
from backend.domain.accounts import SIGN_IN_FAILURE_LIMIT, SIGN_IN_WINDOW
from backend.domain.errors import SignInRefused, SignInThrottled
from backend.domain.principal import ANONYMOUS, SYSTEM
from backend.models import AuditLog, SignInThrottle
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork, make_session_factory
from backend.services import accounts
from tests.conftest import StatementLog, settings_for

pytestmark = pytest.mark.usefixtures("clean_database")
Factory = sessionmaker[Session]
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"
WRONG = "not the password at all"


def create(session_factory: Factory, email: str = "ann@example.org") -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        accounts.create_user(uow, SYSTEM, email, PASSWORD, hasher=CHEAP)


def attempt(
    session_factory: Factory,
    email: str = "ann@example.org",
    password: str = WRONG,
    now: datetime | None = None,
) -> Any:
    """One sign-in in a Unit of Work of its own, as one request of any worker makes it."""
    try:
        with SqlAlchemyUnitOfWork(session_factory, actor="sign-in") as uow:
            token, _secret = accounts.sign_in(
                uow, ANONYMOUS, email, password, "laptop", hasher=CHEAP, now=now
            )
    except (SignInRefused, SignInThrottled) as error:
        return error
    return token


def stored(session_factory: Factory) -> dict[str, tuple[int, datetime]]:
    with session_factory() as session:
        rows = session.execute(
            select(
                SignInThrottle.email_key,
                SignInThrottle.recent_failures,
                SignInThrottle.last_failed_at,
            )
        )
        return {key: (len(failures), last) for key, failures, last in rows}


def audit_rows(session_factory: Factory) -> list[tuple[str, str]]:
    with session_factory() as session:
        return [
            (entry.entity_type, entry.action.value)
            for entry in session.scalars(select(AuditLog).order_by(AuditLog.id))
        ]


def test_failures_persist_across_units_of_work_and_the_sixth_attempt_is_throttled(
    session_factory: Factory,
) -> None:
    create(session_factory)
    start = datetime.now(UTC)
    for _ in range(SIGN_IN_FAILURE_LIMIT):
        assert isinstance(attempt(session_factory), SignInRefused)
    count, last = stored(session_factory)["ann@example.org"]
    assert count == SIGN_IN_FAILURE_LIMIT and last >= start
    throttled = attempt(session_factory, "Ann@Example.org", PASSWORD)
    assert isinstance(throttled, SignInThrottled)
    waited = SIGN_IN_WINDOW.total_seconds()
    assert waited - 60 < throttled.retry_after_seconds <= waited
    # Once the window has passed, the right password signs in and clears the count.
    later = datetime.now(UTC) + SIGN_IN_WINDOW
    assert not isinstance(attempt(session_factory, password=PASSWORD, now=later), Exception)
    assert stored(session_factory) == {}


def test_failed_sign_ins_write_no_audit_row(session_factory: Factory) -> None:
    create(session_factory)
    for email in ["ann@example.org", "nobody@example.org", "not an email"]:
        for _ in range(SIGN_IN_FAILURE_LIMIT + 1):
            attempt(session_factory, email)
    assert len(stored(session_factory)) == 3
    assert audit_rows(session_factory) == [("users", "insert")]
    attempt(session_factory, "bob@example.org", WRONG)
    create(session_factory, "bob@example.org")
    attempt(session_factory, "bob@example.org", PASSWORD)  # clears bob's row
    assert audit_rows(session_factory) == [
        ("users", "insert"),
        ("users", "insert"),
        ("api_tokens", "insert"),
    ]


def test_a_failure_sends_the_same_statements_whether_or_not_the_email_has_an_account(
    session_factory: Factory, count_statements: Callable[[], Any]
) -> None:
    create(session_factory)
    attempt(session_factory, "warm-up@example.org")  # connections and caches made once
    logs: list[StatementLog] = []
    for email in ["ann@example.org", "nobody@example.org"]:
        with count_statements() as log:
            assert isinstance(attempt(session_factory, email), SignInRefused)
        logs.append(log)
    with_account, without_account = logs
    assert with_account == without_account
    assert len(with_account) >= 5  # insert-if-absent, lock, user, update, prune at least


def test_an_overlong_malformed_email_is_refused_and_counted(session_factory: Factory) -> None:
    garbage = "x" * 1000
    assert isinstance(attempt(session_factory, garbage), SignInRefused)
    assert stored(session_factory)["x" * 254][0] == 1


def test_a_failure_prunes_rows_the_window_has_left(session_factory: Factory) -> None:
    now = datetime.now(UTC)
    stale = now - SIGN_IN_WINDOW - timedelta(minutes=1)
    for n in range(3):
        attempt(session_factory, f"sprayed{n}@example.org", now=stale)
    attempt(session_factory, "recent@example.org", now=now - timedelta(minutes=5))
    assert len(stored(session_factory)) == 4
    attempt(session_factory, "ann@example.org", now=now)
    assert sorted(stored(session_factory)) == ["ann@example.org", "recent@example.org"]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.sign_in_throttles.prune(now + SIGN_IN_WINDOW) == 2
        uow.commit()
    assert stored(session_factory) == {}


@pytest.fixture
def roomy_engine(migrated_settings: Settings) -> Iterator[Engine]:
    """An engine with a connection for each of the concurrent attempts."""
    engine = make_engine(
        settings_for(migrated_settings.database_url, db_pool_size=CONCURRENT, db_max_overflow=0)
    )
    yield engine
    engine.dispose()


CONCURRENT = 20


@pytest.mark.backends("postgresql", "mariadb")
def test_twenty_concurrent_wrong_attempts_cannot_slip_past_the_count(
    session_factory: Factory, roomy_engine: Engine
) -> None:
    create(session_factory)
    factory = make_session_factory(roomy_engine)
    start = threading.Barrier(CONCURRENT, timeout=10)

    def one_attempt() -> str:
        start.wait()
        return type(attempt(factory)).__name__

    with ThreadPoolExecutor(max_workers=CONCURRENT) as executor:
        outcomes = Counter(executor.map(lambda _: one_attempt(), range(CONCURRENT)))
    assert outcomes == {
        "SignInRefused": SIGN_IN_FAILURE_LIMIT,
        "SignInThrottled": CONCURRENT - SIGN_IN_FAILURE_LIMIT,
    }
    assert stored(session_factory)["ann@example.org"][0] == SIGN_IN_FAILURE_LIMIT
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 1


@pytest.mark.backends("postgresql", "mariadb")
def test_a_row_deleted_while_an_attempt_waits_for_its_lock_is_made_again(
    session_factory: Factory, roomy_engine: Engine
) -> None:
    factory = make_session_factory(roomy_engine)
    with SqlAlchemyUnitOfWork(factory) as holder:
        holder.sign_in_throttles.locked_failures("ann@example.org")
        holder.sign_in_throttles.record_failure(
            "ann@example.org", [datetime.now(UTC)], datetime.now(UTC)
        )
        holder.commit()
        holder.sign_in_throttles.locked_failures("ann@example.org")

        def wait_for_the_lock() -> list[datetime]:
            with SqlAlchemyUnitOfWork(factory) as waiter:
                failures = waiter.sign_in_throttles.locked_failures("ann@example.org")
                waiter.commit()
                return failures

        with ThreadPoolExecutor(max_workers=1) as executor:
            waiting = executor.submit(wait_for_the_lock)
            time.sleep(0.5)  # long enough for the waiter to block on the row lock
            assert not waiting.done()
            # A success elsewhere: the row goes while the waiter waits for it.
            holder.sign_in_throttles.clear("ann@example.org")
            holder.commit()
            assert waiting.result(timeout=10) == []
    assert stored(session_factory)["ann@example.org"][0] == 0
