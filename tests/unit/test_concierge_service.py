"""The concierge's service on the in-memory Unit of Work: it answers what the ranking answers
fed every game, though the store applies the countable filters first (an empty answer's
explanation included), and it needs a signed-in user."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings

from backend.domain.accounts import Role
from backend.domain.concierge import Candidate, Request, explain_empty, filters_passed, suggest
from backend.domain.errors import NotFoundError, NotSignedIn
from backend.domain.principal import ANONYMOUS, Principal
from backend.services import concierge
from tests.fakes import FakeUnitOfWork
from tests.unit.test_concierge import NOW, game, group, requests_and_catalogs

MEMBER = Principal.of_user(uuid.uuid4(), Role.MEMBER)


def fake_with(request: Request, catalog: list[Candidate]) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.concierge.players = {taste.player_id: taste for taste in request.group}
    uow.concierge.catalog = list(catalog)
    return uow


@settings(max_examples=150, deadline=None)
@given(requests_and_catalogs())
def test_the_service_answers_what_the_ranking_answers_fed_every_game(
    drawn: tuple[Request, list[Candidate]],
) -> None:
    request, catalog = drawn
    answer = concierge.suggestions(
        fake_with(request, catalog),
        MEMBER,
        player_ids=[taste.player_id for taste in request.group],
        minutes=request.minutes,
        category=request.category,
        available_only=request.available_only,
        exclude_played_within_days=request.exclude_played_within_days,
        limit=request.limit,
        now=NOW,
    )
    assert answer == suggest(request, catalog)


@settings(max_examples=150, deadline=None)
@given(requests_and_catalogs())
def test_counts_explain_as_the_games_do(drawn: tuple[Request, list[Candidate]]) -> None:
    request, catalog = drawn
    passed = [filters_passed(request, candidate) for candidate in catalog]
    uow = fake_with(request, catalog)
    survivors = uow.concierge.survivors(request)
    assert survivors == [sum(count >= index for count in passed) for index in range(len(survivors))]
    explanation = explain_empty(request, survivors)
    if explanation is not None:
        assert suggest(request, catalog).explanation == explanation


def test_unknown_players_are_not_found_naming_them() -> None:
    players = group(2)
    uow = fake_with(Request(players, 60, NOW), [game(1)])
    nobody = uuid.uuid4()
    with pytest.raises(NotFoundError, match=str(nobody)):
        concierge.suggestions(
            uow, MEMBER, player_ids=[players[0].player_id, nobody], minutes=60, now=NOW
        )


def test_anonymous_callers_are_refused() -> None:
    players = group(2)
    uow = fake_with(Request(players, 60, NOW), [game(1)])
    with pytest.raises(NotSignedIn):
        concierge.suggestions(
            uow, ANONYMOUS, player_ids=[taste.player_id for taste in players], minutes=60
        )
