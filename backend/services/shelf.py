"""The shelf's one way in: the club's copies of each game (organizers and admins manage
them) and the games each player owns (a member changes only their own player's collection,
organizers and admins any, as for the player itself).

Everything here is for signed-in users: what the club and its members own is not public.
A copy's change or removal takes the version the caller last read (`expected_version`, from
If-Match over HTTP), as the catalog's do; a collection is a set of games, so adding one
already there or removing one needs no version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from backend.domain.errors import NotFoundError
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.domain.rules import raise_violations
from backend.domain.shelf import COPY_RULES
from backend.domain.versions import ExpectedVersion, VersionTag, version_tag
from backend.models import CollectionItem, GameCopy
from backend.repositories.base import Page
from backend.repositories.shelf import CollectionItemView, CopyView
from backend.services.players import refuse_unless_owner
from backend.services.unit_of_work import UnitOfWork


def copy_version(copy: GameCopy) -> VersionTag:
    return version_tag(copy.version)


def copies_page(
    uow: UnitOfWork, principal: Principal, game_id: UUID, *, page: int, page_size: int
) -> Page[CopyView]:
    """One page of the club's copies of a game, oldest first (signed-in users);
    NotFoundError for an unknown game."""
    require(principal, Permission.SIGNED_IN)
    return uow.game_copies.page_of_game(game_id, page=page, page_size=page_size)


def copy_of(uow: UnitOfWork, principal: Principal, game_id: UUID, copy_id: UUID) -> GameCopy:
    """One copy of the game (signed-in users); NotFoundError if the game has no such copy."""
    require(principal, Permission.SIGNED_IN)
    return _copy_at(uow, game_id, copy_id, None)


def add_copy(
    uow: UnitOfWork, principal: Principal, game_id: UUID, fields: Mapping[str, Any]
) -> GameCopy:
    """Record one more copy of the game on the club's shelf, with its note if any."""
    require(principal, Permission.MANAGE_SHELF)
    raise_violations(COPY_RULES.violations(fields))
    game = uow.games.get_or_raise(game_id)
    copy = uow.game_copies.add(GameCopy(game_id=game.id, **fields))
    uow.commit()
    return copy


def change_copy(
    uow: UnitOfWork,
    principal: Principal,
    game_id: UUID,
    copy_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
) -> GameCopy:
    """Change a copy's note (null clears it)."""
    require(principal, Permission.MANAGE_SHELF)
    raise_violations(COPY_RULES.violations(changes))
    copy = _copy_at(uow, game_id, copy_id, expected_version)
    uow.game_copies.update(copy, changes)
    uow.commit()
    return copy


def remove_copy(
    uow: UnitOfWork,
    principal: Principal,
    game_id: UUID,
    copy_id: UUID,
    *,
    expected_version: ExpectedVersion | None,
) -> None:
    """Take a copy off the club's shelf."""
    require(principal, Permission.MANAGE_SHELF)
    uow.game_copies.delete(_copy_at(uow, game_id, copy_id, expected_version))
    uow.commit()


def collection_page(
    uow: UnitOfWork, principal: Principal, player_id: UUID, *, page: int, page_size: int
) -> Page[CollectionItemView]:
    """One page of the games a player owns, by title (signed-in users); NotFoundError for
    an unknown player."""
    require(principal, Permission.SIGNED_IN)
    return uow.collection_items.page_of_player(player_id, page=page, page_size=page_size)


def own_game(
    uow: UnitOfWork, principal: Principal, player_id: UUID, game_id: UUID
) -> tuple[CollectionItemView, bool]:
    """The player owns the game from now on, and whether that is new: adding a game the
    player owns already changes nothing. The player's owner or a manager of players;
    NotFoundError naming the player or the game that does not exist."""
    require(principal, Permission.SIGNED_IN)
    refuse_unless_owner(principal, uow.players.get_or_raise(player_id))
    game = uow.games.get_or_raise(game_id)
    item = uow.collection_items.item(player_id, game_id)
    added = item is None
    if item is None:
        item = uow.collection_items.add(CollectionItem(player_id=player_id, game_id=game_id))
        uow.commit()
    view: CollectionItemView = {
        "player_id": item.player_id,
        "game_id": item.game_id,
        "title": game.title,
        "added_at": item.created_at,
    }
    return view, added


def disown_game(uow: UnitOfWork, principal: Principal, player_id: UUID, game_id: UUID) -> None:
    """The player no longer owns the game: its owner or a manager of players. NotFoundError
    naming the player or the game that does not exist, or saying the player does not own
    the game."""
    require(principal, Permission.SIGNED_IN)
    refuse_unless_owner(principal, uow.players.get_or_raise(player_id))
    item = uow.collection_items.item(player_id, game_id)
    if item is None:
        uow.games.get_or_raise(game_id)
        raise NotFoundError(f"game {game_id} in the collection of player", player_id)
    uow.collection_items.delete(item)
    uow.commit()


def _copy_at(
    uow: UnitOfWork, game_id: UUID, copy_id: UUID, expected_version: ExpectedVersion | None
) -> GameCopy:
    """The copy, if it is one of this game's, while still at a version the caller expects."""
    copy = uow.game_copies.get_or_raise(copy_id)
    if copy.game_id != game_id:
        # Another game's copy does not exist under this game's URL.
        raise NotFoundError(f"copy {copy_id} of game", game_id)
    if expected_version is not None:
        expected_version.check("copy", copy_id, copy_version(copy))
    return copy
