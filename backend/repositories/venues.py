"""The venues' queries."""

from __future__ import annotations

from typing import ClassVar

from backend.models import Venue
from backend.repositories.base import Page, Repository


class VenueRepository(Repository[Venue]):
    model = Venue
    entity_name = "venue"
    updatable: ClassVar[frozenset[str]] = frozenset({"name", "address", "capacity", "time_zone"})
    default_order = (Venue.name, Venue.id)

    def page(self, *, page: int, page_size: int) -> Page[Venue]:
        """One page of the venues, by name: two statements (count, page)."""
        return self.list(page=page, page_size=page_size)
