"""Benchmark: Game Night under gunicorn on PostgreSQL loaded with the real catalog, beside a
minimal raw-psycopg Flask app sending the same SQL under the same gunicorn settings, in the
same run (`make bench`).

For GET /api/v1/games/{id} (anonymous, and with an organizer's bearer token),
GET /api/v1/games?page_size=50 (anonymous) and POST /api/v1/games (with the token: writes
need one) it drives wrk at four times as many concurrent clients as there are pool slots
(saturation), against each app in turn, and reports requests/s, p50 and p99 latency,
errors, the ratio to the baseline, and what authenticating costs a read (the read with a
token beside the same read without). It also measures what pool monitoring costs (the
anonymous GET with DB_POOL_MONITORING on and off). Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from backend.config import PROJECT_ROOT, Settings
from backend.db.engine import make_engine
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork, make_session_factory
from backend.services.game_import import import_games
from scripts.bench.accounts import organizer_token
from scripts.bench.databases import (
    DEFAULT_FILE,
    DEFAULT_POSTGRES,
    fresh_database,
    postgresql_version,
)
from scripts.bench.report import machine_description, write_section

WORKERS, THREADS, POOL_SIZE, MAX_OVERFLOW = 2, 4, 4, 2
POOL_SLOTS = WORKERS * (POOL_SIZE + MAX_OVERFLOW)
CLIENTS = 4 * POOL_SLOTS
TARGETS = {"get_one": 0.6, "list_50": 0.5}
SETTLE_SECONDS = 2

# wrk scripts: each request picks its own target; done() prints one JSON line.
LUA_COMMON = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors": %d, "p50_ms": %.3f, "p99_ms": %.3f}\\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""
LUA = {
    "get_one": """
local ids = {}
for line in io.lines("IDS_FILE") do table.insert(ids, line) end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/games/" .. ids[math.random(#ids)])
end
""",
    "get_one_auth": """
local ids = {}
for line in io.lines("IDS_FILE") do table.insert(ids, line) end
math.randomseed(os.time())
local headers = {["Authorization"] = "Bearer BEARER_TOKEN"}
request = function()
  return wrk.format("GET", "/api/v1/games/" .. ids[math.random(#ids)], headers)
end
""",
    "list_50": """
request = function() return wrk.format("GET", "/api/v1/games?page_size=50") end
""",
    "post": """
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format(
    '{"title": "Bench game %d-%d", "min_players": 2, "max_players": 4}',
    math.random(1000000), counter)
  return wrk.format("POST", "/api/v1/games",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer BEARER_TOKEN"}, body)
end
""",
}
LABELS = {
    "get_one": "GET /api/v1/games/{id}",
    "get_one_auth": "GET /api/v1/games/{id}, with a token",
    "list_50": "GET /api/v1/games?page_size=50",
    "post": "POST /api/v1/games, with a token",
}


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


@dataclass(frozen=True)
class Summary:
    """One app's runs of one request: medians over the rounds, errors summed."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    spread: float  # the median round's p99 / p50

    @classmethod
    def of(cls, runs: list[Result]) -> Summary:
        return cls(
            requests_per_second=statistics.median(run.requests_per_second for run in runs),
            p50_ms=statistics.median(run.p50_ms for run in runs),
            p99_ms=statistics.median(run.p99_ms for run in runs),
            errors=sum(run.errors for run in runs),
            requests=sum(run.requests for run in runs),
            spread=statistics.median(run.p99_ms / run.p50_ms for run in runs),
        )


def main() -> int:
    arguments = _arguments()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    if not arguments.file.is_file():
        print(f"no data file at {arguments.file}; pass --file", file=sys.stderr)
        return 2
    with (
        fresh_database(arguments.server, "load") as settings,
        tempfile.TemporaryDirectory() as scratch,
    ):
        work = Path(scratch)
        _load_catalog(settings, arguments.file, work)
        ids_file = work / "ids.txt"
        ids_file.write_text("\n".join(_game_ids(settings)) + "\n")
        scripts = _lua_scripts(work, ids_file, organizer_token(settings))
        results: dict[tuple[str, str], list[Result]] = {}
        with (
            _served("raw", settings, work) as raw_url,
            _served("gamenight", settings, work) as gamenight_url,
        ):
            urls = {"raw": raw_url, "gamenight": gamenight_url}
            # Alternating rounds: a shared machine's speed drifts, and each round's ratios
            # (app to baseline, read with a token to read without) compare runs made
            # moments apart.
            for _ in range(arguments.rounds):
                for kind in arguments.only:
                    for app, url in urls.items():
                        result = _wrk(url, scripts[kind], arguments.duration)
                        results.setdefault((kind, app), []).append(result)
                        print(f"{LABELS[kind]} {app}: {result}", flush=True)
        if set(arguments.only) != set(LUA) or not arguments.overhead_rounds:
            return 0  # a partial run: the printed lines are its result, the report stays
        overhead = _monitoring_overhead(settings, work, scripts["get_one"], arguments)
        body = _report(arguments, results, overhead, postgresql_version(settings))
    print(body)
    if arguments.write:
        write_section("load", body)
        print("written to docs/benchmarks.md")
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where databases may be created (BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating runs of each app per request"
    )
    parser.add_argument(
        "--overhead-rounds",
        type=int,
        default=3,
        help="0 skips the monitoring-overhead runs, and with them the report",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(LUA),
        default=list(LUA),
        help="run only these requests (a partial run prints, writes no report)",
    )
    parser.add_argument("--no-write", dest="write", action="store_false")
    return parser.parse_args()


def _load_catalog(settings: Settings, path: Path, work: Path) -> None:
    engine = make_engine(settings)
    try:
        import_games(
            partial(SqlAlchemyUnitOfWork, make_session_factory(engine)),
            path,
            rejects_path=work / "rejects.csv",
        )
    finally:
        engine.dispose()
    # Settle the fresh database before measuring: otherwise autovacuum and the checkpoint
    # after a 20,000-row load land in the middle of some runs and not others.
    settle = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    try:
        with settle.connect() as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
            connection.execute(text("CHECKPOINT"))
    finally:
        settle.dispose()


def _game_ids(settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return [str(row[0]) for row in connection.execute(text("SELECT id FROM games"))]
    finally:
        engine.dispose()


def _lua_scripts(work: Path, ids_file: Path, token: str) -> dict[str, Path]:
    scripts = {}
    for kind, body in LUA.items():
        path = work / f"{kind}.lua"
        script = body.replace("IDS_FILE", str(ids_file)).replace("BEARER_TOKEN", token)
        path.write_text(script + LUA_COMMON)
        scripts[kind] = path
    return scripts


@contextmanager
def _served(app: str, settings: Settings, work: Path, **extra: str) -> Iterator[str]:
    """Run one app under gunicorn with the benchmark's settings; yield its base URL."""
    port = _free_port()
    environment = {
        **os.environ,
        "ENV_FILE": "",
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": settings.database_url,
        "SERVER_BIND": f"127.0.0.1:{port}",
        "SERVER_WORKERS": str(WORKERS),
        "SERVER_THREADS": str(THREADS),
        "DB_POOL_SIZE": str(POOL_SIZE),
        "DB_MAX_OVERFLOW": str(MAX_OVERFLOW),
        "BENCH_RAW_DATABASE_URL": settings.database.set(drivername="postgresql").render_as_string(
            hide_password=False
        ),
        "BENCH_RAW_POOL_SIZE": str(POOL_SIZE),
        "BENCH_RAW_POOL_MAX": str(POOL_SIZE + MAX_OVERFLOW),
        **extra,
    }
    if app == "gamenight":
        command = ["--config", "gunicorn.conf.py", "wsgi:app"]
    else:
        # The same gunicorn settings as gunicorn.conf.py, without Game Night's hooks (an
        # empty config file: gunicorn would otherwise read ./gunicorn.conf.py by itself).
        (work / "raw.conf.py").write_text("")
        command = [
            "--config", str(work / "raw.conf.py"),
            "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
            "--worker-class", "gthread", "--preload", "--timeout", "30", "--no-control-socket",
            "--access-logfile", "-", "--access-logformat",
            '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s',
            "scripts.bench.raw_app:app",
        ]  # fmt: skip
    with (work / f"{app}.log").open("a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *command],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see its log")
        try:
            requests.get(f"{url}/api/v1/games?page_size=1", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _wrk(url: str, script: Path, duration: int) -> Result:
    # A short warm-up fills the pools and the caches of both apps alike.
    _settle()
    _run_wrk(url, script, 2)
    _settle()
    return _run_wrk(url, script, duration)


def _settle() -> None:
    """Let the servers finish what the last run left queued before wrk connects again.

    gthread workers accept greedily and keep-alive connections stay with the worker that
    accepted them: wrk's 48 connections, opened at once while one worker still drains the
    last run, all land on the other, and the run measures one worker on one core (seen as
    runs at 60% of their neighbours' rate, one worker's CPU time flat).
    """
    time.sleep(SETTLE_SECONDS)


def _run_wrk(url: str, script: Path, duration: int) -> Result:
    output = subprocess.run(
        [
            "wrk",
            "--threads",
            "2",
            "--connections",
            str(CLIENTS),
            "--duration",
            f"{duration}s",
            "--timeout",
            "10s",
            "--script",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    return Result(
        requests_per_second=summary["requests"] / summary["seconds"],
        p50_ms=summary["p50_ms"],
        p99_ms=summary["p99_ms"],
        errors=summary["errors"],
        requests=summary["requests"],
    )


def _monitoring_overhead(
    settings: Settings, work: Path, script: Path, arguments: argparse.Namespace
) -> dict[str, float]:
    """GET-one throughput with pool monitoring off and on, alternating, several rounds."""
    rates: dict[str, list[float]] = {"false": [], "true": []}
    for _ in range(arguments.overhead_rounds):
        for monitoring in ("false", "true"):
            with _served("gamenight", settings, work, DB_POOL_MONITORING=monitoring) as url:
                rates[monitoring].append(_wrk(url, script, arguments.duration).requests_per_second)
    off, on = statistics.median(rates["false"]), statistics.median(rates["true"])
    return {"off": off, "on": on, "overhead": 1 - on / off}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _report(
    arguments: argparse.Namespace,
    results: dict[tuple[str, str], list[Result]],
    overhead: dict[str, float],
    database: str,
) -> str:
    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    rows, verdicts = [], []
    served: list[Summary] = []
    for kind in LUA:
        raw_runs, our_runs = results[(kind, "raw")], results[(kind, "gamenight")]
        raw, ours = Summary.of(raw_runs), Summary.of(our_runs)
        served.append(ours)
        # Each round's ratio sets two runs made moments apart side by side.
        ratio = statistics.median(
            mine.requests_per_second / theirs.requests_per_second
            for mine, theirs in zip(our_runs, raw_runs, strict=True)
        )
        for name, summary, relative in (
            ("raw psycopg + Flask", raw, 1.0),
            ("Game Night", ours, ratio),
        ):
            rows.append(
                f"| {LABELS[kind]} | {name} | {summary.requests_per_second:,.0f} | "
                f"{summary.p50_ms:.1f} | {summary.p99_ms:.1f} | {summary.errors} | "
                f"{relative:.2f} |"
            )
        if kind in TARGETS:
            verdicts.append(
                f"- {LABELS[kind]} at least {TARGETS[kind]} of the baseline: {ratio:.2f}, "
                f"{met(ratio >= TARGETS[kind])}."
            )
    auth_rows = []
    for name, app in (("raw psycopg + Flask", "raw"), ("Game Night", "gamenight")):
        anonymous, signed = results[("get_one", app)], results[("get_one_auth", app)]
        auth_ratio = statistics.median(
            with_token.requests_per_second / without.requests_per_second
            for with_token, without in zip(signed, anonymous, strict=True)
        )
        auth_rows.append(
            f"| {name} | {Summary.of(anonymous).requests_per_second:,.0f} | "
            f"{Summary.of(signed).requests_per_second:,.0f} | {auth_ratio:.2f} | "
            f"{1 - auth_ratio:.0%} |"
        )
    errors = sum(summary.errors for summary in served)
    worst_spread = max(summary.spread for summary in served)
    verdicts += [
        f"- Zero errors at {CLIENTS} clients ({POOL_SLOTS} pool slots): "
        f"{errors} errors in {sum(s.requests for s in served):,} requests, {met(errors == 0)}.",
        f"- p99 at most 3x p50 at saturation: worst {worst_spread:.2f}x, {met(worst_spread <= 3)}.",
        f"- Pool monitoring costs under 3% of throughput: {overhead['overhead']:.1%} "
        f"({overhead['off']:,.0f} req/s off, {overhead['on']:,.0f} on, median of "
        f"{arguments.overhead_rounds} alternating rounds), {met(overhead['overhead'] < 0.03)}.",
    ]
    table = "\n".join(rows)
    return f"""## Load: Game Night against a raw psycopg baseline on PostgreSQL

Command: `make bench` (`python -m scripts.bench.load_bench --duration {arguments.duration}
--rounds {arguments.rounds}`).
Machine: {machine_description(database)}; wrk and both servers share it.
Both apps under gunicorn with {WORKERS} workers x {THREADS} threads (gthread, preloaded),
pools of {POOL_SIZE} + {MAX_OVERFLOW} per worker ({POOL_SLOTS} slots), on one database loaded
with the full shared catalog; wrk with {CLIENTS} connections (4x the pool slots),
{arguments.duration} s per run after a 2 s warm-up, each preceded by {SETTLE_SECONDS} s idle (so
both workers take connections), {arguments.rounds} rounds alternating the two apps; the table
gives medians over the rounds (errors summed), the ratio is the median of the rounds' ratios.
The baseline sends the same SQL statements and answers the same JSON (scripts/bench/raw_app.py);
Game Night adds flask-smorest's routing, validation and ETags, the Unit of Work, the audit row,
request ids and metrics. "With a token" sends an organizer's bearer token, which both apps look
up (one statement: the token joined with its user, in a transaction of its own) before the
request's own work; the POST is always authenticated, since writes need a token.

| request | app | requests/s | p50 ms | p99 ms | errors | ratio to baseline |
|---|---|---:|---:|---:|---:|---:|
{table}

What authenticating costs a read: GET /api/v1/games/{{id}} with a token beside the same read
without (requests/s, medians over the rounds; the ratio is the median of the rounds' ratios).

| app | anonymous | with a token | with / without | throughput lost |
|---|---:|---:|---:|---:|
{chr(10).join(auth_rows)}

{chr(10).join(verdicts)}
"""


if __name__ == "__main__":
    sys.exit(main())
