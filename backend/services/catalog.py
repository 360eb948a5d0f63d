"""The catalog's rules for changing games and their labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.errors import BrokenReferenceError
from backend.models import Game
from backend.models.labels import Label
from backend.repositories.unit_of_work import LABEL_KINDS, LabelKind, UnitOfWork


def add_game(uow: UnitOfWork, fields: Mapping[str, Any]) -> Game:
    """Add a game with its labels (given by id, name or slug) and commit."""
    values = dict(fields)
    labels = {kind: uow.labels(kind).resolve(values.pop(kind, ())) for kind in LABEL_KINDS}
    game = uow.games.add(Game(**values, **labels))
    uow.commit()
    return game


def change_game(uow: UnitOfWork, game: Game, changes: Mapping[str, Any]) -> Game:
    """Apply the changes sent; a label list sent replaces the game's current one."""
    values = dict(changes)
    for kind in LABEL_KINDS:
        if kind in values:
            setattr(game, kind, uow.labels(kind).resolve(values.pop(kind)))
    uow.games.update(game, values)
    uow.commit()
    return game


def add_label(uow: UnitOfWork, kind: LabelKind, name: str) -> Label:
    repository = uow.labels(kind)
    label: Label = repository.add(repository.model(name=name))
    uow.commit()
    return label


def rename_label(uow: UnitOfWork, kind: LabelKind, label: Label, name: str) -> Label:
    uow.labels(kind).update(label, {"name": name})
    uow.commit()
    return label


def remove_label(uow: UnitOfWork, kind: LabelKind, label: Label) -> None:
    """Remove a label no game carries; one still in use is refused, naming how many use it."""
    repository = uow.labels(kind)
    in_use = label.game_count
    if in_use:
        raise BrokenReferenceError(
            f"{repository.entity_name} {label.name!r} is used by {in_use} game(s); "
            "take it off them first"
        )
    repository.delete(label)
    uow.commit()
