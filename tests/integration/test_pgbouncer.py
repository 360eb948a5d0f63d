"""Behind PgBouncer in transaction mode (DB_PGBOUNCER=true): every request keeps working
while transactions hop between server connections."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backend import create_app
from backend.domain.accounts import Role
from backend.state import app_state
from tests.accounts import add_account
from tests.conftest import migrate, settings_for
from tests.factories import game_fields
from tests.servers import free_port
from tests.throwaway_postgres import ThrowawayCluster

pytestmark = pytest.mark.slow
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture(scope="module")
def pgbouncer_url(throwaway_postgres: ThrowawayCluster) -> Iterator[str]:
    if not Path(PGBOUNCER).exists():
        pytest.skip("PgBouncer is not installed (apt-get install pgbouncer)")
    admin = create_engine(throwaway_postgres.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS gamenight_pgbouncer"))
        connection.execute(text("CREATE DATABASE gamenight_pgbouncer"))
    admin.dispose()
    migrate(settings_for(throwaway_postgres.url("gamenight_pgbouncer")))

    root = Path(tempfile.mkdtemp(prefix="gamenight-pgbouncer-"))
    port = free_port()
    (root / "users.txt").write_text('"postgres" ""\n')
    (root / "pgbouncer.ini").write_text(
        f"""[databases]
gamenight = host=127.0.0.1 port={throwaway_postgres.port} dbname=gamenight_pgbouncer user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root / "users.txt"}
pool_mode = transaction
default_pool_size = 4
max_client_conn = 200
logfile = {root / "pgbouncer.log"}
pidfile = {root / "pgbouncer.pid"}
"""
    )
    command = [PGBOUNCER, str(root / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer will not run as root
        shutil.chown(root, "postgres", "postgres")
        for path in root.iterdir():
            shutil.chown(path, "postgres", "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"postgresql://postgres@127.0.0.1:{port}/gamenight"
    deadline = time.monotonic() + 15
    while True:
        try:
            probe = create_engine(url)
            with probe.connect() as connection:
                connection.execute(text("SELECT 1"))
            probe.dispose()
            break
        except Exception:  # noqa: BLE001 - not listening yet
            assert time.monotonic() < deadline, (root / "pgbouncer.log").read_text()
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def test_the_api_works_behind_pgbouncer_in_transaction_mode(pgbouncer_url: str) -> None:
    app = create_app(settings_for(pgbouncer_url, db_pgbouncer=True, db_pool_size=8))
    # Signed in throughout: the token's lookup hops between server connections too.
    organizer = add_account(app_state(app).session_factory, Role.ORGANIZER)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = organizer.headers["Authorization"]
    try:
        created = client.post("/api/v1/games", json=game_fields(title="Behind PgBouncer"))
        assert created.status_code == 201
        url = created.headers["Location"]

        # The same statements again and again, from several connections at once: a
        # driver-prepared statement would be looked for on the wrong server connection.
        def read(_: int) -> tuple[int, int, int]:
            local = app.test_client()
            local.environ_base["HTTP_AUTHORIZATION"] = organizer.headers["Authorization"]
            return (
                local.get(url).status_code,
                local.get("/api/v1/games", query_string={"q": "pgbouncer"}).status_code,
                local.get("/health/ready").status_code,
            )

        with ThreadPoolExecutor(max_workers=8) as executor:
            results = set(executor.map(read, range(120)))
        assert results == {(200, 200, 200)}

        changed = client.patch(
            url, json={"title": "Still here"}, headers={"If-Match": created.headers["ETag"]}
        )
        assert changed.status_code == 200
    finally:
        app_state(app).engine.dispose()


def test_pgbouncer_mode_turns_off_prepared_statements_and_startup_options() -> None:
    from backend.db.engine import _postgresql_arguments

    plain = _postgresql_arguments(settings_for("postgresql://u@h/db"), "app", 5)
    bouncer = _postgresql_arguments(
        settings_for("postgresql://u@h/db", db_pgbouncer=True), "app", 5
    )
    assert "options" in plain and "prepare_threshold" not in plain
    assert bouncer["prepare_threshold"] is None and "options" not in bouncer


def test_make_introspect_works_through_pgbouncer(
    pgbouncer_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its read-only and timeout settings are per transaction: PgBouncer refuses startup
    options, and a session setting would stay behind on a shared server connection."""
    from scripts.db_introspection import IN_SYNC, main

    assert main(["--url", pgbouncer_url]) == IN_SYNC, capsys.readouterr()
    assert "In sync." in capsys.readouterr().out
