"""GameRepository: the catalog's queries, in the domain's words."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Literal, TypedDict, cast
from uuid import UUID

from sqlalchemy import (
    Cast,
    ColumnElement,
    Connection,
    Double,
    Integer,
    Select,
    bindparam,
    delete,
    func,
    select,
)
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from backend.db.bulk import insert_rows, is_one_of, is_one_of_parameter
from backend.db.errors import raising_domain_errors
from backend.domain.errors import NotFoundError
from backend.domain.labels import LABEL_KINDS, LabelKind, slugify
from backend.models import Base, Category, Game, Play, PlayParticipant
from backend.models.labels import LABEL_MODELS
from backend.repositories.base import Page, Repository

# Reads for display work on the table, not the mapped class: plain rows, no ORM in the way.
_GAMES = Game.__table__
_GAME_COLUMNS = tuple(_GAMES.c)
_GAME_COLUMN_NAMES = tuple(column.name for column in _GAME_COLUMNS)

SortKey = Literal["title", "year", "rating", "complexity"]
SORT_COLUMNS = {
    "title": _GAMES.c.title,
    "year": _GAMES.c.year_published,
    "rating": _GAMES.c.average_rating,
    "complexity": _GAMES.c.complexity,
}
# One game comes with its labels in two statements: joining both collections would return
# categories x tags rows (100 x 100 for a well-labelled game).
DETAIL_LOADERS: tuple[ORMOption, ...] = (joinedload(Game.categories), selectinload(Game.tags))
_LIKE_ESCAPE = "/"


class LabelView(TypedDict):
    id: UUID
    name: str
    slug: str


class GameView(TypedDict):
    """A game as clients read it: its columns, and its labels in name order."""

    id: UUID
    title: str
    year_published: int | None
    min_players: int | None
    max_players: int | None
    min_play_minutes: int | None
    max_play_minutes: int | None
    min_age: int | None
    complexity: float | None
    average_rating: float | None
    bgg_id: int | None
    description: str | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    change_reason: str | None
    version: int
    categories: list[LabelView]
    tags: list[LabelView]
    club_plays: int
    club_rating: float | None


@dataclass(frozen=True)
class GameFilters:
    """What a game must match to be listed; None (or empty) means "any"."""

    title_contains: str | None = None
    players: int | None = None
    max_minutes: int | None = None
    min_complexity: float | None = None
    max_complexity: float | None = None
    # Kind -> names or slugs: a game must carry every label named.
    labels: Mapping[LabelKind, Sequence[str]] = field(default_factory=dict)
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

    def with_ids(self, game_ids: Collection[UUID]) -> list[Game]:
        """The games with these ids that exist, by title, in one statement (without their
        labels); the caller names the missing ones."""
        if not game_ids:
            return []
        statement = select(Game).where(Game.id.in_(set(game_ids))).order_by(Game.title, Game.id)
        return list(self.session.scalars(statement))

    # Reads for display return plain rows, not ORM objects: nothing in them is changed, and
    # building and tracking entities is most of what a read costs the app.

    def view(self, game_id: UUID) -> GameView:
        """The game as clients read it, in two statements (the game joined with its
        categories, then its tags); NotFoundError if none."""
        connection = self.session.connection()
        rows = connection.execute(_GAME_WITH_CATEGORIES, {"game_id": game_id}).all()
        if not rows:
            raise NotFoundError(self.entity_name, game_id)
        game = _game_view(rows[0])
        game["categories"] = [
            {"id": row.category_id, "name": row.category_name, "slug": row.category_slug}
            for row in rows
            if row.category_id is not None
        ]
        game["tags"] = self._labels_of(connection, [game_id], LabelKind.TAGS)[game_id]
        return game

    def search(
        self,
        filters: GameFilters,
        *,
        sort: SortKey = "title",
        descending: bool = False,
        page: int = 1,
        page_size: int = 20,
    ) -> Page[GameView]:
        """One page of the games matching every filter, with their labels: four statements
        (count, page, categories, tags) whatever the page size."""
        # Core statements on the session's connection: the ORM has nothing to add to them.
        connection = self.session.connection()
        conditions = self._conditions(filters)
        counting = _COUNT_GAMES.where(*conditions) if conditions else _COUNT_GAMES
        total = connection.scalar(counting) or 0
        offset = (page - 1) * page_size
        if offset >= total:
            # Past the end: nothing to fetch, and no absurd OFFSET ever reaches the database.
            return Page([], total)
        statement = _page_statement(sort, descending, connection.dialect.name)
        if conditions:
            statement = statement.where(*conditions)
        rows = connection.execute(statement, {"offset": offset, "limit": page_size}).all()
        games = [_game_view(row) for row in rows]
        ids = [game["id"] for game in games]
        for kind in LABEL_KINDS:
            labels_of = self._labels_of(connection, ids, kind)
            for game in games:
                game[kind] = labels_of[game["id"]]  # type: ignore[literal-required]
        return Page(games, total)

    def _labels_of(
        self, connection: Connection, game_ids: Sequence[UUID], kind: LabelKind
    ) -> dict[UUID, list[LabelView]]:
        """Each game's labels of one kind, in name order: one statement for all of them."""
        found: dict[UUID, list[LabelView]] = {game_id: [] for game_id in game_ids}
        statement = _labels_statement(kind, connection.dialect.name)
        rows = connection.execute(statement, {"game_ids": list(game_ids)}).all()
        for game_id, label_id, name, slug in rows:
            found[game_id].append({"id": label_id, "name": name, "slug": slug})
        return found

    # The bulk load's reads and writes: database errors leave them as domain errors, as
    # they leave insert_many and update_many, so an import stops with a reason, not SQL.

    def stored_by_bgg_id(self, bgg_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        """Id, version and updatable columns of the games with these BoardGameGeek ids,
        as plain values (no ORM objects): what a bulk load compares its rows with."""
        table = Game.__table__
        columns = [table.c[name] for name in ("id", "version", *sorted(self.updatable))]
        matching = is_one_of(table.c.bgg_id, bgg_ids, self.dialect_name)
        with raising_domain_errors(Base.metadata):
            rows = self.session.execute(select(*columns).where(matching)).all()
        return {row.bgg_id: dict(row._mapping) for row in rows}

    def label_slugs(self, game_ids: Collection[UUID]) -> dict[UUID, dict[str, dict[str, str]]]:
        """For each game: kind ("categories", "tags") -> slug -> name of its labels."""
        found: dict[UUID, dict[str, dict[str, str]]] = {game_id: {} for game_id in game_ids}
        with raising_domain_errors(Base.metadata):
            connection = self.session.connection()
            for kind in LABEL_KINDS:
                for game_id, labels in self._labels_of(connection, list(game_ids), kind).items():
                    found[game_id][kind] = {label["slug"]: label["name"] for label in labels}
        return found

    def link_labels(
        self, kind: LabelKind, labels_of: Mapping[UUID, Collection[UUID]], *, replace: bool
    ) -> None:
        """Set-based: the games given carry these labels of one kind afterwards; with
        `replace`, only these (their other links of that kind are removed first)."""
        if not labels_of:
            return
        links, column = LABEL_MODELS[kind].game_links, LABEL_MODELS[kind].game_link_column
        pairs = [
            {"game_id": game_id, column: label_id}
            for game_id, label_ids in labels_of.items()
            for label_id in label_ids
        ]
        with raising_domain_errors(Base.metadata):
            connection = self.session.connection()
            if replace:
                connection.execute(
                    delete(links).where(is_one_of(links.c.game_id, labels_of, self.dialect_name))
                )
            insert_rows(connection, links, pairs)

    def _conditions(self, filters: GameFilters) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.title_contains:
            pattern = "%" + _escape_like(filters.title_contains) + "%"
            conditions.append(_GAMES.c.title.ilike(pattern, escape=_LIKE_ESCAPE))
        if filters.players is not None:
            conditions += [
                _GAMES.c.min_players <= filters.players,
                _GAMES.c.max_players >= filters.players,
            ]
        if filters.max_minutes is not None:
            # Fits: even its longest play ends in time. Unknown play times never fit.
            conditions.append(_GAMES.c.max_play_minutes <= filters.max_minutes)
        if filters.min_complexity is not None:
            conditions.append(_GAMES.c.complexity >= filters.min_complexity)
        if filters.max_complexity is not None:
            conditions.append(_GAMES.c.complexity <= filters.max_complexity)
        if filters.year_from is not None:
            conditions.append(_GAMES.c.year_published >= filters.year_from)
        if filters.year_to is not None:
            conditions.append(_GAMES.c.year_published <= filters.year_to)
        for kind, names in filters.labels.items():
            if names:
                conditions.append(_GAMES.c.id.in_(_games_labelled_with_all(kind, names)))
        return conditions


def _games_labelled_with_all(kind: LabelKind, names: Sequence[str]) -> Select[Any]:
    """Ids of the games carrying every label of this kind named (by name or slug): one
    subquery however many are asked for."""
    label, links = LABEL_MODELS[kind].__table__, LABEL_MODELS[kind].game_links
    slugs = sorted({slugify(name) for name in names})
    return (
        select(links.c.game_id)
        .join(label, label.c.id == links.c[LABEL_MODELS[kind].game_link_column])
        .where(label.c.slug.in_(slugs))
        .group_by(links.c.game_id)
        .having(func.count() == len(slugs))
    )


def _escape_like(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


# Reads built once: SQLAlchemy then finds their compiled SQL without rebuilding their
# cache key on every request.
_CATEGORIES = Category.__table__
_PLAYS = Play.__table__
_PARTICIPANTS = PlayParticipant.__table__
# How often the club played each game read, and how its players rated it: correlated
# subqueries in the statement that reads the games, so they cost no statement of their own.
CLUB_PLAYS = (
    select(func.count())
    .select_from(_PLAYS)
    .where(_PLAYS.c.game_id == _GAMES.c.id)
    .correlate(_GAMES)
    .scalar_subquery()
    .label("club_plays")
)
CLUB_RATING = (
    # Averaged as a double: MariaDB would round a DECIMAL average to four places.
    select(func.avg(Cast(_PARTICIPANTS.c.rating, Double)))
    .select_from(_PARTICIPANTS.join(_PLAYS, _PLAYS.c.id == _PARTICIPANTS.c.play_id))
    .where(_PLAYS.c.game_id == _GAMES.c.id)
    .correlate(_GAMES)
    .scalar_subquery()
    .label("club_rating")
)
_GAME_WITH_CATEGORIES = (
    select(
        *_GAME_COLUMNS,
        CLUB_PLAYS,
        CLUB_RATING,
        _CATEGORIES.c.id.label("category_id"),
        _CATEGORIES.c.name.label("category_name"),
        _CATEGORIES.c.slug.label("category_slug"),
    )
    .select_from(
        _GAMES.outerjoin(
            Category.game_links.join(
                _CATEGORIES, _CATEGORIES.c.id == Category.game_links.c.category_id
            ),
            _GAMES.c.id == Category.game_links.c.game_id,
        )
    )
    .where(_GAMES.c.id == bindparam("game_id"))
    .order_by(_CATEGORIES.c.name)
)


_COUNT_GAMES = select(func.count()).select_from(_GAMES)


@cache
def _page_statement(sort: SortKey, descending: bool, dialect_name: str) -> Select[Any]:
    """A page of games in this order, at :offset and :limit; filters are added per request."""
    column = SORT_COLUMNS[sort]
    ordered = column.desc() if descending else column.asc()
    order: list[Any]
    if sort == "title":
        order = [ordered, _GAMES.c.id]
    elif dialect_name in ("mysql", "mariadb"):
        # MariaDB has no NULLS LAST; sorting on "is null" first puts unknowns last.
        order = [column.is_(None), ordered, _GAMES.c.title, _GAMES.c.id]
    else:
        order = [ordered.nulls_last(), _GAMES.c.title, _GAMES.c.id]
    return (
        select(*_GAME_COLUMNS, CLUB_PLAYS, CLUB_RATING)
        .order_by(*order)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


@cache
def _labels_statement(kind: LabelKind, dialect_name: str) -> Select[Any]:
    """The labels of one kind of the games in :game_ids, in name order."""
    label, links = LABEL_MODELS[kind].__table__, LABEL_MODELS[kind].game_links
    return (
        select(links.c.game_id, label.c.id, label.c.name, label.c.slug)
        .join(label, label.c.id == links.c[LABEL_MODELS[kind].game_link_column])
        .where(is_one_of_parameter(links.c.game_id, "game_ids", dialect_name))
        .order_by(label.c.name)
    )


def _game_view(row: Any) -> GameView:
    """A game from a row of its own columns and the club's statistics of it; its labels
    are filled in after."""
    view: dict[str, Any] = dict(zip(_GAME_COLUMN_NAMES, row, strict=False))
    view["categories"], view["tags"] = [], []
    view["club_plays"], view["club_rating"] = row.club_plays, row.club_rating
    return cast(GameView, view)
