"""Benchmark: the Swiss standings of a 256-player, 8-round event, computed 20 times
(`python -m scripts.bench.standings_bench`; issue 13's goal is under one second).

The event is random from a fixed seed: each round pairs the players in a fresh random
order (the pairing's quality does not change the arithmetic), 256 players leave no bye,
and every match ends as a best-of-three does (2-0, 2-1, or 1-1 with a drawn game). Only
`standings()` is timed, in-process; prints the median and the slowest run and writes them
to docs/benchmarks.md (`make bench-tournament`; --no-write only prints).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from uuid import UUID

from backend.domain.standings import Entrant, MatchResult, standings
from scripts.bench.report import machine_description, write_section

GOAL_SECONDS = 1.0
# (games won by the first player, by the second, drawn): a best-of-three's endings.
ENDINGS = [(2, 0, 0), (2, 1, 0), (0, 2, 0), (1, 2, 0), (1, 1, 1)]


def event(players: int, rounds: int, seed: int) -> tuple[list[Entrant], list[MatchResult]]:
    """A random event's entrants and confirmed results."""
    chance = random.Random(seed)
    entrants = [Entrant(UUID(int=chance.getrandbits(128))) for _ in range(players)]
    results: list[MatchResult] = []
    for round_number in range(1, rounds + 1):
        seated = [entrant.player_id for entrant in entrants]
        chance.shuffle(seated)
        if len(seated) % 2:
            results.append(MatchResult.bye(round_number, seated.pop()))
        for first, second in zip(seated[::2], seated[1::2], strict=True):
            results.append(MatchResult(round_number, first, second, *chance.choice(ENDINGS)))
    return entrants, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-write", dest="write", action="store_false")
    arguments = parser.parse_args()
    entrants, results = event(arguments.players, arguments.rounds, arguments.seed)
    timings = []
    for _ in range(arguments.runs):
        started = time.perf_counter()
        standings(entrants, results)
        timings.append(time.perf_counter() - started)
    median, slowest = statistics.median(timings), max(timings)
    print(
        f"standings of {arguments.players} players, {arguments.rounds} rounds, "
        f"{len(results)} results, {arguments.runs} runs: "
        f"median {median * 1000:.1f} ms, max {slowest * 1000:.1f} ms "
        f"(goal under {GOAL_SECONDS:.0f} s)"
    )
    met = "met" if slowest < GOAL_SECONDS else "NOT met"
    body = f"""## Standings: a {arguments.players}-player, {arguments.rounds}-round Swiss event

Command: `make bench-tournament` (`python -m scripts.bench.standings_bench --players \
{arguments.players} --rounds {arguments.rounds} --runs {arguments.runs} --seed {arguments.seed}`).

Machine: {machine_description("no database (the standings are a domain function)")}.

`standings()` (match points, then opponents' match-win, game-win and opponents' game-win
percentages as exact fractions, MTR appendix C) timed in-process {arguments.runs} times
over {len(results)} confirmed results of a random event from a fixed seed (best-of-three
endings, fresh random seating each round).

| | median | slowest |
|---|---|---|
| standings of {arguments.players} players | {median * 1000:.1f} ms | {slowest * 1000:.1f} ms |

Goal (issue 13): computing the standings of a 256-player event under one second: {met}.
"""
    if arguments.write:
        write_section("standings", body)
        print("written to docs/benchmarks.md")
    return 0 if slowest < GOAL_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
