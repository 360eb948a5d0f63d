"""What services need of a Unit of Work and its repositories, as protocols.

Services depend on these, never on SQLAlchemy: `SqlAlchemyUnitOfWork`
(backend/repositories/unit_of_work.py) implements them on a database, and the in-memory
`FakeUnitOfWork` of the tests implements them without one. A repository method a service
starts using is added here, to both implementations.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar
from uuid import UUID

from backend.domain.accounts import Role, TokenCredentials
from backend.domain.audit import AuditQuery
from backend.domain.concierge import Candidate, PlayerTaste, Request
from backend.domain.labels import LabelKind
from backend.domain.tournaments import RegistrationStatus
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
from backend.models.labels import Label
from backend.repositories.base import Page
from backend.repositories.players import PlayerView
from backend.repositories.plays import PlayerStatsView, PlayFilters, PlayView
from backend.repositories.registrations import RegistrationView
from backend.repositories.rounds import EntrantRow, MatchFilters, MatchView, RoundView
from backend.repositories.shelf import CollectionItemView, CopyView
from backend.repositories.tournaments import (
    Audience,
    RegistrationCounts,
    TournamentFilters,
    TournamentView,
)

LabelT = TypeVar("LabelT", bound=Label)


class GameStore(Protocol):
    """The games of the catalog."""

    def get_with_labels(self, game_id: Any) -> Game:
        """The game and its labels; NotFoundError if none."""
        ...

    def get_or_raise(self, identifier: Any) -> Game:
        """The game without its labels; NotFoundError if none."""
        ...

    def add(self, entity: Game) -> Game: ...

    def update(self, entity: Game, changes: Mapping[str, Any]) -> Game:
        """Set the changed fields; only the repository's `updatable` ones are allowed."""
        ...

    def delete(self, entity: Game) -> None: ...

    def count(self) -> int: ...

    def with_ids(self, game_ids: Collection[UUID]) -> list[Game]:
        """The games with these ids that exist, by title (labels not loaded)."""
        ...

    # The bulk load's set-based reads and writes (see backend/services/game_import.py).

    def stored_by_bgg_id(self, bgg_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        """Id, version and updatable columns of the games with these bgg_ids."""
        ...

    def label_slugs(self, game_ids: Collection[UUID]) -> dict[UUID, dict[str, dict[str, str]]]:
        """For each game: kind -> slug -> name of its labels."""
        ...

    def insert_many(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        audit_extras: Sequence[Mapping[str, Any]] | None = None,
    ) -> Sequence[Any]:
        """Insert plain rows, audited; returns their new ids in order."""
        ...

    def update_many(self, updates: Sequence[BulkUpdate]) -> None:
        """Update rows still at the version they were read at (StaleObjectError otherwise)."""
        ...

    def link_labels(
        self, kind: LabelKind, labels_of: Mapping[UUID, Collection[UUID]], *, replace: bool
    ) -> None:
        """The games given carry these labels of one kind; with `replace`, only these."""
        ...


class LabelStore(Protocol[LabelT]):
    """The labels of one kind."""

    @property
    def entity_name(self) -> str: ...

    def get_with_game_count(self, label_id: Any) -> LabelT:
        """The label with `game_count` loaded; NotFoundError if none."""
        ...

    def named(self, names: Iterable[str]) -> dict[str, LabelT]:
        """Name -> label, the missing ones created."""
        ...

    def resolve(self, references: Iterable[str]) -> list[LabelT]:
        """The labels named by ids, names or slugs; BrokenReferenceError for unknown ones."""
        ...

    def ids_by_slug(self, names: Iterable[str]) -> dict[str, UUID]:
        """Slug -> id of the labels with these names, the missing ones created."""
        ...

    def add(self, entity: LabelT) -> LabelT: ...

    def update(self, entity: LabelT, changes: Mapping[str, Any]) -> LabelT: ...

    def delete(self, entity: LabelT) -> None: ...


class PlayerStore(Protocol):
    """The club's players."""

    def get_or_raise(self, identifier: Any) -> Player:
        """The player; NotFoundError if none."""
        ...

    def get_with_preferences(self, player_id: Any) -> Player:
        """The player with its preferences loaded; NotFoundError if none."""
        ...

    def of_user(self, user_id: UUID) -> Player | None:
        """The player linked to this account, if any."""
        ...

    def with_discord_id(self, discord_id: str) -> Player | None: ...

    def with_ids(self, player_ids: Collection[UUID]) -> list[Player]:
        """The players with these ids that exist (in no particular order)."""
        ...

    def view(self, player_id: UUID) -> PlayerView:
        """The player as clients read it, with its play count; NotFoundError if none."""
        ...

    def page(self, *, name_contains: str | None, page: int, page_size: int) -> Page[PlayerView]:
        """One page of the players by name, with their play counts."""
        ...

    def add(self, entity: Player) -> Player: ...

    def update(self, entity: Player, changes: Mapping[str, Any]) -> Player: ...

    def delete(self, entity: Player) -> None: ...


class PlayerPreferencesStore(Protocol):
    """The players' preferences, one (or none) per player."""

    def of_player(self, player_id: UUID) -> PlayerPreferences | None:
        """The player's preferences with their lists loaded, or None."""
        ...

    def add(self, entity: PlayerPreferences) -> PlayerPreferences: ...

    def update(
        self, entity: PlayerPreferences, changes: Mapping[str, Any]
    ) -> PlayerPreferences: ...

    def delete(self, entity: PlayerPreferences) -> None: ...


class PlayStore(Protocol):
    """The plays recorded at the club, each with its participants."""

    def get_with_participants(self, play_id: Any) -> Play:
        """The play with its participants loaded; NotFoundError if none."""
        ...

    def count_of_game(self, game_id: UUID) -> int:
        """How many plays of this game are recorded."""
        ...

    def count_of_player(self, player_id: UUID) -> int:
        """How many plays this player took part in."""
        ...

    def view(self, play_id: UUID) -> PlayView:
        """The play as clients read it; NotFoundError if none."""
        ...

    def page(self, filters: PlayFilters, *, page: int, page_size: int) -> Page[PlayView]:
        """One page of the plays matching every filter, newest first."""
        ...

    def stats_of(self, player_id: UUID) -> PlayerStatsView:
        """What the player's plays add up to; NotFoundError for an unknown player."""
        ...

    def add(self, entity: Play) -> Play: ...

    def update(self, entity: Play, changes: Mapping[str, Any]) -> Play: ...

    def delete(self, entity: Play) -> None: ...


class GameCopyStore(Protocol):
    """The club's copies of games."""

    def get_or_raise(self, identifier: Any) -> GameCopy:
        """The copy; NotFoundError if none."""
        ...

    def page_of_game(self, game_id: UUID, *, page: int, page_size: int) -> Page[CopyView]:
        """One page of the game's copies, oldest first; NotFoundError for an unknown game."""
        ...

    def remove_all_of_game(self, game_id: UUID) -> None:
        """Remove each of the game's copies, each audited, before the game goes."""
        ...

    def add(self, entity: GameCopy) -> GameCopy: ...
    def update(self, entity: GameCopy, changes: Mapping[str, Any]) -> GameCopy: ...
    def delete(self, entity: GameCopy) -> None: ...


class CollectionItemStore(Protocol):
    """The games each player owns."""

    def page_of_player(
        self, player_id: UUID, *, page: int, page_size: int
    ) -> Page[CollectionItemView]:
        """One page of the games the player owns, by title; NotFoundError for an unknown
        player."""
        ...

    def item(self, player_id: UUID, game_id: UUID) -> CollectionItem | None:
        """The player's ownership of the game, if they own it."""
        ...

    def remove_all_of_game(self, game_id: UUID) -> None:
        """Remove the game from every collection, each item audited, before the game goes."""
        ...

    def remove_all_of_player(self, player_id: UUID) -> None:
        """Remove the player's whole collection, each item audited, before the player goes."""
        ...

    def add(self, entity: CollectionItem) -> CollectionItem: ...
    def delete(self, entity: CollectionItem) -> None: ...


class UserStore(Protocol):
    """The accounts."""

    def get(self, identifier: Any) -> User | None: ...

    def get_or_raise(self, identifier: Any) -> User:
        """The user; NotFoundError if none."""
        ...

    def get_by_email(self, key: str) -> User | None:
        """The user whose normalised email (email_key of backend.domain.accounts) is `key`."""
        ...

    def count_active_admins(self, *, lock: bool = False) -> int:
        """How many active admins there are; `lock` holds their rows until the end."""
        ...

    def page(
        self, *, role: Role | None, active: bool | None, page: int, page_size: int
    ) -> Page[User]:
        """One page of the accounts with this role and active flag (None: any), by email."""
        ...

    def add(self, entity: User) -> User: ...

    def update(self, entity: User, changes: Mapping[str, Any]) -> User: ...


class ApiTokenStore(Protocol):
    """The users' API tokens, found by the SHA-256 of their secret."""

    def get_or_raise(self, identifier: Any) -> ApiToken:
        """The token; NotFoundError if none."""
        ...

    def by_hash(self, token_hash: str) -> ApiToken | None: ...

    def with_user_by_hash(self, token_hash: str) -> TokenCredentials | None:
        """The token with this hash and what authenticating needs of its user, in one
        statement."""
        ...

    def record_use(self, token_id: UUID, at: datetime, *, unless_since: datetime) -> None:
        """Note the token's use at `at` unless one since `unless_since` is noted already;
        bookkeeping, neither versioned nor audited."""
        ...

    def of_user(self, user_id: UUID) -> Sequence[ApiToken]: ...

    def page_of_user(self, user_id: UUID, *, page: int, page_size: int) -> Page[ApiToken]:
        """One page of the user's tokens, newest first."""
        ...

    def revoke_all_of_user(self, user_id: UUID, at: datetime, *, keep: Any = None) -> int:
        """Revoke the user's unrevoked tokens but the one whose id is `keep`; how many."""
        ...

    def add(self, entity: ApiToken) -> ApiToken: ...

    def update(self, entity: ApiToken, changes: Mapping[str, Any]) -> ApiToken: ...


class AuditLogStore(Protocol):
    """The audit trail, for reading (the Unit of Work writes it on every flush)."""

    def search(self, query: AuditQuery, *, page: int, page_size: int) -> Page[AuditLog]:
        """One page of the entries matching every filter of the query, newest first."""
        ...


class SignInThrottleStore(Protocol):
    """The recent failed sign-ins of each email (backend.domain.accounts' throttle_key)."""

    def locked_failures(self, key: str) -> list[datetime]:
        """The recorded failures of `key`, oldest first; its record stays locked until the
        Unit of Work ends, so concurrent attempts for one email take turns."""
        ...

    def record_failure(self, key: str, failures_to_keep: Sequence[datetime], at: datetime) -> None:
        """Store these as `key`'s recent failures, `at` the newest."""
        ...

    def clear(self, key: str) -> None:
        """Forget `key`'s failures."""
        ...

    def prune(self, before: datetime) -> int:
        """Forget the records whose last failure is older than `before`; how many. In a
        transaction of its own: it never waits for a record another holds."""
        ...


class ConciergeStore(Protocol):
    """What the concierge reads: the group's tastes and the games that might suit it."""

    def tastes(self, player_ids: Sequence[UUID]) -> list[PlayerTaste]:
        """Each player's taste, in the order given; NotFoundError naming unknown ids."""
        ...

    def candidates(self, request: Request) -> list[Candidate]:
        """The games passing the request's countable filters, with their history."""
        ...

    def survivors(self, request: Request) -> list[int]:
        """How many games there are, then how many pass each countable filter in turn."""
        ...


class VenueStore(Protocol):
    """The venues tournaments are held at."""

    def get(self, identifier: Any) -> Venue | None: ...

    def get_or_raise(self, identifier: Any) -> Venue:
        """The venue; NotFoundError if none."""
        ...

    def page(self, *, page: int, page_size: int) -> Page[Venue]:
        """One page of the venues, by name."""
        ...

    def add(self, entity: Venue) -> Venue: ...
    def update(self, entity: Venue, changes: Mapping[str, Any]) -> Venue: ...
    def delete(self, entity: Venue) -> None: ...


class TournamentStore(Protocol):
    """The tournaments."""

    def get_or_raise(self, identifier: Any) -> Tournament:
        """The tournament; NotFoundError if none."""
        ...

    def get_for_update(self, identifier: Any) -> Tournament:
        """The tournament, row-locked until the Unit of Work ends, so concurrent changes of
        it (sign-ups taking the next number) take turns; NotFoundError if none."""
        ...

    def count_at_venue(self, venue_id: UUID) -> int:
        """How many tournaments are held at this venue, whatever their state."""
        ...

    def count_of_game(self, game_id: UUID) -> int:
        """How many tournaments play this game, whatever their state."""
        ...

    def registration_counts(self, tournament_id: UUID) -> RegistrationCounts:
        """The tournament's registered, waitlisted and checked-in (registered) counts."""
        ...

    def page(
        self, filters: TournamentFilters, audience: Audience, *, page: int, page_size: int
    ) -> Page[TournamentView]:
        """One page of the tournaments the audience sees matching every filter, by start
        time, with their counts."""
        ...

    def add(self, entity: Tournament) -> Tournament: ...
    def update(self, entity: Tournament, changes: Mapping[str, Any]) -> Tournament: ...
    def delete(self, entity: Tournament) -> None: ...


class RegistrationStore(Protocol):
    """Who signed up for which tournament, numbered in order of sign-up."""

    def get_or_raise(self, identifier: Any) -> Registration:
        """The registration; NotFoundError if none."""
        ...

    def in_tournament(
        self, tournament_id: UUID, registration_id: UUID, *, lock: bool = False
    ) -> Registration:
        """The tournament's registration with this id (`lock`: row-locked, as last
        committed); NotFoundError if the tournament has none."""
        ...

    def of_player(self, tournament_id: UUID, player_id: UUID) -> Registration | None:
        """The player's registration in the tournament, whatever its status, if any."""
        ...

    def count_of_player(self, player_id: UUID) -> int:
        """How many tournaments the player signed up for, dropped or not."""
        ...

    def count_registered(self, tournament_id: UUID) -> int:
        """How many of the tournament's registrations hold a place, as last committed."""
        ...

    def first_waitlisted(self, tournament_id: UUID) -> Registration | None:
        """The tournament's waitlisted registration that signed up first, row-locked."""
        ...

    def view(self, tournament_id: UUID, registration_id: UUID) -> RegistrationView:
        """The tournament's registration with its player's name; NotFoundError if the
        tournament has none with this id."""
        ...

    def page(
        self,
        tournament_id: UUID,
        *,
        status: RegistrationStatus | None,
        page: int,
        page_size: int,
    ) -> Page[RegistrationView]:
        """One page of the tournament's registrations in sign-up order."""
        ...

    def add(self, entity: Registration) -> Registration: ...
    def update(self, entity: Registration, changes: Mapping[str, Any]) -> Registration: ...
    def delete(self, entity: Registration) -> None: ...


class RoundStore(Protocol):
    """The tournaments' rounds, each with its matches."""

    def get_or_raise(self, identifier: Any) -> Round:
        """The round; NotFoundError if none."""
        ...

    def count_of_tournament(self, tournament_id: UUID) -> int:
        """How many rounds of the tournament are paired."""
        ...

    def add(self, entity: Round) -> Round: ...
    def delete(self, entity: Round) -> None: ...

    def views_of_tournament(
        self, tournament_id: UUID, *, number: int | None = None
    ) -> list[RoundView]:
        """The tournament's rounds in order (only round `number`, when given), each with
        its matches by table."""
        ...

    def entrants(self, tournament_id: UUID) -> list[EntrantRow]:
        """The tournament's registrations but the waitlisted, with their players' names,
        in order of sign-up."""
        ...


class MatchStore(Protocol):
    """The rounds' matches and their results."""

    def get_or_raise(self, identifier: Any) -> Match:
        """The match; NotFoundError if none."""
        ...

    def add(self, entity: Match) -> Match: ...
    def update(self, entity: Match, changes: Mapping[str, Any]) -> Match: ...

    def of_tournament(self, tournament_id: UUID) -> list[MatchView]:
        """Every match of the tournament by round and table."""
        ...

    def page_of_tournament(
        self, tournament_id: UUID, filters: MatchFilters, *, page: int, page_size: int
    ) -> Page[MatchView]:
        """One page of the tournament's matches passing the filters, by round and table."""
        ...

    def view(self, tournament_id: UUID, match_id: UUID) -> MatchView:
        """The match as clients read it; NotFoundError unless it is the tournament's."""
        ...

    def in_tournament(self, tournament_id: UUID, match_id: UUID) -> Match:
        """The match with its round loaded; NotFoundError unless it is the tournament's."""
        ...


class UnitOfWork(Protocol):
    """One transaction's worth of work: leaving it rolls back whatever was not committed."""

    @property
    def games(self) -> GameStore: ...

    @property
    def players(self) -> PlayerStore: ...

    @property
    def player_preferences(self) -> PlayerPreferencesStore: ...

    @property
    def plays(self) -> PlayStore: ...

    @property
    def game_copies(self) -> GameCopyStore: ...

    @property
    def collection_items(self) -> CollectionItemStore: ...

    @property
    def users(self) -> UserStore: ...

    @property
    def api_tokens(self) -> ApiTokenStore: ...

    @property
    def audit_log(self) -> AuditLogStore: ...

    @property
    def sign_in_throttles(self) -> SignInThrottleStore: ...

    @property
    def concierge(self) -> ConciergeStore: ...

    @property
    def venues(self) -> VenueStore: ...

    @property
    def tournaments(self) -> TournamentStore: ...

    @property
    def registrations(self) -> RegistrationStore: ...

    @property
    def rounds(self) -> RoundStore: ...

    @property
    def matches(self) -> MatchStore: ...

    def labels(self, kind: LabelKind) -> LabelStore[Any]:
        """The labels of one kind."""
        ...

    def commit(self) -> None:
        """Save everything staged so far, or raise the domain error that stopped it."""
        ...

    def rollback(self) -> None: ...

    def exclusive(self, name: str) -> AbstractContextManager[None]:
        """Hold the lock `name` for the block, against every process, or raise LockHeld."""
        ...

    def refresh_statistics(self, tables: Sequence[str]) -> bool:
        """Refresh the planner's statistics after a bulk load; whether it was done."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a Unit of Work for each transaction of a longer job (the importer's batches)."""

    def __call__(self, *, actor: str, change_reason: str | None = None) -> UnitOfWork: ...
