"""The registrations' queries: who signed up for which tournament, in what order."""

from __future__ import annotations

from typing import ClassVar

from backend.models import Registration
from backend.repositories.base import Repository


class RegistrationRepository(Repository[Registration]):
    model = Registration
    entity_name = "registration"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {"status", "checked_in_at", "promoted_at", "dropped_at", "dropped_after_round"}
    )
    default_order = (Registration.tournament_id, Registration.sequence)
