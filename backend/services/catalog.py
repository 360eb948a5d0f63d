"""The catalog's one way in: adding, changing and removing games and their labels.

Every function is given a Unit of Work and the acting principal, checks that the principal
may change the catalog (organizers, admins and operators' commands), checks the rules that
need stored values, commits once, and raises domain errors. A change or removal takes the
version the caller last read (`expected_version`, from If-Match over HTTP) and is refused
with StaleObjectError when the entity has moved on; None skips that check, for operators'
commands that mean "whatever it is now".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from backend.domain.errors import BrokenReferenceError
from backend.domain.games import GAME_RULES, game_version_tag
from backend.domain.labels import LABEL_KINDS, LabelKind
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.domain.rules import raise_violations
from backend.domain.versions import ExpectedVersion, VersionTag, version_tag
from backend.models import Game
from backend.models.labels import LABEL_MODELS, Label
from backend.services.unit_of_work import UnitOfWork


def game_version(game: Game) -> VersionTag:
    """The version tag of a game with its labels loaded."""
    return game_version_tag(
        game.version,
        {kind: [(label.id, label.name) for label in getattr(game, kind)] for kind in LABEL_KINDS},
    )


def label_version(label: Label) -> VersionTag:
    return version_tag(label.version)


def add_game(uow: UnitOfWork, principal: Principal, fields: Mapping[str, Any]) -> Game:
    """Add a game with its labels (given by id, name or slug) and commit."""
    require(principal, Permission.EDIT_CATALOG)
    values = dict(fields)
    raise_violations(GAME_RULES.violations(values))
    labels = {kind: uow.labels(kind).resolve(values.pop(kind, ())) for kind in LABEL_KINDS}
    game = uow.games.add(Game(**values, **labels))
    uow.commit()
    return game


def change_game(
    uow: UnitOfWork,
    principal: Principal,
    game_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
) -> Game:
    """Apply the changes sent; a label list sent replaces the game's current one. The
    fields' rules hold for the game as it will be: a new min_players above the stored
    max_players is refused here, naming the field, before anything is written."""
    require(principal, Permission.EDIT_CATALOG)
    game = _game_at(uow, game_id, expected_version)
    values = dict(changes)
    stored = {name: getattr(game, name) for name in GAME_RULES.fields}
    raise_violations(GAME_RULES.violations({**stored, **values}))
    for kind in LABEL_KINDS:
        if kind in values:
            setattr(game, kind, uow.labels(kind).resolve(values.pop(kind)))
    uow.games.update(game, values)
    uow.commit()
    return game


def remove_game(
    uow: UnitOfWork,
    principal: Principal,
    game_id: UUID,
    *,
    expected_version: ExpectedVersion | None,
) -> None:
    """Remove a game, the club's copies of it and its place in every collection (each
    removal audited); its labels stay, carried by one game fewer. One with plays recorded
    is refused, naming how many (the database's RESTRICT refuses it too, in a race)."""
    require(principal, Permission.EDIT_CATALOG)
    game = _game_at(uow, game_id, expected_version)
    plays = uow.plays.count_of_game(game_id)
    if plays:
        raise BrokenReferenceError(f"game {game_id} has {plays} plays; remove them first")
    tournaments = uow.tournaments.count_of_game(game_id)
    if tournaments:
        raise BrokenReferenceError(
            f"game {game_id} is played in {tournaments} tournaments, which keep it"
        )
    uow.game_copies.remove_all_of_game(game.id)
    uow.collection_items.remove_all_of_game(game.id)
    uow.games.delete(game)
    uow.commit()


def add_label(uow: UnitOfWork, principal: Principal, kind: LabelKind, name: str) -> Label:
    """Add a label of this kind; its slug follows from the name."""
    require(principal, Permission.EDIT_CATALOG)
    label: Label = uow.labels(kind).add(LABEL_MODELS[kind](name=name))
    uow.commit()
    return label


def rename_label(
    uow: UnitOfWork,
    principal: Principal,
    kind: LabelKind,
    label_id: UUID,
    name: str,
    *,
    expected_version: ExpectedVersion | None,
) -> Label:
    """Rename a label; every game carrying it reads the new name (and gets a new version tag)."""
    require(principal, Permission.EDIT_CATALOG)
    label = _label_at(uow, kind, label_id, expected_version)
    uow.labels(kind).update(label, {"name": name})
    uow.commit()
    return label


def remove_label(
    uow: UnitOfWork,
    principal: Principal,
    kind: LabelKind,
    label_id: UUID,
    *,
    expected_version: ExpectedVersion | None,
) -> None:
    """Remove a label no game carries; one still in use is refused, naming how many use it."""
    require(principal, Permission.EDIT_CATALOG)
    label = _label_at(uow, kind, label_id, expected_version)
    in_use = label.game_count
    if in_use:
        raise BrokenReferenceError(
            f"{kind.singular} {label.name!r} is used by {in_use} game(s); take it off them first"
        )
    uow.labels(kind).delete(label)
    uow.commit()


def _game_at(uow: UnitOfWork, game_id: UUID, expected_version: ExpectedVersion | None) -> Game:
    """The game with its labels, while it is still at a version the caller expects."""
    game = uow.games.get_with_labels(game_id)
    if expected_version is not None:
        expected_version.check("game", game_id, game_version(game))
    return game


def _label_at(
    uow: UnitOfWork, kind: LabelKind, label_id: UUID, expected_version: ExpectedVersion | None
) -> Label:
    """The label with its game count, while it is still at a version the caller expects."""
    label: Label = uow.labels(kind).get_with_game_count(label_id)
    if expected_version is not None:
        expected_version.check(kind.singular, label_id, label_version(label))
    return label
