"""The OpenAPI spec and Swagger UI: complete, documented errors and access, and no CDN."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.api.access import BEARER_SCHEME, Access, access_of
from backend.domain.permissions import Permission

OPERATIONS = {
    ("get", "/api/v1/games"): {"422", "503"},
    ("post", "/api/v1/games"): {"400", "409", "413", "415", "422", "503"},
    ("get", "/api/v1/games/{game_id}"): {"404", "503"},
    ("patch", "/api/v1/games/{game_id}"): {
        "400",
        "404",
        "409",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("delete", "/api/v1/games/{game_id}"): {"400", "404", "409", "412", "428", "503"},
    ("get", "/health/ready"): {"503"},
    ("get", "/api/v1/players"): {"401", "422", "503"},
    ("post", "/api/v1/players"): {"400", "401", "409", "413", "415", "422", "503"},
    ("get", "/api/v1/players/{player_id}"): {"401", "404", "503"},
    ("patch", "/api/v1/players/{player_id}"): {
        "400",
        "401",
        "404",
        "409",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("delete", "/api/v1/players/{player_id}"): {"400", "401", "404", "409", "412", "428", "503"},
    ("get", "/api/v1/players/{player_id}/preferences"): {"401", "404", "503"},
    ("put", "/api/v1/players/{player_id}/preferences"): {
        "400",
        "401",
        "404",
        "409",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("get", "/api/v1/players/{player_id}/history"): {"401", "403", "503"},
    ("get", "/api/v1/games/{game_id}/copies"): {"401", "404", "422", "503"},
    ("post", "/api/v1/games/{game_id}/copies"): {
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "422",
        "503",
    },
    ("get", "/api/v1/games/{game_id}/copies/{copy_id}"): {"401", "404", "503"},
    ("patch", "/api/v1/games/{game_id}/copies/{copy_id}"): {
        "400",
        "401",
        "403",
        "404",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("delete", "/api/v1/games/{game_id}/copies/{copy_id}"): {
        "400",
        "401",
        "403",
        "404",
        "412",
        "428",
        "503",
    },
    ("get", "/api/v1/players/{player_id}/collection"): {"401", "404", "422", "503"},
    ("put", "/api/v1/players/{player_id}/collection/{game_id}"): {
        "201",
        "400",
        "401",
        "404",
        "409",
        "503",
    },
    ("delete", "/api/v1/players/{player_id}/collection/{game_id}"): {"400", "401", "404", "503"},
    ("get", "/api/v1/plays"): {"401", "422", "503"},
    ("post", "/api/v1/plays"): {"400", "401", "409", "413", "415", "422", "503"},
    ("get", "/api/v1/plays/{play_id}"): {"401", "404", "503"},
    ("patch", "/api/v1/plays/{play_id}"): {
        "400",
        "401",
        "404",
        "409",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("delete", "/api/v1/plays/{play_id}"): {"400", "401", "404", "412", "428", "503"},
    ("get", "/api/v1/plays/{play_id}/history"): {"401", "403", "503"},
    ("get", "/api/v1/players/{player_id}/plays"): {"401", "404", "422", "503"},
    ("get", "/api/v1/players/{player_id}/stats"): {"401", "404", "503"},
    ("get", "/api/v1/tournaments/{tournament_id}/registrations"): {"401", "404", "422", "503"},
    ("post", "/api/v1/tournaments/{tournament_id}/registrations"): {
        "400",
        "401",
        "404",
        "409",
        "413",
        "415",
        "422",
        "503",
    },
    ("get", "/api/v1/tournaments/{tournament_id}/registrations/{registration_id}"): {
        "401",
        "404",
        "503",
    },
    ("patch", "/api/v1/tournaments/{tournament_id}/registrations/{registration_id}"): {
        "400",
        "401",
        "404",
        "409",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("get", "/api/v1/tournaments/{tournament_id}/rounds"): {"401", "404", "503"},
    ("post", "/api/v1/tournaments/{tournament_id}/rounds"): {
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "422",
        "503",
    },
    ("get", "/api/v1/tournaments/{tournament_id}/rounds/{number}"): {"401", "404", "503"},
    ("get", "/api/v1/tournaments/{tournament_id}/matches"): {"401", "404", "422", "503"},
    ("get", "/api/v1/tournaments/{tournament_id}/matches/{match_id}"): {"401", "404", "503"},
    ("put", "/api/v1/tournaments/{tournament_id}/matches/{match_id}/result"): {
        "400",
        "401",
        "404",
        "409",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("post", "/api/v1/tournaments/{tournament_id}/matches/{match_id}/confirmation"): {
        "400",
        "401",
        "404",
        "409",
        "503",
    },
    ("get", "/api/v1/tournaments/{tournament_id}/standings"): {"401", "404", "503"},
    ("get", "/api/v1/venues"): {"401", "422", "503"},
    ("post", "/api/v1/venues"): {"400", "401", "403", "409", "413", "415", "422", "503"},
    ("get", "/api/v1/venues/{venue_id}"): {"401", "404", "503"},
    ("patch", "/api/v1/venues/{venue_id}"): {
        "400",
        "401",
        "403",
        "404",
        "409",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("delete", "/api/v1/venues/{venue_id}"): {
        "400",
        "401",
        "403",
        "404",
        "409",
        "412",
        "428",
        "503",
    },
    ("get", "/api/v1/venues/{venue_id}/history"): {"401", "403", "503"},
    ("get", "/api/v1/tournaments"): {"401", "422", "503"},
    ("post", "/api/v1/tournaments"): {"400", "401", "403", "409", "413", "415", "422", "503"},
    ("get", "/api/v1/tournaments/{tournament_id}"): {"401", "404", "503"},
    ("patch", "/api/v1/tournaments/{tournament_id}"): {
        "400",
        "401",
        "403",
        "404",
        "409",
        "412",
        "413",
        "415",
        "422",
        "428",
        "503",
    },
    ("delete", "/api/v1/tournaments/{tournament_id}"): {
        "400",
        "401",
        "403",
        "404",
        "409",
        "412",
        "428",
        "503",
    },
    ("get", "/api/v1/tournaments/{tournament_id}/history"): {"401", "403", "503"},
}


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json
    return document


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method != "parameters"
    }


def test_the_spec_lists_every_games_operation(spec: dict[str, Any]) -> None:
    assert set(OPERATIONS) <= set(operations(spec))
    assert spec["info"]["title"] == "Game Night"


@pytest.mark.parametrize(("operation", "errors"), OPERATIONS.items(), ids=lambda item: str(item))
def test_each_operation_documents_its_error_responses(
    spec: dict[str, Any], operation: tuple[str, str], errors: set[str]
) -> None:
    documented = set(operations(spec)[operation]["responses"])
    assert errors <= documented
    assert "default" in documented


def test_every_operation_has_a_one_line_summary(spec: dict[str, Any]) -> None:
    for key, operation in operations(spec).items():
        assert operation.get("summary"), key


def test_only_replacing_preferences_takes_an_optional_if_match(spec: dict[str, Any]) -> None:
    """A player's preferences may be PUT without If-Match while it has none; a match's
    result, until it is confirmed (a correction needs it)."""
    optional = []
    for key, operation in operations(spec).items():
        for parameter in operation.get("parameters", []):
            if isinstance(parameter, dict) and parameter.get("name") == "If-Match":
                assert parameter["required"] is False, key
                optional.append(key)
    assert sorted(optional) == [
        ("put", "/api/v1/players/{player_id}/preferences"),
        ("put", "/api/v1/tournaments/{tournament_id}/matches/{match_id}/result"),
    ]


def test_list_documents_pagination(spec: dict[str, Any]) -> None:
    listing = operations(spec)[("get", "/api/v1/games")]
    names = {parameter["name"] for parameter in listing["parameters"] if "name" in parameter}
    assert {"page", "page_size"} <= names
    assert "X-Pagination" in listing["responses"]["200"]["headers"]


def test_swagger_ui_is_served_from_the_app_not_a_cdn(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    assert all(asset.startswith("/api/docs/assets/") for asset in assets), assets
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200, asset
            assert len(response.data) > 1000
    assert "/api/openapi.json" in html


@pytest.mark.parametrize("name", ["index.html", "swagger-initializer.js", "oauth2-redirect.html"])
def test_only_the_assets_the_docs_page_needs_are_served(client: FlaskClient, name: str) -> None:
    # The bundle's stock index.html would fetch a demo spec from the internet.
    response = client.get(f"/api/docs/assets/{name}")
    assert response.status_code == 404
    assert response.json["code"] == 404


def test_a_games_labels_are_documented_as_label_summaries(spec: dict[str, Any]) -> None:
    game = spec["components"]["schemas"]["GameOut"]["properties"]
    for kind in ("categories", "tags"):
        assert game[kind]["type"] == "array"
        assert game[kind]["items"]["$ref"].endswith("/LabelSummary")


def test_the_description_names_only_what_the_api_has(spec: dict[str, Any]) -> None:
    description = spec["info"]["description"].lower()
    assert "catalog" in description
    assert "players" in description
    for absent in ("concierge", "tournament"):
        assert absent not in description


def test_a_pagination_header_is_documented_as_json(spec: dict[str, Any]) -> None:
    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header
    assert header["content"]["application/json"]["schema"]["$ref"].endswith("/PaginationMetadata")


def test_if_match_is_documented_as_entity_tags_without_star(spec: dict[str, Any]) -> None:
    if_match = spec["components"]["parameters"]["IF_MATCH"]
    pattern = re.compile(if_match["schema"]["pattern"])
    assert if_match["required"] is True
    assert pattern.match('"abc"')
    assert pattern.match('W/"a", "b"')
    assert not pattern.match("*")
    assert not pattern.match("abc")


def test_creating_reading_and_changing_document_links_to_the_entity(spec: dict[str, Any]) -> None:
    # Every operation answering with one entity tells a client where to go next with it:
    # each link leads to an operation of the spec and fills all its path parameters, and a
    # change (PATCH) carries the ETag the answer came with. Entities a client changes (not
    # a round or a match, which change through their own operations) are linked to it.
    linked = 0
    for (method, path), operation in operations(spec).items():
        for status, response in operation["responses"].items():
            links = response.get("links")
            if not links:
                continue
            linked += 1
            assert status in ("200", "201"), (method, path)
            for name, link in links.items():
                _, _, pointer, target_method = link["operationRef"].split("/")
                target_path = pointer.replace("~1", "/").replace("~0", "~")
                assert target_method in spec["paths"][target_path], (method, path, name)
                filled = set(link["parameters"])
                assert set(re.findall(r"{(\w+)}", target_path)) <= filled, (method, path, name)
                if target_method == "patch":
                    assert link["parameters"]["header.If-Match"] == "$response.header.ETag"
            if "patch" in spec["paths"][path] and "{" in path:
                assert "change" in links, (method, path)
    assert linked >= 9


# A player's preferences read before any are set: no row, so no bookkeeping yet.
NULL_UNTIL_SET = {
    ("PlayerPreferences", name) for name in ("created_at", "updated_at", "created_by", "updated_by")
}


def test_every_column_that_can_be_null_is_documented_nullable(spec: dict[str, Any]) -> None:
    from sqlalchemy import Column

    from backend.models import Base

    schemas = spec["components"]["schemas"]
    checked = 0
    for mapper in Base.registry.mappers:
        documented = schemas.get(f"{mapper.class_.__name__}Out")
        if documented is None:
            continue
        for column in mapper.columns:
            name = column.key
            if isinstance(column, Column) and name in documented["properties"]:
                checked += 1
                nullable = documented["properties"][name].get("nullable", False)
                expected = column.nullable or (mapper.class_.__name__, name) in NULL_UNTIL_SET
                assert nullable == expected, (mapper.class_.__name__, name)
    assert checked >= 30


@pytest.mark.parametrize("name", ["GameOut", "CategoryOut", "TagOut", "LabelSummary"])
def test_an_entitys_answer_documents_every_field_as_always_sent(
    spec: dict[str, Any], name: str
) -> None:
    documented = spec["components"]["schemas"][name]
    assert sorted(documented["required"]) == sorted(documented["properties"])


def test_a_game_to_create_requires_only_its_title(spec: dict[str, Any]) -> None:
    assert spec["components"]["schemas"]["GameCreate"]["required"] == ["title"]
    assert "required" not in spec["components"]["schemas"]["GamePatch"]


def test_every_error_documents_code_status_and_message_as_always_sent(
    spec: dict[str, Any],
) -> None:
    assert set(spec["components"]["schemas"]["Error"]["required"]) == {"code", "status", "message"}


def test_a_304_documents_the_etag_it_carries(spec: dict[str, Any]) -> None:
    not_modified = [
        operation["responses"]["304"]
        for operation in operations(spec).values()
        if "304" in operation["responses"]
    ]
    assert len(not_modified) >= 5
    for response in not_modified:
        assert response["headers"]["ETag"]["$ref"].endswith("/ETAG")
    assert spec["components"]["headers"]["ETAG"]["required"] is True


def test_every_documented_response_header_has_a_schema(spec: dict[str, Any]) -> None:
    # OpenAPI 3.0.3 requires a header object to carry `schema` or `content`; validators and
    # generators refuse a spec whose header has only a description.
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                for name, header in response.get("headers", {}).items():
                    if "$ref" in header:
                        header = spec["components"]["headers"][header["$ref"].rsplit("/", 1)[1]]
                    assert "schema" in header or "content" in header, (method, path, status, name)


def access_by_operation(app: Flask) -> dict[tuple[str, str], Access]:
    """Each route's declared access, keyed as the spec keys its operations."""
    declared: dict[tuple[str, str], Access] = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            access = access_of(app, rule.endpoint, method)
            if access is not None:
                declared[method.lower(), path] = access
    return declared


def resolved(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        found: dict[str, Any] = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        return found
    return response


def test_the_spec_declares_the_bearer_scheme(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"][BEARER_SCHEME]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_each_operation_documents_the_access_it_declares(app: Flask, spec: dict[str, Any]) -> None:
    declared = access_by_operation(app)
    kinds: Counter[str] = Counter()
    for key, operation in operations(spec).items():
        access = declared[key]
        responses = {status: resolved(spec, r) for status, r in operation["responses"].items()}
        if not access.reads_token:
            assert operation["security"] == [], key
            kinds["open"] += 1
            continue
        # A token sent along is checked on every operation but the open ones: 401, with the
        # bearer challenge, when it opens nothing.
        challenge = responses["401"]["headers"]["WWW-Authenticate"]
        assert challenge["required"] is True and challenge["schema"]["type"] == "string", key
        if access.permission is None:
            assert operation["security"] == [{}, {BEARER_SCHEME: []}], key
            kinds["public"] += 1
            continue
        assert operation["security"] == [{BEARER_SCHEME: []}], key
        if access.permission is Permission.SIGNED_IN:
            assert "403" not in responses, key
            kinds["signed in"] += 1
        else:
            assert "403" in responses, key
            assert access.permission.role_names in responses["403"]["description"], key
            kinds["a role"] += 1
    assert min(kinds.values()) >= 3 and len(kinds) == 4, kinds


def test_signing_in_documents_401_and_429_with_retry_after(spec: dict[str, Any]) -> None:
    responses = operations(spec)[("post", "/api/v1/auth/tokens")]["responses"]
    assert {"201", "401", "429"} <= set(responses)
    too_many = resolved(spec, responses["429"])
    retry_after = too_many["headers"]["Retry-After"]
    assert retry_after["required"] is True
    assert retry_after["schema"]["type"] == "integer"
    assert resolved(spec, responses["401"])["headers"]["WWW-Authenticate"]["required"] is True
