"""The concierge's ranking: which games fit a group tonight, best first, and why.

| component | weight | 1 when | 0 when | neutral 0.5 when |
|---|---|---|---|---|
| complexity fit | 25 | inside the target range | 2+ points off it | no complexity or no ranges |
| shared favourites | 20 | all members with favourites | none of them | nobody has favourites |
| members' ratings | 20 | everyone rated it 10 | everyone rated it 1 | (per member) never rated it |
| club's rating | 10 | average 10, many plays | average 1, many plays | no plays |
| catalog rating | 10 | rated 10 | rated 1 | no rating |
| time since played | 15 | the group never played it | played today | (never neutral) |

Each game that passes the hard filters (below) gets a score: each component is a number
from 0 to 1 times its weight, and the weights add up to 100, so the score is between 0 and
100 (rounded to 2 decimals). Missing data gives the neutral 0.5, so it neither sinks nor
lifts a game.

- Complexity fit: the target is the overlap of the members' complexity ranges; when they do
  not overlap, it is the single point that minimises the largest distance to any member's
  range (halfway between the lowest upper bound and the highest lower bound). The
  component is `1 - distance / 2`, floored at 0. Members without a range are left out.
- Shared favourites: the share of members with favourites who find at least one of their
  favourite categories or tags on the game, so more members sharing counts more.
- Members' ratings: the mean over all members of `(rating - 1) / 9`, 0.5 for a member who
  never rated it, so one enthusiast cannot outweigh four who never played it.
- Club's rating: `(average - 1) / 9`, pulled towards 0.5 by `plays / (plays + 3)`.
- Time since the group played it: `1 - 0.5 ** (days / 45)` (half at 45 days, three
  quarters at 90: diminishing returns).
- Members' preferred play times and group sizes are carried but not scored: the issue
  ranks by the components above, tonight's minutes already bound the play time, and the
  group's size is the same for every candidate of one request.

`suggest(request, candidates)` is a pure function: the service loads the group's tastes and
the candidate games, with their ratings and play history, and this module decides. A
database may apply the leading filters itself (`COUNTABLE_FILTERS`: their explanations need
no games); when it leaves nothing, `explain_empty(request, survivors)` gives the same
explanation from how many games survived each of them.

Hard filters, in this order (an empty answer names the first one that left nothing):

1. `available_only` (the default): the club owns a copy or a member of the group owns one.
2. The group's size is within the game's player range. A missing bound is the known one
   (a game known only to start at 2 players plays 2); no bound at all never fits.
3. The game's play time fits the minutes: its maximum, or its minimum when the maximum is
   unknown; an unknown play time never fits.
4. The optional category (its name or slug, as labels are found: by slug).
5. No member of the group refuses the game.
6. `exclude_played_within_days`: the group (more than half of it) did not play it within
   that many days.

Ties: score descending, then title (case-folded, then as written), then id.

Reasons are true statements about the inputs, named after people where one is meant. A
complexity outside a member's range names the member it misses most: "a little heavier
than Ana likes" up to 0.5 points away, "heavier than Ana likes" up to 1.5, "much heavier
than Ana likes" beyond (lighter alike). Ratings: 8 or more is liked, 4 or less disliked; a
club rating is told from 3 plays when it is 7 or more or 4 or less; a catalog rating when
it is 7.5 or more or 5 or less; time since a play from 30 days.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from backend.domain.errors import DomainRuleError
from backend.domain.labels import slugify

WEIGHTS: Mapping[str, float] = {
    "complexity": 25.0,
    "favourites": 20.0,
    "member_ratings": 20.0,
    "club_rating": 10.0,
    "catalog_rating": 10.0,
    "recency": 15.0,
}
NEUTRAL = 0.5
COMPLEXITY_ZERO_DISTANCE = 2.0  # points of complexity away from the target that score 0
A_LITTLE = 0.5  # at most this far outside a member's range: "a little heavier"
MUCH = 1.5  # beyond this: "much heavier"
CLUB_PLAYS_PRIOR = 3  # plays / (plays + 3): how far the club's average is trusted
CLUB_MIN_PLAYS_FOR_REASON = 3
RECENCY_HALF_DAYS = 45.0
LIKED = 8.0
DISLIKED = 4.0
CLUB_GOOD, CLUB_POOR = 7.0, 4.0
CATALOG_GOOD, CATALOG_POOR = 7.5, 5.0
LONG_AGO_DAYS = 30
RATING_SCALE = (1.0, 10.0)


@dataclass(frozen=True)
class Label:
    """A category or tag: its slug (what preferences and filters name) and its name."""

    slug: str
    name: str


@dataclass(frozen=True)
class PlayerTaste:
    """One member of the group and what they like. A range's missing bound is open."""

    player_id: UUID
    name: str
    min_minutes: int | None = None
    max_minutes: int | None = None
    min_complexity: float | None = None
    max_complexity: float | None = None
    min_group_size: int | None = None
    max_group_size: int | None = None
    favourite_categories: frozenset[str] = frozenset()
    favourite_tags: frozenset[str] = frozenset()
    refused_game_ids: frozenset[UUID] = frozenset()

    @property
    def favourites(self) -> frozenset[str]:
        return self.favourite_categories | self.favourite_tags

    @property
    def has_complexity_range(self) -> bool:
        return self.min_complexity is not None or self.max_complexity is not None

    @property
    def complexity_range(self) -> tuple[float, float]:
        low = 1.0 if self.min_complexity is None else self.min_complexity
        high = 5.0 if self.max_complexity is None else self.max_complexity
        return low, high


@dataclass(frozen=True)
class Candidate:
    """A game the group might play, with what the club and the group know of it.

    `member_ratings` holds each member's rating of it (1 to 10; their average when they
    rated it more than once), `member_last_played` when each member who ever played it
    last did (every such member), and `group_last_played` when more than half of this
    group last played it together.
    """

    game_id: UUID
    title: str
    min_players: int | None = None
    max_players: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    complexity: float | None = None
    catalog_rating: float | None = None
    categories: frozenset[Label] = frozenset()
    tags: frozenset[Label] = frozenset()
    available: bool = True
    club_rating: float | None = None
    club_plays: int = 0
    member_ratings: Mapping[UUID, float] = field(default_factory=dict)
    member_last_played: Mapping[UUID, datetime] = field(default_factory=dict)
    group_last_played: datetime | None = None

    @property
    def labels(self) -> frozenset[Label]:
        return self.categories | self.tags

    @property
    def play_minutes(self) -> int | None:
        """How long it takes at most: its maximum, else its minimum, else unknown."""
        return self.max_minutes if self.max_minutes is not None else self.min_minutes

    def plays(self, group_size: int) -> bool:
        low = self.min_players if self.min_players is not None else self.max_players
        high = self.max_players if self.max_players is not None else self.min_players
        return low is not None and high is not None and low <= group_size <= high


@dataclass(frozen=True)
class Request:
    """What the group asks: who they are, how long they have, and what they will consider."""

    group: Sequence[PlayerTaste]
    minutes: int
    now: datetime
    category: str | None = None
    available_only: bool = True
    exclude_played_within_days: int | None = None
    limit: int = 10


@dataclass(frozen=True)
class Suggestion:
    """One game to play, its score (0 to 100) and why, in plain words."""

    game_id: UUID
    title: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Suggestions:
    """The best games first; when there are none, `explanation` says which condition left
    nothing."""

    items: tuple[Suggestion, ...]
    explanation: str | None = None


def suggest(request: Request, candidates: Iterable[Candidate]) -> Suggestions:
    """The games that fit the whole group, best first, at most `request.limit` of them."""
    _check(request)
    remaining = list(candidates)
    if not remaining:
        return Suggestions((), NO_GAMES)
    for _, keep, explain in _filters(request):
        kept = [candidate for candidate in remaining if keep(candidate)]
        if not kept:
            return Suggestions((), explain(remaining))
        remaining = kept
    ranked = sorted((_suggestion(request, c) for c in remaining), key=_order)
    return Suggestions(tuple(ranked[: request.limit]))


def passes_filters(request: Request, candidate: Candidate) -> bool:
    """Whether a game passes every hard filter of the request."""
    return all(keep(candidate) for _, keep, _ in _filters(request))


def filters_passed(request: Request, candidate: Candidate) -> int:
    """How many of the request's filters, in order, the game passes before one refuses it."""
    passed = 0
    for _, keep, _ in _filters(request):
        if not keep(candidate):
            break
        passed += 1
    return passed


def countable_filters(request: Request) -> int:
    """How many of the request's filters, from the first, are countable."""
    names = filter_names(request)
    return next(
        (index for index, name in enumerate(names) if name not in COUNTABLE_FILTERS), len(names)
    )


def filter_names(request: Request) -> list[str]:
    """The request's hard filters, in the order they apply."""
    return [name for name, _, _ in _filters(request)]


# The filters whose explanation needs no games: a database applying them may report how
# many games survived each instead of the games. They come first in every request.
COUNTABLE_FILTERS = frozenset({"available", "players", "minutes", "category"})


def explain_empty(request: Request, survivors: Sequence[int]) -> str | None:
    """The explanation `suggest` gives, from counts: `survivors[0]` is the number of games,
    `survivors[i]` how many pass the first i filters (`filter_names`), all of them
    countable. None when the last count is not 0 (a later filter must decide)."""
    _check(request)
    filters = _filters(request)
    if len(survivors) > len(filters) + 1 or any(
        name not in COUNTABLE_FILTERS for name, _, _ in filters[: len(survivors) - 1]
    ):
        raise ValueError("counts are only given for the leading countable filters")
    if not survivors or survivors[0] == 0:
        return NO_GAMES
    for (_, _, explain), count in zip(filters, survivors[1:], strict=False):
        if count == 0:
            return explain([])
    return None


# Filters ------------------------------------------------------------------------------


NO_GAMES = "there are no games to choose from"
# A filter's name, whether a game passes, and why nothing did, given the games that
# reached the filter.
Filter = tuple[str, Callable[[Candidate], bool], Callable[[list[Candidate]], str]]


def _check(request: Request) -> None:
    problems: dict[str, list[str]] = {}
    if not request.group:
        problems["players"] = ["Name at least one player."]
    elif len({taste.player_id for taste in request.group}) != len(request.group):
        problems["players"] = ["Name each player once."]
    if request.minutes < 1:
        problems["minutes"] = ["Must be at least 1."]
    if request.limit < 1:
        problems["limit"] = ["Must be at least 1."]
    if request.exclude_played_within_days is not None and request.exclude_played_within_days < 0:
        problems["exclude_played_within_days"] = ["Must be at least 0."]
    if problems:
        name, messages = next(iter(problems.items()))
        raise DomainRuleError(f"{name}: {messages[0]}", fields=problems)


def _filters(request: Request) -> list[Filter]:
    size = len(request.group)
    where = " on the shelf" if request.available_only else ""
    found: list[Filter] = []
    if request.available_only:
        found.append(
            (
                "available",
                lambda c: c.available,
                lambda _: "no game is on the club's shelf or owned by any of you",
            )
        )
    found.append(("players", lambda c: c.plays(size), lambda _: f"no game{where} plays {size}"))

    def fits_time(candidate: Candidate) -> bool:
        minutes = candidate.play_minutes
        return minutes is not None and minutes <= request.minutes

    found.append(
        (
            "minutes",
            fits_time,
            lambda _: f"nothing for {_players(size)} fits in {request.minutes} minutes",
        )
    )
    category = request.category
    if category is not None:
        wanted = slugify(category)
        found.append(
            (
                "category",
                lambda c: any(label.slug == wanted for label in c.categories),
                # The slug names it, unless nothing of it is left to make one of.
                lambda _: f'nothing that fits is in the category "{wanted or category}"',
            )
        )
    refused = {game_id for taste in request.group for game_id in taste.refused_game_ids}

    def refusers(games: list[Candidate]) -> str:
        # Every game that fitted so far is refused: name who, when it is one person.
        ids = {candidate.game_id for candidate in games}
        names = [taste.name for taste in request.group if taste.refused_game_ids & ids]
        return names[0] if len(names) == 1 else "one of you"

    found.append(
        (
            "refused",
            lambda c: c.game_id not in refused,
            lambda games: f"everything that fits is refused by {refusers(games)}",
        )
    )
    days = request.exclude_played_within_days
    if days is not None:

        def not_recent(candidate: Candidate) -> bool:
            last = candidate.group_last_played
            return last is None or _days_between(last, request.now) >= days

        found.append(
            (
                "recent",
                not_recent,
                lambda _: f"everything that fits was played by this group in the last {days} days",
            )
        )
    return found


# Scoring ------------------------------------------------------------------------------


def _order(suggestion: Suggestion) -> tuple[float, str, str, str]:
    return (
        -suggestion.score,
        suggestion.title.casefold(),
        suggestion.title,
        str(suggestion.game_id),
    )


def _suggestion(request: Request, candidate: Candidate) -> Suggestion:
    group = request.group
    parts = {
        "complexity": _complexity(group, candidate),
        "favourites": _favourites(group, candidate),
        "member_ratings": _member_ratings(group, candidate),
        "club_rating": _club_rating(candidate),
        "catalog_rating": _catalog_rating(candidate),
        "recency": _recency(group, candidate, request.now),
    }
    score = round(sum(WEIGHTS[name] * value for name, (value, _) in parts.items()), 2)
    reasons: list[str] = []
    if len(group) == 2:
        reasons.append("fits both of you")
    elif len(group) > 2:
        reasons.append(f"fits all {len(group)} of you")
    for _, said in parts.values():
        reasons.extend(said)
    return Suggestion(candidate.game_id, candidate.title, score, tuple(reasons))


Part = tuple[float, list[str]]


def target_complexity(group: Sequence[PlayerTaste]) -> tuple[float, float] | None:
    """The complexity range that suits the group best: the overlap of the members' ranges,
    or, when they do not overlap, the point nearest to the farthest range. None when no
    member has a range."""
    ranges = [taste.complexity_range for taste in group if taste.has_complexity_range]
    if not ranges:
        return None
    highest_low = max(low for low, _ in ranges)
    lowest_high = min(high for _, high in ranges)
    if highest_low <= lowest_high:
        return highest_low, lowest_high
    middle = (highest_low + lowest_high) / 2
    return middle, middle


def _complexity(group: Sequence[PlayerTaste], candidate: Candidate) -> Part:
    target = target_complexity(group)
    weight = candidate.complexity
    if target is None or weight is None:
        return NEUTRAL, []
    distance = _outside(weight, target)
    value = max(0.0, 1.0 - distance / COMPLEXITY_ZERO_DISTANCE)
    stated = [taste for taste in group if taste.has_complexity_range]
    misses = [(_outside(weight, taste.complexity_range), taste) for taste in stated]
    worst, taste = max(misses, key=lambda miss: miss[0])  # the first of equals
    if worst == 0:
        who = "everyone" if len(stated) == len(group) > 1 else _names(stated)
        return value, [f"complexity {weight:g} suits {who}"]
    low, _ = taste.complexity_range
    direction = "lighter" if weight < low else "heavier"
    degree = "a little " if worst <= A_LITTLE else "much " if worst > MUCH else ""
    return value, [f"{degree}{direction} than {taste.name} likes"]


def _favourites(group: Sequence[PlayerTaste], candidate: Candidate) -> Part:
    fans = [taste for taste in group if taste.favourites]
    if not fans:
        return NEUTRAL, []
    slugs = {label.slug for label in candidate.labels}
    pleased = [taste for taste in fans if taste.favourites & slugs]
    if not pleased:
        return 0.0, []
    # The label most of them favour, to name it.
    sharing = {
        label: [taste for taste in fans if label.slug in taste.favourites]
        for label in candidate.labels
    }
    label, who = min(
        ((label, who) for label, who in sharing.items() if who),
        key=lambda item: (-len(item[1]), item[0].name.casefold(), item[0].slug),
    )
    if len(who) == len(group) > 1:
        said = f"shared favourite: {label.name}"
    else:
        said = f"a favourite of {_names(who)}: {label.name}"
    return len(pleased) / len(fans), [said]


def _member_ratings(group: Sequence[PlayerTaste], candidate: Candidate) -> Part:
    ratings = {
        taste.player_id: candidate.member_ratings[taste.player_id]
        for taste in group
        if taste.player_id in candidate.member_ratings
    }
    if not ratings:
        return NEUTRAL, []
    value = sum(
        _unit(ratings[taste.player_id]) if taste.player_id in ratings else NEUTRAL
        for taste in group
    ) / len(group)
    liked = [taste for taste in group if ratings.get(taste.player_id, 0) >= LIKED]
    disliked = [taste for taste in group if ratings.get(taste.player_id, LIKED) <= DISLIKED]
    said = []
    if len(liked) == len(group) > 1:
        said.append(f"everyone rated it {LIKED:g} or more")
    elif liked:
        said.append(f"{_names(liked)} rated it {LIKED:g} or more")
    if disliked:
        said.append(f"{_names(disliked)} rated it {DISLIKED:g} or less")
    return value, said


def _club_rating(candidate: Candidate) -> Part:
    average, plays = candidate.club_rating, candidate.club_plays
    if average is None or plays <= 0:
        return NEUTRAL, []
    trust = plays / (plays + CLUB_PLAYS_PRIOR)
    value = NEUTRAL + trust * (_unit(average) - NEUTRAL)
    said = []
    if plays >= CLUB_MIN_PLAYS_FOR_REASON and (average >= CLUB_GOOD or average <= CLUB_POOR):
        said.append(f"the club rates it {average:.1f} out of 10 over {plays} plays")
    return value, said


def _catalog_rating(candidate: Candidate) -> Part:
    rating = candidate.catalog_rating
    if rating is None:
        return NEUTRAL, []
    said = []
    if rating >= CATALOG_GOOD or rating <= CATALOG_POOR:
        said.append(f"rated {rating:.1f} out of 10 in the catalog")
    return _unit(rating), said


def _recency(group: Sequence[PlayerTaste], candidate: Candidate, now: datetime) -> Part:
    last = candidate.group_last_played
    value = 1.0 if last is None else 1.0 - 0.5 ** (_days_between(last, now) / RECENCY_HALF_DAYS)
    played = [
        candidate.member_last_played[taste.player_id]
        for taste in group
        if taste.player_id in candidate.member_last_played
    ]
    said = []
    if not played and last is None:
        said.append("none of you has played it" if len(group) > 1 else "you have never played it")
    elif played and (latest := math.floor(_days_between(max(played), now))) >= LONG_AGO_DAYS:
        who = "nobody here has" if len(group) > 1 else "you have not"
        said.append(f"{who} played it in {_span(latest)}")
    elif last is not None and (days := math.floor(_days_between(last, now))) < LONG_AGO_DAYS:
        who = "this group" if len(group) > 1 else "you"
        said.append(f"{who} played it today" if days == 0 else f"{who} played it {_span(days)} ago")
    return value, said


# Helpers ------------------------------------------------------------------------------


def _outside(value: float, bounds: tuple[float, float]) -> float:
    """How far a value is from a range: 0 inside it."""
    low, high = bounds
    return max(0.0, low - value, value - high)


def _unit(rating: float) -> float:
    low, high = RATING_SCALE
    return min(1.0, max(0.0, (rating - low) / (high - low)))


def _days_between(earlier: datetime, later: datetime) -> float:
    return max(0.0, (later - earlier).total_seconds() / 86_400)


def _span(days: int) -> str:
    """A whole number of days in the largest unit that reads naturally, rounded down."""
    if days < 14:
        amount, unit = days, "day"
    elif days < 60:
        amount, unit = days // 7, "week"
    elif days < 730:
        amount, unit = days // 30, "month"
    else:
        amount, unit = days // 365, "year"
    return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"


def _players(size: int) -> str:
    return "1 player" if size == 1 else f"{size} players"


def _names(tastes: Sequence[PlayerTaste]) -> str:
    names = [taste.name for taste in tastes]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
