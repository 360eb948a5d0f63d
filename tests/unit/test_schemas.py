"""Response schemas written out by hand for speed say exactly what their documented schema
would; argument schemas built once still validate every request."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import flask
import marshmallow as ma
import pytest
from werkzeug.exceptions import HTTPException

from backend.api.extensions import SchemaReusingParser
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


def test_argument_parsers_build_each_schema_class_once_and_still_validate() -> None:
    built: list[ma.Schema] = []

    class PageArguments(ma.Schema):
        page = ma.fields.Integer(validate=ma.validate.Range(min=1))

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            built.append(self)

    parser = SchemaReusingParser()
    app = flask.Flask(__name__)
    for page in (1, 2):
        with app.test_request_context(f"/?page={page}&other=x"):
            assert parser.parse(PageArguments, location="query") == {"page": page}
    with app.test_request_context("/?page=0"), pytest.raises(HTTPException):
        parser.parse(PageArguments, location="query")
    assert len(built) == 1
