"""The concierge's ranking on small hand-built catalogs whose right answer is known: each
hard filter, each rule moving a game up or down, the reasons' words, without a database."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain import concierge
from backend.domain.concierge import (
    WEIGHTS,
    Candidate,
    Label,
    PlayerTaste,
    Request,
    Suggestions,
    passes_filters,
    suggest,
    target_complexity,
)
from backend.domain.errors import DomainRuleError

NOW = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
COOPERATIVE = Label("cooperative-game", "Cooperative Game")
DECK_BUILDING = Label("deck-building", "Deck Building")
PARTY = Label("party-game", "Party Game")
NAMES = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus"]


def player(number: int, **values: Any) -> PlayerTaste:
    return PlayerTaste(UUID(int=number), NAMES[number - 1], **values)


def group(size: int, **values: Any) -> list[PlayerTaste]:
    return [player(number, **values) for number in range(1, size + 1)]


def game(number: int, title: str | None = None, **values: Any) -> Candidate:
    """A game any group of 2 to 6 can play in an hour, on the shelf, nothing else known."""
    defaults: dict[str, Any] = {
        "min_players": 2,
        "max_players": 6,
        "min_minutes": 30,
        "max_minutes": 60,
    }
    return Candidate(UUID(int=1000 + number), title or f"Game {number}", **{**defaults, **values})


def ask(
    players: list[PlayerTaste], games: list[Candidate], minutes: int = 90, **values: Any
) -> Suggestions:
    return suggest(Request(players, minutes, NOW, **values), games)


def titles(result: Suggestions) -> list[str]:
    return [suggestion.title for suggestion in result.items]


def ranked_first(players: list[PlayerTaste], better: Candidate, worse: Candidate) -> None:
    """`better` outranks `worse`, whichever comes first in the catalog."""
    for games in ([better, worse], [worse, better]):
        result = ask(players, games)
        assert titles(result) == [better.title, worse.title]
        assert result.items[0].score > result.items[1].score


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


# Hard filters ---------------------------------------------------------------------------


def test_an_empty_catalog_says_so() -> None:
    assert ask(group(2), []) == Suggestions((), "there are no games to choose from")


def test_only_games_on_the_shelf_by_default() -> None:
    games = [game(1, "Azul"), game(2, "Brass", available=False)]
    assert titles(ask(group(2), games)) == ["Azul"]
    assert titles(ask(group(2), games, available_only=False)) == ["Azul", "Brass"]
    assert ask(group(2), [game(2, "Brass", available=False)]) == Suggestions(
        (), "no game is on the club's shelf or owned by any of you"
    )


def test_the_group_size_must_be_within_the_player_range() -> None:
    games = [
        game(1, "Azul", min_players=2, max_players=4),
        game(2, "Codenames", min_players=4, max_players=6),
        game(3, "Onirim", min_players=1, max_players=2),
    ]
    assert titles(ask(group(1), games)) == ["Onirim"]
    assert titles(ask(group(2), games)) == ["Azul", "Onirim"]
    assert titles(ask(group(5), games)) == ["Codenames"]
    assert ask(group(7), games) == Suggestions((), "no game on the shelf plays 7")
    assert ask(group(7), games, available_only=False).explanation == "no game plays 7"


def test_a_missing_player_bound_is_the_known_one() -> None:
    only_min = game(1, "Only min", min_players=3, max_players=None)
    only_max = game(2, "Only max", min_players=None, max_players=3)
    unknown = game(3, "Unknown", min_players=None, max_players=None)
    catalog = [only_min, only_max, unknown]
    assert titles(ask(group(3), catalog)) == ["Only max", "Only min"]
    assert titles(ask(group(2), [*catalog, game(4, "Known")])) == ["Known"]


def test_the_play_time_must_fit_the_minutes() -> None:
    games = [
        game(1, "Long", min_minutes=60, max_minutes=120),
        game(2, "Exactly", min_minutes=45, max_minutes=90),
        game(3, "Only min", min_minutes=80, max_minutes=None),
        game(4, "Only min too long", min_minutes=100, max_minutes=None),
        game(5, "Unknown", min_minutes=None, max_minutes=None),
    ]
    assert titles(ask(group(2), games, minutes=90)) == ["Exactly", "Only min"]
    assert ask(group(5), games, minutes=20) == Suggestions(
        (), "nothing for 5 players fits in 20 minutes"
    )
    assert ask(group(1), [game(6, min_players=1)], minutes=20).explanation == (
        "nothing for 1 player fits in 20 minutes"
    )


def test_an_unknown_play_time_never_fits() -> None:
    unknown = game(1, min_minutes=None, max_minutes=None)
    assert ask(group(2), [unknown], minutes=100_000).explanation == (
        "nothing for 2 players fits in 100000 minutes"
    )


def test_the_category_when_asked() -> None:
    games = [
        game(1, "Pandemic", categories=frozenset({COOPERATIVE})),
        game(2, "Dominion", categories=frozenset({DECK_BUILDING})),
        # A tag with the category's slug is not the category.
        game(3, "Tagged", tags=frozenset({COOPERATIVE})),
    ]
    assert titles(ask(group(2), games, category="cooperative-game")) == ["Pandemic"]
    assert ask(group(2), games, category="party-game") == Suggestions(
        (), 'nothing that fits is in the category "party-game"'
    )


def test_no_game_any_member_refuses() -> None:
    azul, brass = game(1, "Azul"), game(2, "Brass")
    players = [player(1), player(2, refused_game_ids=frozenset({brass.game_id}))]
    assert titles(ask(players, [azul, brass])) == ["Azul"]
    assert ask(players, [brass]) == Suggestions((), "everything that fits is refused by Ben")


def test_refusals_by_several_members() -> None:
    azul, brass = game(1, "Azul"), game(2, "Brass")
    players = [
        player(1, refused_game_ids=frozenset({azul.game_id})),
        player(2, refused_game_ids=frozenset({brass.game_id})),
        # Cleo refuses a game that is not in the running: she is not blamed.
        player(3, refused_game_ids=frozenset({UUID(int=99)})),
    ]
    assert ask(players, [azul, brass]).explanation == (
        "everything that fits is refused by one of you"
    )
    assert ask(players, [azul]).explanation == "everything that fits is refused by Ana"


def test_games_played_recently_by_the_group_when_asked() -> None:
    games = [
        game(1, "Last week", group_last_played=ago(7)),
        game(2, "Two weeks ago", group_last_played=ago(14)),
        game(3, "Never"),
    ]
    assert titles(ask(group(2), games)) == ["Never", "Two weeks ago", "Last week"]
    kept = ask(group(2), games, exclude_played_within_days=14)
    assert titles(kept) == ["Never", "Two weeks ago"]
    assert ask(group(2), games[:1], exclude_played_within_days=14) == Suggestions(
        (), "everything that fits was played by this group in the last 14 days"
    )


def test_the_explanation_names_the_first_filter_that_left_nothing() -> None:
    # Too long and refused: the play time is what emptied it, as it is checked first.
    long = game(1, max_minutes=120)
    players = [player(1, refused_game_ids=frozenset({long.game_id})), player(2)]
    assert ask(players, [long], minutes=60).explanation == (
        "nothing for 2 players fits in 60 minutes"
    )


def test_a_request_must_name_a_group_a_time_and_a_limit() -> None:
    with pytest.raises(DomainRuleError, match="players"):
        ask([], [game(1)])
    with pytest.raises(DomainRuleError, match="players"):
        ask([player(1), player(1)], [game(1)])
    with pytest.raises(DomainRuleError, match="minutes"):
        ask(group(2), [game(1)], minutes=0)
    with pytest.raises(DomainRuleError, match="limit"):
        ask(group(2), [game(1)], limit=0)


def test_the_limit() -> None:
    games = [game(number) for number in range(1, 8)]
    result = ask(group(2), games, limit=3)
    assert titles(result) == ["Game 1", "Game 2", "Game 3"]
    assert result.explanation is None


# Ranking rules --------------------------------------------------------------------------


def test_a_complexity_inside_the_groups_range_ranks_higher() -> None:
    players = [
        player(1, min_complexity=2.0, max_complexity=3.5),
        player(2, min_complexity=1.5, max_complexity=3.0),
    ]
    ranked_first(players, game(1, "Fits", complexity=2.5), game(2, "Heavy", complexity=4.0))
    ranked_first(players, game(1, "Fits", complexity=3.0), game(2, "Light", complexity=1.2))
    # Farther is worse.
    ranked_first(players, game(1, "Heavy", complexity=3.5), game(2, "Heavier", complexity=4.5))


def test_non_overlapping_complexity_ranges_meet_in_the_middle() -> None:
    light = player(1, min_complexity=1.0, max_complexity=2.0)
    heavy = player(2, min_complexity=3.0, max_complexity=4.0)
    middle = player(3, min_complexity=1.5, max_complexity=3.5)
    assert target_complexity([light, heavy]) == (2.5, 2.5)
    # The middle player's range covers the midpoint: it changes nothing.
    assert target_complexity([light, heavy, middle]) == (2.5, 2.5)
    # Not the mean of the ranges: the point nearest to the farthest range.
    assert target_complexity([light, light, heavy]) == (2.5, 2.5)
    assert target_complexity([player(1, min_complexity=4.0), light]) == (3.0, 3.0)
    assert target_complexity([player(1), player(2)]) is None
    players = [light, heavy]
    ranked_first(players, game(1, "Middle", complexity=2.5), game(2, "Light", complexity=2.0))
    ranked_first(players, game(1, "Middle", complexity=2.5), game(2, "Heavy", complexity=3.0))
    result = ask(players, [game(1, "Middle", complexity=2.5)])
    assert result.items[0].reasons[1] == "a little heavier than Ana likes"


def test_overlapping_ranges_target_their_overlap() -> None:
    players = [
        player(1, min_complexity=1.0, max_complexity=3.0),
        player(2, min_complexity=2.0, max_complexity=4.0),
        player(3),  # no preference: left out
    ]
    assert target_complexity(players) == (2.0, 3.0)


def test_shared_favourites_rank_higher_and_more_sharing_counts_more() -> None:
    players = [
        player(1, favourite_categories=frozenset({"cooperative-game"})),
        player(2, favourite_tags=frozenset({"cooperative-game"})),
        player(3, favourite_categories=frozenset({"deck-building"})),
    ]
    both = game(1, "Both", categories=frozenset({COOPERATIVE}))
    one = game(2, "One", categories=frozenset({DECK_BUILDING}))
    none = game(3, "None", categories=frozenset({PARTY}))
    ranked_first(players, both, one)
    ranked_first(players, one, none)
    everyone = game(4, "Everyone", tags=frozenset({COOPERATIVE, DECK_BUILDING}))
    ranked_first(players, everyone, both)


def test_members_past_ratings() -> None:
    ana, ben = player(1), player(2)
    loved = game(1, "Loved", member_ratings={ana.player_id: 9, ben.player_id: 9})
    unrated = game(2, "Unrated")
    disliked = game(3, "Disliked", member_ratings={ana.player_id: 3, ben.player_id: 6})
    ranked_first([ana, ben], loved, unrated)
    ranked_first([ana, ben], unrated, disliked)
    # One member's 10 counts for one member: the others stay neutral.
    one_fan = game(4, "One fan", member_ratings={ana.player_id: 10})
    ranked_first([ana, ben], loved, one_fan)
    ranked_first([ana, ben], one_fan, unrated)
    # Someone outside the group does not count.
    outsider = game(5, "Outsider", member_ratings={UUID(int=99): 10})
    assert ask([ana, ben], [outsider]).items[0].score == ask([ana, ben], [unrated]).items[0].score


def test_the_clubs_ratings() -> None:
    players = group(2)
    ranked_first(
        players,
        game(1, "Club likes", club_rating=8.0, club_plays=10),
        game(2, "Club shrugs", club_rating=5.0, club_plays=10),
    )
    ranked_first(
        players,
        game(1, "Many plays", club_rating=9.0, club_plays=20),
        game(2, "One play", club_rating=9.0, club_plays=1),
    )
    ranked_first(
        players,
        game(1, "Never played", club_rating=None),
        game(2, "Club dislikes", club_rating=2.0, club_plays=10),
    )


def test_the_catalog_rating() -> None:
    players = group(2)
    ranked_first(
        players, game(1, "Acclaimed", catalog_rating=8.1), game(2, "Fine", catalog_rating=6.5)
    )
    ranked_first(players, game(1, "Unknown"), game(2, "Poor", catalog_rating=3.0))


def test_longer_since_the_group_played_it_ranks_higher_with_diminishing_returns() -> None:
    players = group(3)
    never = game(1, "Never")
    long_ago = game(2, "Long ago", group_last_played=ago(200))
    lately = game(3, "Lately", group_last_played=ago(10))
    ranked_first(players, never, long_ago)
    ranked_first(players, long_ago, lately)

    def score(days: float) -> float:
        return ask(players, [game(4, group_last_played=ago(days))]).items[0].score

    assert score(45) - score(0) > score(225) - score(180) > 0


def test_missing_data_is_neutral() -> None:
    players = [
        player(1, min_complexity=2.0, max_complexity=3.0),
        player(2, min_complexity=2.0, max_complexity=3.0),
    ]
    fits = game(1, "Fits", complexity=2.5)
    unknown = game(2, "Unknown")
    off = game(3, "Off", complexity=4.5)
    ranked_first(players, fits, unknown)
    ranked_first(players, unknown, off)
    nothing_known = Candidate(
        UUID(int=5), "Bare", min_players=2, max_players=2, min_minutes=10, max_minutes=None
    )
    result = ask(group(2), [nothing_known])
    # Everything neutral but the time since played, which is best for a game never played.
    assert result.items[0].score == 85.0 * 0.5 + 15.0
    assert result.items[0].reasons == ("fits both of you", "none of you has played it")


def test_the_score_is_between_0_and_100() -> None:
    ana, ben = player(1, min_complexity=1.0, max_complexity=1.5), player(2)
    worst = game(
        1,
        complexity=5.0,
        member_ratings={ana.player_id: 1, ben.player_id: 1},
        catalog_rating=1.0,
        club_rating=1.0,
        club_plays=1_000_000,
        group_last_played=NOW,
        categories=frozenset({PARTY}),
    )
    players = [dataclasses.replace(ana, favourite_tags=frozenset({"cooperative-game"})), ben]
    assert ask(players, [worst]).items[0].score == pytest.approx(0.0, abs=0.01)


# Ties -----------------------------------------------------------------------------------


def test_ties_break_by_title_then_id_whatever_the_catalog_order() -> None:
    games = [
        game(1, "brass"),
        game(2, "Azul"),
        game(3, "Brass"),
        game(4, "Azul"),
        game(5, "Carcassonne"),
    ]
    expected = [("Azul", 1002), ("Azul", 1004), ("Brass", 1003), ("brass", 1001)]
    shuffler = random.Random(12)
    for _ in range(10):
        shuffler.shuffle(games)
        result = ask(group(2), games, limit=4)
        assert [(s.title, s.game_id.int) for s in result.items] == expected
        assert len({s.score for s in result.items}) == 1


# Reasons --------------------------------------------------------------------------------


def test_reasons_for_a_well_loved_game() -> None:
    players = [
        player(
            1,
            min_complexity=1.5,
            max_complexity=2.5,
            favourite_categories=frozenset({"cooperative-game"}),
        ),
        player(
            2,
            min_complexity=2.0,
            max_complexity=3.5,
            favourite_categories=frozenset({"cooperative-game"}),
        ),
        player(3, favourite_tags=frozenset({"cooperative-game"})),
    ]
    pandemic = game(
        1,
        "Pandemic",
        complexity=2.4,
        catalog_rating=7.6,
        categories=frozenset({COOPERATIVE}),
        club_rating=8.24,
        club_plays=12,
        member_ratings={taste.player_id: 8.5 for taste in players},
        member_last_played={taste.player_id: ago(100 + taste.player_id.int) for taste in players},
        group_last_played=ago(101),
    )
    assert ask(players, [pandemic]).items[0].reasons == (
        "fits all 3 of you",
        "complexity 2.4 suits Ana and Ben",
        "shared favourite: Cooperative Game",
        "everyone rated it 8 or more",
        "the club rates it 8.2 out of 10 over 12 plays",
        "rated 7.6 out of 10 in the catalog",
        "nobody here has played it in 3 months",
    )


def test_reasons_for_a_game_that_misses() -> None:
    ana = player(1, min_complexity=1.0, max_complexity=2.0)
    ben = player(
        2, min_complexity=1.0, max_complexity=3.0, favourite_tags=frozenset({"party-game"})
    )
    cleo = player(3, favourite_tags=frozenset({"deck-building"}))
    heavy = game(
        1,
        "Heavy",
        complexity=3.6,
        tags=frozenset({DECK_BUILDING}),
        member_ratings={ana.player_id: 3, ben.player_id: 9, cleo.player_id: 4},
        club_rating=3.5,
        club_plays=2,  # too few plays to say anything
        catalog_rating=4.2,
        member_last_played={ana.player_id: ago(5.5), ben.player_id: ago(40)},
        group_last_played=ago(5.5),
    )
    assert ask([ana, ben, cleo], [heavy]).items[0].reasons == (
        "fits all 3 of you",
        "much heavier than Ana likes",
        "a favourite of Cleo: Deck Building",
        "Ben rated it 8 or more",
        "Ana and Cleo rated it 4 or less",
        "rated 4.2 out of 10 in the catalog",
        "this group played it 5 days ago",
    )


@pytest.mark.parametrize(
    ("complexity", "reason"),
    [
        (2.5, "a little heavier than Ana likes"),
        (3.0, "heavier than Ana likes"),
        (3.5, "heavier than Ana likes"),
        (3.6, "much heavier than Ana likes"),
        (1.5, "a little lighter than Ana likes"),
        (1.0, "lighter than Ana likes"),
        (2.0, "complexity 2 suits Ana"),
    ],
)
def test_how_far_off_a_complexity_is_in_words(complexity: float, reason: str) -> None:
    ana = player(1, min_complexity=2.0, max_complexity=2.0)
    result = ask([ana], [game(1, min_players=1, complexity=complexity)])
    assert result.items[0].reasons[0] == reason


def test_the_member_missed_most_is_named() -> None:
    players = [
        player(1, min_complexity=1.0, max_complexity=3.0),
        player(2, min_complexity=1.0, max_complexity=2.0),
        player(3, min_complexity=1.0, max_complexity=4.0),
    ]
    result = ask(players, [game(1, complexity=3.2)])
    assert result.items[0].reasons[1] == "heavier than Ben likes"


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        (0.5, "this group played it today"),
        (1, "this group played it 1 day ago"),
        (13, "this group played it 13 days ago"),
        (20, "this group played it 2 weeks ago"),
        (30, "nobody here has played it in 4 weeks"),
        (95, "nobody here has played it in 3 months"),
        (800, "nobody here has played it in 2 years"),
    ],
)
def test_time_since_played_in_words(days: float, reason: str) -> None:
    players = group(2)
    played = game(
        1,
        member_last_played={taste.player_id: ago(days) for taste in players},
        group_last_played=ago(days),
    )
    assert ask(players, [played]).items[0].reasons[-1] == reason


def test_no_time_reason_when_only_some_played_lately_but_not_together() -> None:
    players = group(3)
    played = game(1, member_last_played={players[0].player_id: ago(3)})
    assert ask(players, [played]).items[0].reasons == ("fits all 3 of you",)


# Properties -----------------------------------------------------------------------------

SLUGS = ["cooperative-game", "deck-building", "party-game"]
LABELS = {slug: Label(slug, slug.replace("-", " ").title()) for slug in SLUGS}
GAME_IDS = [UUID(int=1000 + number) for number in range(8)]


def sometimes_none(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The values, or None once in five draws."""
    return st.sampled_from([False] * 4 + [True]).flatmap(lambda none: st.none() if none else values)


ratings = st.floats(min_value=1.0, max_value=10.0, allow_nan=False)
complexities = st.floats(min_value=1.0, max_value=5.0, allow_nan=False)
moments = st.integers(min_value=0, max_value=2000).map(lambda days: ago(days))


@st.composite
def tastes(draw: st.DrawFn, number: int) -> PlayerTaste:
    low = draw(st.none() | complexities)
    high = draw(st.none() | complexities)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return PlayerTaste(
        UUID(int=number),
        NAMES[number - 1],
        min_complexity=low,
        max_complexity=high,
        favourite_categories=draw(st.frozensets(st.sampled_from(SLUGS))),
        favourite_tags=draw(st.frozensets(st.sampled_from(SLUGS))),
        refused_game_ids=draw(st.frozensets(st.sampled_from(GAME_IDS), max_size=1)),
    )


@st.composite
def candidates(draw: st.DrawFn, game_id: UUID, players: list[PlayerTaste]) -> Candidate:
    min_players = draw(sometimes_none(st.integers(1, 3)))
    max_players = draw(sometimes_none(st.integers(min_players or 1, 10)))
    min_minutes = draw(sometimes_none(st.integers(5, 90)))
    max_minutes = draw(sometimes_none(st.integers(min_minutes or 5, 180)))
    members = st.sampled_from([taste.player_id for taste in players])
    return Candidate(
        game_id,
        draw(st.sampled_from(["Azul", "Brass", "azul", "Carcassonne"])),
        min_players=min_players,
        max_players=max_players,
        min_minutes=min_minutes,
        max_minutes=max_minutes,
        complexity=draw(st.none() | complexities),
        catalog_rating=draw(st.none() | ratings),
        categories=frozenset(LABELS[s] for s in draw(st.frozensets(st.sampled_from(SLUGS)))),
        tags=frozenset(LABELS[s] for s in draw(st.frozensets(st.sampled_from(SLUGS)))),
        available=draw(st.sampled_from([True, True, False])),
        club_rating=draw(st.none() | ratings),
        club_plays=draw(st.integers(0, 50)),
        member_ratings=draw(st.dictionaries(members, ratings)),
        member_last_played=draw(st.dictionaries(members, moments)),
        group_last_played=draw(st.none() | moments),
    )


@st.composite
def requests_and_catalogs(draw: st.DrawFn) -> tuple[Request, list[Candidate]]:
    size = draw(st.sampled_from([1, 2, 2, 3, 3, 4, 5, len(NAMES)]))
    players = [draw(tastes(number)) for number in range(1, size + 1)]
    count = draw(st.sampled_from([0, *[len(GAME_IDS)] * 4, *range(1, len(GAME_IDS))]))
    catalog = [draw(candidates(game_id, players)) for game_id in GAME_IDS[:count]]
    request = Request(
        players,
        draw(st.integers(30, 240)),
        NOW,
        category=draw(st.sampled_from([None, None, None, *SLUGS])),
        available_only=draw(st.booleans()),
        exclude_played_within_days=draw(st.none() | st.integers(0, 400)),
        limit=draw(st.integers(1, 10)),
    )
    return request, catalog


def fails_a_hard_filter(request: Request, candidate: Candidate) -> bool:
    """The hard filters written out again, independently of the module's own."""
    size = len(request.group)
    low = candidate.min_players if candidate.min_players is not None else candidate.max_players
    high = candidate.max_players if candidate.max_players is not None else candidate.min_players
    minutes = candidate.max_minutes or candidate.min_minutes
    days = request.exclude_played_within_days
    last = candidate.group_last_played
    return (
        low is None
        or high is None
        or not low <= size <= high
        or minutes is None
        or minutes > request.minutes
        or any(candidate.game_id in taste.refused_game_ids for taste in request.group)
        or (
            request.category is not None
            and request.category not in {label.slug for label in candidate.categories}
        )
        or (request.available_only and not candidate.available)
        or (days is not None and last is not None and NOW - last < timedelta(days=days))
    )


@settings(max_examples=300, deadline=None)
@given(requests_and_catalogs())
def test_suggestions_pass_every_filter_are_sorted_and_respect_the_limit(
    drawn: tuple[Request, list[Candidate]],
) -> None:
    request, catalog = drawn
    result = suggest(request, catalog)
    by_id = {candidate.game_id: candidate for candidate in catalog}
    passing = [c for c in catalog if not fails_a_hard_filter(request, c)]
    assert [passes_filters(request, c) for c in catalog] == [c in passing for c in catalog]
    assert len(result.items) == min(request.limit, len(passing))
    assert (result.explanation is None) == bool(result.items)
    for suggestion in result.items:
        assert not fails_a_hard_filter(request, by_id[suggestion.game_id])
        assert 0.0 <= suggestion.score <= 100.0
    keys = [(-s.score, s.title.casefold(), s.title, str(s.game_id)) for s in result.items]
    assert keys == sorted(keys)
    # The same catalog in another order gives the same answer.
    assert suggest(request, reversed(catalog)) == result


def test_the_documented_weights_are_the_weights() -> None:
    assert concierge.__doc__ is not None
    rows = [line.split("|") for line in concierge.__doc__.splitlines() if line.startswith("| ")]
    documented = [float(row[2]) for row in rows[1:]]
    assert documented == list(WEIGHTS.values())
    assert sum(WEIGHTS.values()) == 100.0
