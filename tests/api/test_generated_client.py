"""A typed client generated from the live OpenAPI spec drives the catalog and parses each answer."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import httpx
import pytest
from flask import Flask

from backend import create_app
from backend.state import app_state
from tests.accounts import TEST_PASSWORD, Account
from tests.conftest import settings_for

pytestmark = pytest.mark.slow

PACKAGE = "game_night_client"
# The spec gives no operationIds, so the generator names each operation's module after its
# method and path.
SIGN_IN = "api.auth.post_api_v1_auth_tokens"
CREATE_CATEGORY = "api.categories.post_api_v1_categories"
CREATE_TAG = "api.tags.post_api_v1_tags"
CREATE_GAME = "api.games.post_api_v1_games"
LIST_GAMES = "api.games.get_api_v1_games"
GET_GAME = "api.games.get_api_v1_games_game_id"
CHANGE_GAME = "api.games.patch_api_v1_games_game_id"
DELETE_GAME = "api.games.delete_api_v1_games_game_id"
# What a game created with only a title holds: null, each of them.
NULL_FIELDS = (
    "change_reason",
    "year_published",
    "min_players",
    "max_players",
    "min_play_minutes",
    "max_play_minutes",
    "min_age",
    "complexity",
    "average_rating",
    "bgg_id",
    "description",
)


@dataclass(frozen=True)
class GeneratedClient:
    """The package openapi-python-client wrote from the spec, imported."""

    package: types.ModuleType

    def operation(self, name: str) -> types.ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    def model(self, name: str) -> Any:
        return getattr(self.operation("models"), name)

    def connected_to(self, app: Flask) -> Any:
        """A client of the generated package that sends its requests to the app in-process."""
        return self.package.Client(
            base_url="http://gamenight.test",
            httpx_args={"transport": httpx.WSGITransport(app=app)},
        )

    def signed_in_to(self, app: Flask, token: str) -> Any:
        """The generated package's client for the spec's bearer scheme, configured as its
        users configure it: with the API token, which it sends as `Bearer <token>`."""
        return self.package.AuthenticatedClient(
            base_url="http://gamenight.test",
            token=token,
            httpx_args={"transport": httpx.WSGITransport(app=app)},
        )

    def sign_in(self, app: Flask, account: Account) -> str:
        """A new API token for `account`, asked for through the generated sign-in operation."""
        with self.connected_to(app) as client:
            answer = self.operation(SIGN_IN).sync_detailed(
                client=client,
                body=self.model("SignIn")(
                    email=account.email, password=TEST_PASSWORD, name="generated client"
                ),
            )
        assert answer.status_code == HTTPStatus.CREATED, answer.content
        assert isinstance(answer.parsed, self.model("NewToken"))
        assert_typed(answer.parsed, self)
        token: str = answer.parsed.token
        return token


@pytest.fixture(scope="session")
def generated_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedClient]:
    """Generate once per run: the spec does not depend on the database behind the app."""
    directory = tmp_path_factory.mktemp("generated_client")
    # The spec is built from the schemas alone; this app never opens its database.
    spec_app = create_app(settings_for(f"sqlite:///{directory / 'never-opened.db'}"))
    response = spec_app.test_client().get("/api/openapi.json")
    app_state(spec_app).engine.dispose()
    assert response.status_code == 200
    spec_path = directory / "openapi.json"
    spec_path.write_bytes(response.data)
    # No post-hooks: they only format the code (with ruff found on PATH), which nobody reads.
    config_path = directory / "config.json"
    config_path.write_text(json.dumps({"post_hooks": []}))
    package_path = directory / PACKAGE
    generation = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec_path),
            "--config",
            str(config_path),
            "--meta",
            "none",
            "--output-path",
            str(package_path),
            # A warning means part of the spec was skipped: a client would lack it.
            "--fail-on-warning",
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert generation.returncode == 0, generation.stdout + generation.stderr
    yield GeneratedClient(_import_package(package_path))
    for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
        del sys.modules[name]


def _import_package(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        PACKAGE, path / "__init__.py", submodule_search_locations=[str(path)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return package


def assert_typed(value: object, generated: GeneratedClient) -> None:
    """Every attribute of a parsed model holds what its annotation promises. The generated
    parsers cast rather than check, so a null where the spec promises a string would
    otherwise reach the caller unnoticed, typed as a string."""
    model = type(value)
    assert attrs.has(model), f"{value!r} is not a generated model"
    module = sys.modules[model.__module__]
    namespace = {**vars(module), **vars(generated.operation("models"))}
    hints = typing.get_type_hints(model, globalns=namespace)
    for field in attrs.fields(model):
        attribute = getattr(value, field.name)
        assert _conforms(attribute, hints[field.name], generated), (
            f"{model.__name__}.{field.name} is {attribute!r}, "
            f"but the spec promises {hints[field.name]}"
        )


def _conforms(value: object, hint: Any, generated: GeneratedClient) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, option, generated) for option in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_conforms(v, item, generated) for v in value)
    if origin is dict:
        key, item = typing.get_args(hint)
        return isinstance(value, dict) and all(
            _conforms(k, key, generated) and _conforms(v, item, generated) for k, v in value.items()
        )
    if hint is float:
        # A JSON number without a fraction parses as an int, which a float accepts.
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if not isinstance(value, hint):
        return False
    if attrs.has(hint):
        assert_typed(value, generated)
    return True


def pagination_of(response: Any, generated: GeneratedClient) -> Any:
    """X-Pagination, read as the PaginationMetadata the spec documents it as."""
    metadata = generated.model("PaginationMetadata").from_dict(
        json.loads(response.headers["X-Pagination"])
    )
    assert_typed(metadata, generated)
    return metadata


def test_the_generated_client_has_the_specs_bearer_scheme_and_without_it_cannot_write(
    app: Flask, organizer: Account, generated_client: GeneratedClient
) -> None:
    generated = generated_client

    def client_type(operation: str) -> Any:
        return (
            inspect.signature(generated.operation(operation).sync_detailed)
            .parameters["client"]
            .annotation
        )

    # The generator read the spec's security: a write wants the client with a token,
    # signing in (security: []) takes either.
    with_token, without = generated.package.AuthenticatedClient, generated.package.Client
    assert client_type(CREATE_GAME) is with_token
    assert set(typing.get_args(client_type(SIGN_IN))) == {with_token, without}
    error = generated.model("Error")
    body = generated.model("GameCreate")(title="Anonymous")
    with generated.connected_to(app) as anonymous:
        refused = generated.operation(CREATE_GAME).sync_detailed(client=anonymous, body=body)
        listed = generated.operation(LIST_GAMES).sync_detailed(client=anonymous)
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert isinstance(refused.parsed, error)
    assert_typed(refused.parsed, generated)
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="Game Night"'
    assert (listed.status_code, listed.parsed) == (HTTPStatus.OK, [])
    with generated.signed_in_to(app, "not-a-token") as wrong:
        rejected = generated.operation(CREATE_GAME).sync_detailed(client=wrong, body=body)
    assert rejected.status_code == HTTPStatus.UNAUTHORIZED
    assert 'error="invalid_token"' in rejected.headers["WWW-Authenticate"]
    with generated.signed_in_to(app, generated.sign_in(app, organizer)) as client:
        created = generated.operation(CREATE_GAME).sync_detailed(client=client, body=body)
    assert created.status_code == HTTPStatus.CREATED
    assert created.parsed.created_by == organizer.actor


def test_a_generated_client_creates_reads_pages_changes_and_deletes_a_game(
    app: Flask, organizer: Account, generated_client: GeneratedClient
) -> None:
    generated = generated_client
    game_out, error = generated.model("GameOut"), generated.model("Error")
    token = generated.sign_in(app, organizer)
    with generated.signed_in_to(app, token) as client:
        created_category = generated.operation(CREATE_CATEGORY).sync_detailed(
            client=client, body=generated.model("CategoryIn")(name="Economic Games")
        )
        assert created_category.status_code == HTTPStatus.CREATED
        category = created_category.parsed
        assert isinstance(category, generated.model("CategoryOut"))
        assert_typed(category, generated)
        assert (category.name, category.slug, category.game_count) == (
            "Economic Games",
            "economic-games",
            0,
        )
        created_tag = generated.operation(CREATE_TAG).sync_detailed(
            client=client, body=generated.model("TagIn")(name="Heavy")
        )
        assert created_tag.status_code == HTTPStatus.CREATED
        tag = created_tag.parsed
        assert isinstance(tag, generated.model("TagOut"))
        assert_typed(tag, generated)

        create_game = generated.operation(CREATE_GAME)
        game_create = generated.model("GameCreate")
        created = create_game.sync_detailed(
            client=client,
            body=game_create(
                title="Brass: Birmingham",
                min_players=2,
                max_players=4,
                year_published=2018,
                complexity=3.9,
                # Labels go by slug, name or id: one of each spelling the spec describes.
                categories=[category.slug],
                tags=[str(tag.id)],
            ),
        )
        assert created.status_code == HTTPStatus.CREATED
        game = created.parsed
        assert isinstance(game, game_out)
        assert_typed(game, generated)
        assert isinstance(game.id, UUID)
        assert created.headers["Location"] == f"/api/v1/games/{game.id}"
        etag = created.headers["ETag"]
        assert (game.title, game.min_players, game.max_players, game.complexity) == (
            "Brass: Birmingham",
            2,
            4,
            3.9,
        )
        assert game.version == 1
        assert game.created_by == organizer.actor
        assert isinstance(game.created_at, datetime) and game.created_at.tzinfo is not None
        label_summary = generated.model("LabelSummary")
        assert game.categories == [
            label_summary(id=category.id, name="Economic Games", slug="economic-games")
        ]
        assert game.tags == [label_summary(id=tag.id, name="Heavy", slug="heavy")]
        for title in ["Azul", "Cascadia"]:
            other = create_game.sync_detailed(
                client=client, body=game_create(title=title, min_players=1, max_players=4)
            )
            assert other.status_code == HTTPStatus.CREATED

        get_game = generated.operation(GET_GAME)
        read = get_game.sync_detailed(game.id, client=client)
        assert read.status_code == HTTPStatus.OK
        assert isinstance(read.parsed, game_out)
        assert read.parsed == game
        assert read.headers["ETag"] == etag
        unchanged = get_game.sync_detailed(game.id, client=client, if_none_match=etag)
        assert unchanged.status_code == HTTPStatus.NOT_MODIFIED
        assert unchanged.parsed is None

        list_games = generated.operation(LIST_GAMES)
        page = list_games.sync_detailed(client=client, page=2, page_size=1)
        assert page.status_code == HTTPStatus.OK
        assert isinstance(page.parsed, list)
        assert [type(item) for item in page.parsed] == [game_out]
        assert_typed(page.parsed[0], generated)
        assert page.parsed[0].title == "Brass: Birmingham"
        pagination = pagination_of(page, generated)
        assert (pagination.total, pagination.page, pagination.total_pages) == (3, 2, 3)
        assert (pagination.previous_page, pagination.next_page) == (1, 3)
        by_category = list_games.sync_detailed(client=client, category=["economic-games"])
        assert by_category.status_code == HTTPStatus.OK
        assert by_category.parsed == [game]

        change_game = generated.operation(CHANGE_GAME)
        changed = change_game.sync_detailed(
            game.id,
            client=client,
            body=generated.model("GamePatch")(max_players=5, description=None, tags=[]),
            if_match=etag,
        )
        assert changed.status_code == HTTPStatus.OK
        assert isinstance(changed.parsed, game_out)
        assert_typed(changed.parsed, generated)
        assert (changed.parsed.max_players, changed.parsed.version) == (5, 2)
        assert changed.parsed.description is None
        assert changed.parsed.tags == []
        assert changed.parsed.categories == game.categories
        new_etag = changed.headers["ETag"]
        assert new_etag != etag

        stale = change_game.sync_detailed(
            game.id,
            client=client,
            body=generated.model("GamePatch")(max_players=6),
            if_match=etag,
        )
        assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
        assert isinstance(stale.parsed, error)
        assert_typed(stale.parsed, generated)
        assert stale.parsed.code == HTTPStatus.PRECONDITION_FAILED

        delete_game = generated.operation(DELETE_GAME)
        refused = delete_game.sync_detailed(game.id, client=client, if_match=etag)
        assert refused.status_code == HTTPStatus.PRECONDITION_FAILED
        assert isinstance(refused.parsed, error)
        deleted = delete_game.sync_detailed(game.id, client=client, if_match=new_etag)
        assert deleted.status_code == HTTPStatus.NO_CONTENT
        assert deleted.parsed is None

        gone = get_game.sync_detailed(game.id, client=client)
        assert gone.status_code == HTTPStatus.NOT_FOUND
        assert isinstance(gone.parsed, error)
        assert_typed(gone.parsed, generated)
        assert (gone.parsed.code, gone.parsed.status) == (HTTPStatus.NOT_FOUND, "Not Found")
        assert gone.parsed.message == f"game {game.id} does not exist"


def test_a_generated_client_reads_a_game_whose_optional_fields_are_null(
    app: Flask, organizer: Account, generated_client: GeneratedClient
) -> None:
    generated = generated_client
    game_out = generated.model("GameOut")
    with generated.signed_in_to(app, generated.sign_in(app, organizer)) as client:
        created = generated.operation(CREATE_GAME).sync_detailed(
            client=client,
            body=generated.model("GameCreate")(title="Unknown", min_players=None, max_players=None),
        )
        assert created.status_code == HTTPStatus.CREATED
        read = generated.operation(GET_GAME).sync_detailed(created.parsed.id, client=client)
        listed = generated.operation(LIST_GAMES).sync_detailed(client=client)

    assert read.status_code == listed.status_code == HTTPStatus.OK
    assert isinstance(listed.parsed, list)
    for game in [created.parsed, read.parsed, *listed.parsed]:
        assert isinstance(game, game_out)
        assert_typed(game, generated)
        # Each null is sent, and parsed as None rather than as left out (unset).
        assert {name: getattr(game, name) for name in NULL_FIELDS} == dict.fromkeys(NULL_FIELDS)
        assert (game.categories, game.tags) == ([], [])
