"""Optimistic concurrency in the domain's terms: the tag of a version, and the versions a
writer saw, which a change must still match to go ahead."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from backend.domain.errors import StaleObjectError


class VersionTag(str):
    """Names one version of an entity as clients read it; the API sends it as the ETag."""

    __slots__ = ()


def version_tag(version: int) -> VersionTag:
    """The tag of an entity whose row alone says how it reads."""
    return VersionTag(str(version))


@dataclass(frozen=True)
class ExpectedVersion:
    """The version tags a writer last read (an If-Match header may name several): a change
    goes ahead only while the entity is still at one of them."""

    tags: frozenset[str]

    @classmethod
    def of(cls, tags: Iterable[str]) -> ExpectedVersion:
        return cls(frozenset(tags))

    def check(self, entity: str, identifier: object, current: str) -> None:
        """Raise StaleObjectError unless `current` is one of the versions expected."""
        if current not in self.tags:
            raise StaleObjectError(
                f"{entity} {identifier} has changed since the version you sent; read it again"
            )


@dataclass(frozen=True)
class BulkUpdate:
    """A change to one row among many written at once: which row, the version it was read
    at (it is written only while still there), the values to write (the same keys for every
    row of one statement), and what changed, field -> [old, new], for the audit trail."""

    id: uuid.UUID
    version: int
    values: Mapping[str, Any]
    changes: Mapping[str, Any]
