"""Optimistic concurrency: two PATCHes with the same ETag, at the same moment, one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from backend.state import app_state
from tests.accounts import Account
from tests.api.helpers import GAMES, create_game


@contextmanager
def both_requests_meet_before_writing(app: Flask) -> Iterator[None]:
    """Hold each request just before its flush until both got there: both have read the
    game and passed the ETag check, so only the database's version check can decide."""
    barrier = threading.Barrier(2, timeout=10)
    factory = app_state(app).session_factory

    def wait_for_the_other(*_args: Any) -> None:
        barrier.wait()

    event.listen(factory, "before_flush", wait_for_the_other)
    try:
        yield
    finally:
        event.remove(factory, "before_flush", wait_for_the_other)


def test_two_concurrent_patches_with_one_etag_exactly_one_wins(
    app: Flask, client: FlaskClient, organizer: Account
) -> None:
    game, etag = create_game(client, title="Original", description="original")
    url = f"{GAMES}/{game['id']}"
    changes = {
        "alice": {"title": "Alice's title", "description": "alice"},
        "bob": {"title": "Bob's title", "min_age": 12},
    }
    results: dict[str, Any] = {}

    def patch(who: str) -> None:
        response = app.test_client().patch(
            url, json=changes[who], headers={"If-Match": etag, **organizer.headers}
        )
        results[who] = (response.status_code, response.json)

    threads = [threading.Thread(target=patch, args=(who,)) for who in changes]
    with both_requests_meet_before_writing(app):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    statuses = sorted(status for status, _body in results.values())
    assert statuses == [200, 412], results
    winner = next(who for who, (status, _body) in results.items() if status == 200)
    loser = next(who for who in changes if who != winner)
    stored = client.get(url).json
    assert {key: stored[key] for key in changes[winner]} == changes[winner]
    assert stored["version"] == 2
    # Nothing of the loser's change is stored.
    for key, value in changes[loser].items():
        if key not in changes[winner]:
            assert stored[key] != value
    assert results[loser][1]["code"] == 412


def _at_once(
    count: int, request: Callable[[FlaskClient], Any], app: Flask, account: Account
) -> list[Any]:
    """Send `count` requests from as many threads, released together, as `account`."""
    start = threading.Barrier(count, timeout=10)
    answers: list[Any] = []

    def send() -> None:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = account.headers["Authorization"]
        start.wait()
        answers.append(request(client))

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_if_match_star_cannot_skip_the_version_check_even_ten_at_once(
    app: Flask, client: FlaskClient, organizer: Account
) -> None:
    game, _etag = create_game(client, title="Original")
    url = f"{GAMES}/{game['id']}"

    def patch(other: FlaskClient) -> Any:
        return other.patch(url, json={"title": "Overwritten"}, headers={"If-Match": "*"})

    answers = _at_once(10, patch, app, organizer)
    assert [answer.status_code for answer in answers] == [428] * 10
    assert all("ETag" in answer.json["message"] for answer in answers)
    stored = client.get(url).json
    assert (stored["title"], stored["version"]) == ("Original", 1)


def test_of_ten_patches_at_once_with_one_etag_exactly_one_wins(
    app: Flask, client: FlaskClient, organizer: Account
) -> None:
    game, etag = create_game(client, title="Original")
    url = f"{GAMES}/{game['id']}"

    def patch(other: FlaskClient) -> Any:
        return other.patch(url, json={"description": "mine"}, headers={"If-Match": etag})

    statuses = sorted(answer.status_code for answer in _at_once(10, patch, app, organizer))
    assert statuses == [200] + [412] * 9
    assert client.get(url).json["version"] == 2
