"""Benchmark: how long a failed sign-in takes for an existing email (wrong password) and for
an unknown one, to show the answer's timing does not tell which emails have accounts
(`make bench-sign-in`).

POST /api/v1/auth/tokens through Flask's test client, on a fresh PostgreSQL database
(BENCH_POSTGRES_URL), with the application's real argon2 parameters: the accounts are made
through the services with the default hasher, and an unknown email is verified against a
dummy hash made with the same parameters. The two kinds alternate, one of each per round
(which goes first alternates too), so a busy moment of a shared machine weighs on both.
Each existing email is tried a few times only, and the sign-in throttle's table is emptied
before every round where there is one, so what is timed is sign-ins, never 429s.
Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from flask.testing import FlaskClient
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from backend import create_app
from backend.domain.principal import SYSTEM
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services.accounts import DEFAULT_HASHER, create_user
from backend.state import app_state
from scripts.bench.accounts import BENCH_PASSWORD, unused_email
from scripts.bench.databases import DEFAULT_POSTGRES, fresh_database, postgresql_version
from scripts.bench.report import machine_description, write_section

THROTTLE_TABLE = "sign_in_throttles"
WRONG_PASSWORD = "not the password, but long enough"  # noqa: S105 - wrong on purpose
EXISTING, UNKNOWN = "existing email, wrong password", "unknown email"
# Failures per email: under the throttle's 5, whether or not its table is there to empty.
ATTEMPTS_PER_EMAIL = 4
WARM_UP_ROUNDS = 3
# The least noise assumed: medians closer than this are the same time.
LEAST_NOISE = 0.05


def main() -> int:
    arguments = _arguments()
    with fresh_database(arguments.server, "sign_in") as settings:
        app = create_app(settings)
        state = app_state(app)
        try:
            times = _measure(
                app.test_client(), state.session_factory, state.engine, arguments.rounds
            )
        finally:
            state.engine.dispose()
        database = postgresql_version(settings)
    body = _report(times, arguments, database)
    print(body)
    if arguments.write:
        write_section("sign-in", body)
        print("written to docs/benchmarks.md")
    return 0


def _measure(
    client: FlaskClient, session_factory: sessionmaker[Session], engine: Engine, rounds: int
) -> dict[str, list[float]]:
    """Milliseconds each failed sign-in took, by kind, over `rounds` rounds after a
    warm-up (which pays for the dummy hash, made on first use, and fills the pool)."""
    has_throttle = inspect(engine).has_table(THROTTLE_TABLE)
    # Every account is made before the first sign-in: hashing a password between two timed
    # attempts would weigh on the one after it.
    accounts = [
        _new_account(session_factory) for _ in range(0, WARM_UP_ROUNDS + rounds, ATTEMPTS_PER_EMAIL)
    ]
    times: dict[str, list[float]] = {EXISTING: [], UNKNOWN: []}
    for number in range(-WARM_UP_ROUNDS, rounds):
        existing = accounts[(number + WARM_UP_ROUNDS) // ATTEMPTS_PER_EMAIL]
        emails = {EXISTING: existing, UNKNOWN: unused_email("unknown")}
        if has_throttle:
            with engine.begin() as connection:
                connection.execute(text(f"DELETE FROM {THROTTLE_TABLE}"))  # noqa: S608 - a constant
        order = [EXISTING, UNKNOWN] if number % 2 == 0 else [UNKNOWN, EXISTING]
        for kind in order:
            elapsed = _failed_sign_in(client, emails[kind])
            if number >= 0:
                times[kind].append(elapsed)
    return times


def _new_account(session_factory: sessionmaker[Session]) -> str:
    """A member with the bench password, hashed with the application's default argon2."""
    email = unused_email("member")
    with SqlAlchemyUnitOfWork(session_factory, actor=SYSTEM.name) as uow:
        create_user(uow, SYSTEM, email, BENCH_PASSWORD, hasher=DEFAULT_HASHER)
    return email


def _failed_sign_in(client: FlaskClient, email: str) -> float:
    """Milliseconds of wall clock, as the one signing in sees it."""
    started = time.perf_counter()
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": WRONG_PASSWORD})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 401:
        raise SystemExit(f"a wrong sign-in answered {response.status_code}, not 401")
    return elapsed


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (linear between neighbours)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def drift(values: list[float]) -> float:
    """How far the medians of the first and second half of a run lie apart (relative):
    what one kind's own timing moves by in the run, taken for the noise."""
    half = len(values) // 2
    first, second = statistics.median(values[:half]), statistics.median(values[half:])
    return abs(first - second) / min(first, second)


def _report(times: dict[str, list[float]], arguments: argparse.Namespace, database: str) -> str:
    rows = [
        f"| {kind} | {len(values)} | {statistics.median(values):.1f} | "
        f"{percentile(values, 0.9):.1f} |"
        for kind, values in times.items()
    ]
    existing, unknown = times[EXISTING], times[UNKNOWN]
    median_ratio = statistics.median(existing) / statistics.median(unknown)
    p90_ratio = percentile(existing, 0.9) / percentile(unknown, 0.9)
    # Each round's two attempts were made moments apart: their ratio is unmoved by drift.
    paired = statistics.median(
        mine / theirs for mine, theirs in zip(existing, unknown, strict=True)
    )
    noise = max(LEAST_NOISE, drift(existing), drift(unknown))
    same = abs(median_ratio - 1) <= noise
    verdict = "met" if same else "NOT met"
    return f"""## Sign-in: a failed sign-in's time for an existing and an unknown email

Command: `make bench-sign-in` (`python -m scripts.bench.sign_in_bench --rounds
{arguments.rounds}`).
Machine: {machine_description(database)}.
POST /api/v1/auth/tokens with a wrong password, through Flask's test client on a fresh
database, with the application's default argon2id parameters (the real cost): for an email
that has an account (hashed with those parameters), and for an email that has none (which
Game Night verifies against a dummy hash of the same parameters). {arguments.rounds} rounds,
one of each kind per round, which goes first alternating, after {WARM_UP_ROUNDS} rounds of
warm-up; each existing email is tried {ATTEMPTS_PER_EMAIL} times at most and the throttle's
table emptied before each round where there is one, so no attempt is throttled. Wall-clock
milliseconds per request, as the one signing in sees them.

| attempt | sign-ins | median ms | p90 ms |
|---|---:|---:|---:|
{chr(10).join(rows)}

Existing / unknown: {median_ratio:.3f} at the median, {p90_ratio:.3f} at p90, and the median
of the rounds' own ratios {paired:.3f}. The noise is
how far the medians of one kind's first and second half of the run lie apart (the larger of
the two kinds', and at least {LEAST_NOISE:.0%}): {noise:.1%}.

- A failed sign-in takes the same time, within the noise, whether or not the email has an
  account (medians within {noise:.1%}): {median_ratio:.3f}, {verdict}.
"""


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where databases may be created (BENCH_POSTGRES_URL)",
    )
    parser.add_argument(
        "--rounds", type=int, default=200, help="rounds of one sign-in of each kind"
    )
    parser.add_argument("--no-write", dest="write", action="store_false")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
