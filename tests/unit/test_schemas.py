"""Response schemas written out by hand for speed say exactly what their documented schema
would."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from backend.api.games.schemas import GameOut
from backend.api.labels.schemas import LabelSummary


def _label(name: str) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "name": name, "slug": name.lower(), "version": 3}


@pytest.mark.parametrize("as_objects", [False, True], ids=["rows", "orm-like objects"])
def test_a_games_labels_dump_as_label_summary_would(as_objects: bool) -> None:
    labels = [_label("Dice"), _label("Cards")]
    game: Any = {"categories": [], "tags": labels}
    if as_objects:
        game = SimpleNamespace(categories=[], tags=[SimpleNamespace(**label) for label in labels])
    dumped = GameOut(only=("categories", "tags")).dump(game)
    assert dumped == {"categories": [], "tags": LabelSummary(many=True).dump(labels)}


def test_the_documented_label_fields_are_the_ones_written() -> None:
    assert set(LabelSummary().fields) == {"id", "name", "slug"}
