"""The game catalog's central entity: a board or card game a club or store owns or knows."""

from __future__ import annotations

from sqlalchemy import Double, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.domain.games import GAME_RULES, TITLE_MAX_LENGTH
from backend.models.base import AuditMixin, Base, TimestampMixin, UUIDPrimaryKey, VersionMixin
from backend.models.checks import check_constraints
from backend.models.labels import Category, Tag, game_categories, game_tags


class Game(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    __tablename__ = "games"

    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    year_published: Mapped[int | None]
    # NULL is "unknown" (an export's 0); a game still needs both to be suggested.
    min_players: Mapped[int | None] = mapped_column(SmallInteger)
    max_players: Mapped[int | None] = mapped_column(SmallInteger)
    min_play_minutes: Mapped[int | None]
    max_play_minutes: Mapped[int | None]
    min_age: Mapped[int | None] = mapped_column(SmallInteger)
    complexity: Mapped[float | None] = mapped_column(Double)
    average_rating: Mapped[float | None] = mapped_column(Double)
    # The game's id on BoardGameGeek, the key the importer matches rows by.
    bgg_id: Mapped[int | None]
    # MariaDB's TEXT holds 65,535 bytes: too few for 20,000 four-byte characters.
    description: Mapped[str | None] = mapped_column(
        Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
    )

    # lazy="raise": every code path says what it loads (selectinload, joinedload), so a
    # page of games costs the same number of statements whatever its size.
    categories: Mapped[list[Category]] = relationship(
        secondary=game_categories, order_by=Category.name, lazy="raise", passive_deletes=True
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=game_tags, order_by=Tag.name, lazy="raise", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("bgg_id", info={"message": "Another game already has this bgg_id."}),
        # Sorting by title pages through this index; the id makes the order total.
        Index(None, "title", "id"),
        Index(None, "year_published"),
        Index(None, "complexity"),
        Index(None, "average_rating"),
        Index(None, "max_play_minutes"),
        Index(None, "max_players", "min_players"),
        # Case-insensitive substring search (ILIKE '%...%') on PostgreSQL.
        Index(
            "ix_games_title_trigram",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        *check_constraints(GAME_RULES),
    )

    def __repr__(self) -> str:
        return f"Game(id={self.id!s}, title={self.title!r})"
