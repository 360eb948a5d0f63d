"""Settings: defaults, parsing, and what production refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.config import (
    DEFAULT_DATABASE_URL,
    PROJECT_ROOT,
    AppEnv,
    Settings,
    SettingsError,
    settings_or_exit,
)

NO_FILE = {"ENV_FILE": ""}
STRONG_SECRET = "s" * 40


def from_env(**values: str) -> Settings:
    return Settings.from_env({**NO_FILE, **values})


def test_defaults_serve_a_sqlite_file_under_instance() -> None:
    settings = from_env()
    assert settings.app_env is AppEnv.DEVELOPMENT
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.endswith("/instance/gamenight.db")
    assert (settings.server_bind, settings.server_workers, settings.server_threads) == (
        "127.0.0.1:8000",
        2,
        4,
    )
    assert settings.db_pool_pre_ping is True
    assert settings.db_echo is False


def test_pool_size_defaults_to_the_thread_count() -> None:
    assert from_env(SERVER_THREADS="8").db_pool_size == 8
    assert from_env(SERVER_THREADS="8", DB_POOL_SIZE="3").db_pool_size == 3


def test_every_setting_is_read_from_the_environment() -> None:
    settings = from_env(
        APP_ENV="test",
        SECRET_KEY="k",
        DATABASE_URL="postgresql://app:pw@db/gamenight",
        DB_POOL_SIZE="7",
        DB_MAX_OVERFLOW="3",
        DB_POOL_TIMEOUT="2.5",
        DB_POOL_RECYCLE="600",
        DB_POOL_PRE_PING="off",
        DB_CONNECT_TIMEOUT="4",
        DB_ECHO="yes",
        SERVER_BIND="0.0.0.0:9000",
        SERVER_WORKERS="3",
        SERVER_THREADS="6",
        LOG_LEVEL="debug",
    )
    assert settings.app_env is AppEnv.TEST
    assert settings.secret_key == "k"
    assert settings.database_url == "postgresql+psycopg://app:pw@db/gamenight"
    assert (settings.db_pool_size, settings.db_max_overflow) == (7, 3)
    assert settings.db_pool_timeout == 2.5
    assert settings.db_pool_recycle == 600
    assert settings.db_pool_pre_ping is False
    assert settings.db_connect_timeout == 4
    assert settings.db_echo is True
    assert (settings.server_bind, settings.server_workers, settings.server_threads) == (
        "0.0.0.0:9000",
        3,
        6,
    )
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("mariadb://u:p@h/db", "mariadb+pymysql://u:p@h/db"),
        ("mysql://u:p@h/db", "mysql+pymysql://u:p@h/db"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
    ],
)
def test_database_urls_get_the_supported_driver(given: str, expected: str) -> None:
    assert from_env(DATABASE_URL=given).database_url == expected


def test_api_tokens_live_thirty_days_unless_set_within_a_year() -> None:
    assert from_env().api_token_days == 30
    assert from_env(API_TOKEN_DAYS="365").api_token_days == 365
    for wrong in ["0", "366"]:
        with pytest.raises(
            SettingsError, match=f"API_TOKEN_DAYS must be between 1 and 365, got {wrong}"
        ):
            from_env(API_TOKEN_DAYS=wrong)


def test_all_problems_are_reported_at_once_by_name() -> None:
    with pytest.raises(SettingsError) as caught:
        from_env(
            APP_ENV="staging", DB_POOL_SIZE="many", DB_POOL_PRE_PING="perhaps", SERVER_WORKERS="0"
        )
    message = str(caught.value)
    assert "APP_ENV must be one of development, test, production, got 'staging'" in message
    assert "DB_POOL_SIZE must be a whole number, got 'many'" in message
    assert "DB_POOL_PRE_PING must be true or false" in message
    assert "SERVER_WORKERS must be between 1 and 64, got 0" in message
    assert len(caught.value.problems) == 4


def test_unsupported_driver_is_refused_without_echoing_the_url() -> None:
    with pytest.raises(SettingsError) as caught:
        from_env(DATABASE_URL="postgresql+psycopg2://app:hunter2@db/x")
    assert "DATABASE_URL uses the unsupported driver 'postgresql+psycopg2'" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_garbage_database_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as caught:
        from_env(DATABASE_URL="not a url hunter2")
    assert "DATABASE_URL is not a database URL" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(SettingsError, match="in-memory"):
        from_env(DATABASE_URL="sqlite://")


def test_production_refuses_a_missing_secret_key() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY must be set in production"):
        from_env(APP_ENV="production", DATABASE_URL="sqlite:///x.db")


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY must be at least 32 characters"):
        from_env(APP_ENV="production", SECRET_KEY="short", DATABASE_URL="sqlite:///x.db")


def test_production_refuses_db_echo() -> None:
    with pytest.raises(SettingsError, match="DB_ECHO must be off in production"):
        from_env(
            APP_ENV="production",
            SECRET_KEY=STRONG_SECRET,
            DATABASE_URL="sqlite:///x.db",
            DB_ECHO="1",
        )


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("postgresql://app@db.internal/gamenight", "db.internal"),
        ("postgresql://app:@db.internal/gamenight", "db.internal"),
        ("postgresql://app@/gamenight?host=db.internal", "db.internal"),
        ("mariadb://root@10.0.0.5/gn", "10.0.0.5"),
    ],
)
def test_production_refuses_a_network_database_without_password(url: str, host: str) -> None:
    with pytest.raises(SettingsError) as caught:
        from_env(APP_ENV="production", SECRET_KEY=STRONG_SECRET, DATABASE_URL=url)
    message = f"DATABASE_URL has no password for the network database at {host} "
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:s3cret@db.internal/gamenight",
        "postgresql://app@/gamenight",  # Unix socket, peer authentication
        "postgresql://app@/gamenight?host=/var/run/postgresql",
        "mariadb://app@localhost/gamenight?unix_socket=/run/mysqld/mysqld.sock",
        "sqlite:///srv/gamenight.db",
    ],
)
def test_production_accepts_a_password_a_socket_or_a_file(url: str) -> None:
    settings = from_env(APP_ENV="production", SECRET_KEY=STRONG_SECRET, DATABASE_URL=url)
    assert settings.is_production


def test_a_generated_secret_key_outside_production_differs_per_start() -> None:
    first, second = from_env(), from_env()
    assert first.secret_key and second.secret_key
    assert first.secret_key != second.secret_key


def test_repr_and_safe_url_never_show_the_password_or_secret() -> None:
    settings = from_env(DATABASE_URL="postgresql://app:hunter2@db/x", SECRET_KEY="topsecret")
    assert "hunter2" not in repr(settings)
    assert "topsecret" not in repr(settings)
    assert "hunter2" not in settings.database_url_safe
    assert "***" in settings.database_url_safe


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text("SERVER_WORKERS=5\nLOG_LEVEL=WARNING\n# a comment\nSECRET_KEY=from-file\n")
    settings = Settings.from_env({"ENV_FILE": str(env_file), "LOG_LEVEL": "ERROR"})
    assert settings.server_workers == 5
    assert settings.secret_key == "from-file"
    assert settings.log_level == "ERROR"


def test_a_named_env_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ENV_FILE names"):
        Settings.from_env({"ENV_FILE": str(tmp_path / "missing.env")})


def test_an_entry_point_with_bad_settings_exits_with_their_list() -> None:
    with pytest.raises(SystemExit) as exited:
        settings_or_exit({**NO_FILE, "SERVER_WORKERS": "0", "LOG_LEVEL": "LOUD"})
    assert exited.value.code == (
        "gamenight: invalid settings:\n"
        "  - SERVER_WORKERS must be between 1 and 64, got 0\n"
        "  - LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'LOUD'"
    )
    assert settings_or_exit({**NO_FILE, "SERVER_WORKERS": "3"}).server_workers == 3


def test_app_env_given_as_a_string_is_still_checked() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY must be set in production"):
        Settings(app_env="production", database_url="sqlite:///x.db")  # type: ignore[arg-type]
    assert Settings(app_env="TEST").app_env is AppEnv.TEST  # type: ignore[arg-type]


def test_settings_are_immutable() -> None:
    settings = from_env()
    with pytest.raises(AttributeError):
        settings.db_echo = True  # type: ignore[misc]


def test_env_example_documents_every_setting_and_loads_as_the_defaults() -> None:
    source = (PROJECT_ROOT / "backend" / "config.py").read_text()
    read_by_the_app = set(re.findall(r'reader\.\w+\(\s*"([A-Z_]+)"', source))
    example = (PROJECT_ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read_by_the_app, "the pattern no longer finds the settings"
    assert read_by_the_app <= documented
    assert {"ENV_FILE"} <= documented
    assert repr(Settings.from_env({"ENV_FILE": str(PROJECT_ROOT / ".env.example")})) == repr(
        from_env()
    )
