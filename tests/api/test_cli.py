"""The flask CLI commands, run through Flask's CLI runner on every database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from backend import cli, create_app
from backend.config import Settings
from backend.db.locks import exclusive
from backend.db.migrations import alembic_config, head_revisions
from backend.domain.accounts import Role
from backend.domain.errors import DuplicateError
from backend.models import User
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services.demo_catalog import DEMO_GAMES
from backend.services.game_import import IMPORT_LOCK
from backend.state import app_state
from tests.api.helpers import GAMES, create_label, game_count
from tests.exports import export_line, write_export


def test_seed_demo_fills_an_empty_catalog_once(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert f"Added {len(DEMO_GAMES)} demo games." in first.output
    assert game_count(client) == len(DEMO_GAMES)

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "already has" in second.output
    assert game_count(client) == len(DEMO_GAMES)

    catan = client.get(GAMES, query_string={"page_size": 100}).json
    seeded = next(game for game in catan if game["title"] == "Catan")
    assert (seeded["bgg_id"], seeded["min_players"], seeded["created_by"]) == (13, 3, "seed-demo")
    assert [category["name"] for category in seeded["categories"]] == [
        "Family Games",
        "Strategy Games",
    ]
    families = client.get(GAMES, query_string={"category": "family-games", "page_size": 100})
    assert len(families.json) > 10


def test_import_games_reports_counts_and_where_the_rejects_are(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    path = write_export(
        tmp_path / "club.csv", export_line(bgg_id=1, name="One"), export_line(bgg_id="")
    )
    rejects = tmp_path / "out" / "rejects.csv"
    result = app.test_cli_runner().invoke(
        args=["import-games", str(path), "--rejects", str(rejects), "--batch-size", "10"]
    )
    assert result.exit_code == 0, result.output
    assert "rows read:  2" in result.output
    assert "inserted: 1" in result.output
    assert "missing_bgg_id: 1" in result.output
    assert f"rejected rows are in {rejects}" in result.output
    assert rejects.is_file()
    assert game_count(client) == 1

    again = app.test_cli_runner().invoke(
        args=["import-games", str(path), "--rejects", str(rejects)]
    )
    assert "Nothing new" in again.output
    assert game_count(client) == 1


def test_import_games_dry_run_writes_nothing(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    path = write_export(tmp_path / "club.csv", export_line(bgg_id=1))
    result = app.test_cli_runner().invoke(
        args=["import-games", str(path), "--dry-run", "--rejects", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 0
    assert "would be inserted: 1" in result.output
    assert game_count(client) == 0


def test_import_games_refuses_a_file_of_another_format(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("id,name\n1,Catan\n")
    result = app.test_cli_runner().invoke(args=["import-games", str(path)])
    assert result.exit_code == 1
    assert "missing columns" in result.output


def test_import_games_refuses_to_write_rejects_over_the_export(app: Flask, tmp_path: Path) -> None:
    path = write_export(tmp_path / "victim.csv", export_line())
    before = path.read_bytes()
    result = app.test_cli_runner().invoke(args=["import-games", str(path), "--rejects", str(path)])
    assert result.exit_code == 1
    assert "cannot be the export" in result.output
    assert path.is_file()
    assert path.read_bytes() == before


def test_seed_demo_reuses_a_label_created_by_hand(app: Flask, client: FlaskClient) -> None:
    create_label(client, "categories", "family games")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    families = client.get("/api/v1/categories").json
    assert [category["name"] for category in families].count("family games") == 1
    assert next(c for c in families if c["slug"] == "family-games")["game_count"] > 10


@pytest.mark.parametrize("arguments", [["--batch-size", "0"], ["--batch-size", "many"]])
def test_import_games_refuses_bad_options(app: Flask, tmp_path: Path, arguments: list[str]) -> None:
    path = write_export(tmp_path / "club.csv", export_line())
    result = app.test_cli_runner().invoke(args=["import-games", str(path), *arguments])
    assert result.exit_code == 2
    assert "--batch-size" in result.output


@pytest.mark.parametrize("arguments", [["seed-demo"], ["import-games", "{export}"]])
def test_a_command_on_an_unmigrated_database_says_to_migrate(
    fresh_settings: Callable[[str], Settings], tmp_path: Path, arguments: list[str]
) -> None:
    settings = fresh_settings("unmigrated")
    export = write_export(tmp_path / "club.csv", export_line())
    app = create_app(settings)
    try:
        result = app.test_cli_runner().invoke(
            args=[argument.format(export=export) for argument in arguments]
        )
    finally:
        app_state(app).engine.dispose()
    assert result.exit_code == 1
    heads = ", ".join(sorted(head_revisions()))
    assert result.output == (
        f"Error: the database at {settings.database_url_safe} is not migrated "
        f"(at no migration, expected {heads}); run `make migrate` (alembic upgrade head) first\n"
    )


def test_a_command_on_a_database_behind_the_code_names_its_revision(
    fresh_settings: Callable[[str], Settings],
) -> None:
    settings = fresh_settings("behind")
    config = alembic_config(settings)
    config.attributes["configure_logger"] = False
    first = ScriptDirectory.from_config(config).get_base()
    assert first is not None
    command.upgrade(config, first)
    app = create_app(settings)
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        app_state(app).engine.dispose()
    assert result.exit_code == 1
    assert f"is not migrated (at {first}, expected " in result.output
    assert "run `make migrate`" in result.output


def test_an_import_while_another_runs_says_so(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    path = write_export(tmp_path / "club.csv", export_line(bgg_id=1))
    with exclusive(app_state(app).session_factory, IMPORT_LOCK):
        result = app.test_cli_runner().invoke(args=["import-games", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        "Error: another import is running on this database; try again when it has finished\n"
    )
    assert game_count(client) == 0


def test_an_import_stopped_by_the_database_says_what_is_kept(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stop(*_args: object, **_kwargs: object) -> None:
        raise DuplicateError("Another game already has this bgg_id.")

    monkeypatch.setattr(cli, "import_games", stop)
    path = write_export(tmp_path / "club.csv", export_line())
    result = app.test_cli_runner().invoke(args=["import-games", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        "Error: the import stopped: Another game already has this bgg_id. Batches committed "
        "before it are kept; run the same command again to complete the import.\n"
    )


ADMIN_PASSWORD = "a long admin passphrase"


def stored_admin(app: Flask, email: str) -> dict[str, object] | None:
    with SqlAlchemyUnitOfWork(app_state(app).session_factory) as uow:
        user = uow.users.get_by_email(email)
        if user is None:
            return None
        return {column.key: getattr(user, column.key) for column in User.__table__.c}


@pytest.mark.usefixtures("clean_database")
def test_create_admin_asks_for_the_password_twice_without_echo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-admin", "Admin@Example.org", "--display-name", "Ann"],
        input=f"short\nshort\n{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Must be at least 12 characters long." in result.output  # asked again
    assert ADMIN_PASSWORD not in result.output and "short" not in result.output
    admin = stored_admin(app, "admin@example.org")
    assert admin is not None
    assert f"Created the admin Admin@Example.org (id {admin['id']})." in result.output
    assert (admin["role"], admin["display_name"], admin["created_by"]) == (
        Role.ADMIN,
        "Ann",
        "create-admin",
    )
    assert PasswordHasher().verify(str(admin["password_hash"]), ADMIN_PASSWORD)


@pytest.mark.usefixtures("clean_database")
def test_create_admin_reads_the_password_from_the_environment(app: Flask) -> None:
    runner = app.test_cli_runner()
    env = {"GAMENIGHT_ADMIN_PASSWORD": ADMIN_PASSWORD}
    result = runner.invoke(args=["create-admin", "admin@example.org"], env=env)
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output and "Password" not in result.output
    assert stored_admin(app, "admin@example.org") is not None

    again = runner.invoke(args=["create-admin", "ADMIN@example.org"], env=env)
    assert again.exit_code == 1
    assert "Another account already has this email." in again.output

    weak = runner.invoke(
        args=["create-admin", "other@example.org"], env={"GAMENIGHT_ADMIN_PASSWORD": "short"}
    )
    assert weak.exit_code == 1
    assert "password: Must be at least 12 characters long." in weak.output
    assert stored_admin(app, "other@example.org") is None


def test_create_admin_takes_no_password_option(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-admin", "admin@example.org", "--password", ADMIN_PASSWORD]
    )
    assert result.exit_code == 2
    assert "No such option" in result.output
