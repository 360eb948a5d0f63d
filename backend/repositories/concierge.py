"""ConciergeRepository: what the concierge needs to suggest games to a group, in a few
set-based statements whatever the group's and the catalog's size.

- `tastes(player_ids)`: the members and their preferences, two statements.
- `candidates(request)`: the games passing the filters SQL applies (every
  `COUNTABLE_FILTERS` one of backend/domain/concierge.py: on the shelf, the group's size,
  the minutes, the category) with the club's plays and ratings, then their labels, then
  their history with the group (each member's, and the group's together), aggregated in
  SQL: three statements (one when none passes). Refusals and
  `exclude_played_within_days` are left to the domain: the refused games are a handful of
  rows, and the explanation naming who refuses them needs them.
- `survivors(request)`: how many games pass each of those filters in turn, one statement,
  for the explanation of an empty answer (`explain_empty`).

What the candidates carry, exactly:

- `available`: the club owns a copy, or a member of the group owns one.
- `club_rating`: the average of every rating any participant gave the game in any play;
  `club_plays`: how many plays of it there are (rated or not).
- `member_ratings`: each member's average rating of it over their rated plays;
  `member_last_played`: the latest play of it each member took part in (rated or not).
- `group_last_played`: the latest play of it in which more than half of this group took
  part (of a group of 1 or 2: all of it; of 3: at least 2; of 4: at least 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    and_,
    case,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from backend.domain.concierge import Candidate, Label, PlayerTaste, Request, filter_names
from backend.domain.errors import NotFoundError
from backend.domain.labels import slugify
from backend.models import (
    Category,
    Game,
    Play,
    Player,
    PlayerPreferences,
    PlayParticipant,
    Tag,
    game_categories,
    game_tags,
    player_favourite_categories,
    player_favourite_tags,
    player_refused_games,
)
from backend.repositories.games import CLUB_PLAYS, CLUB_RATING
from backend.repositories.shelf import available_to

_GAMES = Game.__table__
_PLAYS = Play.__table__
_PARTICIPANTS = PlayParticipant.__table__
# What a row of the preferences' lists (or a game's labels) is: a favourite category's or
# tag's slug, or a refused game's id.
_CATEGORY, _TAG, _REFUSED = "category", "tag", "refused"
# What a row of a game's history is about: a member, or the group together.
_MEMBER, _GROUP = "member", "group"
# Up to this many candidates, later statements name them by id; beyond, they repeat the
# filters (PostgreSQL takes at most 65,535 parameters a statement, SQLite 32,766).
MAX_LISTED_IDS = 1000


class ConciergeRepository:
    """The group's tastes and the games that might suit it, as the domain's values."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def tastes(self, player_ids: Sequence[UUID]) -> list[PlayerTaste]:
        """Each player's taste, in the order given (a repeated id repeated); NotFoundError
        naming every unknown id."""
        wanted = list(dict.fromkeys(player_ids))
        preferences = PlayerPreferences
        rows = self.session.execute(
            select(
                Player.id,
                Player.display_name,
                preferences.min_play_minutes,
                preferences.max_play_minutes,
                preferences.min_complexity,
                preferences.max_complexity,
                preferences.min_group_size,
                preferences.max_group_size,
            )
            .outerjoin(preferences, preferences.player_id == Player.id)
            .where(Player.id.in_(wanted))
        ).all()
        found = {row.id: row for row in rows}
        missing = [str(player_id) for player_id in wanted if player_id not in found]
        if missing:
            raise NotFoundError("player" if len(missing) == 1 else "players", ", ".join(missing))
        lists = self.session.execute(_preference_lists(wanted)).all()
        categories: dict[UUID, set[str]] = {player_id: set() for player_id in wanted}
        tags: dict[UUID, set[str]] = {player_id: set() for player_id in wanted}
        refused: dict[UUID, set[UUID]] = {player_id: set() for player_id in wanted}
        for player_id, kind, slug, game_id in lists:
            if kind == _CATEGORY:
                categories[player_id].add(slug)
            elif kind == _TAG:
                tags[player_id].add(slug)
            else:
                refused[player_id].add(game_id)
        return [
            PlayerTaste(
                player_id=player_id,
                name=found[player_id].display_name,
                min_minutes=found[player_id].min_play_minutes,
                max_minutes=found[player_id].max_play_minutes,
                min_complexity=found[player_id].min_complexity,
                max_complexity=found[player_id].max_complexity,
                min_group_size=found[player_id].min_group_size,
                max_group_size=found[player_id].max_group_size,
                favourite_categories=frozenset(categories[player_id]),
                favourite_tags=frozenset(tags[player_id]),
                refused_game_ids=frozenset(refused[player_id]),
            )
            for player_id in player_ids
        ]

    def candidates(self, request: Request) -> list[Candidate]:
        """The games passing the filters SQL applies, with everything the ranking reads."""
        members = [taste.player_id for taste in request.group]
        conditions = [condition for _, condition in _sql_filters(request)]
        games = self.session.execute(_candidates(request, conditions)).all()
        if not games:
            return []
        game_ids = [game.id for game in games]
        # The ids themselves while they are few (an index lookup each, where repeating the
        # filters would scan the catalog again); beyond, the filters (see MAX_LISTED_IDS).
        passing: Sequence[UUID] | Select[tuple[UUID]] = (
            game_ids if len(game_ids) <= MAX_LISTED_IDS else select(_GAMES.c.id).where(*conditions)
        )
        labels: dict[UUID, dict[str, set[Label]]] = {
            game_id: {_CATEGORY: set(), _TAG: set()} for game_id in game_ids
        }
        for game_id, kind, slug, name in self.session.execute(_labels(passing)):
            labels[game_id][kind].add(Label(slug, name))
        ratings: dict[UUID, dict[UUID, float]] = {}
        last_played: dict[UUID, dict[UUID, datetime]] = {}
        together: dict[UUID, datetime] = {}
        for row in self.session.execute(_history(members, passing)):
            rating = None if row.rating is None else float(row.rating)
            if row.kind == _MEMBER:
                if rating is not None:
                    ratings.setdefault(row.game_id, {})[row.player_id] = rating
                last_played.setdefault(row.game_id, {})[row.player_id] = row.last_played
            else:
                together[row.game_id] = row.last_played
        return [
            Candidate(
                game_id=game.id,
                title=game.title,
                min_players=game.min_players,
                max_players=game.max_players,
                min_minutes=game.min_play_minutes,
                max_minutes=game.max_play_minutes,
                complexity=game.complexity,
                catalog_rating=game.average_rating,
                categories=frozenset(labels[game.id][_CATEGORY]),
                tags=frozenset(labels[game.id][_TAG]),
                available=bool(game.available),
                club_rating=None if game.club_rating is None else float(game.club_rating),
                club_plays=game.club_plays,
                member_ratings=ratings.get(game.id, {}),
                member_last_played=last_played.get(game.id, {}),
                group_last_played=together.get(game.id),
            )
            for game in games
        ]

    def survivors(self, request: Request) -> list[int]:
        """How many games there are, then how many pass each filter SQL applies, in turn
        (for backend.domain.concierge.explain_empty): one statement."""
        counts: list[ColumnElement[Any]] = [func.count()]
        passed: list[ColumnElement[bool]] = []
        for _, condition in _sql_filters(request):
            passed.append(condition)
            counts.append(func.coalesce(func.sum(case((and_(*passed), 1), else_=0)), 0))
        row = self.session.execute(select(*counts).select_from(_GAMES)).one()
        return [int(count) for count in row]


def _sql_filters(request: Request) -> list[tuple[str, ColumnElement[bool]]]:
    """The domain's leading filters as SQL conditions, in the domain's order: the same
    rules (a missing player bound is the known one, the play time is the maximum or else
    the minimum, unknown values never fit: NULL compares to nothing)."""
    members = [taste.player_id for taste in request.group]
    size = len(request.group)
    games = _GAMES.c
    conditions: dict[str, ColumnElement[bool]] = {
        "available": available_to(members),
        "players": and_(
            func.coalesce(games.min_players, games.max_players) <= size,
            func.coalesce(games.max_players, games.min_players) >= size,
        ),
        "minutes": func.coalesce(games.max_play_minutes, games.min_play_minutes) <= request.minutes,
        "category": games.id.in_(
            select(game_categories.c.game_id)
            .join(Category, Category.id == game_categories.c.category_id)
            .where(Category.slug == slugify(request.category or ""))
        ),
    }
    found = []
    for name in filter_names(request):
        if name not in conditions:
            break  # the rest are the domain's
        found.append((name, conditions[name]))
    return found


def _candidates(request: Request, conditions: list[ColumnElement[bool]]) -> Select[Any]:
    """The passing games' own columns, whether the club or a member owns a copy, and the
    club's number of plays and average rating of each."""
    members = [taste.player_id for taste in request.group]
    games = _GAMES.c
    return select(
        games.id,
        games.title,
        games.min_players,
        games.max_players,
        games.min_play_minutes,
        games.max_play_minutes,
        games.complexity,
        games.average_rating,
        # The shelf's ids are gathered once; the club's figures are correlated subqueries,
        # evaluated only for the games that pass.
        case((available_to(members), 1), else_=0).label("available"),
        CLUB_PLAYS,
        CLUB_RATING,
    ).where(*conditions)


def _labels(passing: Sequence[UUID] | Select[tuple[UUID]]) -> CompoundSelect[Any]:
    """Each passing game's categories and tags: (game id, kind, slug, name)."""
    return union_all(
        select(game_categories.c.game_id, _kind(_CATEGORY), Category.slug, Category.name)
        .join(Category, Category.id == game_categories.c.category_id)
        .where(game_categories.c.game_id.in_(passing)),
        select(game_tags.c.game_id, _kind(_TAG), Tag.slug, Tag.name)
        .join(Tag, Tag.id == game_tags.c.tag_id)
        .where(game_tags.c.game_id.in_(passing)),
    )


def _history(
    members: list[UUID], passing: Sequence[UUID] | Select[tuple[UUID]]
) -> CompoundSelect[Any]:
    """The passing games' history with this group, two kinds of rows (game_id, kind,
    player_id, rating, plays, last_played): each member's average rating and latest play of
    each game they played (`member`); the latest play of each game in which more than half
    of the group took part (`group`)."""
    plays, participants = _PLAYS.c, _PARTICIPANTS.c
    with_participants = _PARTICIPANTS.join(_PLAYS, plays.id == participants.play_id)
    together = (
        select(participants.play_id)
        .where(participants.player_id.in_(members))
        .group_by(participants.play_id)
        .having(func.count() * 2 > len(members))
        .subquery()
    )
    return union_all(
        # First: its typed columns type the UNION's (see _preference_lists).
        select(
            plays.game_id,
            _kind(_MEMBER).label("kind"),
            participants.player_id,
            func.avg(participants.rating).label("rating"),
            func.count().label("plays"),
            func.max(plays.played_at).label("last_played"),
        )
        .select_from(with_participants)
        .where(participants.player_id.in_(members), plays.game_id.in_(passing))
        .group_by(plays.game_id, participants.player_id),
        select(
            plays.game_id, _kind(_GROUP), null(), null(), func.count(), func.max(plays.played_at)
        )
        .select_from(_PLAYS.join(together, together.c.play_id == plays.id))
        .where(plays.game_id.in_(passing))
        .group_by(plays.game_id),
    )


def _preference_lists(players: list[UUID]) -> CompoundSelect[Any]:
    """(player id, kind, slug, game id) for each favourite category and tag (its slug) and
    each refused game (its id) of these players."""
    favourite_categories = player_favourite_categories.c
    favourite_tags = player_favourite_tags.c
    refused = player_refused_games.c
    # The refused games first: their typed column types the UNION's (PostgreSQL resolves
    # a UNION's NULLs pairwise, and two NULLs would make text).
    return union_all(
        select(refused.player_id, _kind(_REFUSED), null(), refused.game_id).where(
            refused.player_id.in_(players)
        ),
        select(favourite_categories.player_id, _kind(_CATEGORY), Category.slug, null())
        .join(Category, Category.id == favourite_categories.category_id)
        .where(favourite_categories.player_id.in_(players)),
        select(favourite_tags.player_id, _kind(_TAG), Tag.slug, null())
        .join(Tag, Tag.id == favourite_tags.tag_id)
        .where(favourite_tags.player_id.in_(players)),
    )


def _kind(name: str) -> ColumnElement[str]:
    # A constant in the SQL text, not a parameter: a UNION's column needs a known type.
    return literal_column(f"'{name}'", String)
