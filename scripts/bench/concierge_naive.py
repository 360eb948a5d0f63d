"""The concierge's request done the obvious way, for the benchmark to compare against and
the tests to check the real one with: every game with its labels, the whole shelf and
every play loaded into Python, the history aggregated there, then the domain's ranking."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.domain.concierge import Candidate, Label, Request
from backend.models import CollectionItem, Game, GameCopy, Play


def naive_candidates(session: Session, request: Request) -> list[Candidate]:
    """Every game of the catalog as a candidate, each computed in Python from raw rows."""
    members = {taste.player_id for taste in request.group}
    games = session.scalars(
        select(Game).options(selectinload(Game.categories), selectinload(Game.tags))
    ).all()
    on_shelf = set(session.scalars(select(GameCopy.game_id)))
    owned = set(
        session.scalars(select(CollectionItem.game_id).where(CollectionItem.player_id.in_(members)))
    )
    plays = session.scalars(select(Play).options(selectinload(Play.participants))).all()
    club_ratings: dict[UUID, list[int]] = defaultdict(list)
    club_plays: dict[UUID, int] = defaultdict(int)
    member_ratings: dict[UUID, dict[UUID, list[int]]] = defaultdict(lambda: defaultdict(list))
    member_last: dict[UUID, dict[UUID, datetime]] = defaultdict(dict)
    group_last: dict[UUID, datetime] = {}
    for play in plays:
        club_plays[play.game_id] += 1
        present = 0
        for participant in play.participants:
            if participant.rating is not None:
                club_ratings[play.game_id].append(participant.rating)
            if participant.player_id in members:
                present += 1
                if participant.rating is not None:
                    member_ratings[play.game_id][participant.player_id].append(participant.rating)
                last = member_last[play.game_id].get(participant.player_id)
                if last is None or play.played_at > last:
                    member_last[play.game_id][participant.player_id] = play.played_at
        if present * 2 > len(request.group):
            last = group_last.get(play.game_id)
            if last is None or play.played_at > last:
                group_last[play.game_id] = play.played_at
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
            categories=frozenset(Label(label.slug, label.name) for label in game.categories),
            tags=frozenset(Label(label.slug, label.name) for label in game.tags),
            available=game.id in on_shelf or game.id in owned,
            club_rating=_mean(club_ratings.get(game.id, [])),
            club_plays=club_plays.get(game.id, 0),
            member_ratings={
                player_id: sum(ratings) / len(ratings)
                for player_id, ratings in member_ratings.get(game.id, {}).items()
            },
            member_last_played=member_last.get(game.id, {}),
            group_last_played=group_last.get(game.id),
        )
        for game in games
    ]


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None
