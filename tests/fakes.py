"""In-memory stand-ins for the data layer: a complete Unit of Work (backend/services/
unit_of_work.py's protocol) without a database, for unit tests of services (cosmicpython's
pattern), and a session that records what the SQLAlchemy Unit of Work asks of it."""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Generic, Self, TypeVar, cast

from backend.db.locks import LockHeld
from backend.domain.accounts import Role, TokenCredentials
from backend.domain.audit import AuditQuery
from backend.domain.concierge import (
    Candidate,
    PlayerTaste,
    Request,
    countable_filters,
    filters_passed,
)
from backend.domain.errors import (
    BrokenReferenceError,
    DuplicateError,
    NotFoundError,
    StaleObjectError,
)
from backend.domain.labels import LABEL_KINDS, LabelKind, slugify
from backend.domain.principal import ANONYMOUS, Principal
from backend.domain.tournaments import RegistrationStatus, may_see
from backend.domain.versions import BulkUpdate
from backend.models import (
    ApiToken,
    AuditLog,
    CollectionItem,
    Game,
    GameCopy,
    Match,
    Play,
    Player,
    PlayerPreferences,
    Registration,
    Round,
    Tournament,
    User,
    Venue,
)
from backend.models.labels import LABEL_MODELS, Label
from backend.repositories.base import Page
from backend.repositories.games import GameRepository
from backend.repositories.labels import LabelRepository
from backend.repositories.players import (
    PlayerPreferencesRepository,
    PlayerRepository,
    PlayerView,
)
from backend.repositories.plays import PlayerStatsView, PlayFilters, PlayRepository, PlayView
from backend.repositories.registrations import RegistrationRepository, RegistrationView
from backend.repositories.rounds import (
    EntrantRow,
    MatchFilters,
    MatchRepository,
    MatchView,
    RoundView,
)
from backend.repositories.shelf import CollectionItemView, CopyView, GameCopyRepository
from backend.repositories.tournaments import (
    Audience,
    RegistrationCounts,
    TournamentFilters,
    TournamentRepository,
    TournamentView,
)
from backend.repositories.users import ApiTokenRepository, UserRepository
from backend.repositories.venues import VenueRepository

RowT = TypeVar("RowT", Venue, Tournament, Registration, Round, Match)


def _fresh(entity: Any) -> Any:
    """What a flush would give a new entity: an id and its first version."""
    if entity.id is None:
        entity.id = uuid.uuid4()
    if getattr(entity, "version", 1) is None:
        entity.version = 1
    return entity


class FakeLabelRepository:
    """The labels of one kind, kept in a dict by id."""

    def __init__(self, kind: LabelKind, games: FakeGameRepository) -> None:
        self.kind = kind
        self.model = LABEL_MODELS[kind]
        self.entity_name = kind.singular
        self.stored: dict[uuid.UUID, Label] = {}
        self._games = games

    @property
    def labels(self) -> list[Label]:
        return list(self.stored.values())

    def get_with_game_count(self, label_id: Any) -> Label:
        label = self.stored.get(label_id)
        if label is None:
            raise NotFoundError(self.entity_name, label_id)
        label.game_count = sum(
            label in getattr(game, self.kind) for game in self._games.stored.values()
        )
        return label

    def _by_slug(self) -> dict[str, Label]:
        return {label.slug: label for label in self.stored.values()}

    def named(self, names: Iterable[str]) -> dict[str, Label]:
        by_slug, found = self._by_slug(), {}
        for name in names:
            slug = slugify(name)
            if slug not in by_slug:
                by_slug[slug] = self.add(self.model(name=name))
            found[name] = by_slug[slug]
        return found

    def resolve(self, references: Iterable[str]) -> list[Label]:
        by_slug, found, missing = self._by_slug(), [], []
        for reference in dict.fromkeys(references):
            try:
                label = self.stored.get(uuid.UUID(reference))
            except ValueError:
                label = by_slug.get(slugify(reference))
            if label is None:
                missing.append(reference)
            elif label not in found:
                found.append(label)
        if missing:
            listed = ", ".join(missing)
            raise BrokenReferenceError(
                f"unknown {self.kind}: {listed}", fields={self.kind: [f"Unknown: {listed}."]}
            )
        return sorted(found, key=lambda label: label.name)

    def ids_by_slug(self, names: Iterable[str]) -> dict[str, uuid.UUID]:
        wanted: dict[str, str] = {}
        for name in names:
            wanted.setdefault(slugify(name), name)
        by_slug = self._by_slug()
        for slug, name in wanted.items():
            if slug not in by_slug:
                by_slug[slug] = self.add(self.model(name=name))
        return {slug: by_slug[slug].id for slug in wanted}

    def add(self, entity: Label) -> Label:
        if any(label.slug == entity.slug for label in self.stored.values()):
            raise AssertionError(f"the fake holds a {self.entity_name} {entity.slug!r} already")
        self.stored[_fresh(entity).id] = entity
        return entity

    def update(self, entity: Label, changes: Mapping[str, Any]) -> Label:
        _update(entity, changes, LabelRepository.updatable)
        return entity

    def delete(self, entity: Label) -> None:
        del self.stored[entity.id]


class FakeGameRepository:
    """The games, kept in a dict by id; bulk rows become Game objects too."""

    def __init__(self, games: Iterable[Game] = ()) -> None:
        self.stored: dict[uuid.UUID, Game] = {}
        self.labels: dict[LabelKind, FakeLabelRepository] = {}
        for game in games:
            self.add(game)

    @property
    def games(self) -> list[Game]:
        return list(self.stored.values())

    def get_with_labels(self, game_id: Any) -> Game:
        return self.get_or_raise(game_id)

    def get_or_raise(self, identifier: Any) -> Game:
        game = self.stored.get(identifier)
        if game is None:
            raise NotFoundError("game", identifier)
        return game

    def add(self, entity: Game) -> Game:
        for kind in LABEL_KINDS:
            if kind not in entity.__dict__:
                setattr(entity, kind, [])
        self.stored[_fresh(entity).id] = entity
        return entity

    def update(self, entity: Game, changes: Mapping[str, Any]) -> Game:
        _update(entity, changes, GameRepository.updatable)
        return entity

    def delete(self, entity: Game) -> None:
        del self.stored[entity.id]

    def count(self) -> int:
        return len(self.stored)

    def with_ids(self, game_ids: Collection[uuid.UUID]) -> list[Game]:
        found = [self.stored[game_id] for game_id in set(game_ids) if game_id in self.stored]
        return sorted(found, key=lambda game: (game.title, game.id))

    def stored_by_bgg_id(self, bgg_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        wanted = set(bgg_ids)
        return {
            game.bgg_id: {
                name: getattr(game, name)
                for name in ("id", "version", *sorted(GameRepository.updatable))
            }
            for game in self.stored.values()
            if game.bgg_id in wanted
        }

    def label_slugs(
        self, game_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, dict[str, dict[str, str]]]:
        return {
            game_id: {
                kind.value: {
                    label.slug: label.name for label in getattr(self.stored[game_id], kind)
                }
                for kind in LABEL_KINDS
            }
            for game_id in game_ids
        }

    def insert_many(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        audit_extras: Sequence[Mapping[str, Any]] | None = None,
    ) -> Sequence[Any]:
        return [self.add(Game(**row)).id for row in rows]

    def update_many(self, updates: Sequence[BulkUpdate]) -> None:
        for update in updates:
            game = self.stored.get(update.id)
            if game is None or game.version != update.version:
                raise StaleObjectError("changed since it was read")
        for update in updates:
            self.update(self.stored[update.id], update.values)

    def link_labels(
        self,
        kind: LabelKind,
        labels_of: Mapping[uuid.UUID, Collection[uuid.UUID]],
        *,
        replace: bool,
    ) -> None:
        for game_id, label_ids in labels_of.items():
            game = self.stored[game_id]
            carried = [] if replace else list(getattr(game, kind))
            new = [self.labels[kind].stored[label_id] for label_id in label_ids]
            merged = {label.id: label for label in [*carried, *new]}.values()
            setattr(game, kind, sorted(merged, key=lambda label: label.name))


class FakePlayerRepository:
    """The players, kept in a dict by id; a taken discord_id or user_id is refused as the
    unique keys would. Their preferences are the preferences fake's."""

    def __init__(self) -> None:
        self.stored: dict[uuid.UUID, Player] = {}
        self.preferences: FakePlayerPreferencesRepository | None = None
        self.plays: FakePlayRepository | None = None

    def get_or_raise(self, identifier: Any) -> Player:
        player = self.stored.get(identifier)
        if player is None:
            raise NotFoundError("player", identifier)
        return player

    def get_with_preferences(self, player_id: Any) -> Player:
        return self.get_or_raise(player_id)

    def of_user(self, user_id: uuid.UUID) -> Player | None:
        return next((p for p in self.stored.values() if p.user_id == user_id), None)

    def with_discord_id(self, discord_id: str) -> Player | None:
        return next((p for p in self.stored.values() if p.discord_id == discord_id), None)

    def with_ids(self, player_ids: Collection[uuid.UUID]) -> list[Player]:
        return [self.stored[player_id] for player_id in set(player_ids) if player_id in self.stored]

    def view(self, player_id: uuid.UUID) -> PlayerView:
        player = self.get_or_raise(player_id)
        values = {name: getattr(player, name, None) for name in PLAYER_VIEW_FIELDS}
        played = [] if self.plays is None else self.plays.of_player(player_id)
        last = max((play.played_at for play in played), default=None)
        return cast(PlayerView, {**values, "play_count": len(played), "last_played_at": last})

    def page(self, *, name_contains: str | None, page: int, page_size: int) -> Page[PlayerView]:
        matching = sorted(
            (
                p
                for p in self.stored.values()
                if not name_contains or name_contains.casefold() in p.display_name.casefold()
            ),
            key=lambda p: (p.display_name, p.id),
        )
        start = (page - 1) * page_size
        chosen = matching[start : start + page_size]
        return Page([self.view(p.id) for p in chosen], len(matching))

    def _refuse_duplicates(self, entity: Player) -> None:
        for other in self.stored.values():
            if other is entity:
                continue
            if entity.discord_id is not None and other.discord_id == entity.discord_id:
                raise DuplicateError("Another player already has this Discord id.")
            if entity.user_id is not None and other.user_id == entity.user_id:
                raise DuplicateError("This account already has a player.")

    def add(self, entity: Player) -> Player:
        self._refuse_duplicates(entity)
        self.stored[_fresh(entity).id] = entity
        return entity

    def update(self, entity: Player, changes: Mapping[str, Any]) -> Player:
        _update(entity, changes, PlayerRepository.updatable)
        self._refuse_duplicates(entity)
        return entity

    def delete(self, entity: Player) -> None:
        # The preferences go with the player, as the model's cascade removes them.
        if self.preferences is not None:
            self.preferences.stored.pop(entity.id, None)
        del self.stored[entity.id]


# The columns a player's view carries besides its play counts.
PLAYER_VIEW_FIELDS = (
    "id",
    "display_name",
    "discord_id",
    "user_id",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "change_reason",
    "version",
)


class FakePlayerPreferencesRepository:
    """The players' preferences, kept in a dict by player id (their key, as in the table)."""

    def __init__(self) -> None:
        self.stored: dict[uuid.UUID, PlayerPreferences] = {}

    def of_player(self, player_id: uuid.UUID) -> PlayerPreferences | None:
        return self.stored.get(player_id)

    def add(self, entity: PlayerPreferences) -> PlayerPreferences:
        if entity.player_id in self.stored:
            raise DuplicateError("the player has preferences already")
        if entity.version is None:
            entity.version = 1
        self.stored[entity.player_id] = entity
        return entity

    def update(self, entity: PlayerPreferences, changes: Mapping[str, Any]) -> PlayerPreferences:
        _update(entity, changes, PlayerPreferencesRepository.updatable)
        return entity

    def delete(self, entity: PlayerPreferences) -> None:
        del self.stored[entity.player_id]


class FakeGameCopyRepository:
    """The club's copies of games, kept in a dict by id."""

    def __init__(self, games: FakeGameRepository) -> None:
        self.stored: dict[uuid.UUID, GameCopy] = {}
        self._games = games

    def get_or_raise(self, identifier: Any) -> GameCopy:
        held = self.stored.get(identifier)
        if held is None:
            raise NotFoundError("copy", identifier)
        return held

    def page_of_game(self, game_id: uuid.UUID, *, page: int, page_size: int) -> Page[CopyView]:
        self._games.get_or_raise(game_id)
        copies = [held for held in self.stored.values() if held.game_id == game_id]
        views = [cast(CopyView, {**_columns(held), "game_id": held.game_id}) for held in copies]
        return _page(sorted(views, key=lambda view: str(view["id"])), page, page_size)

    def remove_all_of_game(self, game_id: uuid.UUID) -> None:
        for held in [held for held in self.stored.values() if held.game_id == game_id]:
            self.delete(held)

    def add(self, entity: GameCopy) -> GameCopy:
        self.stored[_fresh(entity).id] = entity
        return entity

    def update(self, entity: GameCopy, changes: Mapping[str, Any]) -> GameCopy:
        _update(entity, changes, GameCopyRepository.updatable)
        return entity

    def delete(self, entity: GameCopy) -> None:
        del self.stored[entity.id]


class FakeCollectionItemRepository:
    """The games each player owns, kept in a dict by id; a second item for one player and
    game is refused as the unique key would."""

    def __init__(self, players: FakePlayerRepository, games: FakeGameRepository) -> None:
        self.stored: dict[uuid.UUID, CollectionItem] = {}
        self._players = players
        self._games = games

    def page_of_player(
        self, player_id: uuid.UUID, *, page: int, page_size: int
    ) -> Page[CollectionItemView]:
        self._players.get_or_raise(player_id)
        views = [
            CollectionItemView(
                player_id=item.player_id,
                game_id=item.game_id,
                title=self._games.stored[item.game_id].title,
                added_at=item.created_at,
            )
            for item in self.stored.values()
            if item.player_id == player_id
        ]
        return _page(
            sorted(views, key=lambda view: (view["title"], view["game_id"])), page, page_size
        )

    def item(self, player_id: uuid.UUID, game_id: uuid.UUID) -> CollectionItem | None:
        return next(
            (
                item
                for item in self.stored.values()
                if (item.player_id, item.game_id) == (player_id, game_id)
            ),
            None,
        )

    def remove_all_of_game(self, game_id: uuid.UUID) -> None:
        for item in [item for item in self.stored.values() if item.game_id == game_id]:
            self.delete(item)

    def remove_all_of_player(self, player_id: uuid.UUID) -> None:
        for item in [item for item in self.stored.values() if item.player_id == player_id]:
            self.delete(item)

    def add(self, entity: CollectionItem) -> CollectionItem:
        if self.item(entity.player_id, entity.game_id) is not None:
            raise DuplicateError("The player already owns this game.")
        if entity.created_at is None:
            entity.created_at = datetime.now(UTC)  # as the flush would
        self.stored[_fresh(entity).id] = entity
        return entity

    def delete(self, entity: CollectionItem) -> None:
        del self.stored[entity.id]


def _columns(entity: Any) -> dict[str, Any]:
    """The bookkeeping columns every audited entity's view carries."""
    return {name: getattr(entity, name, None) for name in ("id", "note", *AUDITED_COLUMNS)}


class FakePlayRepository:
    """The plays, kept in a dict by id with their participants; views read the games' and
    players' fakes for titles and names, as the database's joins do."""

    def __init__(self, games: FakeGameRepository, players: FakePlayerRepository) -> None:
        self.stored: dict[uuid.UUID, Play] = {}
        self.games = games
        self.players = players

    def get_with_participants(self, play_id: Any) -> Play:
        play = self.stored.get(play_id)
        if play is None:
            raise NotFoundError("play", play_id)
        return play

    def of_player(self, player_id: uuid.UUID) -> list[Play]:
        return [
            play
            for play in self.stored.values()
            if any(p.player_id == player_id for p in play.participants)
        ]

    def count_of_game(self, game_id: uuid.UUID) -> int:
        return sum(play.game_id == game_id for play in self.stored.values())

    def count_of_player(self, player_id: uuid.UUID) -> int:
        return len(self.of_player(player_id))

    def view(self, play_id: uuid.UUID) -> PlayView:
        play = self.get_with_participants(play_id)
        game = self.games.stored[play.game_id]
        participants = sorted(
            (
                {
                    "player_id": p.player_id,
                    "display_name": self.players.stored[p.player_id].display_name,
                    "score": p.score,
                    "is_winner": p.is_winner,
                    "rating": p.rating,
                }
                for p in play.participants
            ),
            key=lambda p: (p["display_name"], p["player_id"]),
        )
        values = {name: getattr(play, name, None) for name in PLAY_VIEW_FIELDS}
        return cast(
            PlayView,
            {**values, "game": {"id": game.id, "title": game.title}, "participants": participants},
        )

    def page(self, filters: PlayFilters, *, page: int, page_size: int) -> Page[PlayView]:
        matching = sorted(
            (
                play
                for play in self.stored.values()
                if (filters.player_id is None or play in self.of_player(filters.player_id))
                and (filters.game_id is None or play.game_id == filters.game_id)
                and (filters.played_from is None or play.played_at >= filters.played_from)
                and (filters.played_until is None or play.played_at < filters.played_until)
            ),
            key=lambda play: (play.played_at, play.id),
            reverse=True,
        )
        start = (page - 1) * page_size
        return Page(
            [self.view(play.id) for play in matching[start : start + page_size]], len(matching)
        )

    def stats_of(self, player_id: uuid.UUID) -> PlayerStatsView:
        self.players.get_or_raise(player_id)
        played = self.of_player(player_id)
        wins = sum(
            p.is_winner for play in played for p in play.participants if p.player_id == player_id
        )
        games: Counter[uuid.UUID] = Counter(play.game_id for play in played)
        categories: Counter[tuple[str, str]] = Counter(
            (category.name, category.slug)
            for play in played
            for category in self.games.stored[play.game_id].categories
        )
        titles = {game_id: self.games.stored[game_id].title for game_id in games}
        return {
            "player_id": player_id,
            "plays": len(played),
            "wins": wins,
            "win_rate": wins / len(played) if played else None,
            "last_played_at": max((play.played_at for play in played), default=None),
            "most_played_games": [
                {"game_id": game_id, "title": titles[game_id], "plays": count}
                for game_id, count in sorted(
                    games.items(), key=lambda item: (-item[1], titles[item[0]], item[0])
                )[:5]
            ],
            "favourite_categories": [
                {"slug": slug, "name": name, "plays": count}
                for (name, slug), count in sorted(
                    categories.items(), key=lambda item: (-item[1], *item[0])
                )[:5]
            ],
        }

    def add(self, entity: Play) -> Play:
        self.stored[_fresh(entity).id] = entity
        return entity

    def update(self, entity: Play, changes: Mapping[str, Any]) -> Play:
        _update(entity, changes, PlayRepository.updatable)
        return entity

    def delete(self, entity: Play) -> None:
        del self.stored[entity.id]


AUDITED_COLUMNS = (
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "change_reason",
    "version",
)
# The columns a play's view carries besides its game and participants.
PLAY_VIEW_FIELDS = ("id", "played_at", "duration_minutes", "note", *AUDITED_COLUMNS)


def _page(items: list[Any], page: int, page_size: int) -> Page[Any]:
    start = (page - 1) * page_size
    return Page(items[start : start + page_size], len(items))


class FakeUserRepository:
    """The accounts, kept in a dict by id; a taken email_key is refused as the unique key would."""

    def __init__(self) -> None:
        self.stored: dict[uuid.UUID, User] = {}

    def get(self, identifier: Any) -> User | None:
        return self.stored.get(identifier)

    def get_or_raise(self, identifier: Any) -> User:
        user = self.stored.get(identifier)
        if user is None:
            raise NotFoundError("user", identifier)
        return user

    def get_by_email(self, key: str) -> User | None:
        return next((user for user in self.stored.values() if user.email_key == key), None)

    def count_active_admins(self, *, lock: bool = False) -> int:
        return sum(user.role == "admin" and user.is_active for user in self.stored.values())

    def page(
        self, *, role: Role | None, active: bool | None, page: int, page_size: int
    ) -> Page[User]:
        matching = sorted(
            (
                user
                for user in self.stored.values()
                if (role is None or user.role == role)
                and (active is None or user.is_active == active)
            ),
            key=lambda user: (user.email_key, user.id),
        )
        start = (page - 1) * page_size
        return Page(matching[start : start + page_size], len(matching))

    def add(self, entity: User) -> User:
        if self.get_by_email(entity.email_key) is not None:
            raise DuplicateError("Another account already has this email.")
        if entity.is_active is None:
            entity.is_active = True  # the column's default, as the flush would set it
        self.stored[_fresh(entity).id] = entity
        return entity

    def update(self, entity: User, changes: Mapping[str, Any]) -> User:
        _update(entity, changes, UserRepository.updatable)
        return entity


class FakeApiTokenRepository:
    """The API tokens, kept in a dict by id; a taken token_hash is refused as the unique key
    would."""

    def __init__(self, users: FakeUserRepository) -> None:
        self.stored: dict[uuid.UUID, ApiToken] = {}
        self.users = users
        # Each write of a token's last use, as (token id, when): what tests count.
        self.uses_recorded: list[tuple[uuid.UUID, datetime]] = []

    def get_or_raise(self, identifier: Any) -> ApiToken:
        token = self.stored.get(identifier)
        if token is None:
            raise NotFoundError("token", identifier)
        return token

    def by_hash(self, token_hash: str) -> ApiToken | None:
        return next(
            (token for token in self.stored.values() if token.token_hash == token_hash), None
        )

    def with_user_by_hash(self, token_hash: str) -> TokenCredentials | None:
        token = self.by_hash(token_hash)
        user = None if token is None else self.users.get(token.user_id)
        if token is None or user is None:
            return None
        return TokenCredentials(
            token.id,
            token.token_hash,
            token.expires_at,
            token.last_used_at,
            token.revoked_at,
            user.id,
            Role(user.role),
            user.is_active,
        )

    def record_use(self, token_id: uuid.UUID, at: datetime, *, unless_since: datetime) -> None:
        token = self.stored.get(token_id)
        if token is not None and (token.last_used_at is None or token.last_used_at <= unless_since):
            token.last_used_at = at  # bookkeeping: no version, no audit, as the database's
            self.uses_recorded.append((token_id, at))

    def page_of_user(self, user_id: uuid.UUID, *, page: int, page_size: int) -> Page[ApiToken]:
        newest_first = sorted(
            self.of_user(user_id), key=lambda token: (token.created_at, token.id), reverse=True
        )
        start = (page - 1) * page_size
        return Page(newest_first[start : start + page_size], len(newest_first))

    def of_user(self, user_id: uuid.UUID) -> list[ApiToken]:
        return [token for token in self.stored.values() if token.user_id == user_id]

    def revoke_all_of_user(self, user_id: uuid.UUID, at: datetime, *, keep: Any = None) -> int:
        revoked = 0
        for token in self.of_user(user_id):
            if token.id != keep and token.revoked_at is None:
                self.update(token, {"revoked_at": at})
                revoked += 1
        return revoked

    def add(self, entity: ApiToken) -> ApiToken:
        if self.by_hash(entity.token_hash) is not None:
            raise DuplicateError("token_hash is already taken")
        self.stored[_fresh(entity).id] = entity
        return entity

    def update(self, entity: ApiToken, changes: Mapping[str, Any]) -> ApiToken:
        _update(entity, changes, ApiTokenRepository.updatable)
        return entity


class FakeSignInThrottleRepository:
    """The recent failed sign-ins, kept in a dict by key as (failures, last failed at);
    `locked` lists the keys locked_failures was asked for, in order."""

    def __init__(self) -> None:
        self.stored: dict[str, tuple[tuple[datetime, ...], datetime]] = {}
        self.locked: list[str] = []

    def locked_failures(self, key: str) -> list[datetime]:
        self.locked.append(key)
        return list(self.stored[key][0]) if key in self.stored else []

    def record_failure(self, key: str, failures_to_keep: Sequence[datetime], at: datetime) -> None:
        self.stored[key] = (tuple(failures_to_keep), at)

    def clear(self, key: str) -> None:
        self.stored.pop(key, None)

    def prune(self, before: datetime) -> int:
        stale = [key for key, (_failures, last) in self.stored.items() if last < before]
        for key in stale:
            del self.stored[key]
        return len(stale)


def _key(entity: Any) -> Any:
    """What a fake store keys an entity by: its id, or a player's for their preferences."""
    return entity.player_id if isinstance(entity, PlayerPreferences) else entity.id


def _update(entity: Any, changes: Mapping[str, Any], updatable: frozenset[str]) -> None:
    forbidden = set(changes) - updatable
    if forbidden:
        raise ValueError(f"{', '.join(sorted(forbidden))}: not updatable")
    for name, value in changes.items():
        setattr(entity, name, value)
    entity.version += 1  # as the flush would, for every change


class FakeAuditLogRepository:
    """The audit trail: empty unless a test puts entries in `stored` (the fake Unit of Work
    does not write one)."""

    def __init__(self) -> None:
        self.stored: list[AuditLog] = []
        self.queries: list[AuditQuery] = []

    def search(self, query: AuditQuery, *, page: int, page_size: int) -> Page[AuditLog]:
        self.queries.append(query)
        matching = [
            entry
            for entry in self.stored
            if all(
                wanted is None or getattr(entry, name) == wanted
                for name, wanted in (
                    ("entity_type", query.entity_type),
                    ("entity_id", query.entity_id),
                    ("actor", query.actor),
                    ("action", query.action),
                )
            )
            and (query.since is None or entry.occurred_at >= query.since)
            and (query.until is None or entry.occurred_at < query.until)
        ]
        matching.sort(key=lambda entry: (entry.occurred_at, entry.id), reverse=True)
        start = (page - 1) * page_size
        return Page(matching[start : start + page_size], len(matching))


class FakeRowRepository(Generic[RowT]):
    """Rows of one tournament table, kept in a dict by id; `get_for_update` is `get_or_raise`
    (one thread, nothing to wait for)."""

    def __init__(self, entity_name: str, updatable: frozenset[str]) -> None:
        self.stored: dict[uuid.UUID, RowT] = {}
        self.entity_name = entity_name
        self.updatable = updatable

    def get_or_raise(self, identifier: Any) -> RowT:
        held = self.stored.get(identifier)
        if held is None:
            raise NotFoundError(self.entity_name, identifier)
        return held

    def get_for_update(self, identifier: Any) -> RowT:
        return self.get_or_raise(identifier)

    def add(self, entity: RowT) -> RowT:
        self.stored[_fresh(entity).id] = entity
        return entity

    def update(self, entity: RowT, changes: Mapping[str, Any]) -> RowT:
        _update(entity, changes, self.updatable)
        return entity

    def delete(self, entity: RowT) -> None:
        del self.stored[entity.id]


class FakeRegistrationRepository(FakeRowRepository[Registration]):
    """The registrations; a second one of a player in a tournament, or a second holder of
    a sequence number, is refused as the unique keys would; views read the players' fake
    for names, as the database's join does."""

    def __init__(self, players: FakePlayerRepository) -> None:
        super().__init__("registration", RegistrationRepository.updatable)
        self.players = players

    def add(self, entity: Registration) -> Registration:
        for other in self.stored.values():
            if other.tournament_id != entity.tournament_id:
                continue
            if other.player_id == entity.player_id:
                raise DuplicateError("This player is registered already.")
            if other.sequence == entity.sequence:
                raise DuplicateError("This sequence number is taken.")
        return super().add(entity)

    def _of_tournament(self, tournament_id: uuid.UUID) -> list[Registration]:
        held = [r for r in self.stored.values() if r.tournament_id == tournament_id]
        return sorted(held, key=lambda registration: registration.sequence)

    def in_tournament(
        self, tournament_id: uuid.UUID, registration_id: uuid.UUID, *, lock: bool = False
    ) -> Registration:
        held = self.stored.get(registration_id)
        if held is None or held.tournament_id != tournament_id:
            raise NotFoundError(self.entity_name, registration_id)
        return held

    def of_player(self, tournament_id: uuid.UUID, player_id: uuid.UUID) -> Registration | None:
        return next(
            (r for r in self._of_tournament(tournament_id) if r.player_id == player_id), None
        )

    def count_of_player(self, player_id: uuid.UUID) -> int:
        return sum(
            1 for registration in self.stored.values() if registration.player_id == player_id
        )

    def count_registered(self, tournament_id: uuid.UUID) -> int:
        return sum(
            r.status is RegistrationStatus.REGISTERED for r in self._of_tournament(tournament_id)
        )

    def first_waitlisted(self, tournament_id: uuid.UUID) -> Registration | None:
        return next(
            (
                r
                for r in self._of_tournament(tournament_id)
                if r.status is RegistrationStatus.WAITLISTED
            ),
            None,
        )

    def _view(self, registration: Registration) -> RegistrationView:
        columns = {name: getattr(registration, name, None) for name in REGISTRATION_VIEW_FIELDS}
        name = self.players.get_or_raise(registration.player_id).display_name
        return cast(RegistrationView, {**columns, "display_name": name})

    def view(self, tournament_id: uuid.UUID, registration_id: uuid.UUID) -> RegistrationView:
        return self._view(self.in_tournament(tournament_id, registration_id))

    def page(
        self,
        tournament_id: uuid.UUID,
        *,
        status: RegistrationStatus | None,
        page: int,
        page_size: int,
    ) -> Page[RegistrationView]:
        matching = [
            self._view(r)
            for r in self._of_tournament(tournament_id)
            if status is None or r.status is status
        ]
        return _page(matching, page, page_size)


# The columns a registration's view carries besides its player's name.
REGISTRATION_VIEW_FIELDS = (
    "id",
    "tournament_id",
    "player_id",
    "sequence",
    "status",
    "checked_in_at",
    "promoted_at",
    "dropped_at",
    "dropped_after_round",
    *AUDITED_COLUMNS,
)
ROUND_VIEW_FIELDS = ("id", "tournament_id", "number", "stage", "rematches_allowed")
MATCH_VIEW_FIELDS = (
    "id",
    "round_id",
    "table_number",
    "player_a_id",
    "player_b_id",
    "player_a_wins",
    "player_b_wins",
    "draws",
    "status",
    "reported_by",
    "reported_at",
    "confirmed_by",
    "confirmed_at",
    "play_id",
)


class FakeVenueRepository(FakeRowRepository[Venue]):
    """The venues, listed by name."""

    def __init__(self) -> None:
        super().__init__("venue", VenueRepository.updatable)

    def get(self, identifier: Any) -> Venue | None:
        return self.stored.get(identifier)

    def page(self, *, page: int, page_size: int) -> Page[Venue]:
        venues = sorted(self.stored.values(), key=lambda venue: (venue.name, str(venue.id)))
        start = (page - 1) * page_size
        return Page(venues[start : start + page_size], len(venues))


class FakeTournamentRepository(FakeRowRepository[Tournament]):
    """The tournaments; their counts come from the registrations' fake, set by the Unit
    of Work, and who sees one from the domain's `may_see` itself."""

    def __init__(self) -> None:
        super().__init__("tournament", TournamentRepository.updatable)
        self.registrations: FakeRowRepository[Registration] | None = None

    def count_at_venue(self, venue_id: uuid.UUID) -> int:
        return sum(1 for tournament in self.stored.values() if tournament.venue_id == venue_id)

    def count_of_game(self, game_id: uuid.UUID) -> int:
        return sum(1 for tournament in self.stored.values() if tournament.game_id == game_id)

    def registration_counts(self, tournament_id: uuid.UUID) -> RegistrationCounts:
        rows = [] if self.registrations is None else list(self.registrations.stored.values())
        mine = [row for row in rows if row.tournament_id == tournament_id]
        registered = [row for row in mine if row.status is RegistrationStatus.REGISTERED]
        return {
            "registered_count": len(registered),
            "waitlisted_count": sum(
                1 for row in mine if row.status is RegistrationStatus.WAITLISTED
            ),
            "checked_in_count": sum(1 for row in registered if row.checked_in_at is not None),
        }

    def page(
        self,
        filters: TournamentFilters,
        audience: Audience,
        *,
        page: int,
        page_size: int,
    ) -> Page[TournamentView]:
        matching = [
            tournament
            for tournament in self.stored.values()
            if _seen_by(audience, tournament) and _matches(filters, tournament)
        ]
        matching.sort(key=lambda tournament: (tournament.starts_at, str(tournament.id)))
        start = (page - 1) * page_size
        views = [
            cast(
                TournamentView,
                {
                    **{
                        column.name: getattr(tournament, column.name)
                        for column in Tournament.__table__.columns
                        if column.name != "last_sequence"
                    },
                    **{
                        name: count
                        for name, count in self.registration_counts(tournament.id).items()
                        if name != "checked_in_count"
                    },
                },
            )
            for tournament in matching[start : start + page_size]
        ]
        return Page(views, len(matching))


class FakeRoundRepository(FakeRowRepository[Round]):
    """The rounds; adding one adds its matches to the matches' fake, as the cascade does."""

    def __init__(
        self,
        matches: FakeMatchRepository,
        registrations: FakeRowRepository[Registration],
        players: FakePlayerRepository,
    ) -> None:
        super().__init__("round", frozenset())
        self.matches = matches
        self.registrations = registrations
        self.players = players

    def count_of_tournament(self, tournament_id: uuid.UUID) -> int:
        return sum(r.tournament_id == tournament_id for r in self.stored.values())

    def add(self, entity: Round) -> Round:
        super().add(entity)
        for match in entity.matches:
            match.round_id = entity.id
            self.matches.add(match)
        return entity

    def views_of_tournament(
        self, tournament_id: uuid.UUID, *, number: int | None = None
    ) -> list[RoundView]:
        rounds = sorted(
            (
                round_
                for round_ in self.stored.values()
                if round_.tournament_id == tournament_id
                and (number is None or round_.number == number)
            ),
            key=lambda round_: round_.number,
        )
        return [
            cast(
                RoundView,
                {
                    **{name: getattr(round_, name) for name in ROUND_VIEW_FIELDS},
                    **_columns(round_),
                    "matches": [
                        self.matches.view_of(match) for match in self.matches.of_round(round_.id)
                    ],
                },
            )
            for round_ in rounds
        ]

    def entrants(self, tournament_id: uuid.UUID) -> list[EntrantRow]:
        return [
            EntrantRow(
                player_id=registration.player_id,
                display_name=self.players.stored[registration.player_id].display_name,
                status=registration.status,
                checked_in=registration.checked_in_at is not None,
                dropped_after_round=registration.dropped_after_round,
            )
            for registration in sorted(
                self.registrations.stored.values(), key=lambda registration: registration.sequence
            )
            if registration.tournament_id == tournament_id
            and registration.status is not RegistrationStatus.WAITLISTED
        ]


class FakeMatchRepository(FakeRowRepository[Match]):
    """The matches; their views read the rounds' fake for their round's number."""

    rounds: FakeRoundRepository

    def __init__(self) -> None:
        super().__init__("match", MatchRepository.updatable)

    def of_round(self, round_id: uuid.UUID) -> list[Match]:
        return sorted(
            (match for match in self.stored.values() if match.round_id == round_id),
            key=lambda match: match.table_number,
        )

    def view_of(self, match: Match) -> MatchView:
        number = self.rounds.stored[match.round_id].number
        return cast(
            MatchView,
            {
                **{name: getattr(match, name) for name in MATCH_VIEW_FIELDS},
                **_columns(match),
                "round_number": number,
            },
        )

    def of_tournament(self, tournament_id: uuid.UUID) -> list[MatchView]:
        return [
            match
            for round_ in self.rounds.views_of_tournament(tournament_id)
            for match in round_["matches"]
        ]

    def page_of_tournament(
        self, tournament_id: uuid.UUID, filters: MatchFilters, *, page: int, page_size: int
    ) -> Page[MatchView]:
        matching = [
            match
            for match in self.of_tournament(tournament_id)
            if (filters.round_number is None or match["round_number"] == filters.round_number)
            and (
                filters.player_id is None
                or filters.player_id in (match["player_a_id"], match["player_b_id"])
            )
        ]
        return _page(matching, page, page_size)

    def in_tournament(self, tournament_id: uuid.UUID, match_id: uuid.UUID) -> Match:
        match = self.stored.get(match_id)
        if match is None or self.rounds.stored[match.round_id].tournament_id != tournament_id:
            raise NotFoundError(self.entity_name, match_id)
        return match

    def view(self, tournament_id: uuid.UUID, match_id: uuid.UUID) -> MatchView:
        return self.view_of(self.in_tournament(tournament_id, match_id))


def _seen_by(audience: Audience, tournament: Tournament) -> bool:
    """The audience's view through the domain's own rule, as its principal would be."""
    if audience.everything:
        principal = Principal.system("fake")
    elif audience.organizer_id is not None:
        principal = Principal.of_user(audience.organizer_id, Role.ORGANIZER)
    elif audience.signed_in:
        principal = Principal.of_user(uuid.uuid4(), Role.MEMBER)
    else:
        principal = ANONYMOUS
    return may_see(principal, tournament.organizer_id, tournament.status, tournament.visibility)


def _matches(filters: TournamentFilters, tournament: Tournament) -> bool:
    return (
        (filters.status is None or tournament.status is filters.status)
        and (filters.game_id is None or tournament.game_id == filters.game_id)
        and (filters.venue_id is None or tournament.venue_id == filters.venue_id)
        and (filters.starts_from is None or tournament.starts_at >= filters.starts_from)
        and (filters.starts_until is None or tournament.starts_at < filters.starts_until)
    )


class FakeUnitOfWork:
    """Behaves like SqlAlchemyUnitOfWork: leaving it, or rollback(), restores what was
    committed last (which games, labels, players and their preferences, copies, collection
    items, users and tokens exist, and their fields, and the failed sign-ins recorded)."""

    def __init__(self, games: Iterable[Game] = ()) -> None:
        self.games = FakeGameRepository()
        self._labels = {kind: FakeLabelRepository(kind, self.games) for kind in LABEL_KINDS}
        self.games.labels = self._labels
        self.players = FakePlayerRepository()
        self.player_preferences = FakePlayerPreferencesRepository()
        self.players.preferences = self.player_preferences
        self.plays = FakePlayRepository(self.games, self.players)
        self.players.plays = self.plays
        self.game_copies = FakeGameCopyRepository(self.games)
        self.collection_items = FakeCollectionItemRepository(self.players, self.games)
        self.users = FakeUserRepository()
        self.api_tokens = FakeApiTokenRepository(self.users)
        self.audit_log = FakeAuditLogRepository()
        self.sign_in_throttles = FakeSignInThrottleRepository()
        self.concierge = FakeConciergeRepository()
        self.venues = FakeVenueRepository()
        self.tournaments = FakeTournamentRepository()
        self.registrations = FakeRegistrationRepository(self.players)
        self.matches = FakeMatchRepository()
        self.rounds = FakeRoundRepository(self.matches, self.registrations, self.players)
        self.matches.rounds = self.rounds
        self.tournaments.registrations = self.registrations
        for game in games:
            self.games.add(game)
        self.commits = 0
        self.locks_held: set[str] = set()
        self._committed = self._snapshot()

    @property
    def categories(self) -> FakeLabelRepository:
        return self._labels[LabelKind.CATEGORIES]

    @property
    def tags(self) -> FakeLabelRepository:
        return self._labels[LabelKind.TAGS]

    def labels(self, kind: LabelKind) -> FakeLabelRepository:
        return self._labels[kind]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.rollback()

    @property
    def _stores(self) -> list[Any]:
        """Every fake repository: what a commit keeps and a rollback restores."""
        return [
            self.games,
            *self._labels.values(),
            self.players,
            self.player_preferences,
            self.plays,
            self.game_copies,
            self.collection_items,
            self.users,
            self.api_tokens,
            self.venues,
            self.tournaments,
            self.registrations,
            self.rounds,
            self.matches,
        ]

    def commit(self) -> None:
        self.commits += 1
        self._committed = self._snapshot()

    def rollback(self) -> None:
        # Its values are immutable tuples: a copy of the dict is a snapshot.
        self.sign_in_throttles.stored = dict(self._committed_throttles)
        for store, kept in zip(self._stores, self._committed, strict=True):
            store.stored = {_key(entity): entity for entity in kept}
            for entity in kept:
                fields = self._fields[id(entity)]
                # A field first set after the commit goes too, back to its unset state.
                for key in [k for k in entity.__dict__ if k not in fields and k[:4] != "_sa_"]:
                    del entity.__dict__[key]
                entity.__dict__.update(fields)

    def _snapshot(self) -> list[list[Any]]:
        self._committed_throttles = dict(self.sign_in_throttles.stored)
        kept = [list(store.stored.values()) for store in self._stores]
        self._fields = {
            id(entity): {
                key: copy.copy(value)
                for key, value in entity.__dict__.items()
                if not key.startswith("_sa_")
            }
            for entities in kept
            for entity in entities
        }
        return kept

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        if name in self.locks_held:
            raise LockHeld(name)
        self.locks_held.add(name)
        try:
            yield
        finally:
            self.locks_held.discard(name)

    def refresh_statistics(self, tables: Sequence[str]) -> bool:
        return True


class FakeUnitsOfWork:
    """A factory handing out Units of Work over one shared fake store, as a sessionmaker
    hands out sessions over one database; what each was made with is recorded."""

    def __init__(self, uow: FakeUnitOfWork | None = None) -> None:
        self.uow = uow or FakeUnitOfWork()
        self.made: list[dict[str, Any]] = []

    def __call__(self, *, actor: str, change_reason: str | None = None) -> FakeUnitOfWork:
        self.made.append({"actor": actor, "change_reason": change_reason})
        return self.uow


class RecordingSession:
    """A session that only records what the Unit of Work asks of it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.info: dict[str, Any] = {}

    def commit(self) -> None:
        self.calls.append("commit")

    def rollback(self) -> None:
        self.calls.append("rollback")

    def flush(self) -> None:
        self.calls.append("flush")

    def close(self) -> None:
        self.calls.append("close")


class FakeConciergeRepository:
    """The group's tastes and a catalog of candidates, kept as the domain's values; the
    countable filters applied as the database applies them."""

    def __init__(self) -> None:
        self.players: dict[uuid.UUID, PlayerTaste] = {}
        self.catalog: list[Candidate] = []

    def tastes(self, player_ids: Sequence[uuid.UUID]) -> list[PlayerTaste]:
        missing = [str(player_id) for player_id in player_ids if player_id not in self.players]
        if missing:
            raise NotFoundError("player" if len(missing) == 1 else "players", ", ".join(missing))
        return [self.players[player_id] for player_id in player_ids]

    def candidates(self, request: Request) -> list[Candidate]:
        needed = countable_filters(request)
        return [game for game in self.catalog if filters_passed(request, game) >= needed]

    def survivors(self, request: Request) -> list[int]:
        passed = [filters_passed(request, game) for game in self.catalog]
        return [
            sum(count >= index for count in passed)
            for index in range(countable_filters(request) + 1)
        ]
