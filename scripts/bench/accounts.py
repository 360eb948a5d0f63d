"""Accounts for the benchmarks: an organizer with a working API token in a bench database,
made through the services as an operator would (no test helpers, real argon2)."""

from __future__ import annotations

import secrets

from backend.config import Settings
from backend.db.engine import make_engine
from backend.domain.accounts import Role
from backend.domain.principal import SYSTEM
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork, make_session_factory
from backend.services.accounts import create_user, sign_in

BENCH_PASSWORD = "bench password, long enough"  # noqa: S105 - a throwaway bench account


def organizer_token(settings: Settings, email: str = "organizer@bench.example") -> str:
    """Create an organizer with `email` in the database of `settings`; its token's secret."""
    engine = make_engine(settings)
    try:
        session_factory = make_session_factory(engine)
        with SqlAlchemyUnitOfWork(session_factory, actor=SYSTEM.name) as uow:
            create_user(uow, SYSTEM, email, BENCH_PASSWORD, role=Role.ORGANIZER)
        with SqlAlchemyUnitOfWork(session_factory, actor=SYSTEM.name) as uow:
            _token, secret = sign_in(uow, SYSTEM, email, BENCH_PASSWORD, "bench")
        return secret
    finally:
        engine.dispose()


def unused_email(label: str) -> str:
    """An address no account has: `label` and a random part."""
    return f"{label}-{secrets.token_hex(6)}@bench.example"
