"""The concierge through the real SQL on every database: hand-built catalogs whose answer is
known, each rule moving a game in or out, up or down; and an oracle: for a seeded random
world, the service answers what the ranking answers when fed every game loaded naively."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.concierge import Request, Suggestions, filters_passed, suggest
from backend.domain.errors import NotFoundError
from backend.domain.principal import SYSTEM
from backend.repositories import concierge as concierge_repository
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services import concierge
from scripts.bench.concierge_naive import naive_candidates
from tests.conftest import recorded_statements
from tests.shelf_and_plays import World

pytestmark = pytest.mark.usefixtures("clean_database")

NOW = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def ask(
    session_factory: sessionmaker[Session],
    players: list[uuid.UUID],
    minutes: int = 90,
    **options: Any,
) -> Suggestions:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        return concierge.suggestions(
            uow, SYSTEM, player_ids=players, minutes=minutes, now=NOW, **options
        )


def titles(answer: Suggestions) -> list[str]:
    return [item.title for item in answer.items]


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> Iterator[World]:
    built = World(session_factory)
    yield built
    built.close()


def test_a_game_is_available_from_the_club_or_a_member_but_not_a_stranger(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    ana, ben, stranger = world.player("Ana"), world.player("Ben"), world.player("Zed")
    club, anas, strangers = (
        world.game(title, min_players=1) for title in ("Club's", "Ana's", "Zed's")
    )
    world.game("Nobody's", min_players=1)
    world.club_copy(club)
    world.owns(ana, anas)
    world.owns(stranger, strangers)
    world.commit()

    assert sorted(titles(ask(session_factory, [ana, ben]))) == ["Ana's", "Club's"]
    assert titles(ask(session_factory, [ben])) == ["Club's"]
    everything = ask(session_factory, [ben], available_only=False)
    assert sorted(titles(everything)) == ["Ana's", "Club's", "Nobody's", "Zed's"]


def test_the_group_size_and_the_minutes_must_fit(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    ana, ben, cleo = world.player("Ana"), world.player("Ben"), world.player("Cleo")
    games = {
        "Duel": world.game("Duel", min_players=2, max_players=2),
        "Trio": world.game("Trio", min_players=3, max_players=5),
        "From three": world.game("From three", min_players=3, max_players=None),
        "Unknown size": world.game("Unknown size", min_players=None, max_players=None),
        "Long": world.game("Long", min_players=2, max_players=4, max_play_minutes=240),
        "Short": world.game(
            "Short", min_players=2, max_players=4, min_play_minutes=20, max_play_minutes=None
        ),
        "No time": world.game(
            "No time", min_players=2, max_players=4, min_play_minutes=None, max_play_minutes=None
        ),
    }
    for game_id in games.values():
        world.club_copy(game_id)
    world.commit()

    assert sorted(titles(ask(session_factory, [ana, ben], 60))) == ["Duel", "Short"]
    assert sorted(titles(ask(session_factory, [ana, ben], 240))) == ["Duel", "Long", "Short"]
    assert sorted(titles(ask(session_factory, [ana, ben, cleo], 60))) == [
        "From three",
        "Short",
        "Trio",
    ]


def test_refusals_and_the_category(world: World, session_factory: sessionmaker[Session]) -> None:
    hated = world.game("Hated", categories=["Strategy"], min_players=1)
    liked = world.game("Liked", categories=["Party"], min_players=1)
    ana = world.player("Ana", refused=[hated])
    ben = world.player("Ben")
    world.club_copy(hated)
    world.club_copy(liked)
    world.commit()

    assert titles(ask(session_factory, [ana, ben])) == ["Liked"]
    assert titles(ask(session_factory, [ben])) == ["Hated", "Liked"]
    assert titles(ask(session_factory, [ben], category="strategy")) == ["Hated"]
    refused = ask(session_factory, [ana, ben], category="strategy")
    assert refused == Suggestions((), "everything that fits is refused by Ana")
    unknown = ask(session_factory, [ben], category="no-such-category")
    assert unknown == Suggestions((), 'nothing that fits is in the category "no-such-category"')


def test_each_empty_answer_names_the_filter_that_emptied_it(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    ana = world.player("Ana")
    world.commit()
    assert ask(session_factory, [ana]).explanation == "there are no games to choose from"
    world = World(session_factory)
    game = world.game("Only", min_players=2, max_players=4, max_play_minutes=60)
    world.commit()
    assert ask(session_factory, [ana]).explanation == (
        "no game is on the club's shelf or owned by any of you"
    )
    assert ask(session_factory, [ana], available_only=False).explanation == "no game plays 1"
    world = World(session_factory)
    world.club_copy(game)
    ben = world.player("Ben")
    world.commit()
    assert ask(session_factory, [ana, ben], 30).explanation == (
        "nothing for 2 players fits in 30 minutes"
    )


def test_ratings_from_plays_move_a_game_up(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    ana, ben, other = world.player("Ana"), world.player("Ben"), world.player("Other")
    loved, unknown, hated = world.game("Loved"), world.game("Unknown"), world.game("Hated")
    for game_id in (loved, unknown, hated):
        world.club_copy(game_id)
    long_ago = NOW - timedelta(days=400)
    world.play(loved, long_ago, {ana: 9, ben: 10})
    world.play(hated, long_ago, {ana: 2, other: 1})
    world.commit()

    answer = ask(session_factory, [ana, ben])
    assert titles(answer) == ["Loved", "Unknown", "Hated"]
    assert "everyone rated it 8 or more" in answer.items[0].reasons
    assert "Ana rated it 4 or less" in answer.items[2].reasons


def test_the_group_playing_it_lately_moves_it_down_or_out(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    ana, ben, cleo = world.player("Ana"), world.player("Ben"), world.player("Cleo")
    fresh, together, alone = world.game("Fresh"), world.game("Together"), world.game("Alone")
    for game_id in (fresh, together, alone):
        world.club_copy(game_id)
    world.play(together, NOW - timedelta(days=3), {ana: None, ben: None})
    # Only one of three: not "this group".
    world.play(alone, NOW - timedelta(days=2), {cleo: None})
    world.commit()

    answer = ask(session_factory, [ana, ben, cleo])
    assert titles(answer)[-1] == "Together"
    assert "this group played it 3 days ago" in answer.items[-1].reasons
    recent_out = ask(session_factory, [ana, ben, cleo], exclude_played_within_days=7)
    assert sorted(titles(recent_out)) == ["Alone", "Fresh"]
    not_so_recent = ask(session_factory, [ana, ben, cleo], exclude_played_within_days=2)
    assert sorted(titles(not_so_recent)) == ["Alone", "Fresh", "Together"]


def test_unknown_players_are_named(world: World, session_factory: sessionmaker[Session]) -> None:
    ana = world.player("Ana")
    world.commit()
    nobody = uuid.uuid4()
    with pytest.raises(NotFoundError, match=str(nobody)):
        ask(session_factory, [ana, nobody])


def random_world(session_factory: sessionmaker[Session], seed: int) -> list[uuid.UUID]:
    """40 games, 10 players with random tastes, copies and collections, 200 plays."""
    rng = random.Random(seed)
    world = World(session_factory)
    categories, tags = ["Strategy", "Party", "Family", "War"], ["Dice", "Cards", "Tiles"]
    games = []
    for number in range(40):
        low = rng.choice([None, 1, 2, 3])
        high = rng.choice([None, 2, 4, 6]) if low is None else low + rng.choice([0, 1, 3])
        shortest = rng.choice([None, 15, 30, 60])
        longest = rng.choice([None, 45, 90, 180])
        if shortest is not None and longest is not None and longest < shortest:
            shortest, longest = longest, shortest
        games.append(
            world.game(
                f"Game {number:02d}" if number % 7 else "game twin",
                min_players=low,
                max_players=high,
                min_play_minutes=shortest,
                max_play_minutes=longest,
                complexity=rng.choice([None, 1.0, 1.8, 2.5, 3.2, 4.6]),
                average_rating=rng.choice([None, 4.5, 6.0, 7.9, 8.4]),
                categories=rng.sample(categories, rng.randint(0, 2)),
                tags=rng.sample(tags, rng.randint(0, 2)),
            )
        )
    players = []
    for number in range(10):
        low = rng.choice([None, 1.0, 2.0, 3.0])
        players.append(
            world.player(
                f"Player {number}",
                favourite_categories=rng.sample(categories, rng.randint(0, 2)),
                favourite_tags=rng.sample(tags, rng.randint(0, 1)),
                refused=rng.sample(games, rng.randint(0, 2)),
                min_complexity=low,
                max_complexity=None if low is None else min(5.0, low + rng.choice([0.5, 1.5])),
            )
        )
    for game_id in rng.sample(games, 8):
        world.club_copy(game_id)
    for player_id in players:
        for game_id in rng.sample(games, 3):
            world.owns(player_id, game_id)
    for _ in range(200):
        game_id = rng.choice(games)
        at = NOW - timedelta(days=rng.uniform(0, 400))
        world.play(
            game_id,
            at,
            {
                player_id: rng.choice([None, *range(1, 11)])
                for player_id in rng.sample(players, rng.randint(1, 5))
            },
        )
    world.commit()
    return players


@pytest.mark.parametrize("listed", [True, False], ids=["ids listed", "filters repeated"])
def test_the_service_answers_what_the_ranking_answers_given_every_game(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, listed: bool
) -> None:
    if not listed:  # as for a request with more candidates than the statements list by id
        monkeypatch.setattr(concierge_repository, "MAX_LISTED_IDS", 0)
    players = random_world(session_factory, seed=12)
    rng = random.Random(7)
    for _ in range(60):
        group = rng.sample(players, rng.randint(1, 6))
        options: dict[str, Any] = {
            "minutes": rng.choice([20, 45, 60, 90, 180]),
            "available_only": rng.random() < 0.7,
            "limit": rng.choice([1, 5, 50]),
        }
        if rng.random() < 0.3:
            options["category"] = rng.choice(["strategy", "party", "war", "unknown"])
        if rng.random() < 0.3:
            options["exclude_played_within_days"] = rng.choice([0, 30, 200])
        with SqlAlchemyUnitOfWork(session_factory) as uow:
            with recorded_statements() as statements:
                answer = concierge.suggestions(uow, SYSTEM, player_ids=group, now=NOW, **options)
            assert len(statements) <= 5, statements
            request = Request(uow.concierge.tastes(group), now=NOW, **options)
            every_game = naive_candidates(uow.session, request)
            assert answer == suggest(request, every_game), options
            needed = len(uow.concierge.survivors(request)) - 1
            assert uow.concierge.survivors(request) == [
                sum(filters_passed(request, game) >= index for game in every_game)
                for index in range(needed + 1)
            ]
