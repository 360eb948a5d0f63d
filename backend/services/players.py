"""Players' one way in: creating, changing and removing players, and setting what each
likes to play.

A club's members are not public: every function needs a signed-in principal. Any of them
may create their own player (linked to their account) and change or remove it; organizers
and admins (MANAGE_PLAYERS) manage any player, linked to any account or to none. A
player's Discord id is shown only to its owner and to those who manage players; everyone
else reads null. Writes take the version the caller last read (`expected_version`, from
If-Match over HTTP), as the catalog's do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict
from uuid import UUID

from backend.domain.errors import BrokenReferenceError, DuplicateError, PermissionDenied
from backend.domain.games import game_version_tag
from backend.domain.labels import LabelKind
from backend.domain.permissions import Permission, require
from backend.domain.players import PLAYER_RULES, PREFERENCE_RULES, check_discord_id, owns
from backend.domain.principal import Principal
from backend.domain.rules import raise_violations
from backend.domain.versions import ExpectedVersion, VersionTag
from backend.models import Game, Player, PlayerPreferences
from backend.repositories.base import Page
from backend.repositories.players import PlayerView
from backend.services.unit_of_work import UnitOfWork

DUPLICATE_ACCOUNT = "This account already has a player."
DUPLICATE_DISCORD_ID = "Another player already has this Discord id."
# The ranges of the preferences, each null for "no preference".
PREFERENCE_RANGES = (
    "min_play_minutes",
    "max_play_minutes",
    "min_complexity",
    "max_complexity",
    "min_group_size",
    "max_group_size",
)
# The preferences' lists, and the kind of label each holds (None: games).
PREFERENCE_LISTS: dict[str, LabelKind | None] = {
    "favourite_categories": LabelKind.CATEGORIES,
    "favourite_tags": LabelKind.TAGS,
    "refused_games": None,
}


class NamedView(TypedDict):
    id: UUID
    name: str
    slug: str


class GameSummaryView(TypedDict):
    id: UUID
    title: str


class PreferencesView(TypedDict):
    """A player's preferences as clients read them; version 0 and null audit fields while
    the player has set none."""

    player_id: UUID
    min_play_minutes: int | None
    max_play_minutes: int | None
    min_complexity: float | None
    max_complexity: float | None
    min_group_size: int | None
    max_group_size: int | None
    favourite_categories: list[NamedView]
    favourite_tags: list[NamedView]
    refused_games: list[GameSummaryView]
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    created_by: str | None
    updated_by: str | None
    change_reason: str | None


def may_manage_any(principal: Principal) -> bool:
    return Permission.MANAGE_PLAYERS.allows(principal)


def may_see_discord_id(principal: Principal, owner_user_id: UUID | None) -> bool:
    """The player's owner and those who manage players see its Discord id."""
    return may_manage_any(principal) or owns(principal, owner_user_id)


def shown_to(principal: Principal, player: PlayerView) -> PlayerView:
    """The player as this principal may read it: its Discord id null unless theirs to see."""
    if player["discord_id"] is None or may_see_discord_id(principal, player["user_id"]):
        return player
    return {**player, "discord_id": None}


def player_version(player: PlayerView | Player) -> VersionTag:
    version = player["version"] if isinstance(player, dict) else player.version
    return VersionTag(str(version))


def preferences_version(preferences: PreferencesView) -> VersionTag:
    """The tag of preferences as they read now: their version, and the names of what they
    list, since renaming a label or a game changes how they read without touching them."""
    return game_version_tag(
        preferences["version"],
        {
            "favourite_categories": _pairs(preferences["favourite_categories"], "name"),
            "favourite_tags": _pairs(preferences["favourite_tags"], "name"),
            "refused_games": _pairs(preferences["refused_games"], "title"),
        },
    )


# The tag of a player's preferences while it has none: what a writer who saw none expects.
NO_PREFERENCES_TAG = game_version_tag(
    0, {"favourite_categories": [], "favourite_tags": [], "refused_games": []}
)
NO_PREFERENCES_EXPECTED = ExpectedVersion.of({NO_PREFERENCES_TAG})


def players_page(
    uow: UnitOfWork,
    principal: Principal,
    *,
    name_contains: str | None,
    page: int,
    page_size: int,
) -> Page[PlayerView]:
    """One page of the players by name, with their play counts (signed-in users)."""
    require(principal, Permission.SIGNED_IN)
    found = uow.players.page(name_contains=name_contains, page=page, page_size=page_size)
    return Page([shown_to(principal, player) for player in found.items], found.total)


def player_of(uow: UnitOfWork, principal: Principal, player_id: UUID) -> PlayerView:
    """One player with its play count (signed-in users); NotFoundError if none."""
    require(principal, Permission.SIGNED_IN)
    return shown_to(principal, uow.players.view(player_id))


def create_player(uow: UnitOfWork, principal: Principal, fields: Mapping[str, Any]) -> PlayerView:
    """Create a player and commit. A member's is linked to their own account (another
    account is PermissionDenied); organizers and admins link it to any account, or none
    when `user_id` is left out or null. One player per account (DuplicateError)."""
    require(principal, Permission.SIGNED_IN)
    values = dict(fields)
    if may_manage_any(principal):
        user_id = values.get("user_id")
    else:
        user_id = values.get("user_id", principal.user_id)
        if user_id != principal.user_id:
            raise PermissionDenied("A member may create only their own player.")
    values["user_id"] = user_id
    _check_player_values(uow, values, current=None)
    player = uow.players.add(Player(**values))
    uow.commit()
    return shown_to(principal, uow.players.view(player.id))


def change_player(
    uow: UnitOfWork,
    principal: Principal,
    player_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
) -> PlayerView:
    """Change some of a player's fields: its owner or a manager of players; only a manager
    moves it to another account (or to none)."""
    require(principal, Permission.SIGNED_IN)
    player = _player_at(uow, principal, player_id, expected_version, with_preferences=False)
    values = dict(changes)
    if (
        "user_id" in values
        and values["user_id"] != player.user_id
        and not may_manage_any(principal)
    ):
        raise PermissionDenied(
            "Only an organizer or an admin may link a player to another account."
        )
    _check_player_values(uow, values, current=player)
    uow.players.update(player, values)
    uow.commit()
    return shown_to(principal, uow.players.view(player.id))


def remove_player(
    uow: UnitOfWork,
    principal: Principal,
    player_id: UUID,
    *,
    expected_version: ExpectedVersion | None,
) -> None:
    """Remove a player, its preferences and its collection (each removal audited): its
    owner or a manager. One that took part in plays is refused, naming how many (the
    database's RESTRICT refuses it too, in a race)."""
    require(principal, Permission.SIGNED_IN)
    player = _player_at(uow, principal, player_id, expected_version, with_preferences=True)
    plays = uow.plays.count_of_player(player_id)
    if plays:
        raise BrokenReferenceError(f"player {player_id} has {plays} plays; remove them first")
    # A tournament's registrations and results are its history: they are not removed.
    tournaments = uow.registrations.count_of_player(player_id)
    if tournaments:
        raise BrokenReferenceError(
            f"player {player_id} signed up for {tournaments} tournaments, which keep them"
        )
    uow.collection_items.remove_all_of_player(player.id)
    uow.players.delete(player)
    uow.commit()


def preferences_of(uow: UnitOfWork, principal: Principal, player_id: UUID) -> PreferencesView:
    """The player's preferences (signed-in users); empty ones, at version 0, while the player
    has set none. NotFoundError for an unknown player."""
    require(principal, Permission.SIGNED_IN)
    preferences = uow.player_preferences.of_player(player_id)
    if preferences is None:
        uow.players.get_or_raise(player_id)
        return no_preferences(player_id)
    return preferences_view(preferences)


def set_preferences(
    uow: UnitOfWork,
    principal: Principal,
    player_id: UUID,
    values: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
) -> PreferencesView:
    """Replace the player's preferences as a whole: a range or list left out is cleared.
    Its owner or a manager of players. `expected_version` is checked against the
    preferences as they read now; while there are none, against no_preferences' tag, so a
    writer that saw none refuses to overwrite someone else's first ones."""
    require(principal, Permission.SIGNED_IN)
    player = uow.players.get_or_raise(player_id)
    refuse_unless_owner(principal, player)
    stored = uow.player_preferences.of_player(player_id)
    if expected_version is not None:
        current = no_preferences(player_id) if stored is None else preferences_view(stored)
        expected_version.check("preferences of player", player_id, preferences_version(current))
    ranges = {name: values.get(name) for name in PREFERENCE_RANGES}
    raise_violations(PREFERENCE_RULES.violations(ranges))
    lists = {name: _resolve(uow, name, values.get(name, ())) for name in PREFERENCE_LISTS}
    if stored is None:
        stored = uow.player_preferences.add(
            PlayerPreferences(player_id=player_id, **ranges, **lists)
        )
    else:
        uow.player_preferences.update(stored, {**ranges, **lists})
    uow.commit()
    return preferences_view(stored)


def no_preferences(player_id: UUID) -> PreferencesView:
    """What a player who has set no preferences reads."""
    return {
        "player_id": player_id,
        **dict.fromkeys(PREFERENCE_RANGES),  # type: ignore[typeddict-item]
        "favourite_categories": [],
        "favourite_tags": [],
        "refused_games": [],
        "version": 0,
        "created_at": None,
        "updated_at": None,
        "created_by": None,
        "updated_by": None,
        "change_reason": None,
    }


def preferences_view(preferences: PlayerPreferences) -> PreferencesView:
    """Stored preferences, with their lists loaded, as clients read them."""
    return {
        "player_id": preferences.player_id,
        **{name: getattr(preferences, name) for name in PREFERENCE_RANGES},  # type: ignore[typeddict-item]
        "favourite_categories": _labels(preferences.favourite_categories),
        "favourite_tags": _labels(preferences.favourite_tags),
        "refused_games": [
            {"id": game.id, "title": game.title}
            for game in sorted(preferences.refused_games, key=lambda game: (game.title, game.id))
        ],
        "version": preferences.version,
        "created_at": preferences.created_at,
        "updated_at": preferences.updated_at,
        "created_by": preferences.created_by,
        "updated_by": preferences.updated_by,
        "change_reason": preferences.change_reason,
    }


def _labels(labels: Iterable[Any]) -> list[NamedView]:
    return [
        {"id": label.id, "name": label.name, "slug": label.slug}
        for label in sorted(labels, key=lambda label: (label.name, label.id))
    ]


def _pairs(items: Iterable[Mapping[str, Any]], name: str) -> list[tuple[object, str]]:
    return [(item["id"], item[name]) for item in items]


def _resolve(uow: UnitOfWork, field: str, references: Iterable[Any]) -> list[Any]:
    """The labels (by id, name or slug) or games (by id) a list names; BrokenReferenceError
    naming the field for unknown ones."""
    kind = PREFERENCE_LISTS[field]
    if kind is not None:
        try:
            return list(uow.labels(kind).resolve([str(reference) for reference in references]))
        except BrokenReferenceError as error:
            raise BrokenReferenceError(
                error.message.replace(f"unknown {kind}", f"unknown {field}"),
                fields={
                    field: [message for messages in error.fields.values() for message in messages]
                },
            ) from None
    wanted = list(dict.fromkeys(references))
    games: list[Game] = uow.games.with_ids(wanted)
    missing = sorted(str(game_id) for game_id in set(wanted) - {game.id for game in games})
    if missing:
        listed = ", ".join(missing)
        raise BrokenReferenceError(
            f"unknown {field}: {listed}", fields={field: [f"Unknown: {listed}."]}
        )
    return games


def _check_player_values(
    uow: UnitOfWork, values: Mapping[str, Any], *, current: Player | None
) -> None:
    """The rules a player's values must meet as it will be, and the references and unique
    keys a message can name more clearly than the database's refusal."""
    stored = (
        {} if current is None else {name: getattr(current, name) for name in PLAYER_RULES.fields}
    )
    raise_violations(PLAYER_RULES.violations({**stored, **values}))
    if "discord_id" in values:
        check_discord_id(values["discord_id"])
        discord_id = values["discord_id"]
        holder = None if discord_id is None else uow.players.with_discord_id(discord_id)
        if holder is not None and holder is not current:
            raise DuplicateError(
                DUPLICATE_DISCORD_ID, fields={"discord_id": [DUPLICATE_DISCORD_ID]}
            )
    user_id = values.get("user_id")
    if user_id is not None and (current is None or user_id != current.user_id):
        if uow.users.get(user_id) is None:
            message = f"There is no account {user_id}."
            raise BrokenReferenceError(message, fields={"user_id": [message]})
        if uow.players.of_user(user_id) is not None:
            raise DuplicateError(DUPLICATE_ACCOUNT, fields={"user_id": [DUPLICATE_ACCOUNT]})


def refuse_unless_owner(principal: Principal, player: Player) -> None:
    """PermissionDenied unless the principal owns the player or manages players: the rule
    for changing a player and what belongs to it (its preferences, its collection)."""
    if not (may_manage_any(principal) or owns(principal, player.user_id)):
        raise PermissionDenied(
            "A member may change only their own player; organizers and admins change any."
        )


def _player_at(
    uow: UnitOfWork,
    principal: Principal,
    player_id: UUID,
    expected_version: ExpectedVersion | None,
    *,
    with_preferences: bool,
) -> Player:
    """The player, if the principal may change it, while still at the version expected."""
    player = (
        uow.players.get_with_preferences(player_id)
        if with_preferences
        else uow.players.get_or_raise(player_id)
    )
    refuse_unless_owner(principal, player)
    if expected_version is not None:
        expected_version.check("player", player_id, player_version(player))
    return player
