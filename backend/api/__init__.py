"""The HTTP API: the only package that knows Flask and HTTP."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from flask import Blueprint as FlaskBlueprint
from flask import Flask, Response, send_from_directory
from flask_cors import CORS
from werkzeug.exceptions import NotFound

from backend.api import access, metrics, request_context, uow
from backend.api.access import OPEN, declare
from backend.api.audit.routes import blp as audit_blueprint
from backend.api.auth.routes import blp as auth_blueprint
from backend.api.concierge.routes import blp as concierge_blueprint
from backend.api.extensions import Api
from backend.api.games.routes import blp as games_blueprint
from backend.api.health import blp as health_blueprint
from backend.api.labels.routes import label_blueprint
from backend.api.players.routes import blp as players_blueprint
from backend.api.plays.routes import blp as plays_blueprint
from backend.api.registrations.routes import blp as registrations_blueprint
from backend.api.rounds.routes import blp as rounds_blueprint
from backend.api.shelf.routes import blp as shelf_blueprint
from backend.api.tournaments.routes import blp as tournaments_blueprint
from backend.api.users.routes import blp as users_blueprint
from backend.api.venues.routes import blp as venues_blueprint
from backend.domain.labels import LABEL_KINDS
from backend.state import app_state

# What a browser on another origin may send, and may read of the answers.
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "X-Change-Reason",
    "X-Request-ID",
)
CORS_EXPOSED_HEADERS = ("ETag", "Location", "X-Pagination", "X-Request-ID", "Retry-After")

# Far above any game's JSON; anything larger is refused with 413 before it is read.
MAX_REQUEST_BYTES = 1024 * 1024

OPENAPI_CONFIG = {
    "API_TITLE": "Game Night",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    # Served by the app from the pinned swagger-ui-bundle package: the docs work offline.
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
}


def init_app(app: Flask) -> Api:
    app.config.update(OPENAPI_CONFIG, MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES)
    # Metrics first: a request another before_request refuses (a bad header) still counts.
    metrics.init_app(app)
    # In this order: teardown runs newest first, so the Unit of Work is closed while the
    # request id is still known.
    request_context.init_app(app)
    # After the request id is set, so a refusal's log lines name the request.
    access.init_app(app)
    uow.init_app(app)
    origins = app_state(app).settings.cors_origins
    if origins:
        # Off unless CORS_ORIGINS names origins: browsers then keep other sites out.
        CORS(
            app,
            origins=list(origins),
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_EXPOSED_HEADERS),
            max_age=600,
        )
    api = Api(
        app,
        spec_kwargs={
            "info": {
                "description": "The game catalog of a tabletop gaming club or game store: "
                "games with their categories and tags; the club's players and their "
                "preferences (signed-in users only); accounts, API tokens and the audit "
                "trail; health checks and metrics. Reading the catalog needs no account; "
                "every change needs `Authorization: Bearer <token>` (POST /api/v1/auth/tokens "
                "gives one) from a user whose role allows it."
            }
        },
    )
    api.register_blueprint(games_blueprint)
    for kind in LABEL_KINDS:
        api.register_blueprint(label_blueprint(kind))
    api.register_blueprint(players_blueprint)
    api.register_blueprint(shelf_blueprint)
    api.register_blueprint(plays_blueprint)
    api.register_blueprint(concierge_blueprint)
    api.register_blueprint(auth_blueprint)
    api.register_blueprint(users_blueprint)
    api.register_blueprint(audit_blueprint)
    api.register_blueprint(rounds_blueprint)
    api.register_blueprint(health_blueprint)
    api.register_blueprint(registrations_blueprint)
    api.register_blueprint(venues_blueprint)
    api.register_blueprint(tournaments_blueprint)
    app.register_blueprint(_swagger_ui_assets())
    app.add_url_rule("/", "index", _index)
    return api


# Only what /api/docs loads: the bundle's own index.html would load a demo spec from the web.
SWAGGER_UI_ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}
)


def _swagger_ui_assets() -> FlaskBlueprint:
    assets = FlaskBlueprint("swagger_ui_assets", __name__, url_prefix="/api/docs/assets")

    @assets.get("/<name>")
    @declare(OPEN)
    def asset(name: str) -> Response:
        if name not in SWAGGER_UI_ASSETS:
            raise NotFound
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, name)

    return assets


@declare(OPEN)
def _index() -> dict[str, Any]:
    return {
        "name": "Game Night",
        "api": "/api/v1",
        "docs": "/api/docs",
        "openapi": "/api/openapi.json",
        "health": "/health/ready",
        "metrics": "/metrics",
    }
