"""The app under gunicorn, over real HTTP: the production path, start to finish."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families

from backend.api import MAX_REQUEST_BYTES
from backend.db.migrations import head_revisions
from tests.accounts import Account
from tests.e2e.conftest import RunningServer
from tests.factories import game_fields
from tests.servers import free_port, start_gunicorn


def test_create_read_change_and_delete_a_game_over_http(
    gunicorn_server: RunningServer, server_organizer: Account
) -> None:
    games = f"{gunicorn_server.base_url}/api/v1/games"
    signed_in = server_organizer.headers
    created = requests.post(
        games, json=game_fields(title="Over HTTP"), headers=signed_in, timeout=10
    )
    assert created.status_code == 201
    assert created.json()["created_by"] == server_organizer.actor
    url = gunicorn_server.base_url + created.headers["Location"]
    etag = created.headers["ETag"]

    assert requests.get(url, timeout=10).json()["title"] == "Over HTTP"
    changed = requests.patch(
        url, json={"title": "Changed"}, headers={"If-Match": etag, **signed_in}, timeout=10
    )
    assert changed.status_code == 200
    stale = requests.delete(url, headers={"If-Match": etag, **signed_in}, timeout=10)
    assert stale.status_code == 412
    deleted = requests.delete(
        url, headers={"If-Match": changed.headers["ETag"], **signed_in}, timeout=10
    )
    assert deleted.status_code == 204
    assert requests.get(url, timeout=10).status_code == 404


def test_both_workers_serve_database_requests(gunicorn_server: RunningServer) -> None:
    """Workers forked from a preloaded master each open their own connections."""

    def one_round(_: int) -> tuple[int, int, int]:
        with requests.Session() as session:
            listing = session.get(f"{gunicorn_server.base_url}/api/v1/games", timeout=10)
            pool = session.get(f"{gunicorn_server.base_url}/health/pool", timeout=10)
        return listing.status_code, pool.status_code, pool.json()["pid"]

    with ThreadPoolExecutor(max_workers=8) as executor:
        results = list(executor.map(one_round, range(80)))
    assert {(listing, pool) for listing, pool, _pid in results} == {(200, 200)}
    assert len({pid for _l, _p, pid in results}) == 2


def test_the_request_id_is_in_the_response_and_the_access_log(
    gunicorn_server: RunningServer,
) -> None:
    request_id = f"e2e-{uuid.uuid4().hex[:12]}"
    response = requests.get(
        f"{gunicorn_server.base_url}/api/v1/games", headers={"X-Request-ID": request_id}, timeout=10
    )
    assert response.headers["X-Request-ID"] == request_id
    deadline = time.monotonic() + 5
    while f"request_id={request_id}" not in gunicorn_server.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"request_id={request_id}" in gunicorn_server.log()


def test_bad_input_over_http_is_a_json_4xx(
    gunicorn_server: RunningServer, server_organizer: Account
) -> None:
    response = requests.post(
        f"{gunicorn_server.base_url}/api/v1/games",
        data=b'{"title": ',
        headers={"Content-Type": "application/json", **server_organizer.headers},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["code"] == 400


def test_an_oversized_chunked_body_is_413_over_http(
    gunicorn_server: RunningServer, server_organizer: Account
) -> None:
    def two_mebibytes() -> Iterator[bytes]:
        for _ in range(32):
            yield b"x" * 65536

    # A generator body goes out chunked: no Content-Length to refuse it by.
    response = requests.post(
        f"{gunicorn_server.base_url}/api/v1/games",
        data=two_mebibytes(),
        headers={"Content-Type": "application/json", **server_organizer.headers},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["code"] == 413


def scrape(server: RunningServer) -> dict[str, float]:
    """Every sample of /metrics, keyed like `name{label="value",...}`."""
    text = requests.get(f"{server.base_url}/metrics", timeout=10).text
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


LIVE_REQUESTS = (
    "http_server_request_duration_seconds_count"
    '{method="GET",route="/health/live",status_code="200"}'
)
POOL_MAX = 'db_client_connection_max{pool_name="gamenight"}'
POOL_USED = 'db_client_connection_count{pool_name="gamenight",state="used"}'
POOL_IDLE = 'db_client_connection_count{pool_name="gamenight",state="idle"}'
CHECKOUTS = 'db_client_connection_checkouts_total{pool_name="gamenight"}'
CAPACITY_PER_WORKER = 2 + 2  # pool sized to SERVER_THREADS=2, plus the default overflow
ROUNDS = 20


def spread_requests(server: RunningServer, path: str, count: int) -> set[int]:
    """Send `count` requests, eight at a time, so both workers take some."""

    def one(_: int) -> int:
        with requests.Session() as session:
            assert session.get(f"{server.base_url}{path}", timeout=10).status_code == 200
            return int(session.get(f"{server.base_url}/health/pool", timeout=10).json()["pid"])

    with ThreadPoolExecutor(max_workers=8) as executor:
        return set(executor.map(one, range(count)))


def pool_reports(server: RunningServer) -> dict[int, dict[str, Any]]:
    """Every worker's /health/pool, by pid, asking on fresh connections (a keep-alive one
    stays with one worker) until two workers answered, or enough tries. Touches no pool."""

    def one(_: int) -> dict[str, Any]:
        response = requests.get(
            f"{server.base_url}/health/pool", headers={"Connection": "close"}, timeout=10
        )
        report: dict[str, Any] = response.json()
        return report

    reports: dict[int, dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=8) as executor:
        for _round in range(ROUNDS):
            reports.update((report["pid"], report) for report in executor.map(one, range(16)))
            if len(reports) == 2:
                break
    return reports


def pool_reports_at_rest(server: RunningServer) -> dict[int, dict[str, Any]]:
    """/health/pool of both workers once no request holds or waits for a connection: a
    response reaches the client before its connection is back in the pool."""
    for _round in range(ROUNDS):
        reports = pool_reports(server)
        assert len(reports) == 2, f"only workers {sorted(reports)} answered /health/pool"
        if all(
            (report["pool"]["checked_out"], report["pool"]["waiting"], report["held"]) == (0, 0, [])
            for report in reports.values()
        ):
            return reports
    raise AssertionError(f"the pools never came to rest: {reports}")


def assert_metrics_add_up(samples: dict[str, float], reports: dict[int, dict[str, Any]]) -> None:
    """/metrics' pool gauges are the sums of these workers' /health/pool, exactly."""
    pools = [report["pool"] for report in reports.values()]
    assert samples[POOL_USED] == sum(pool["checked_out"] for pool in pools)
    assert samples[POOL_IDLE] == sum(pool["idle"] for pool in pools)
    assert samples[POOL_MAX] == sum(pool["size"] + pool["max_overflow"] for pool in pools)


def assert_never_more_used_than_open(
    samples: dict[str, float], reports: dict[int, dict[str, Any]]
) -> None:
    """Whenever sampled: no more connections used than open, none open beyond what the pools
    may hold, and each worker's open connections are those it opened and has not closed."""
    assert 0 <= samples[POOL_USED] <= samples[POOL_USED] + samples[POOL_IDLE] <= samples[POOL_MAX]
    for report in reports.values():
        pool, counters = report["pool"], report["counters"]
        opened = counters["opened"] - counters["closed"]
        assert 0 <= pool["checked_out"] <= pool["checked_out"] + pool["idle"] == opened
        assert opened <= pool["size"] + pool["max_overflow"]


def test_metrics_and_each_workers_pool_report_agree_before_and_after_traffic(
    gunicorn_server: RunningServer, server_organizer: Account
) -> None:
    games = f"{gunicorn_server.base_url}/api/v1/games"
    for _ in range(50):
        assert requests.get(games, headers={"Connection": "close"}, timeout=10).status_code == 200
    assert_metrics_add_up(scrape(gunicorn_server), pool_reports_at_rest(gunicorn_server))

    traffic_done = threading.Event()
    samples_taken = 0

    def sample_while_traffic_runs() -> None:
        nonlocal samples_taken
        while not traffic_done.is_set():
            assert_never_more_used_than_open(scrape(gunicorn_server), pool_reports(gunicorn_server))
            samples_taken += 1

    def one_request(index: int) -> int:
        if index % 4 == 0:
            return requests.post(
                games, json=game_fields(), headers=server_organizer.headers, timeout=10
            ).status_code
        return requests.get(games, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=9) as executor:
        sampler = executor.submit(sample_while_traffic_runs)
        try:
            statuses = list(executor.map(one_request, range(120)))
        finally:
            traffic_done.set()
        sampler.result()
    assert set(statuses) <= {200, 201}
    assert samples_taken >= 1
    assert_metrics_add_up(scrape(gunicorn_server), pool_reports_at_rest(gunicorn_server))


def test_metrics_add_up_over_workers_and_forget_dead_ones(gunicorn_server: RunningServer) -> None:
    pids = spread_requests(gunicorn_server, "/api/v1/games", 40)
    assert len(pids) == 2
    before = scrape(gunicorn_server)
    spread_requests(gunicorn_server, "/health/live", 30)
    after = scrape(gunicorn_server)
    # Every request counted once, whichever worker served it.
    assert after[LIVE_REQUESTS] - before[LIVE_REQUESTS] == 30
    assert after[POOL_MAX] == 2 * CAPACITY_PER_WORKER

    killed = min(pids)
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # Only /health/pool: the new worker has not checked out a connection yet.
        reports = pool_reports(gunicorn_server)
        if killed not in reports and len(reports) == 2:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("gunicorn did not replace the killed worker")
    replaced = scrape(gunicorn_server)
    # The new worker counts at once, the dead worker's gauges are gone (two live pools,
    # not three)...
    assert replaced[POOL_MAX] == 2 * CAPACITY_PER_WORKER
    assert_metrics_add_up(replaced, reports)
    # ...and its counters still count towards the totals.
    assert replaced[LIVE_REQUESTS] >= after[LIVE_REQUESTS]
    assert replaced[CHECKOUTS] >= after[CHECKOUTS]

    assert killed not in spread_requests(gunicorn_server, "/api/v1/games", 40)
    assert_metrics_add_up(scrape(gunicorn_server), pool_reports_at_rest(gunicorn_server))


def test_a_migrated_database_starts_without_a_migration_warning(
    gunicorn_server: RunningServer,
) -> None:
    assert "is not migrated" not in gunicorn_server.log()
    assert requests.get(f"{gunicorn_server.base_url}/health/ready", timeout=10).status_code == 200


def test_gunicorn_on_an_unmigrated_database_says_to_migrate(tmp_path: Path) -> None:
    database = tmp_path / "empty.db"
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    process = start_gunicorn(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "SERVER_BIND": f"127.0.0.1:{port}",
            "SERVER_WORKERS": "1",
            "SERVER_THREADS": "1",
        },
        log_path,
    )
    try:
        deadline = time.monotonic() + 30
        while "Booting worker" not in log_path.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.2)
        ready = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    heads = ", ".join(sorted(head_revisions()))
    assert (
        f"the database at sqlite:///{database} is not migrated (at no migration, "
        f"expected {heads}); run `make migrate` (alembic upgrade head) first"
    ) in log_path.read_text()
    assert ready.status_code == 503


def test_a_body_of_exactly_the_size_limit_is_read_not_refused(
    gunicorn_server: RunningServer, server_organizer: Account
) -> None:
    # JSON padded with spaces to the byte: a parse error (400), not "too large" (413).
    body = b"{}" + b" " * (MAX_REQUEST_BYTES - 2)
    headers = {"Content-Type": "application/json", **server_organizer.headers}
    url = f"{gunicorn_server.base_url}/api/v1/games"
    at_limit = requests.post(url, data=body, headers=headers, timeout=10)
    over_limit = requests.post(url, data=body + b" ", headers=headers, timeout=10)
    assert at_limit.status_code == 422, at_limit.text
    assert over_limit.status_code == 413
