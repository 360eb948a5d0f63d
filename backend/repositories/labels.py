"""Category and tag repositories: one implementation for both kinds of label."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import undefer

from backend.db.bulk import is_one_of
from backend.domain.errors import BrokenReferenceError
from backend.domain.labels import slugify
from backend.models import Category, Tag
from backend.repositories.base import Repository

LabelT = TypeVar("LabelT", Category, Tag)


class LabelRepository(Repository[LabelT]):
    # The slug follows the name (see Label.name's validator).
    updatable = frozenset({"name"})
    # "categories", "tags": how the kind is named in messages and request fields.
    plural_name: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Each kind's names and order follow from its model's kind.
        cls.entity_name = cls.model.kind.singular
        cls.plural_name = cls.model.kind.value
        cls.default_order = (cls.model.name, cls.model.id)

    @property
    def with_game_count(self) -> Sequence[Any]:
        """Loader option that fills `game_count` in the same statement."""
        return (undefer(self.model.game_count),)

    def get_with_game_count(self, label_id: Any) -> LabelT:
        """The label with how many games carry it, in one statement; NotFoundError if none."""
        return self.get_or_raise(label_id, options=self.with_game_count)

    def named(self, names: Iterable[str]) -> dict[str, LabelT]:
        """Name -> label for each name, the existing ones found by slug and the missing ones
        added to the session (so loading demo data twice, or after a label was created by
        hand, never makes a duplicate)."""
        wanted = {name: slugify(name) for name in names}
        found = {
            label.slug: label
            for label in self.session.scalars(
                self.select().where(self.model.slug.in_(set(wanted.values())))
            )
        }
        labels = {}
        for name, slug in wanted.items():
            if slug not in found:
                found[slug] = self.add(self.model(name=name))
            labels[name] = found[slug]
        return labels

    def resolve(self, references: Iterable[str]) -> list[LabelT]:
        """The labels named by ids, names or slugs, in one query; unknown ones are refused."""
        references = list(dict.fromkeys(references))
        if not references:
            return []
        # Each reference's key: the id it spells (in any of UUID's spellings), else its slug.
        keys: dict[str, uuid.UUID | str] = {}
        for reference in references:
            try:
                keys[reference] = uuid.UUID(reference)
            except ValueError:
                keys[reference] = slugify(reference)
        ids = [key for key in keys.values() if isinstance(key, uuid.UUID)]
        slugs = [key for key in keys.values() if isinstance(key, str)]
        found = list(
            self.session.scalars(
                self.select()
                .where((self.model.id.in_(ids)) | (self.model.slug.in_(slugs)))
                # The order a game's labels are shown in, as when they are loaded.
                .order_by(self.model.name)
            )
        )
        known = {label.id for label in found} | {label.slug for label in found}
        missing = [reference for reference, key in keys.items() if key not in known]
        if missing:
            listed = ", ".join(missing)
            # The request is sound; it needs labels the catalog lacks now: a conflict with the
            # catalog's state (409), which creating them resolves, not a malformed request.
            raise BrokenReferenceError(
                f"unknown {self.plural_name}: {listed}",
                fields={self.plural_name: [f"Unknown: {listed}."]},
            )
        return found

    def ids_by_slug(self, names: Iterable[str]) -> dict[str, uuid.UUID]:
        """Ids of the labels with these names, creating the missing ones set-based (for bulk
        loads). The first spelling of a name wins when several share a slug."""
        wanted: dict[str, str] = {}
        for name in names:
            wanted.setdefault(slugify(name), name)
        if not wanted:
            return {}
        existing = self._ids_for(wanted)
        missing = [
            {"name": name, "slug": slug} for slug, name in wanted.items() if slug not in existing
        ]
        if missing:
            self.insert_many(missing)
            existing = self._ids_for(wanted)
        return existing

    def _ids_for(self, slugs: Iterable[str]) -> dict[str, uuid.UUID]:
        matching = is_one_of(self.model.slug, list(slugs), self.dialect_name)
        rows = self.session.execute(select(self.model.slug, self.model.id).where(matching))
        return {slug: label_id for slug, label_id in rows}  # noqa: C416 - rows, not tuples


class CategoryRepository(LabelRepository[Category]):
    model = Category


class TagRepository(LabelRepository[Tag]):
    model = Tag
