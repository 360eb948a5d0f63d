"""The venues' queries."""

from __future__ import annotations

from typing import ClassVar

from backend.models import Venue
from backend.repositories.base import Repository


class VenueRepository(Repository[Venue]):
    model = Venue
    entity_name = "venue"
    updatable: ClassVar[frozenset[str]] = frozenset({"name", "address", "capacity", "time_zone"})
    default_order = (Venue.name, Venue.id)
