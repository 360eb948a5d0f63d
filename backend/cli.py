"""Flask CLI commands: `flask --app wsgi seed-demo`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from backend.repositories.unit_of_work import UnitOfWork
from backend.services.demo_catalog import seed_demo_catalog
from backend.state import app_state


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load about 30 well-known games into an empty catalog (does nothing otherwise)."""
    with UnitOfWork(app_state(current_app).session_factory, actor="seed-demo") as uow:
        added = seed_demo_catalog(uow)
        total = uow.games.count()
    if added:
        click.echo(f"Added {added} demo games.")
    else:
        click.echo(f"The catalog already has {total} games; demo data not loaded.")
