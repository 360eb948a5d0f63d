"""The sign-in timing benchmark's pure helpers: its percentile and its noise estimate."""

from __future__ import annotations

import pytest

from scripts.bench.sign_in_bench import drift, percentile


def test_percentile_interpolates_between_neighbours() -> None:
    values = [float(value) for value in range(10, 0, -1)]  # 10..1, unsorted on purpose
    assert percentile(values, 0.5) == pytest.approx(5.5)
    assert percentile(values, 0.9) == pytest.approx(9.1)
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 10.0
    assert percentile([7.0], 0.9) == 7.0


def test_drift_compares_the_medians_of_the_two_halves() -> None:
    assert drift([100.0, 100.0, 100.0, 100.0]) == 0.0
    # First half's median 100, second half's 110: a tenth apart, whichever comes first.
    assert drift([100.0, 100.0, 110.0, 110.0]) == pytest.approx(0.1)
    assert drift([110.0, 110.0, 100.0, 100.0]) == pytest.approx(0.1)
