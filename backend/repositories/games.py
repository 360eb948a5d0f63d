"""GameRepository: the catalog's queries, in the domain's words."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from backend.db.bulk import insert_rows, is_one_of
from backend.errors import NotFoundError
from backend.models import Category, Game, Tag
from backend.models.labels import slugify
from backend.repositories.base import Page, Repository

SortKey = Literal["title", "year", "rating", "complexity"]
SORT_COLUMNS = {
    "title": Game.title,
    "year": Game.year_published,
    "rating": Game.average_rating,
    "complexity": Game.complexity,
}
# A page of games loads its labels in one statement per collection, whatever its size.
LIST_LOADERS: tuple[ORMOption, ...] = (selectinload(Game.categories), selectinload(Game.tags))
# One game comes with its labels in two statements: joining both collections would return
# categories x tags rows (100 x 100 for a well-labelled game).
DETAIL_LOADERS: tuple[ORMOption, ...] = (joinedload(Game.categories), selectinload(Game.tags))
_LIKE_ESCAPE = "/"
LABEL_MODELS: dict[str, type[Category | Tag]] = {"categories": Category, "tags": Tag}


@dataclass(frozen=True)
class GameFilters:
    """What a game must match to be listed; None (or empty) means "any"."""

    title_contains: str | None = None
    players: int | None = None
    max_minutes: int | None = None
    min_complexity: float | None = None
    max_complexity: float | None = None
    categories: Sequence[str] = ()
    tags: Sequence[str] = ()
    year_from: int | None = None
    year_to: int | None = None


class GameRepository(Repository[Game]):
    model = Game
    entity_name = "game"
    updatable = frozenset(
        {
            "title",
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
        }
    )
    default_order = (Game.title, Game.id)

    def get_with_labels(self, game_id: Any) -> Game:
        """The game and its categories and tags, in two statements; NotFoundError if none.

        Always a query (not the identity map), so labels get loaded even for a game this
        session already holds without them.
        """
        statement = select(Game).where(Game.id == game_id).options(*DETAIL_LOADERS)
        # Joined rows repeat the game once per category: unique() folds them into one.
        game = self.session.execute(statement).unique().scalar_one_or_none()
        if game is None:
            raise NotFoundError(self.entity_name, game_id)
        return game

    def search(
        self,
        filters: GameFilters,
        *,
        sort: SortKey = "title",
        descending: bool = False,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[Game]:
        """One page of the games matching every filter, with their labels: four statements
        (count, page, categories, tags) whatever the page size."""
        return self.list(
            where=self._conditions(filters),
            order_by=self._order(sort, descending),
            page=page,
            page_size=page_size,
            options=LIST_LOADERS,
        )

    def stored_by_bgg_id(self, bgg_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        """Id, version and updatable columns of the games with these BoardGameGeek ids,
        as plain values (no ORM objects): what a bulk load compares its rows with."""
        table = Game.__table__
        columns = [table.c[name] for name in ("id", "version", *sorted(self.updatable))]
        matching = is_one_of(table.c.bgg_id, bgg_ids, self.dialect_name)
        rows = self.session.execute(select(*columns).where(matching))
        return {row.bgg_id: dict(row._mapping) for row in rows}

    def label_slugs(self, game_ids: Collection[UUID]) -> dict[UUID, dict[str, dict[str, str]]]:
        """For each game: kind ("categories", "tags") -> slug -> name of its labels."""
        found: dict[UUID, dict[str, dict[str, str]]] = {
            game_id: {kind: {} for kind in LABEL_MODELS} for game_id in game_ids
        }
        for kind, label in LABEL_MODELS.items():
            links = label.game_links
            statement = (
                select(links.c.game_id, label.slug, label.name)
                .join(label, label.id == links.c[label.game_link_column])
                .where(is_one_of(links.c.game_id, game_ids, self.dialect_name))
            )
            for game_id, slug, name in self.session.execute(statement):
                found[game_id][kind][slug] = name
        return found

    def link_labels(
        self, kind: str, labels_of: Mapping[UUID, Collection[UUID]], *, replace: bool
    ) -> None:
        """Set-based: the games given carry these labels of one kind afterwards; with
        `replace`, only these (their other links of that kind are removed first)."""
        if not labels_of:
            return
        links, column = LABEL_MODELS[kind].game_links, LABEL_MODELS[kind].game_link_column
        connection = self.session.connection()
        if replace:
            connection.execute(
                delete(links).where(is_one_of(links.c.game_id, labels_of, self.dialect_name))
            )
        pairs = [
            {"game_id": game_id, column: label_id}
            for game_id, label_ids in labels_of.items()
            for label_id in label_ids
        ]
        insert_rows(connection, links, pairs)

    def find_by_title(self, title: str) -> Game | None:
        """The first game with exactly this title, or None; titles are not unique."""
        return self.session.scalar(select(Game).where(Game.title == title).order_by(Game.id))

    def get_by_bgg_id(self, bgg_id: int) -> Game | None:
        return self.session.scalar(select(Game).where(Game.bgg_id == bgg_id))

    def _conditions(self, filters: GameFilters) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.title_contains:
            pattern = "%" + _escape_like(filters.title_contains) + "%"
            conditions.append(Game.title.ilike(pattern, escape=_LIKE_ESCAPE))
        if filters.players is not None:
            conditions += [Game.min_players <= filters.players, Game.max_players >= filters.players]
        if filters.max_minutes is not None:
            # Fits: even its longest play ends in time. Unknown play times never fit.
            conditions.append(Game.max_play_minutes <= filters.max_minutes)
        if filters.min_complexity is not None:
            conditions.append(Game.complexity >= filters.min_complexity)
        if filters.max_complexity is not None:
            conditions.append(Game.complexity <= filters.max_complexity)
        if filters.year_from is not None:
            conditions.append(Game.year_published >= filters.year_from)
        if filters.year_to is not None:
            conditions.append(Game.year_published <= filters.year_to)
        for kind, names in (("categories", filters.categories), ("tags", filters.tags)):
            if names:
                conditions.append(Game.id.in_(_games_labelled_with_all(kind, names)))
        return conditions

    def _order(self, sort: SortKey, descending: bool) -> list[Any]:
        column = SORT_COLUMNS[sort]
        ordered = column.desc() if descending else column.asc()
        if sort == "title":
            return [ordered, Game.id]
        if self.session.get_bind().dialect.name in ("mysql", "mariadb"):
            # MariaDB has no NULLS LAST; sorting on "is null" first puts unknowns last.
            return [column.is_(None), ordered, Game.title, Game.id]
        return [ordered.nulls_last(), Game.title, Game.id]


def _games_labelled_with_all(kind: str, names: Sequence[str]) -> Select[Any]:
    """Ids of the games carrying every label of this kind named (by name or slug): one
    subquery however many are asked for."""
    label = LABEL_MODELS[kind]
    links = label.game_links
    slugs = sorted({slugify(name) for name in names})
    return (
        select(links.c.game_id)
        .join(label, label.id == links.c[label.game_link_column])
        .where(label.slug.in_(slugs))
        .group_by(links.c.game_id)
        .having(func.count() == len(slugs))
    )


def _escape_like(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )
