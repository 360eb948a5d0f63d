"""Flask CLI commands: `flask --app wsgi seed-demo`, `import-games PATH`, `create-admin EMAIL`;
each acts as a named system actor, `--actor NAME` to name another."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial, wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click
from dotenv import dotenv_values, find_dotenv
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from backend.db.migrations import applied_revisions, not_migrated
from backend.domain.accounts import Role, password_problem
from backend.domain.errors import DomainError
from backend.domain.principal import Principal
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services.accounts import (
    DEMO_ORGANIZER_EMAIL,
    create_demo_organizer,
    create_user,
)
from backend.services.bgg_export import ExportFormatError
from backend.services.demo_catalog import seed_demo_catalog
from backend.services.demo_club import seed_demo_club
from backend.services.game_import import (
    DEFAULT_BATCH_SIZE,
    IMPORTER,
    MAX_BATCH_SIZE,
    ImportOptionsError,
    import_games,
)
from backend.state import app_state

# Who the demo data's audit rows name.
SEEDER = Principal("seed-demo")
# Who the audit rows of an admin made from the shell name.
ADMIN_CREATOR = Principal("create-admin")
# Where create-admin reads the password when no one is at a terminal to type it.
ADMIN_PASSWORD_VARIABLE = "GAMENIGHT_ADMIN_PASSWORD"  # noqa: S105 - a variable's name
P = ParamSpec("P")
R = TypeVar("R")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(import_games_command)
    app.cli.add_command(create_admin)


def environment_without_flask_dotenv(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment (default: the process's) less what the `flask` command loaded from
    the nearest .flaskenv and .env by itself, so that ENV_FILE alone says which dotenv file
    counts, for the flask command as for gunicorn, alembic and the scripts.

    Flask loads those files into os.environ before it imports the app, setting only the
    variables not already there. A variable holding exactly the value a file gives is taken
    as loaded from it: once loaded, the two cannot be told apart. A file named with the
    flask command's own --env-file stays: it was asked for on that command line.
    """
    environ = dict(os.environ if environ is None else environ)
    context = click.get_current_context(silent=True)
    script = context.find_object(ScriptInfo) if context is not None else None
    if script is None or not script.load_dotenv_defaults:
        return environ
    loaded: dict[str, str | None] = {}
    for name in (".flaskenv", ".env"):
        if path := find_dotenv(name, usecwd=True):
            loaded |= dotenv_values(path, encoding="utf-8")
    return {
        key: value for key, value in environ.items() if key not in loaded or loaded[key] != value
    }


def actor_option(default: Principal) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`--actor NAME`: the system actor the command's audit rows name (default: the
    command's own name)."""

    def to_principal(_context: click.Context, _parameter: click.Parameter, name: str) -> Principal:
        try:
            return Principal.system(name)
        except DomainError as error:
            raise click.BadParameter(error.message.removeprefix("actor: ")) from None

    return click.option(
        "--actor",
        "principal",
        default=default.name,
        show_default=True,
        callback=to_principal,
        help="The name the audit trail records for this run's changes.",
    )


def needs_migrated_database(command: Callable[P, R]) -> Callable[P, R]:
    """Stop a command, with what to do, when its database is unreachable or not at the
    migrations' head, before it reads a table that may not be there."""

    @wraps(command)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        state = app_state(current_app)
        database = state.settings.database_url_safe
        try:
            with state.engine.connect() as connection:
                applied = applied_revisions(connection)
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()
            raise click.ClickException(
                f"cannot reach the database at {database}: "
                + (reason[0] if reason else type(error).__name__)
            ) from None
        advice = not_migrated(database, applied, state.migration_heads)
        if advice is not None:
            raise click.ClickException(advice)
        return command(*args, **kwargs)

    return checked


@click.command("seed-demo")
@actor_option(SEEDER)
@with_appcontext
@needs_migrated_database
def seed_demo(principal: Principal) -> None:
    """Load about 30 well-known games into an empty catalog (does nothing otherwise) and,
    outside production, create the demo organizer account, printing its password once, and
    a demo club (players, the club's shelf, plays) while there are no players."""
    state = app_state(current_app)
    with SqlAlchemyUnitOfWork(state.session_factory, actor=principal.name) as uow:
        added = seed_demo_catalog(uow, principal)
        total = uow.games.count()
    if added:
        click.echo(f"Added {added} demo games.")
    else:
        click.echo(f"The catalog already has {total} games; demo data not loaded.")
    if state.settings.is_production:
        click.echo("APP_ENV=production: no demo account is created.")
        return
    with SqlAlchemyUnitOfWork(state.session_factory, actor=principal.name) as uow:
        created = create_demo_organizer(uow, principal)
    if created is None:
        click.echo(
            f"The demo organizer {DEMO_ORGANIZER_EMAIL} exists; its password was shown "
            "when it was created."
        )
    else:
        click.echo(
            f"Demo organizer account (development only): {DEMO_ORGANIZER_EMAIL} with the "
            f"password {created}\nIt is shown this once; sign in with POST /api/v1/auth/tokens."
        )
    with SqlAlchemyUnitOfWork(state.session_factory, actor=principal.name) as uow:
        club = seed_demo_club(uow, principal, datetime.now(UTC))
    if club:
        click.echo(
            f"Added a demo club (development only): {club} players with their tastes, the "
            "club's shelf and some months of plays."
        )
    else:
        click.echo("The club already has players (or not the demo games); no demo club added.")


@click.command("import-games")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--batch-size",
    type=click.IntRange(1, MAX_BATCH_SIZE),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Rows per transaction: an interruption loses at most one batch.",
)
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@actor_option(IMPORTER)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where refused rows go (default: instance/imports/<file name>.rejects.csv).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: only on a terminal).",
)
@with_appcontext
@needs_migrated_database
def import_games_command(
    path: Path,
    batch_size: int,
    dry_run: bool,
    principal: Principal,
    rejects: Path | None,
    progress: bool | None,
) -> None:
    """Import or update games from a board-game database export (bgg_dataset.csv format).

    Rows are matched by their ID (bgg_id): new ones are inserted, changed ones updated,
    the rest left alone, so running a file twice inserts nothing the second time.
    """
    rejects = rejects or Path(current_app.instance_path) / "imports" / f"{path.stem}.rejects.csv"
    show_progress = sys.stdout.isatty() if progress is None else progress
    size = path.stat().st_size
    with click.progressbar(
        length=size,
        label=f"{'Checking' if dry_run else 'Importing'} {path.name}",
        file=None if show_progress else io.StringIO(),
    ) as bar:
        try:
            summary = import_games(
                partial(SqlAlchemyUnitOfWork, app_state(current_app).session_factory),
                path,
                principal=principal,
                rejects_path=rejects,
                batch_size=batch_size,
                dry_run=dry_run,
                on_progress=bar.update,
            )
        except (ExportFormatError, ImportOptionsError) as error:
            raise click.ClickException(str(error)) from None
        except DomainError as error:
            raise click.ClickException(
                f"the import stopped: {error.message.rstrip('.')}. Batches committed before it "
                "are kept; run the same command again to complete the import."
            ) from None
        # Progress counts rows, not the header or every line end: end the bar at its end.
        bar.update(size - bar.pos)
    for line in summary.lines():
        click.echo(line)


@click.command("create-admin")
@click.argument("email")
@click.option("--display-name", help="The name others see (default: the email).")
@actor_option(ADMIN_CREATOR)
@with_appcontext
@needs_migrated_database
def create_admin(email: str, display_name: str | None, principal: Principal) -> None:
    """Create an admin account with this EMAIL.

    The password is read from GAMENIGHT_ADMIN_PASSWORD when it is set, or asked for twice
    without echo; never from the command line, where other users and the shell's history
    would see it.
    """
    password = environment_without_flask_dotenv().get(ADMIN_PASSWORD_VARIABLE)
    while password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problem = password_problem(password)
        if problem is not None:
            # Asked again at once, rather than refused after the account's other checks.
            click.echo(f"That password is refused: {problem}", err=True)
            password = None
    session_factory = app_state(current_app).session_factory
    try:
        with SqlAlchemyUnitOfWork(session_factory, actor=principal.name) as uow:
            user = create_user(
                uow, principal, email, password, display_name=display_name, role=Role.ADMIN
            )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created the admin {user.email} (id {user.id}).")
