"""Registrations on every database: sign-ups numbered in order, the waitlist, drops that
promote; and on PostgreSQL and MariaDB, sign-ups and drops racing each other in their own
Units of Work still number every sign-up once, 1, 2, 3 ..., and never overfill the places.

SQLite runs the serial tests only: it lets one writer at a time at the database level, so
there is no race of row locks to show there."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.db.engine import make_engine
from backend.domain.accounts import Role
from backend.domain.errors import DuplicateError
from backend.domain.principal import Principal
from backend.domain.tournaments import RegistrationStatus
from backend.models import AuditLog, Registration, Tournament
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork, make_session_factory
from backend.services import registrations
from tests.accounts import add_account
from tests.conftest import settings_for
from tests.tournament_rows import add_players, add_tournament

pytestmark = pytest.mark.usefixtures("clean_database")
Factory = sessionmaker[Session]
SIGN_UPS = 40
PLACES = 16


def sign_up(
    factory: Factory, organizer: Principal, tournament_id: uuid.UUID, player_id: uuid.UUID
) -> None:
    """One sign-up in a Unit of Work of its own, as one request of any worker makes it."""
    with SqlAlchemyUnitOfWork(factory, actor=organizer.name) as uow:
        registrations.register(uow, organizer, tournament_id, player_id)


def drop(
    factory: Factory, organizer: Principal, tournament_id: uuid.UUID, registration_id: uuid.UUID
) -> None:
    with SqlAlchemyUnitOfWork(factory, actor=organizer.name) as uow:
        registrations.change_registration(
            uow,
            organizer,
            tournament_id,
            registration_id,
            {"status": RegistrationStatus.DROPPED},
            expected_version=None,
        )


def stored(factory: Factory, tournament_id: uuid.UUID) -> list[Registration]:
    with factory() as session:
        return list(
            session.scalars(
                select(Registration)
                .where(Registration.tournament_id == tournament_id)
                .order_by(Registration.sequence)
            )
        )


def last_sequence(factory: Factory, tournament_id: uuid.UUID) -> int:
    with factory() as session:
        tournament = session.get(Tournament, tournament_id)
        assert tournament is not None
        return tournament.last_sequence


@pytest.fixture
def organizer(session_factory: Factory) -> Principal:
    account = add_account(session_factory, Role.ORGANIZER)
    return Principal.of_user(account.user_id, Role.ORGANIZER)


@pytest.fixture
def roomy_engine(migrated_settings: Settings) -> Iterator[Engine]:
    """An engine with a connection for each of the concurrent sign-ups."""
    engine = make_engine(
        settings_for(migrated_settings.database_url, db_pool_size=SIGN_UPS, db_max_overflow=0)
    )
    yield engine
    engine.dispose()


def test_sign_ups_are_numbered_in_order_and_the_places_fill_first(
    session_factory: Factory, organizer: Principal
) -> None:
    assert organizer.user_id is not None
    tournament_id = add_tournament(session_factory, organizer.user_id, capacity=2)
    players = add_players(session_factory, 3)
    for player_id in players:
        sign_up(session_factory, organizer, tournament_id, player_id)
    rows = stored(session_factory, tournament_id)
    assert [(row.sequence, row.status) for row in rows] == [
        (1, RegistrationStatus.REGISTERED),
        (2, RegistrationStatus.REGISTERED),
        (3, RegistrationStatus.WAITLISTED),
    ]
    assert last_sequence(session_factory, tournament_id) == 3
    # Each sign-up is audited, with the counter it moved.
    with session_factory() as session:
        audited = Counter(
            (entry.entity_type, entry.action.value) for entry in session.scalars(select(AuditLog))
        )
    assert audited[("registrations", "insert")] == 3
    assert audited[("tournaments", "update")] == 3


def test_the_unique_key_backs_up_the_check_for_a_second_sign_up(
    session_factory: Factory, organizer: Principal
) -> None:
    assert organizer.user_id is not None
    tournament_id = add_tournament(session_factory, organizer.user_id)
    (player_id,) = add_players(session_factory, 1)
    sign_up(session_factory, organizer, tournament_id, player_id)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.registrations.add(
            Registration(
                tournament_id=tournament_id,
                player_id=player_id,
                sequence=99,
                status=RegistrationStatus.WAITLISTED,
            )
        )
        with pytest.raises(DuplicateError, match="registered already"):
            uow.commit()


def test_a_drop_before_the_start_promotes_the_first_waitlisted_in_the_same_commit(
    session_factory: Factory, organizer: Principal
) -> None:
    assert organizer.user_id is not None
    tournament_id = add_tournament(session_factory, organizer.user_id, capacity=2)
    for player_id in add_players(session_factory, 4):
        sign_up(session_factory, organizer, tournament_id, player_id)
    first = stored(session_factory, tournament_id)[0]
    drop(session_factory, organizer, tournament_id, first.id)
    rows = stored(session_factory, tournament_id)
    assert [row.status for row in rows] == [
        RegistrationStatus.DROPPED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
    ]
    assert [row.promoted_at is not None for row in rows] == [False, False, True, False]
    assert rows[0].dropped_at is not None and rows[0].dropped_after_round is None


@pytest.mark.backends("postgresql", "mariadb")
def test_forty_concurrent_sign_ups_for_sixteen_places(
    session_factory: Factory, roomy_engine: Engine, organizer: Principal
) -> None:
    assert organizer.user_id is not None
    tournament_id = add_tournament(session_factory, organizer.user_id, capacity=PLACES)
    players = add_players(session_factory, SIGN_UPS)
    factory = make_session_factory(roomy_engine)
    start = threading.Barrier(SIGN_UPS, timeout=10)

    def one_sign_up(player_id: uuid.UUID) -> None:
        start.wait()
        sign_up(factory, organizer, tournament_id, player_id)

    with ThreadPoolExecutor(max_workers=SIGN_UPS) as executor:
        list(executor.map(one_sign_up, players))
    rows = stored(session_factory, tournament_id)
    assert sorted(row.player_id for row in rows) == sorted(players)
    assert [row.sequence for row in rows] == list(range(1, SIGN_UPS + 1))
    assert [row.status for row in rows] == [RegistrationStatus.REGISTERED] * PLACES + [
        RegistrationStatus.WAITLISTED
    ] * (SIGN_UPS - PLACES)
    assert last_sequence(session_factory, tournament_id) == SIGN_UPS


@pytest.mark.backends("postgresql", "mariadb")
def test_drops_racing_sign_ups_promote_the_first_waitlisted_and_never_overfill(
    session_factory: Factory, roomy_engine: Engine, organizer: Principal
) -> None:
    assert organizer.user_id is not None
    tournament_id = add_tournament(session_factory, organizer.user_id, capacity=PLACES)
    for player_id in add_players(session_factory, PLACES + 8):
        sign_up(session_factory, organizer, tournament_id, player_id)
    before = stored(session_factory, tournament_id)
    dropping = [row.id for row in before[2:12:2]]  # five registered players
    newcomers = add_players(session_factory, 10)
    factory = make_session_factory(roomy_engine)
    start = threading.Barrier(len(dropping) + len(newcomers), timeout=10)

    def one_drop(registration_id: uuid.UUID) -> None:
        start.wait()
        drop(factory, organizer, tournament_id, registration_id)

    def one_sign_up(player_id: uuid.UUID) -> None:
        start.wait()
        sign_up(factory, organizer, tournament_id, player_id)

    with ThreadPoolExecutor(max_workers=len(dropping) + len(newcomers)) as executor:
        futures = [executor.submit(one_drop, registration_id) for registration_id in dropping]
        futures += [executor.submit(one_sign_up, player_id) for player_id in newcomers]
        for future in futures:
            future.result()
    rows = stored(session_factory, tournament_id)
    total = PLACES + 8 + len(newcomers)
    assert [row.sequence for row in rows] == list(range(1, total + 1))
    by_status = {
        status: [row.sequence for row in rows if row.status is status]
        for status in RegistrationStatus
    }
    dropped = [row.sequence for row in before if row.id in dropping]
    assert by_status[RegistrationStatus.DROPPED] == dropped
    # The places are the sixteen earliest sign-ups still in: the first five waitlisted
    # were promoted, whatever order the drops and the newcomers took turns in.
    kept = [sequence for sequence in range(1, total + 1) if sequence not in dropped]
    assert by_status[RegistrationStatus.REGISTERED] == kept[:PLACES]
    assert by_status[RegistrationStatus.WAITLISTED] == kept[PLACES:]
    promoted = [row.sequence for row in rows if row.promoted_at is not None]
    assert promoted == list(range(PLACES + 1, PLACES + 1 + len(dropping)))


@pytest.mark.backends("postgresql", "mariadb")
def test_a_sign_up_that_read_before_waiting_still_sees_the_places_taken_meanwhile(
    session_factory: Factory, roomy_engine: Engine, organizer: Principal
) -> None:
    """As a request does, which reads its bearer token first: on MariaDB that read fixes
    the transaction's snapshot, so the places must be counted by a locking read."""
    assert organizer.user_id is not None
    tournament_id = add_tournament(session_factory, organizer.user_id, capacity=2)
    first, second, late = add_players(session_factory, 3)
    sign_up(session_factory, organizer, tournament_id, first)
    factory = make_session_factory(roomy_engine)
    with SqlAlchemyUnitOfWork(factory, actor=organizer.name) as holder:
        holder.tournaments.get_for_update(tournament_id)

        def read_then_sign_up() -> None:
            with SqlAlchemyUnitOfWork(factory, actor=organizer.name) as waiter:
                waiter.players.get_or_raise(late)  # the snapshot, before the lock
                registrations.register(waiter, organizer, tournament_id, late)

        with ThreadPoolExecutor(max_workers=1) as executor:
            waiting = executor.submit(read_then_sign_up)
            time.sleep(0.5)  # long enough for the waiter to block on the tournament's lock
            assert not waiting.done()
            registrations.register(holder, organizer, tournament_id, second)
            waiting.result(timeout=10)
    rows = stored(session_factory, tournament_id)
    assert [(row.sequence, row.status) for row in rows] == [
        (1, RegistrationStatus.REGISTERED),
        (2, RegistrationStatus.REGISTERED),
        (3, RegistrationStatus.WAITLISTED),
    ]
