"""Health probes take turns: one connection per worker at most, each within its deadline."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy.engine import Connection

from backend.db.probe import DatabaseProbe
from tests.conftest import settings_for


def test_probes_asked_at_once_take_turns_within_their_deadlines(tmp_path: Any) -> None:
    probe = DatabaseProbe(settings_for(f"sqlite:///{tmp_path / 'probe.db'}"), timeout_seconds=2)
    running, most_at_once = 0, 0
    counting = threading.Lock()

    def slow_question(_connection: Connection) -> str:
        nonlocal running, most_at_once
        with counting:
            running += 1
            most_at_once = max(most_at_once, running)
        time.sleep(0.1)
        with counting:
            running -= 1
        return "answer"

    answers: list[str] = []
    askers = [
        threading.Thread(target=lambda: answers.append(probe._ask(slow_question))) for _ in range(4)
    ]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert answers == ["answer"] * 4
    assert most_at_once == 1


def test_a_probe_behind_a_stuck_one_fails_at_its_own_deadline(tmp_path: Any) -> None:
    probe = DatabaseProbe(settings_for(f"sqlite:///{tmp_path / 'probe.db'}"), timeout_seconds=0.2)
    release = threading.Event()

    def stuck(_connection: Connection) -> None:
        release.wait(5)

    try:
        with pytest.raises(TimeoutError, match="did not answer"):
            probe._ask(stuck)
        with pytest.raises(TimeoutError, match="still waiting"):
            probe._ask(lambda _connection: "never asked")
    finally:
        release.set()
    # Its turn comes once the stuck helper gives up.
    assert probe._ask(lambda _connection: "answered") == "answered"
