"""Settings: read once from the environment and `.env`, validated at start-up, then passed in."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENV_FILE = PROJECT_ROOT / ".env"
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'instance' / 'gamenight.db'}"
MIN_PRODUCTION_SECRET_LENGTH = 32

# Each accepted spelling of a backend, mapped to the one driver we support for it.
_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mysql+pymysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "mariadb+pymysql": "mariadb+pymysql",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

T = TypeVar("T")


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """Settings that are missing or invalid; the message names each one and never shows a secret."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting the application reads; see .env.example for what each one means."""

    app_env: AppEnv = AppEnv.DEVELOPMENT
    # None until __post_init__: production refuses it, development and tests get a random key.
    secret_key: str | None = field(default=None, repr=False)
    database_url: str = DEFAULT_DATABASE_URL
    db_pool_size: int = 4
    db_max_overflow: int = 2
    db_pool_timeout: float = 5.0
    db_pool_recycle: int = 1800
    db_pool_pre_ping: bool = True
    db_connect_timeout: int = 5
    db_statement_timeout: int = 30
    db_pool_monitoring: bool = True
    db_leak_threshold: float = 30.0
    db_pgbouncer: bool = False
    db_echo: bool = False
    server_bind: str = "127.0.0.1:8000"
    server_workers: int = 2
    server_threads: int = 4
    log_level: str = "INFO"
    # Browser origins allowed to call the API from another site; none by default.
    cors_origins: tuple[str, ...] = ()
    # Days a new API token works (backend/domain/accounts.py has the default and bounds).
    api_token_days: int = 30

    def __post_init__(self) -> None:
        # Accept the plain string too (Settings(app_env="production")), and never let it
        # slip past the production checks for being a str rather than an AppEnv.
        try:
            object.__setattr__(self, "app_env", _app_env(str(self.app_env)))
        except ValueError as error:
            raise SettingsError([f"APP_ENV {error}"]) from None
        try:
            object.__setattr__(self, "database_url", _normalized_database_url(self.database_url))
        except ValueError as error:
            raise SettingsError([f"DATABASE_URL {error}"]) from None
        problems = self._problems()
        if problems:
            raise SettingsError(problems)
        if not self.secret_key:
            object.__setattr__(self, "secret_key", secrets.token_urlsafe(32))

    def __repr__(self) -> str:
        return (
            f"Settings(app_env={self.app_env.value!r}, database={self.database_url_safe!r}, "
            f"pool={self.db_pool_size}+{self.db_max_overflow}, "
            f"workers={self.server_workers}, threads={self.server_threads})"
        )

    @property
    def database(self) -> URL:
        return make_url(self.database_url)

    @property
    def database_url_safe(self) -> str:
        """The database URL with its password masked, for logs and messages."""
        return self.database.render_as_string(hide_password=True)

    @property
    def is_production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `environ` (default: the process environment) over the `.env` file.

        `ENV_FILE` names the dotenv file (default: `.env` in the project root; empty: none).
        Variables already in the environment win over the file, as python-dotenv does.
        """
        environ = os.environ if environ is None else environ
        reader = _Reader({**_read_env_file(environ), **environ})
        pool_threads = reader.integer("SERVER_THREADS", 4, minimum=1, maximum=256)
        values = {
            "app_env": reader.parse("APP_ENV", AppEnv.DEVELOPMENT, _app_env),
            "database_url": reader.parse(
                "DATABASE_URL", DEFAULT_DATABASE_URL, _normalized_database_url
            ),
            # One connection per thread by default: a request holds one for its whole life.
            "db_pool_size": reader.integer("DB_POOL_SIZE", pool_threads, minimum=1, maximum=1000),
            "db_max_overflow": reader.integer("DB_MAX_OVERFLOW", 2, minimum=0, maximum=1000),
            "db_pool_timeout": reader.number("DB_POOL_TIMEOUT", 5.0, minimum=0.1, maximum=600),
            "db_pool_recycle": reader.integer("DB_POOL_RECYCLE", 1800, minimum=-1, maximum=86400),
            "db_pool_pre_ping": reader.boolean("DB_POOL_PRE_PING", True),
            "db_connect_timeout": reader.integer("DB_CONNECT_TIMEOUT", 5, minimum=1, maximum=600),
            "db_statement_timeout": reader.integer(
                "DB_STATEMENT_TIMEOUT", 30, minimum=0, maximum=86400
            ),
            "db_pool_monitoring": reader.boolean("DB_POOL_MONITORING", True),
            "db_leak_threshold": reader.number(
                "DB_LEAK_THRESHOLD", 30.0, minimum=0.01, maximum=86400
            ),
            "db_pgbouncer": reader.boolean("DB_PGBOUNCER", False),
            "db_echo": reader.boolean("DB_ECHO", False),
            "server_bind": reader.parse("SERVER_BIND", "127.0.0.1:8000", _non_empty),
            "server_workers": reader.integer("SERVER_WORKERS", 2, minimum=1, maximum=64),
            "server_threads": pool_threads,
            "log_level": reader.parse("LOG_LEVEL", "INFO", _log_level),
            "cors_origins": reader.parse("CORS_ORIGINS", NO_ORIGINS, _origins),
            "api_token_days": reader.integer("API_TOKEN_DAYS", 30, minimum=1, maximum=365),
        }
        values["secret_key"] = reader.raw("SECRET_KEY") or None
        reader.raise_if_problems()
        return cls(**values)  # type: ignore[arg-type]

    def _problems(self) -> list[str]:
        problems = []
        if self.is_production:
            if not self.secret_key:
                # A generated key would differ per worker and change on every restart.
                problems.append("SECRET_KEY must be set in production")
            elif len(self.secret_key) < MIN_PRODUCTION_SECRET_LENGTH:
                problems.append(
                    f"SECRET_KEY must be at least {MIN_PRODUCTION_SECRET_LENGTH} characters "
                    "in production"
                )
            if self.db_echo:
                problems.append(
                    "DB_ECHO must be off in production: it logs every statement and its values"
                )
            url = self.database
            host = _network_host(url)
            if host and not url.password:
                problems.append(
                    f"DATABASE_URL has no password for the network database at {host} "
                    "(production refuses that; use a password or a Unix socket)"
                )
        return problems


def settings_or_exit(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings.from_env for an entry point (the flask command, alembic): bad settings end
    the process with their list and no traceback, worded as gunicorn words them."""
    try:
        return Settings.from_env(environ)
    except SettingsError as error:
        raise SystemExit(f"gamenight: {error}") from None


def _network_host(url: URL) -> str | None:
    """The host a URL reaches over the network, or None for a file or a Unix socket."""
    if url.get_backend_name() == "sqlite" or "unix_socket" in url.query:
        return None
    host = url.host or str(url.query.get("host", ""))
    return host if host and not host.startswith("/") else None


def _read_env_file(environ: Mapping[str, str]) -> dict[str, str]:
    path = environ.get("ENV_FILE")
    if path is None:
        if not DEFAULT_ENV_FILE.is_file():
            return {}
        path = str(DEFAULT_ENV_FILE)
    if path == "":
        return {}
    if not Path(path).is_file():
        raise SettingsError([f"ENV_FILE names {path!r}, which is not a readable file"])
    return {key: value for key, value in dotenv_values(path).items() if value is not None}


N = TypeVar("N", int, float)


def _bounded(convert: Callable[[str], N], kind: str, minimum: N, maximum: N) -> Callable[[str], N]:
    """A parser of numbers of one kind between two bounds, saying what is wrong in words."""

    def parse_bounded(value: str) -> N:
        try:
            number = convert(value)
        except ValueError:
            raise ValueError(f"must be {kind}, got {value!r}") from None
        if not minimum <= number <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}, got {value}")
        return number

    return parse_bounded


class _Reader:
    """Parses named values and collects every problem, so one start-up reports them all."""

    def __init__(self, source: Mapping[str, str]) -> None:
        self.source = source
        self.problems: list[str] = []

    def raw(self, name: str) -> str | None:
        value = self.source.get(name)
        return value.strip() if value is not None else None

    def parse(self, name: str, default: T, parser: Callable[[str], T]) -> T:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            return parser(value)
        except ValueError as error:
            self.problems.append(f"{name} {error}")
            return default

    def integer(self, name: str, default: int, *, minimum: int, maximum: int) -> int:
        return self.parse(name, default, _bounded(int, "a whole number", minimum, maximum))

    def number(self, name: str, default: float, *, minimum: float, maximum: float) -> float:
        return self.parse(name, default, _bounded(float, "a number of seconds", minimum, maximum))

    def boolean(self, name: str, default: bool) -> bool:
        def parse_boolean(value: str) -> bool:
            if value.lower() in _TRUE:
                return True
            if value.lower() in _FALSE:
                return False
            raise ValueError(f"must be true or false, got {value!r}")

        return self.parse(name, default, parse_boolean)

    def raise_if_problems(self) -> None:
        if self.problems:
            raise SettingsError(self.problems)


def _app_env(value: str) -> AppEnv:
    try:
        return AppEnv(value.lower())
    except ValueError:
        choices = ", ".join(env.value for env in AppEnv)
        raise ValueError(f"must be one of {choices}, got {value!r}") from None


def _normalized_database_url(value: str) -> str:
    # The value may hold a password, so no message here repeats it.
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(
            "is not a database URL (expected e.g. postgresql://user@host/db)"
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(
            f"uses the unsupported driver {url.drivername!r}; use sqlite:///path, "
            "postgresql+psycopg://... or mariadb+pymysql://..."
        )
    if driver == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError(
            "must name a SQLite file: an in-memory database is private to one connection"
        )
    return url.set(drivername=driver).render_as_string(hide_password=False)


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


NO_ORIGINS: tuple[str, ...] = ()
_ORIGIN = re.compile(r"https?://[^/?#\s*]+")


def _origins(value: str) -> tuple[str, ...]:
    """Comma-separated origins as browsers send them (scheme://host[:port], no path), or *
    alone for any origin."""
    origins = tuple(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())
    if origins == ("*",):
        return origins
    wrong = [origin for origin in origins if not _ORIGIN.fullmatch(origin)]
    if wrong:
        raise ValueError(
            "must be origins like https://club.example.org (scheme, host and port, no "
            f"path), separated by commas, or * alone; got {', '.join(map(repr, wrong))}"
        )
    return origins


def _log_level(value: str) -> str:
    if value.upper() not in _LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}, got {value!r}")
    return value.upper()
