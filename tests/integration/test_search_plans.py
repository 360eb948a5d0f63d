"""On PostgreSQL, with the whole shared catalog loaded by the importer, EXPLAIN shows each
selective filter of the games list served by its index."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from backend.db.engine import make_engine
from backend.domain.labels import LabelKind
from backend.models import Game
from backend.repositories.games import GameFilters, GameRepository, _page_statement
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork, make_session_factory
from backend.services.game_import import import_games
from tests.conftest import DatabaseServer, migrate
from tests.exports import SHARED_CATALOG

pytestmark = [
    pytest.mark.backends("postgresql"),
    pytest.mark.slow,
    pytest.mark.skipif(not SHARED_CATALOG.is_file(), reason="the shared catalog is absent"),
]


@pytest.fixture(scope="module")
def full_catalog(database_server: DatabaseServer) -> Iterator[Engine]:
    settings = database_server.create("plans")
    migrate(settings)
    engine = make_engine(settings)
    with tempfile.TemporaryDirectory() as scratch:
        import_games(
            partial(SqlAlchemyUnitOfWork, make_session_factory(engine)),
            SHARED_CATALOG,
            rejects_path=Path(scratch) / "r.csv",
        )
    yield engine
    engine.dispose()


def plans(engine: Engine, filters: GameFilters, sort: str = "title") -> str:
    """EXPLAIN of the page and the count the games list sends for these filters."""
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        games: GameRepository = uow.games
        conditions = games._conditions(filters)
        page = (
            _page_statement(sort, False, "postgresql")  # type: ignore[arg-type]
            .where(*conditions)
            .params(offset=0, limit=20)
        )
        count = select(func.count()).select_from(Game).where(*conditions)
        connection = uow.session.connection()
        lines = []
        for statement in (page, count):
            compiled = statement.compile(
                dialect=connection.dialect, compile_kwargs={"literal_binds": True}
            )
            lines += connection.exec_driver_sql(f"EXPLAIN {compiled}").scalars()
        return "\n".join(lines)


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (GameFilters(title_contains="gloomhaven"), "ix_games_title_trigram"),
        (GameFilters(players=12), "ix_games_max_players_min_players"),
        (GameFilters(max_minutes=10), "ix_games_max_play_minutes"),
        (GameFilters(min_complexity=4.6), "ix_games_complexity"),
        (GameFilters(year_from=2021), "ix_games_year_published"),
        (
            GameFilters(labels={LabelKind.CATEGORIES: ["Customizable Games"]}),
            "ix_game_categories_category_id_game_id",
        ),
        (GameFilters(labels={LabelKind.TAGS: ["Legacy Game"]}), "ix_game_tags_tag_id_game_id"),
        (GameFilters(), "ix_games_title_id"),
    ],
    ids=["q", "players", "max_minutes", "complexity", "year", "category", "tag", "by title"],
)
def test_each_selective_filter_uses_its_index(
    full_catalog: Engine, filters: GameFilters, index: str
) -> None:
    plan = plans(full_catalog, filters)
    assert index in plan, plan
