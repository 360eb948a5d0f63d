"""When a pooled PostgreSQL connection is tested before use: only when in doubt."""

from __future__ import annotations

import socket

from backend.db.engine import _server_wrote_to


class _Connection:
    def __init__(self, sock: socket.socket | None) -> None:
        self.sock = sock

    def fileno(self) -> int:
        if self.sock is None:
            raise OSError("the connection is lost")  # what psycopg raises once closed
        return self.sock.fileno()


def test_a_quiet_socket_is_not_in_doubt() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not _server_wrote_to(_Connection(ours))


def test_a_socket_the_server_wrote_to_or_closed_is_in_doubt() -> None:
    ours, theirs = socket.socketpair()
    with ours:
        theirs.sendall(b"E")  # an ErrorResponse: the server saying goodbye
        assert _server_wrote_to(_Connection(ours))
        theirs.close()
        assert _server_wrote_to(_Connection(ours))


def test_a_connection_without_a_socket_is_in_doubt() -> None:
    assert _server_wrote_to(_Connection(None))
