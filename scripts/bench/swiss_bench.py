"""Benchmark: pairing a round of a 256-player Swiss event, in rounds 1 and 8 after simulated
results; prints the median and the slowest of 20 runs and writes them to docs/benchmarks.md
(`make bench-tournament`, or python -m scripts.bench.swiss_bench; --no-write only prints).

Pure Python, no database: the pairing is a domain function. Results are random from a fixed
seed; the standings order is simply match points, then registration order (the real
tiebreakers do not change the matching's size).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass, field

from backend.domain.swiss import BYE_MATCH_POINTS, RoundPairings, SwissPlayer, pair_round
from scripts.bench.report import machine_description, write_section

GOAL_SECONDS = 1.0
ROUNDS_TIMED = (1, 8)

MATCH_WIN_POINTS = 3
MATCH_DRAW_POINTS = 1


@dataclass
class SimulatedPlayer:
    """A player's running record in a simulated event."""

    id: int
    match_points: int = 0
    opponents: set[int] = field(default_factory=set)
    had_bye: bool = False
    dropped: bool = False


def standings(players: list[SimulatedPlayer]) -> list[SwissPlayer[int]]:
    """The players as the pairing sees them, ranked by match points then id."""
    ranked = sorted(players, key=lambda player: (-player.match_points, player.id))
    return [
        SwissPlayer(
            id=player.id,
            match_points=player.match_points,
            rank=rank,
            opponents=frozenset(player.opponents),
            had_bye=player.had_bye,
            dropped=player.dropped,
        )
        for rank, player in enumerate(ranked, start=1)
    ]


def record(
    players: list[SimulatedPlayer], pairings: RoundPairings[int], chance: random.Random
) -> None:
    """Play the round: each match is won by either side or drawn, at random; the bye wins."""
    by_id = {player.id: player for player in players}
    for pairing in pairings.pairings:
        one, two = by_id[pairing.player_a], by_id[pairing.player_b]
        one.opponents.add(two.id)
        two.opponents.add(one.id)
        outcome = chance.choice(("a", "b", "a", "b", "draw"))
        if outcome == "draw":
            one.match_points += MATCH_DRAW_POINTS
            two.match_points += MATCH_DRAW_POINTS
        else:
            (one if outcome == "a" else two).match_points += MATCH_WIN_POINTS
    if pairings.bye is not None:
        by_id[pairings.bye].had_bye = True
        by_id[pairings.bye].match_points += BYE_MATCH_POINTS


def event_before_round(player_count: int, round_number: int, seed: int) -> list[SwissPlayer[int]]:
    """The standings before `round_number` of an event whose earlier rounds were simulated."""
    chance = random.Random(seed)  # noqa: S311 - simulated results, not secrets
    players = [SimulatedPlayer(id=number) for number in range(1, player_count + 1)]
    for _ in range(round_number - 1):
        record(players, pair_round(standings(players)), chance)
    return standings(players)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=256)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-write", dest="write", action="store_false")
    arguments = parser.parse_args()
    rows = []
    slowest = 0.0
    for round_number in ROUNDS_TIMED:
        ranked = event_before_round(arguments.players, round_number, seed=arguments.seed)
        seconds = []
        for _ in range(arguments.runs):
            started = time.perf_counter()
            pair_round(ranked)
            seconds.append(time.perf_counter() - started)
        slowest = max(slowest, *seconds)
        line = (
            f"{arguments.players} players, round {round_number}: "
            f"median {statistics.median(seconds) * 1000:.0f} ms, "
            f"max {max(seconds) * 1000:.0f} ms over {arguments.runs} runs"
        )
        print(line)
        rows.append(
            f"| round {round_number} | {statistics.median(seconds) * 1000:.0f} ms "
            f"| {max(seconds) * 1000:.0f} ms |"
        )
    met = "met" if slowest < GOAL_SECONDS else "NOT met"
    body = f"""## Swiss pairing: one round of a {arguments.players}-player event

Command: `make bench-tournament` (`python -m scripts.bench.swiss_bench --players \
{arguments.players} --runs {arguments.runs} --seed {arguments.seed}`).

Machine: {machine_description("no database (the pairing is a domain function)")}.

`pair_round` (networkx maximum-weight matching) timed in-process {arguments.runs} times for
round 1 and for round 8, after rounds whose results were simulated from a fixed seed (wins,
losses and draws at random); the standings order is match points, then registration order.

| {arguments.players} players | median | slowest |
|---|---|---|
{chr(10).join(rows)}

Goal (issue 13): pairing a round of a 256-player event under one second: {met}.
"""
    if arguments.write:
        write_section("swiss", body)
        print("written to docs/benchmarks.md")
    return 0 if slowest < GOAL_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
