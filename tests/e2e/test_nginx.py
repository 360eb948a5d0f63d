"""docs/deploy/nginx.conf in front of gunicorn: slow clients wait at nginx, not in gunicorn."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from backend.api import MAX_REQUEST_BYTES
from backend.config import PROJECT_ROOT
from tests.conftest import STRICT, migrate, settings_for
from tests.e2e.conftest import RunningServer, account_on, serving
from tests.servers import free_port

SHIPPED_CONFIG = PROJECT_ROOT / "docs" / "deploy" / "nginx.conf"
# The two places an operator's copy differs from the test's: gunicorn's and nginx's address.
SHIPPED_UPSTREAM = "server 127.0.0.1:8000;"
SHIPPED_LISTEN = "listen 80;"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLOW_CLIENTS = 50
# Headers begun and never finished: a client on a slow link, or one that means harm.
UNFINISHED_HEADERS = b"GET / HTTP/1.1\r\nHost: x\r\n"
STARTUP_SECONDS = 15


@dataclass
class Proxy:
    base_url: str
    address: tuple[str, int]
    root: Path

    def access_log(self) -> str:
        return (self.root / "access.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """gunicorn as deployed by default: 2 workers x 4 threads, 8 requests at once."""
    scratch = tmp_path_factory.mktemp("nginx_e2e")
    settings = settings_for(f"sqlite:///{scratch / 'gamenight.db'}")
    migrate(settings)
    with serving(
        {"DATABASE_URL": settings.database_url, "SERVER_WORKERS": "2", "SERVER_THREADS": "4"},
        scratch / "gunicorn.log",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def nginx(gunicorn: RunningServer) -> Iterator[Proxy]:
    """A real nginx, not daemonised, in a prefix of its own, serving the shipped config."""
    if not Path(NGINX).exists():
        message = "nginx is not installed (apt-get install nginx; .ci/run installs it)"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="gamenight-nginx-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        # As root, nginx's workers run as `nobody`: they must reach the temp paths in here.
        root.chmod(0o755)
        port = free_port()
        write_config(root, gunicorn.base_url.removeprefix("http://"), port)
        main_directives = f"daemon off; pid {root / 'nginx.pid'}; error_log {root / 'error.log'};"
        if os.geteuid() == 0:
            main_directives += " user nobody nogroup;"
        command = [NGINX, "-p", str(root), "-c", str(root / "nginx.conf")]
        command += ["-e", str(root / "error.log"), "-g", main_directives]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        proxy = Proxy(f"http://127.0.0.1:{port}", ("127.0.0.1", port), root)
        _wait_until_proxying(proxy, process)
        yield proxy
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)


def write_config(root: Path, upstream: str, port: int) -> None:
    """The shipped file, with the test's addresses, inside a main config of the test's own:
    temp files and logs in `root`, and an access log of nginx's own request ids."""
    (root / "gamenight.conf").write_text(render(SHIPPED_CONFIG.read_text(), upstream, port))
    temp_paths = "\n".join(
        f"    {kind}_temp_path {root / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (root / "nginx.conf").write_text(
        f"""worker_processes 1;
events {{ worker_connections 1024; }}
http {{
{temp_paths}
    log_format ids '$request_id $status';
    access_log {root / "access.log"} ids;
    include {root / "gamenight.conf"};
}}
"""
    )


def render(shipped: str, upstream: str, port: int) -> str:
    """The shipped config with the test's addresses in place of the production ones."""
    for placeholder in (SHIPPED_UPSTREAM, SHIPPED_LISTEN):
        assert shipped.count(placeholder) == 1, f"{SHIPPED_CONFIG} has no single {placeholder!r}"
    return shipped.replace(SHIPPED_UPSTREAM, f"server {upstream};").replace(
        SHIPPED_LISTEN, f"listen 127.0.0.1:{port};"
    )


def _wait_until_proxying(proxy: Proxy, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = (proxy.root / "error.log").read_text(errors="replace")
            pytest.fail(f"nginx exited with {process.returncode}:\n{errors}")
        try:
            if requests.get(f"{proxy.base_url}/health/live", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"nginx did not proxy within {STARTUP_SECONDS}s")


@contextmanager
def slow_clients(address: tuple[str, int], count: int) -> Iterator[list[socket.socket]]:
    """`count` connections that each send the start of a request's headers and then wait."""
    with ExitStack() as stack:
        connections = []
        for _ in range(count):
            connection = stack.enter_context(socket.create_connection(address, timeout=5))
            connection.sendall(UNFINISHED_HEADERS)
            connections.append(connection)
        # Let the server take every one of them before anyone else asks.
        time.sleep(0.5)
        yield connections


def still_open(connection: socket.socket) -> bool:
    """The server has neither answered nor closed this connection."""
    connection.setblocking(False)
    try:
        return connection.recv(1) != b""
    except BlockingIOError:
        return True
    finally:
        connection.setblocking(True)


def test_slow_clients_at_nginx_leave_the_api_answering(nginx: Proxy) -> None:
    with slow_clients(nginx.address, SLOW_CLIENTS) as connections:
        for path in ("/api/v1/games", "/health/live") * 3:
            started = time.monotonic()
            answer = requests.get(f"{nginx.base_url}{path}", timeout=5)
            elapsed = time.monotonic() - started
            assert answer.status_code == 200, path
            # The promise: answered within a second while the slow clients wait.
            assert elapsed < 1.0, f"{path} took {elapsed:.2f}s behind {SLOW_CLIENTS} slow clients"
        # They were all still waiting (at nginx) the whole time.
        assert all(still_open(connection) for connection in connections)


def test_the_same_slow_clients_straight_at_gunicorn_stall_it(gunicorn: RunningServer) -> None:
    """Why the front door exists: without it, the slow clients hold every thread."""
    address = ("127.0.0.1", int(gunicorn.base_url.rsplit(":", 1)[1]))
    with slow_clients(address, SLOW_CLIENTS), ThreadPoolExecutor(max_workers=8) as executor:
        # Several at once: however the slow clients fell on the two workers, every
        # worker holding four of them answers no one.
        answered = list(executor.map(answers, [f"{gunicorn.base_url}/health/live"] * 8))
    assert not all(answered), "gunicorn answered everyone despite the slow clients"
    # Once they give up, gunicorn answers again.
    assert wait_for(lambda: answers(f"{gunicorn.base_url}/health/live"), seconds=10)


def test_a_clients_request_id_reaches_the_app_and_comes_back(
    nginx: Proxy, gunicorn: RunningServer
) -> None:
    answer = requests.get(
        f"{nginx.base_url}/api/v1/games", headers={"X-Request-ID": "club-42.a"}, timeout=5
    )
    assert answer.headers["X-Request-ID"] == "club-42.a"
    assert wait_for(lambda: "request_id=club-42.a" in gunicorn.log())


@pytest.mark.parametrize("sent", [None, "not plain: spaces"], ids=["none", "unacceptable"])
def test_nginx_generates_the_request_id_the_app_uses(
    nginx: Proxy, gunicorn: RunningServer, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    answer = requests.get(f"{nginx.base_url}/health/live", headers=headers, timeout=5)
    request_id = answer.headers["X-Request-ID"]
    # nginx's own $request_id, logged by nginx, is the id the app logged and answered with.
    assert wait_for(lambda: f"{request_id} 200" in nginx.access_log())
    assert wait_for(lambda: f"request_id={request_id}" in gunicorn.log())


def test_a_body_over_the_apps_limit_is_refused_by_nginx(
    nginx: Proxy, gunicorn: RunningServer
) -> None:
    body = b"x" * (2 * MAX_REQUEST_BYTES)
    answer = requests.post(
        f"{nginx.base_url}/api/v1/games",
        data=body,
        headers={"Content-Type": "application/json", "X-Request-ID": "too-big-1"},
        timeout=10,
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == 413
    assert answer.headers["X-Request-ID"] == "too-big-1"
    # nginx refused it alone: gunicorn, which logs every request it reads, never saw it.
    assert "request_id=too-big-1" not in gunicorn.log()


def test_nginx_lets_through_what_the_app_reads_and_refuses_one_byte_more(
    nginx: Proxy, gunicorn: RunningServer
) -> None:
    """nginx's limit is the app's (MAX_REQUEST_BYTES): a body just within it reaches the app
    whole, and one just over it never reaches gunicorn."""
    document = b'{"title": "Fits", "not_a_field": 1}'
    within = b" " * (MAX_REQUEST_BYTES - 1 - len(document)) + document
    over = b" " * (MAX_REQUEST_BYTES + 1 - len(document)) + document
    # Signed in as an organizer: the app reads the body only of a caller who may write.
    signed_in = account_on(gunicorn).headers
    answers = [
        requests.post(
            f"{nginx.base_url}/api/v1/games",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Request-ID": request_id,
                **signed_in,
            },
            timeout=10,
        )
        for body, request_id in ((within, "within-limit"), (over, "over-limit"))
    ]
    # The app read all of it: the unknown field at its very end is what it refuses.
    assert answers[0].status_code == 422, answers[0].text
    assert "not_a_field" in answers[0].json()["errors"]["json"]
    assert answers[1].status_code == 413
    assert wait_for(lambda: "request_id=within-limit" in gunicorn.log())
    assert "request_id=over-limit" not in gunicorn.log()


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def wait_for(condition: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
