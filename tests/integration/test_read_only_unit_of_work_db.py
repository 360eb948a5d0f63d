"""The read-only Unit of Work that GET requests use: it refuses every write, and on
PostgreSQL the server refuses them too and the connection keeps its prepared statements."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.db.engine import make_engine
from backend.models import Game
from backend.repositories.unit_of_work import (
    ReadOnlyError,
    SqlAlchemyUnitOfWork,
    make_session_factory,
)
from tests.factories import game_titled, make_game

pytestmark = pytest.mark.usefixtures("clean_database")
Factory = sessionmaker[Session]


@pytest.fixture(scope="module")
def read_factory(engine: Engine) -> Factory:
    return make_session_factory(engine, read_only=True)


def _stored_games(session_factory: Factory) -> int:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        return uow.games.count()


def test_it_refuses_to_commit(read_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(read_factory) as uow:
        assert uow.read_only
        with pytest.raises(ReadOnlyError):
            uow.commit()


def test_it_refuses_to_send_changes_and_stores_nothing(
    read_factory: Factory, session_factory: Factory
) -> None:
    with SqlAlchemyUnitOfWork(read_factory) as uow:
        uow.games.add(make_game(title="Never"))
        with pytest.raises(ReadOnlyError):
            uow.session.flush()
    assert _stored_games(session_factory) == 0


def test_changes_left_staged_are_dropped_on_the_way_out(
    read_factory: Factory, session_factory: Factory
) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.games.add(make_game(title="Before"))
        uow.commit()
    with SqlAlchemyUnitOfWork(read_factory) as uow:
        game = game_titled(uow, "Before")
        assert game is not None
        game.title = "After"  # staged, never sent: leaving must neither flush nor fail
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert game_titled(uow, "Before") is not None


def test_it_reads_what_others_committed(read_factory: Factory, session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.games.add(make_game(title="Visible"))
        uow.commit()
    with SqlAlchemyUnitOfWork(read_factory) as uow:
        assert game_titled(uow, "Visible") is not None


@pytest.mark.backends("postgresql")  # elsewhere a read-only unit of work always rolls back
def test_an_error_on_the_way_out_rolls_back_instead_of_committing(
    read_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits: list[object] = []
    with pytest.raises(RuntimeError), SqlAlchemyUnitOfWork(read_factory) as uow:
        monkeypatch.setattr(uow.session, "commit", lambda: commits.append("commit"))
        uow.games.count()
        raise RuntimeError("the view failed")
    assert commits == []


@pytest.mark.backends("postgresql")
def test_on_postgresql_the_server_refuses_writes_too(
    read_factory: Factory, session_factory: Factory
) -> None:
    with SqlAlchemyUnitOfWork(read_factory) as uow, pytest.raises(DBAPIError, match="read-only"):
        uow.session.execute(text("DELETE FROM games"))


@pytest.mark.backends("postgresql")
def test_on_postgresql_the_connection_keeps_its_prepared_statements(
    migrated_settings: Settings,
) -> None:
    """psycopg prepares a statement run five times, and forgets them all at a ROLLBACK:
    read-only transactions end with COMMIT, so the sixth run finds the plan ready."""
    settings = Settings(database_url=migrated_settings.database_url, db_pool_size=1)
    engine = make_engine(settings)
    try:
        factory = make_session_factory(engine, read_only=True)
        for _ in range(6):
            with SqlAlchemyUnitOfWork(factory) as uow:
                uow.session.scalar(select(func.count()).select_from(Game))
        with SqlAlchemyUnitOfWork(factory) as uow:
            prepared = uow.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared >= 1
    finally:
        engine.dispose()
