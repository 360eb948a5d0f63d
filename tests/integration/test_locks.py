"""Named database locks on every database: one holder at a time, per database, released
when the block ends however it ends."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.db.engine import make_engine
from backend.db.locks import LockHeld, exclusive
from backend.repositories.unit_of_work import make_session_factory

Factory = sessionmaker[Session]


@pytest.fixture
def factory_for(fresh_settings: Callable[[str], Settings]) -> Iterator[Callable[[], Factory]]:
    engines = []

    def make() -> Factory:
        engine = make_engine(fresh_settings("locks"))
        engines.append(engine)
        return make_session_factory(engine)

    yield make
    for engine in engines:
        engine.dispose()


def test_a_second_holder_is_refused_until_the_first_is_done(
    factory_for: Callable[[], Factory],
) -> None:
    session_factory = factory_for()
    with exclusive(session_factory, "job"):
        with pytest.raises(LockHeld), exclusive(session_factory, "job"):
            pass
        with exclusive(session_factory, "another job"):
            pass
    with exclusive(session_factory, "job"):
        pass


def test_a_released_lock_can_be_taken_again_at_once(factory_for: Callable[[], Factory]) -> None:
    session_factory = factory_for()
    for _ in range(30):
        with exclusive(session_factory, "job"):
            pass


def test_the_lock_is_released_when_the_block_fails(factory_for: Callable[[], Factory]) -> None:
    session_factory = factory_for()
    with pytest.raises(ZeroDivisionError), exclusive(session_factory, "job"):
        _ = 1 / 0
    with exclusive(session_factory, "job"):
        pass


def test_the_same_name_on_two_databases_is_two_locks(factory_for: Callable[[], Factory]) -> None:
    with exclusive(factory_for(), "job"), exclusive(factory_for(), "job"):
        pass


@pytest.mark.backends("postgresql")
def test_a_lock_whose_connection_is_killed_ends_without_an_error(
    factory_for: Callable[[], Factory], caplog: pytest.LogCaptureFixture
) -> None:
    session_factory = factory_for()
    engine = session_factory.kw["bind"]
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    try:
        with exclusive(session_factory, "job"), admin.connect() as connection:
            (holder,) = connection.execute(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).one()
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
            deadline = time.monotonic() + 10
            while connection.execute(
                text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": holder}
            ).first():
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        admin.dispose()
    assert "the connection holding the lock job was lost before the end" in caplog.text
    with exclusive(session_factory, "job"):
        pass
