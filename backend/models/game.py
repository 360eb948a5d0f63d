"""The game catalog's central entity: a board or card game a club or store owns or knows."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Double, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import AuditMixin, Base, TimestampMixin, UUIDPrimaryKey, VersionMixin
from backend.models.rules import Range, column_order_check, range_check

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 20_000
YEAR_PUBLISHED = Range(-5000, 2100)  # ancient games (Senet, Go) have negative years
PLAYERS = Range(1, 999)
PLAY_MINUTES = Range(1, 100_000)
MIN_AGE = Range(1, 99)
COMPLEXITY = Range(1.0, 5.0)
AVERAGE_RATING = Range(1.0, 10.0)
BGG_ID = Range(1, 2**31 - 1)


class Game(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    __tablename__ = "games"

    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), index=True)
    year_published: Mapped[int | None]
    min_players: Mapped[int] = mapped_column(SmallInteger)
    max_players: Mapped[int] = mapped_column(SmallInteger)
    min_play_minutes: Mapped[int | None]
    max_play_minutes: Mapped[int | None]
    min_age: Mapped[int | None] = mapped_column(SmallInteger)
    complexity: Mapped[float | None] = mapped_column(Double)
    average_rating: Mapped[float | None] = mapped_column(Double)
    # The game's id on BoardGameGeek, the key the importer matches rows by.
    bgg_id: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("bgg_id", info={"message": "another game already has this bgg_id"}),
        CheckConstraint(
            "TRIM(title) <> ''",
            name="title_not_blank",
            info={"field": "title", "message": "must not be blank"},
        ),
        range_check("year_published", YEAR_PUBLISHED),
        range_check("min_players", PLAYERS),
        range_check("max_players", PLAYERS),
        column_order_check("min_players", "max_players"),
        range_check("min_play_minutes", PLAY_MINUTES),
        range_check("max_play_minutes", PLAY_MINUTES),
        column_order_check("min_play_minutes", "max_play_minutes"),
        range_check("min_age", MIN_AGE),
        range_check("complexity", COMPLEXITY),
        range_check("average_rating", AVERAGE_RATING),
        range_check("bgg_id", BGG_ID),
    )

    def __repr__(self) -> str:
        return f"Game(id={self.id!s}, title={self.title!r})"
