"""Benchmark: the CPU time Game Night spends on one request, in-process, against an earlier
revision of itself (`make bench-requests ARGS="--against REV"`).

wrk's throughput on a shared two-core machine moves by a fifth from run to run, which hides
a change in what a request costs. This measures the work itself: each revision, in a
process of its own, serves the same requests through Flask's test client on a fresh SQLite
database, and the CPU time of that process (not the wall clock, which other programs
share) is divided by the requests made. Each figure is the least of several repeats (what
the work costs when nothing interrupts it), and the two revisions alternate, so a busy
minute weighs on both alike. Results go to docs/benchmarks.md.

Where the revision has bearer authentication, writes send an organizer's token (they need
one) and one read is measured with it too; a revision without accounts serves the writes
anonymously, and its authenticated read is reported as n/a.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GAMES = 300
# Requests per repeat: each repeat takes about a second of CPU.
REQUESTS = {
    "GET one game": 400,
    "GET one game, with a token": 400,
    "GET 50 games": 60,
    "POST a game": 200,
    "PATCH a game": 200,
}
# Measured only where the revision has bearer tokens.
WITH_TOKEN = "GET one game, with a token"  # noqa: S105 - a label
BENCH_EMAIL = "organizer@bench.example"
BENCH_PASSWORD = "bench password, long enough"  # noqa: S105 - a throwaway bench account
# The least noise assumed: a revision is slower "beyond the noise" when its least time is
# above the other's by more than this, and by more than the same revision's own rounds
# differ in the run (see _spread).
LEAST_NOISE = 0.02


def measure(repeats: int) -> dict[str, float]:
    """Microseconds of CPU per request of each kind, for the code importable as `backend`
    (the revision being measured), on a fresh SQLite database. Uses only the HTTP API
    (and, where there are accounts, the services to make one), so it runs on any revision
    that has it; a revision without bearer tokens has no WITH_TOKEN figure."""
    scratch = Path(tempfile.mkdtemp(prefix="gamenight-cpu-"))
    url = f"sqlite:///{scratch}/bench.db"
    environment = {**os.environ, "DATABASE_URL": url, "ENV_FILE": "", "APP_ENV": "development"}
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        env=environment,
        check=True,
        capture_output=True,
    )
    os.environ.update(DATABASE_URL=url, ENV_FILE="", APP_ENV="development")
    # The revision's own app (found on PYTHONPATH), imported once its settings are set.
    from backend import create_app

    app = create_app()
    client = app.test_client()
    token = _organizer_token(app, client)
    signed = {"Authorization": f"Bearer {token}"} if token else {}
    etags: dict[str, str] = {}
    for number in range(GAMES):
        created = client.post(
            "/api/v1/games", json=_game(f"Game {number}"), headers=signed
        ).get_json()
        etags[created["id"]] = ""
    ids = list(etags)
    for game_id in ids:
        etags[game_id] = client.get(f"/api/v1/games/{game_id}").headers["ETag"]
    posted = iter(range(10**9))

    def get_one(index: int) -> int:
        return client.get(f"/api/v1/games/{ids[index % GAMES]}").status_code

    def get_one_with_token(index: int) -> int:
        return client.get(f"/api/v1/games/{ids[index % GAMES]}", headers=signed).status_code

    def get_page(_index: int) -> int:
        return client.get("/api/v1/games?page_size=50").status_code

    def post(_index: int) -> int:
        body = _game(f"Posted {next(posted)}")
        return client.post("/api/v1/games", json=body, headers=signed).status_code

    def patch(index: int) -> int:
        game_id = ids[index % GAMES]
        response = client.patch(
            f"/api/v1/games/{game_id}",
            json={"min_age": 8 + index % 5},
            headers={"If-Match": etags[game_id], **signed},
        )
        etags[game_id] = response.headers["ETag"]
        return response.status_code

    calls: dict[str, Callable[[int], int]] = {
        "GET one game": get_one,
        WITH_TOKEN: get_one_with_token,
        "GET 50 games": get_page,
        "POST a game": post,
        "PATCH a game": patch,
    }
    measured = [name for name in REQUESTS if token or name != WITH_TOKEN]
    return {name: _least(calls[name], REQUESTS[name], repeats) for name in measured}


def _organizer_token(app: Any, client: Any) -> str | None:
    """An organizer's token, from an account made through the revision's services and a
    sign-in over HTTP; None for a revision without bearer tokens."""
    try:
        from backend.domain.accounts import Role
        from backend.domain.principal import SYSTEM
        from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
        from backend.services.accounts import create_user
        from backend.state import app_state
    except ImportError:
        return None  # a revision from before accounts
    factory = app_state(app).session_factory
    with SqlAlchemyUnitOfWork(factory, actor=SYSTEM.name) as uow:
        create_user(uow, SYSTEM, BENCH_EMAIL, BENCH_PASSWORD, role=Role.ORGANIZER)
    signed_in = client.post(
        "/api/v1/auth/tokens", json={"email": BENCH_EMAIL, "password": BENCH_PASSWORD}
    )
    if signed_in.status_code == 404:
        return None  # accounts without their HTTP API yet: requests are all anonymous
    if signed_in.status_code != 201:
        raise RuntimeError(f"signing in answered {signed_in.status_code}")
    secret: str = signed_in.get_json()["token"]
    return secret


def _game(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "min_players": 2,
        "max_players": 4,
        "min_play_minutes": 30,
        "max_play_minutes": 60,
        "complexity": 2.5,
        "average_rating": 7.0,
    }


def _least(call: Callable[[int], int], count: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        for index in range(count):
            status = call(index)
            if status >= 300:
                raise RuntimeError(f"{call.__name__} answered {status}")
        times.append((time.process_time() - started) / count * 1e6)
    return min(times)


def _measure_in(checkout: Path, repeats: int) -> dict[str, float]:
    """`measure` in a process of its own whose `backend` (and alembic.ini, and migrations)
    are the checkout's: this file is run by its path, so nothing else of this one is seen."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", str(repeats)],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"measuring {checkout} failed:\n{result.stderr[-2000:]}")
    measured: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    return measured


def main() -> int:
    arguments = _arguments()
    if arguments.measure:
        print(json.dumps(measure(arguments.measure)))
        return 0
    revision = _short(arguments.against)
    with tempfile.TemporaryDirectory(prefix="gamenight-against-") as scratch:
        earlier = Path(scratch) / "checkout"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(earlier), arguments.against],
            cwd=PROJECT_ROOT,
            check=True,
        )
        try:
            rounds: dict[str, list[dict[str, float]]] = {"now": [], "before": []}
            for round_number in range(arguments.rounds):
                print(f"round {round_number + 1} of {arguments.rounds}", file=sys.stderr)
                rounds["before"].append(_measure_in(earlier, arguments.repeats))
                rounds["now"].append(_measure_in(PROJECT_ROOT, arguments.repeats))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(earlier)],
                cwd=PROJECT_ROOT,
                check=False,
            )
    body, slower = _report(rounds, revision, arguments)
    print(body)
    if arguments.write:
        from scripts.bench.report import write_section  # not needed to measure, see above

        write_section("requests-cpu", body)
        print("written to docs/benchmarks.md")
    return 1 if slower else 0


def _report(
    rounds: dict[str, list[dict[str, float]]], revision: str, arguments: argparse.Namespace
) -> tuple[str, list[str]]:
    lines = [
        "## CPU time per request, against an earlier revision",
        "",
        f'Command: `make bench-requests ARGS="--against {arguments.against}"` '
        f"(`python -m scripts.bench.request_cpu_bench --against {arguments.against} "
        f"--rounds {arguments.rounds} --repeats {arguments.repeats}`).",
        f"Machine: {_machine()}.",
        f"Each revision in its own process, in Flask's test client on a fresh SQLite database "
        f"with {GAMES} games; CPU time of the process per request, the least of "
        f"{arguments.repeats} repeats, over {arguments.rounds} rounds alternating the two "
        f'revisions; "now" is this commit, "before" is {revision}.',
        "",
        "The noise is how far a revision's median round lies above its best (the larger of "
        f"the two revisions', and at least {LEAST_NOISE:.0%}).",
        "",
        "| request | before µs | now µs | now / before | noise |",
        "|---|---:|---:|---:|---:|",
    ]
    slower = []
    for name in REQUESTS:
        before = [measured[name] for measured in rounds["before"] if name in measured]
        now = [measured[name] for measured in rounds["now"] if name in measured]
        if not before or not now:
            # A revision without bearer tokens has no authenticated read to compare.
            lines.append(f"| {name} | {_least_or_na(before)} | {_least_or_na(now)} | n/a | n/a |")
            continue
        ratio = min(now) / min(before)
        noise = max(LEAST_NOISE, _spread(before), _spread(now))
        lines.append(
            f"| {name} | {min(before):,.0f} | {min(now):,.0f} | {ratio:.3f} | {noise:.1%} |"
        )
        if ratio > 1 + noise:
            slower.append(name)
    lines += ["", *_authentication_lines(rounds, revision)]
    lines += [
        "",
        f"- No request costs more than the noise above {revision}: "
        + (f"NOT met ({', '.join(slower)})." if slower else "met."),
    ]
    return "\n".join(lines), slower


def _authentication_lines(rounds: dict[str, list[dict[str, float]]], revision: str) -> list[str]:
    """What a bearer token adds to a read, per revision; and how the writes were sent."""
    lines = []
    for label, name in (("now", "this commit"), ("before", revision)):
        measured = rounds[label]
        if not measured or WITH_TOKEN not in measured[0]:
            lines.append(
                f"- {name} has no bearer tokens: its writes are sent anonymously, and it "
                "has no authenticated read (n/a)."
            )
            continue
        without = min(each["GET one game"] for each in measured)
        with_token = min(each[WITH_TOKEN] for each in measured)
        lines.append(
            f"- {name}: a read with a token costs {with_token - without:,.0f} µs more than "
            f"without ({with_token / without:.2f}x); its writes send the token."
        )
    return lines


def _least_or_na(rounds: list[float]) -> str:
    return f"{min(rounds):,.0f}" if rounds else "n/a"


def _spread(rounds: list[float]) -> float:
    """How far the median round lies above the best: what one revision's own rounds
    differ by, unmoved by one round that something else on the machine slowed."""
    return statistics.median(rounds) / min(rounds) - 1


def _short(revision: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", revision],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--against", default="HEAD~1", help="the earlier revision (default: HEAD~1)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="alternations of the revisions")
    parser.add_argument("--repeats", type=int, default=7, help="repeats in each process")
    parser.add_argument("--measure", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", dest="write", action="store_false")
    return parser.parse_args()


def _machine() -> str:
    from scripts.bench.report import machine_description  # not needed to measure

    return machine_description(f"SQLite {sqlite3.sqlite_version}")


if __name__ == "__main__":
    sys.exit(main())
