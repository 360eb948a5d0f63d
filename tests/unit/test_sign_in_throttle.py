"""The sign-in throttle: its sliding window as pure rules, and the service on the in-memory
Unit of Work (five failures per email in fifteen minutes, then a wait)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from backend.domain.accounts import (
    SIGN_IN_FAILURE_LIMIT,
    SIGN_IN_WINDOW,
    recent,
    sign_in_wait,
    throttle_key,
    whole_seconds_up,
)
from backend.domain.errors import SignInRefused, SignInThrottled
from backend.domain.principal import ANONYMOUS, SYSTEM
from backend.services import accounts
from tests.fakes import FakeUnitOfWork

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
WRONG = "not the password at all"


class CountingHasher(PasswordHasher):
    """Cheap argon2id that counts its verifications: each one is the cost that matters."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 - argon2's name
        self.verifications += 1
        return super().verify(hash, password)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# The pure rules.


def test_fewer_failures_than_the_limit_need_no_wait() -> None:
    assert sign_in_wait([], T0) is None
    four = [T0 - minutes(n) for n in range(4)]
    assert sign_in_wait(four, T0) is None


def test_the_limit_within_the_window_waits_until_the_oldest_leaves_it() -> None:
    five = [T0 - minutes(n) for n in (10, 8, 6, 4, 2)]
    assert sign_in_wait(five, T0) == minutes(5)
    assert sign_in_wait(five, T0 + minutes(5) - timedelta(microseconds=1)) is not None
    # The oldest left the window: four remain.
    assert sign_in_wait(five, T0 + minutes(5)) is None


def test_only_the_last_five_failures_count_and_order_does_not_matter() -> None:
    seven = [T0 - minutes(n) for n in (1, 14, 3, 2, 13, 5, 4)]
    # The last five are 5, 4, 3, 2 and 1 minutes ago: the oldest of them leaves in ten.
    assert sign_in_wait(seven, T0) == minutes(10)
    assert recent(seven, T0) == [T0 - minutes(n) for n in (5, 4, 3, 2, 1)]


def test_recent_drops_failures_the_window_has_left() -> None:
    failures = [T0 - SIGN_IN_WINDOW, T0 - minutes(20), T0 - minutes(14)]
    assert recent(failures, T0) == [T0 - minutes(14)]
    # A failure stamped by a host whose clock runs ahead still counts.
    assert recent([T0 + minutes(1)], T0) == [T0 + minutes(1)]


def test_a_wait_is_whole_seconds_rounded_up_and_at_least_one() -> None:
    assert whole_seconds_up(timedelta(seconds=90)) == 90
    assert whole_seconds_up(timedelta(seconds=90, microseconds=1)) == 91
    assert whole_seconds_up(timedelta(microseconds=1)) == 1
    assert whole_seconds_up(timedelta(0)) == 1
    assert SignInThrottled(0).retry_after_seconds == 1
    assert SignInThrottled(42).message == (
        "Too many failed sign-ins for this email; try again in 42 seconds."
    )


def test_throttle_keys_are_email_keys_or_the_folded_text() -> None:
    assert throttle_key(" Ann@Example.ORG ") == "ann@example.org"
    assert throttle_key("  Not An Email ") == "not an email"
    assert len(throttle_key("x" * 1000)) == 254


# The service.


def setup(hasher: PasswordHasher) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    accounts.create_user(uow, SYSTEM, "ann@example.org", PASSWORD, hasher=hasher)
    return uow


def attempt(uow: FakeUnitOfWork, hasher: PasswordHasher, email: str, password: str, at: Any) -> Any:
    """Sign in as a request would (a Unit of Work left whatever happens); the error or token."""
    try:
        with uow:
            token, _secret = accounts.sign_in(
                uow, ANONYMOUS, email, password, "laptop", hasher=hasher, now=at
            )
    except (SignInRefused, SignInThrottled) as error:
        return error
    return token


def fail_five_times(uow: FakeUnitOfWork, hasher: PasswordHasher, email: str) -> None:
    for n in range(SIGN_IN_FAILURE_LIMIT):
        assert isinstance(attempt(uow, hasher, email, WRONG, T0 + minutes(n)), SignInRefused)


def test_the_sixth_attempt_is_throttled_even_with_the_right_password() -> None:
    hasher = CountingHasher()
    uow = setup(hasher)
    fail_five_times(uow, hasher, "ann@example.org")
    hasher.verifications = 0
    throttled = attempt(uow, hasher, "ANN@example.org", PASSWORD, T0 + minutes(5))
    assert isinstance(throttled, SignInThrottled)
    # The first failure (at T0) leaves the window at T0 + 15 minutes.
    assert throttled.retry_after_seconds == 10 * 60
    assert hasher.verifications == 0  # refused before any password is checked
    assert uow.api_tokens.stored == {}
    # Failures made while throttled are not counted: the wait does not grow.
    later = attempt(
        uow,
        hasher,
        "ann@example.org",
        WRONG,
        T0
        + minutes(
            9,
        ),
    )
    assert isinstance(later, SignInThrottled) and later.retry_after_seconds == 6 * 60


def test_after_the_window_passes_a_new_attempt_is_allowed_and_success_clears() -> None:
    hasher = CountingHasher()
    uow = setup(hasher)
    fail_five_times(uow, hasher, "ann@example.org")
    # The first failure left the window; four remain, so one more try is allowed.
    token = attempt(uow, hasher, "ann@example.org", PASSWORD, T0 + SIGN_IN_WINDOW)
    assert not isinstance(token, Exception)
    assert uow.sign_in_throttles.stored == {}
    for n in range(SIGN_IN_FAILURE_LIMIT - 1):
        wrong = attempt(uow, hasher, "ann@example.org", WRONG, T0 + SIGN_IN_WINDOW + minutes(n))
        assert isinstance(wrong, SignInRefused)  # counting starts again from nothing


def test_failures_are_kept_though_the_sign_in_fails_and_only_the_last_five() -> None:
    hasher = CountingHasher()
    uow = setup(hasher)
    for n in range(8):
        attempt(uow, hasher, "ann@example.org", WRONG, T0 + minutes(4 * n))
    failures, last = uow.sign_in_throttles.stored["ann@example.org"]
    assert len(failures) <= SIGN_IN_FAILURE_LIMIT and last == failures[-1]
    assert all(failure > last - SIGN_IN_WINDOW for failure in failures)


def test_an_unknown_email_and_a_wrong_password_take_the_same_path() -> None:
    outcomes = []
    for email, password in [
        ("ann@example.org", WRONG),
        ("nobody@example.org", WRONG),
        ("not an email", WRONG),
    ]:
        hasher = CountingHasher()
        uow = setup(hasher)
        hasher.verifications = 0
        commits = uow.commits
        refused = [attempt(uow, hasher, email, password, T0 + minutes(n)) for n in range(6)]
        outcomes.append(
            (
                [type(error).__name__ for error in refused],
                [error.message for error in refused],
                hasher.verifications,
                uow.commits - commits,
                uow.sign_in_throttles.locked,
                list(uow.sign_in_throttles.stored),
            )
        )
    wrong_password, unknown, malformed = outcomes
    assert wrong_password[:4] == unknown[:4] == malformed[:4]
    assert wrong_password[0] == ["SignInRefused"] * 5 + ["SignInThrottled"]
    assert wrong_password[2] == 5  # one verification per refusal, none when throttled
    assert unknown[5] == ["nobody@example.org"]
    assert malformed[5] == ["not an email"]


def test_a_deactivated_accounts_failures_count_too() -> None:
    hasher = CountingHasher()
    uow = setup(hasher)
    user = uow.users.get_by_email("ann@example.org")
    assert user is not None
    uow.users.update(user, {"is_active": False})
    uow.commit()
    for _ in range(SIGN_IN_FAILURE_LIMIT):
        assert isinstance(attempt(uow, hasher, "ann@example.org", PASSWORD, T0), SignInRefused)
    assert isinstance(attempt(uow, hasher, "ann@example.org", PASSWORD, T0), SignInThrottled)


def test_a_failure_prunes_the_rows_the_window_has_left() -> None:
    hasher = CountingHasher()
    uow = setup(hasher)
    attempt(uow, hasher, "old@example.org", WRONG, T0)
    attempt(uow, hasher, "ann@example.org", WRONG, T0 + minutes(10))
    attempt(uow, hasher, "new@example.org", WRONG, T0 + SIGN_IN_WINDOW + minutes(1))
    assert sorted(uow.sign_in_throttles.stored) == ["ann@example.org", "new@example.org"]
