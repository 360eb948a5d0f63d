"""Labels that group games: categories (an export's domains) and tags (its mechanics)."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Table,
    UniqueConstraint,
    Uuid,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, declared_attr, mapped_column, validates

from backend.domain.labels import LABEL_NAME_MAX_LENGTH, LABEL_RULES, LabelKind, slugify
from backend.models.base import AuditMixin, Base, TimestampMixin, UUIDPrimaryKey, VersionMixin
from backend.models.checks import check_constraints
from backend.models.columns import exact_string

_EXACT_TEXT = exact_string(LABEL_NAME_MAX_LENGTH)


def _game_links(table_name: str, label_table: str, label_column: str) -> Table:
    # Removing a game removes its links; removing a label still in use is refused.
    return Table(
        table_name,
        Base.metadata,
        Column("game_id", Uuid, ForeignKey("games.id", ondelete="CASCADE"), primary_key=True),
        Column(
            label_column,
            Uuid,
            ForeignKey(f"{label_table}.id", ondelete="RESTRICT"),
            primary_key=True,
        ),
        # The primary key serves "labels of a game"; this serves "games with a label".
        Index(None, label_column, "game_id"),
    )


game_categories = _game_links("game_categories", "categories", "category_id")
game_tags = _game_links("game_tags", "tags", "tag_id")


class Label(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin):
    """A named group of games; two names with the same slug are the same label."""

    # Set by each kind: which it is, the table linking it to games, and that table's
    # column for it.
    kind: ClassVar[LabelKind]
    game_links: ClassVar[Table]
    game_link_column: ClassVar[str]

    # Compared byte for byte on MariaDB too, as on PostgreSQL and SQLite: its default
    # collation would call "Café" and "Cafe" the same name and refuse the second.
    name: Mapped[str] = mapped_column(_EXACT_TEXT)
    slug: Mapped[str] = mapped_column(_EXACT_TEXT)

    @declared_attr
    def game_count(cls) -> Mapped[int]:
        """How many games carry the label; loaded only when asked for (undefer)."""
        links = cls.game_links
        return column_property(
            select(func.count())
            .select_from(links)
            .where(links.c[cls.game_link_column] == cls.id)
            .scalar_subquery(),
            deferred=True,
        )

    @declared_attr.directive
    def __table_args__(cls) -> tuple[object, ...]:
        return (
            UniqueConstraint(
                "name", info={"message": f"Another {cls.kind.singular} already has this name."}
            ),
            UniqueConstraint(
                "slug",
                info={
                    "message": f"Another {cls.kind.singular} already has a name this much alike."
                },
            ),
            *check_constraints(LABEL_RULES),
        )

    @validates("name")
    def _slug_follows_name(self, _key: str, name: str) -> str:
        self.slug = slugify(name)
        return name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(slug={self.slug!r})"


class Category(Label, Base):
    __tablename__ = "categories"
    kind = LabelKind.CATEGORIES
    game_links = game_categories
    game_link_column = "category_id"


class Tag(Label, Base):
    __tablename__ = "tags"
    kind = LabelKind.TAGS
    game_links = game_tags
    game_link_column = "tag_id"


# The model of each kind of label.
LABEL_MODELS: dict[LabelKind, type[Category | Tag]] = {
    model.kind: model for model in (Category, Tag)
}
