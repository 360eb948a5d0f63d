"""`make introspect`: compare the models with the live database and report every drift.

    python -m scripts.db_introspection [--url URL] [--format text|json] [--timeout SECONDS]
    python scripts/db_introspection.py ...    (the same, run by its path)

The database is DATABASE_URL (from the environment or .env) unless --url is given. It is
only read: the connection is read-only (on SQLite the file is opened read-only) and no
statement runs longer than the timeout. Exit status: 0 in sync, 1 drift (listed), 2 the
database could not be checked (the reason on one line).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

if not __package__:
    # Run by its path (python scripts/db_introspection.py), Python puts scripts/ on the
    # import path instead of the project; `python -m` needs nothing.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.config import Settings, SettingsError
from backend.db.introspection import CannotCheck, Finding, Report, introspect, read_only_engine
from backend.models import Base

IN_SYNC, DRIFT, CANNOT_CHECK = 0, 1, 2
DEFAULT_TIMEOUT_SECONDS = 10.0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    started = time.monotonic()
    try:
        settings = Settings(database_url=arguments.url) if arguments.url else Settings.from_env()
        report = _check(settings, arguments.timeout)
    except (CannotCheck, SettingsError) as error:
        return _cannot_check(" ".join(str(error).split()))
    except DBAPIError as error:
        return _cannot_check(_first_line(error.orig or error))
    except SQLAlchemyError as error:
        return _cannot_check(_first_line(error))
    except TimeoutError:
        return _cannot_check(f"no answer within {arguments.timeout:g} s")
    except Exception as error:  # noqa: BLE001 - whatever it is, a pipeline wants status 2
        return _cannot_check(f"{type(error).__name__}: {_first_line(error)}")
    elapsed = time.monotonic() - started
    if arguments.format == "json":
        document = {"database": settings.database_url_safe, **report.as_dict()}
        print(json.dumps({**document, "seconds": round(elapsed, 3)}, indent=2))
    else:
        print(render(report, settings.database_url_safe, elapsed))
    return IN_SYNC if report.in_sync else DRIFT


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", help="the database to check (default: DATABASE_URL)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        help="give up after this many seconds (connecting, each statement, the whole check)",
    )
    return parser.parse_args(argv)


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600 seconds")
    return seconds


def _check(settings: Settings, timeout_seconds: float) -> Report:
    engine = read_only_engine(settings.database, timeout_seconds)
    previous = signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, timeout_seconds)
    try:
        with engine.connect() as connection:
            return introspect(connection, Base.metadata)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        engine.dispose()


def _out_of_time(_signal: int, _frame: FrameType | None) -> None:
    raise TimeoutError


def _cannot_check(reason: str) -> int:
    print(f"cannot check the database: {reason}", file=sys.stderr)
    return CANNOT_CHECK


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def render(report: Report, database: str, seconds: float) -> str:
    """The report for people: migrations first, then the differences grouped by table."""
    lines = [f"Schema check of {database} ({report.dialect}), {seconds:.2f} s", ""]
    migrations = report.migrations
    heads = ", ".join(migrations.heads)
    if migrations.applied is None:
        lines.append(f"Migrations: never run on this database (head {heads}).")
    elif migrations.at_head:
        lines.append(f"Migrations: at head ({heads}).")
    else:
        lines.append(
            f"Migrations: the database is at {', '.join(migrations.applied) or 'base'}, "
            f"head is {heads}."
        )
    lines += [f"  not applied: {revision}" for revision in migrations.pending]
    lines += [f"  unknown to the scripts: {revision}" for revision in migrations.unknown]
    if report.unmigrated:
        lines.append("Models changed without a migration (models against a database at head):")
        lines += [f"  {finding.describe()}" for finding in report.unmigrated]
    else:
        lines.append("Models and migrations agree.")
    lines.append("")
    if report.findings:
        lines.append("Schema differences:")
        lines += _by_table(report.findings)
    else:
        lines.append("Schema: the database matches the models.")
    if report.limitations:
        lines += ["", "Not compared on this database:"]
        lines += [f"  - {limitation.detail}" for limitation in report.limitations]
    errors = sum(finding.severity == "error" for finding in report.findings)
    lines += [
        "",
        "In sync."
        if report.in_sync
        else f"Drift: {len(report.findings)} schema difference(s), {errors} error(s); "
        f"{len(migrations.pending)} migration(s) not applied; "
        f"{len(report.unmigrated)} model change(s) without a migration.",
    ]
    return "\n".join(lines)


def _by_table(findings: Sequence[Finding]) -> list[str]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.table or "(schema)"].append(finding)
    lines = []
    for table in sorted(grouped):
        lines.append(f"  {table}")
        for finding in sorted(grouped[table], key=lambda found: (found.kind, found.name)):
            lines.append(f"    {finding.severity:<7} {finding.describe()}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
