"""Every row rule of a game is a CHECK constraint that holds on every database, and a broken
one comes back as a DomainRuleError naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.errors import DomainRuleError
from backend.models import Game
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import make_game
from tests.rules import GAME_RULE_VIOLATIONS

pytestmark = pytest.mark.usefixtures("clean_database")


def test_every_check_constraint_on_games_has_a_violation_case() -> None:
    names = {
        constraint.name
        for constraint in Game.__table__.constraints
        if isinstance(constraint, CheckConstraint)
    }
    assert names == set(GAME_RULE_VIOLATIONS)


@pytest.mark.parametrize(("constraint", "case"), GAME_RULE_VIOLATIONS.items())
def test_the_database_refuses_a_row_breaking_the_rule(
    session_factory: sessionmaker[Session], constraint: str, case: tuple[dict[str, Any], str]
) -> None:
    changes, field = case
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        valid = {"min_players": 2, "max_players": 4, "min_play_minutes": 30, "max_play_minutes": 60}
        uow.games.add(make_game(**{**valid, **changes}))
        with pytest.raises(DomainRuleError) as caught:
            uow.commit()
    assert list(caught.value.fields) == [field], constraint
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.games.count() == 0
