"""The catalog's services on the in-memory Unit of Work: their rules, without a database."""

from __future__ import annotations

import uuid

import pytest

from backend.domain.errors import (
    BrokenReferenceError,
    DomainRuleError,
    NotFoundError,
    StaleObjectError,
)
from backend.domain.labels import LabelKind
from backend.domain.principal import SYSTEM
from backend.domain.versions import ExpectedVersion
from backend.services import catalog
from backend.services.unit_of_work import UnitOfWork
from tests.factories import game_fields, make_game
from tests.fakes import FakeUnitOfWork


def fake_with_game(**fields: object) -> tuple[FakeUnitOfWork, uuid.UUID]:
    uow = FakeUnitOfWork([make_game(**fields)])
    return uow, uow.games.games[0].id


def current_version(uow: FakeUnitOfWork, game_id: uuid.UUID) -> ExpectedVersion:
    return ExpectedVersion.of([catalog.game_version(uow.games.get_with_labels(game_id))])


def test_the_fake_is_a_unit_of_work() -> None:
    uow: UnitOfWork = FakeUnitOfWork()  # mypy checks the protocol here
    assert uow.labels(LabelKind.TAGS) is not uow.labels(LabelKind.CATEGORIES)


def test_add_game_resolves_its_labels_and_commits_once() -> None:
    uow = FakeUnitOfWork()
    uow.categories.named(["Strategy Games"])
    uow.commit()
    game = catalog.add_game(
        uow, SYSTEM, {**game_fields(title="Brass"), "categories": ["strategy-games"]}
    )
    assert [category.name for category in game.categories] == ["Strategy Games"]
    assert uow.games.games == [game]
    assert uow.commits == 2


def test_add_game_with_an_unknown_label_stores_nothing() -> None:
    uow = FakeUnitOfWork()
    with uow, pytest.raises(BrokenReferenceError, match="unknown tags: Nope"):
        catalog.add_game(uow, SYSTEM, {**game_fields(), "tags": ["Nope"]})
    assert uow.games.games == []
    assert uow.commits == 0


def test_add_game_checks_the_row_rules_itself() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(DomainRuleError) as refused:
        catalog.add_game(uow, SYSTEM, game_fields(min_players=5, max_players=2))
    assert refused.value.fields == {
        "max_players": ["Must be greater than or equal to min_players."]
    }
    assert uow.games.games == []


def test_a_change_is_checked_against_the_stored_values() -> None:
    uow, game_id = fake_with_game(min_players=2, max_players=4)
    with uow, pytest.raises(DomainRuleError, match="max_players: Must be greater"):
        catalog.change_game(
            uow, SYSTEM, game_id, {"min_players": 6}, expected_version=current_version(uow, game_id)
        )
    assert uow.games.get_with_labels(game_id).min_players == 2
    assert uow.commits == 0


def test_a_change_needs_the_version_it_was_made_from() -> None:
    uow, game_id = fake_with_game(title="Before")
    seen = current_version(uow, game_id)
    catalog.change_game(uow, SYSTEM, game_id, {"title": "First"}, expected_version=seen)
    with uow, pytest.raises(StaleObjectError, match=f"game {game_id} has changed"):
        catalog.change_game(uow, SYSTEM, game_id, {"title": "Second"}, expected_version=seen)
    assert uow.games.get_with_labels(game_id).title == "First"


def test_renaming_a_label_moves_every_carrier_s_version_on() -> None:
    uow = FakeUnitOfWork()
    tag = uow.tags.named(["Dice"])["Dice"]
    game = catalog.add_game(uow, SYSTEM, {**game_fields(), "tags": ["dice"]})
    before = catalog.game_version(game)
    catalog.rename_label(
        uow, SYSTEM, LabelKind.TAGS, tag.id, "Dice Rolling",
        expected_version=ExpectedVersion.of([catalog.label_version(tag)]),
    )  # fmt: skip
    assert catalog.game_version(game) != before
    assert game.version == 1  # the game's own row did not change


def test_none_expects_any_version() -> None:
    uow, game_id = fake_with_game(title="Before")
    catalog.change_game(uow, SYSTEM, game_id, {"title": "After"}, expected_version=None)
    assert uow.games.get_with_labels(game_id).title == "After"


def test_remove_game_needs_its_current_version() -> None:
    uow, game_id = fake_with_game()
    with pytest.raises(StaleObjectError):
        catalog.remove_game(uow, SYSTEM, game_id, expected_version=ExpectedVersion.of(["0.x"]))
    catalog.remove_game(uow, SYSTEM, game_id, expected_version=current_version(uow, game_id))
    assert uow.games.games == []


def test_changing_a_missing_game_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        catalog.change_game(FakeUnitOfWork(), SYSTEM, uuid.uuid4(), {}, expected_version=None)


def test_a_label_in_use_is_not_removed_and_the_message_says_by_how_many() -> None:
    uow = FakeUnitOfWork()
    tag = uow.tags.named(["Dice"])["Dice"]
    for _ in range(2):
        catalog.add_game(uow, SYSTEM, {**game_fields(), "tags": ["Dice"]})
    with pytest.raises(BrokenReferenceError, match=r"tag 'Dice' is used by 2 game\(s\)"):
        catalog.remove_label(uow, SYSTEM, LabelKind.TAGS, tag.id, expected_version=None)
    assert uow.tags.labels == [tag]


def test_an_unused_label_is_removed() -> None:
    uow = FakeUnitOfWork()
    label = catalog.add_label(uow, SYSTEM, LabelKind.CATEGORIES, "Party Games")
    catalog.remove_label(
        uow, SYSTEM, LabelKind.CATEGORIES, label.id,
        expected_version=ExpectedVersion.of([catalog.label_version(label)]),
    )  # fmt: skip
    assert uow.categories.labels == []
