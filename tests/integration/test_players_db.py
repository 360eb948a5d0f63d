"""Players and their preferences on every database: each CHECK refuses its broken row
naming the field, the unique keys hold, and removals cascade where they should."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.accounts import Role
from backend.domain.errors import BrokenReferenceError, DomainRuleError, DuplicateError
from backend.domain.labels import LabelKind
from backend.domain.principal import SYSTEM
from backend.models import (
    AuditLog,
    Player,
    PlayerPreferences,
    User,
    player_favourite_categories,
    player_favourite_tags,
    player_refused_games,
)
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services import catalog, players
from tests.accounts import add_account
from tests.factories import make_game

pytestmark = pytest.mark.usefixtures("clean_database")

# constraint name -> (preferences breaking it, field blamed)
PREFERENCE_VIOLATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "ck_player_preferences_min_play_minutes_range": ({"min_play_minutes": 0}, "min_play_minutes"),
    "ck_player_preferences_max_play_minutes_range": (
        {"max_play_minutes": 100_001},
        "max_play_minutes",
    ),
    "ck_player_preferences_min_play_minutes_le_max_play_minutes": (
        {"min_play_minutes": 90, "max_play_minutes": 30},
        "max_play_minutes",
    ),
    "ck_player_preferences_min_complexity_range": ({"min_complexity": 0.5}, "min_complexity"),
    "ck_player_preferences_max_complexity_range": ({"max_complexity": 5.01}, "max_complexity"),
    "ck_player_preferences_min_complexity_le_max_complexity": (
        {"min_complexity": 4.0, "max_complexity": 2.0},
        "max_complexity",
    ),
    "ck_player_preferences_min_group_size_range": ({"min_group_size": 0}, "min_group_size"),
    "ck_player_preferences_max_group_size_range": ({"max_group_size": 1000}, "max_group_size"),
    "ck_player_preferences_min_group_size_le_max_group_size": (
        {"min_group_size": 6, "max_group_size": 2},
        "max_group_size",
    ),
}


def add_player(session_factory: sessionmaker[Session], **fields: Any) -> uuid.UUID:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        player = uow.players.add(Player(**{"display_name": "Ana", **fields}))
        uow.commit()
        return player.id


def test_every_check_constraint_has_a_violation_case() -> None:
    names = {
        constraint.name
        for constraint in PlayerPreferences.__table__.constraints
        if isinstance(constraint, CheckConstraint)
    }
    assert names == set(PREFERENCE_VIOLATIONS)


@pytest.mark.parametrize(("constraint", "case"), PREFERENCE_VIOLATIONS.items())
def test_the_database_refuses_preferences_breaking_the_rule(
    session_factory: sessionmaker[Session], constraint: str, case: tuple[dict[str, Any], str]
) -> None:
    values, field = case
    player_id = add_player(session_factory)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.player_preferences.add(PlayerPreferences(player_id=player_id, **values))
        with pytest.raises(DomainRuleError) as caught:
            uow.commit()
    assert list(caught.value.fields) == [field], constraint
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.player_preferences.of_player(player_id) is None


def test_the_database_refuses_a_blank_display_name(
    session_factory: sessionmaker[Session],
) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.players.add(Player(display_name="   "))
        with pytest.raises(DomainRuleError) as caught:
            uow.commit()
    assert list(caught.value.fields) == ["display_name"]


def test_a_discord_id_belongs_to_one_player(session_factory: sessionmaker[Session]) -> None:
    add_player(session_factory, discord_id="80351110224678912")
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.players.add(Player(display_name="Bo", discord_id="80351110224678912"))
        with pytest.raises(DuplicateError, match="Discord id"):
            uow.commit()
    # Many players have none.
    add_player(session_factory)
    add_player(session_factory)


def test_an_account_has_one_player(session_factory: sessionmaker[Session]) -> None:
    account = add_account(session_factory, Role.MEMBER)
    add_player(session_factory, user_id=account.user_id)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.players.add(Player(display_name="Bo", user_id=account.user_id))
        with pytest.raises(DuplicateError, match="already has a player"):
            uow.commit()


def test_an_account_with_a_player_is_not_removed(session_factory: sessionmaker[Session]) -> None:
    account = add_account(session_factory, Role.MEMBER)
    add_player(session_factory, user_id=account.user_id)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        for token in uow.api_tokens.of_user(account.user_id):
            uow.session.delete(token)
        uow.session.delete(uow.users.get_or_raise(account.user_id))
        with pytest.raises(BrokenReferenceError):
            uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.session.get(User, account.user_id) is not None


def _preferences_with_everything(
    session_factory: sessionmaker[Session],
) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    """A player whose preferences list a category, a tag and a refused game."""
    player_id = add_player(session_factory)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        category = uow.categories.named(["Strategy"])["Strategy"]
        tag = uow.tags.named(["Dice"])["Dice"]
        game = uow.games.add(make_game(title="Monopoly"))
        uow.commit()
        ids = {"category": category.id, "tag": tag.id, "game": game.id}
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        players.set_preferences(
            uow,
            SYSTEM,
            player_id,
            {
                "favourite_categories": ["Strategy"],
                "favourite_tags": ["Dice"],
                "refused_games": [ids["game"]],
                "min_group_size": 2,
            },
            expected_version=None,
        )
    return player_id, ids


def _links(session_factory: sessionmaker[Session]) -> list[int]:
    with session_factory() as session:
        return [
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (player_favourite_categories, player_favourite_tags, player_refused_games)
        ]


def test_removing_a_game_or_label_takes_it_off_every_players_preferences(
    session_factory: sessionmaker[Session],
) -> None:
    player_id, ids = _preferences_with_everything(session_factory)
    assert _links(session_factory) == [1, 1, 1]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        catalog.remove_game(uow, SYSTEM, ids["game"], expected_version=None)
        catalog.remove_label(
            uow, SYSTEM, LabelKind.CATEGORIES, ids["category"], expected_version=None
        )
        catalog.remove_label(uow, SYSTEM, LabelKind.TAGS, ids["tag"], expected_version=None)
    assert _links(session_factory) == [0, 0, 0]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        preferences = players.preferences_of(uow, SYSTEM, player_id)
    assert preferences["min_group_size"] == 2  # the rest of them stays
    assert preferences["refused_games"] == [] and preferences["favourite_tags"] == []


def test_removing_a_player_removes_its_preferences_audited(
    session_factory: sessionmaker[Session],
) -> None:
    player_id, _ids = _preferences_with_everything(session_factory)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        players.remove_player(uow, SYSTEM, player_id, expected_version=None)
    assert _links(session_factory) == [0, 0, 0]
    with session_factory() as session:
        assert session.get(PlayerPreferences, player_id) is None
        removed = session.scalars(
            select(AuditLog.entity_type).where(
                AuditLog.action == "delete", AuditLog.entity_id == str(player_id)
            )
        ).all()
    assert sorted(removed) == ["player_preferences", "players"]


def test_changing_only_a_list_bumps_the_preferences_version(
    session_factory: sessionmaker[Session],
) -> None:
    player_id, _ids = _preferences_with_everything(session_factory)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        before = players.preferences_of(uow, SYSTEM, player_id)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        after = players.set_preferences(
            uow,
            SYSTEM,
            player_id,
            {"favourite_categories": ["Strategy"], "favourite_tags": ["Dice"], "min_group_size": 2},
            expected_version=None,
        )
    assert after["refused_games"] == []
    assert after["version"] == before["version"] + 1
