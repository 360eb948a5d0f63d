"""What the app builds once at start-up and every request shares: settings, engine, sessions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.config import Settings
from backend.db.probe import DatabaseProbe

EXTENSION_KEY = "gamenight"


@dataclass(frozen=True)
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    # For requests that only read (GET, HEAD): see make_session_factory.
    read_session_factory: sessionmaker[Session]
    migration_heads: frozenset[str]
    probe: DatabaseProbe


def app_state(app: Flask) -> AppState:
    state: AppState = app.extensions[EXTENSION_KEY]
    return state
