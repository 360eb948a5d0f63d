"""Game Night: create_app() builds the Flask application. Nothing connects at import time."""

from __future__ import annotations

import logging

from flask import Flask

from backend import api, cli
from backend.api.request_context import install_log_record_request_id
from backend.config import PROJECT_ROOT, Settings
from backend.db.engine import make_engine
from backend.db.migrations import head_revisions
from backend.db.probe import DatabaseProbe
from backend.repositories.unit_of_work import make_session_factory
from backend.state import EXTENSION_KEY, AppState

# Probes (load balancers, Kubernetes) want an answer well inside their own timeout.
PROBE_TIMEOUT_SECONDS = 2
LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] [%(request_id)s] %(name)s: %(message)s"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from `settings` (default: the environment and `.env`, validated)."""
    settings = settings or Settings.from_env()
    _configure_logging(settings.log_level)
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Unhandled errors become JSON 500s in tests too, exactly as in production.
        PROPAGATE_EXCEPTIONS=False,
        TESTING=settings.app_env == "test",
    )
    engine = make_engine(settings)
    app.extensions[EXTENSION_KEY] = AppState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        read_session_factory=make_session_factory(engine, read_only=True),
        migration_heads=head_revisions(),
        probe=DatabaseProbe(settings, PROBE_TIMEOUT_SECONDS),
    )
    api.init_app(app)
    cli.init_app(app)
    return app


def _configure_logging(level: str) -> None:
    install_log_record_request_id()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    logging.getLogger("backend").setLevel(level)
