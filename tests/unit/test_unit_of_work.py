"""The Unit of Work's protocol: exit always rolls back and closes; only commit() saves."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from backend.domain.errors import StaleObjectError
from backend.domain.labels import LabelKind
from backend.models.audit import AuditContext
from backend.repositories.audit import AUDIT_CONTEXT_KEY
from backend.repositories.games import GameRepository
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.fakes import RecordingSession


class Factory:
    def __init__(self) -> None:
        self.sessions: list[RecordingSession] = []

    def __call__(self) -> Any:
        session = RecordingSession()
        self.sessions.append(session)
        return session


def test_uncommitted_work_is_rolled_back_and_the_session_closed() -> None:
    factory = Factory()
    with SqlAlchemyUnitOfWork(factory):  # type: ignore[arg-type]
        pass
    assert factory.sessions[0].calls == ["rollback", "close"]


def test_commit_commits_and_exit_still_closes() -> None:
    factory = Factory()
    with SqlAlchemyUnitOfWork(factory) as uow:  # type: ignore[arg-type]
        uow.commit()
    assert factory.sessions[0].calls == ["commit", "rollback", "close"]


def test_an_error_in_the_block_rolls_back_closes_and_propagates() -> None:
    factory = Factory()
    with pytest.raises(RuntimeError, match="boom"), SqlAlchemyUnitOfWork(factory):  # type: ignore[arg-type]
        raise RuntimeError("boom")
    assert factory.sessions[0].calls == ["rollback", "close"]


class DeadConnectionSession(RecordingSession):
    """A session whose connection died: its rollback fails, and SQLAlchemy has invalidated
    the connection (`lost`), or the failure is one SQLAlchemy did not recognise."""

    def __init__(self, *, lost: bool = True) -> None:
        super().__init__()
        self.lost = lost

    def rollback(self) -> None:
        raise OperationalError(
            "ROLLBACK",
            {},
            ConnectionError("server closed the connection\nmore detail"),
            connection_invalidated=self.lost,
        )

    def invalidate(self) -> None:
        self.calls.append("invalidate")


def test_a_rollback_on_a_dead_connection_discards_it_and_leaving_still_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = DeadConnectionSession()
    with SqlAlchemyUnitOfWork(lambda: session):  # type: ignore[arg-type, return-value]
        pass
    assert session.calls == ["invalidate", "close"]
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "connection lost at the ROLLBACK ending the unit of work (ConnectionError: server "
        "closed the connection); nothing of it was saved, and the connection is discarded"
    )
    assert record.exc_info is None


def test_a_rollback_failing_otherwise_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = DeadConnectionSession(lost=False)
    with SqlAlchemyUnitOfWork(lambda: session):  # type: ignore[arg-type, return-value]
        pass
    assert session.calls == ["invalidate", "close"]
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "the ROLLBACK ending the unit of work failed" in record.getMessage()
    assert record.exc_info is not None


def test_an_error_in_the_block_still_propagates_when_rollback_fails_too() -> None:
    session = DeadConnectionSession()
    with (
        pytest.raises(RuntimeError, match="the view failed"),
        SqlAlchemyUnitOfWork(lambda: session),
    ):  # type: ignore[arg-type, return-value]
        raise RuntimeError("the view failed")
    assert session.calls == ["invalidate", "close"]


def test_each_unit_of_work_opens_its_own_session_with_typed_repositories() -> None:
    factory = Factory()
    with SqlAlchemyUnitOfWork(factory) as first, SqlAlchemyUnitOfWork(factory) as second:  # type: ignore[arg-type]
        assert first.session is not second.session
        assert isinstance(first.games, GameRepository)
        assert first.games.session is first.session


def test_the_session_carries_the_actor_reason_and_request_id_for_the_audit_listener() -> None:
    factory = Factory()
    with SqlAlchemyUnitOfWork(factory, actor="ada", change_reason="typo", request_id="r-1") as uow:  # type: ignore[arg-type]
        assert uow.session.info[AUDIT_CONTEXT_KEY] == AuditContext("ada", "typo", "r-1")


def test_a_stale_commit_becomes_a_domain_error() -> None:
    class StaleSession(RecordingSession):
        def commit(self) -> None:
            raise StaleDataError("UPDATE statement on table 'games' expected to update 1 row(s)")

    with SqlAlchemyUnitOfWork(StaleSession) as uow, pytest.raises(StaleObjectError):  # type: ignore[arg-type]
        uow.commit()


def test_each_repository_is_made_once_per_unit_of_work_on_its_session() -> None:
    factory = Factory()
    uow = SqlAlchemyUnitOfWork(factory)  # type: ignore[arg-type]
    with uow:
        first = uow.games
        assert uow.games is first
        assert first.session is factory.sessions[0]
        assert uow.labels(LabelKind.TAGS) is uow.tags
    with uow:
        assert uow.games is not first
        assert uow.games.session is factory.sessions[1]
