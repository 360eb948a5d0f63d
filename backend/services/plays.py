"""Plays' one way in: recording, changing and removing plays, and reading them and what a
player's plays add up to.

Plays are members' history, so every function needs a signed-in principal. A member
records a play they take part in (their linked player is among its participants), and
changes or removes a play they took part in; organizers and admins (MANAGE_PLAYS) any
play. A play and its participants are written together, in one commit: one refused
participant and nothing of the play is stored. Writes take the version the caller last
read (`expected_version`, from If-Match over HTTP), as the catalog's do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from backend.domain.errors import BrokenReferenceError, DomainRuleError, PermissionDenied
from backend.domain.permissions import Permission, require
from backend.domain.plays import (
    MAX_PARTICIPANTS,
    PARTICIPANT_RULES,
    PLAY_RULES,
    duplicate_players,
    played_at_problem,
)
from backend.domain.principal import Principal
from backend.domain.rules import raise_violations
from backend.domain.versions import ExpectedVersion, VersionTag, version_tag
from backend.models import Play, PlayParticipant
from backend.repositories.base import Page
from backend.repositories.plays import PlayerStatsView, PlayFilters, PlayView
from backend.services.unit_of_work import UnitOfWork

PARTICIPANT_FIELDS = ("score", "is_winner", "rating")
NOT_A_PARTICIPANT = (
    "A member records, changes and removes only plays they take part in; organizers and admins any."
)


def play_version(play: PlayView | Play) -> VersionTag:
    """A play's tag: its version, which every change of it or its participants moves."""
    return version_tag(play["version"] if isinstance(play, dict) else play.version)


def plays_page(
    uow: UnitOfWork, principal: Principal, filters: PlayFilters, *, page: int, page_size: int
) -> Page[PlayView]:
    """One page of the plays matching every filter, newest first (signed-in users)."""
    require(principal, Permission.SIGNED_IN)
    return uow.plays.page(filters, page=page, page_size=page_size)


def plays_of_player(
    uow: UnitOfWork,
    principal: Principal,
    player_id: UUID,
    filters: PlayFilters,
    *,
    page: int,
    page_size: int,
) -> Page[PlayView]:
    """One page of the plays this player took part in; NotFoundError for an unknown one."""
    require(principal, Permission.SIGNED_IN)
    uow.players.get_or_raise(player_id)
    return uow.plays.page(
        PlayFilters(
            player_id=player_id,
            game_id=filters.game_id,
            played_from=filters.played_from,
            played_until=filters.played_until,
        ),
        page=page,
        page_size=page_size,
    )


def play_of(uow: UnitOfWork, principal: Principal, play_id: UUID) -> PlayView:
    """One play with its game and participants (signed-in users); NotFoundError if none."""
    require(principal, Permission.SIGNED_IN)
    return uow.plays.view(play_id)


def stats_of(uow: UnitOfWork, principal: Principal, player_id: UUID) -> PlayerStatsView:
    """What a player's plays add up to (signed-in users); NotFoundError if no such player."""
    require(principal, Permission.SIGNED_IN)
    return uow.plays.stats_of(player_id)


def record_play(uow: UnitOfWork, principal: Principal, fields: Mapping[str, Any]) -> PlayView:
    """Record a play with its participants and commit. A member must be among them;
    an unknown game or player is BrokenReferenceError naming the field."""
    require(principal, Permission.SIGNED_IN)
    values = dict(fields)
    participants = values.pop("participants", ())
    _check_play_values(values)
    participants = _checked_participants(uow, participants)
    if not uow.games.with_ids([values["game_id"]]):
        message = f"There is no game {values['game_id']}."
        raise BrokenReferenceError(message, fields={"game_id": [message]})
    _refuse_unless_participant(uow, principal, [p["player_id"] for p in participants])
    play = uow.plays.add(Play(**values, participants=[PlayParticipant(**p) for p in participants]))
    uow.commit()
    return uow.plays.view(play.id)


def change_play(
    uow: UnitOfWork,
    principal: Principal,
    play_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
) -> PlayView:
    """Change some of a play's fields; participants, when sent, replace the current ones
    as a whole. A participant of the play as stored, or a manager of plays."""
    require(principal, Permission.SIGNED_IN)
    play = _play_at(uow, principal, play_id, expected_version)
    values = dict(changes)
    participants = values.pop("participants", None)
    _check_play_values(values)
    if participants is not None:
        _replace_participants(play, _checked_participants(uow, participants))
    uow.plays.update(play, values)
    uow.commit()
    return uow.plays.view(play.id)


def remove_play(
    uow: UnitOfWork,
    principal: Principal,
    play_id: UUID,
    *,
    expected_version: ExpectedVersion | None,
) -> None:
    """Remove a play and its participants (each removal audited): a participant of it, or
    a manager of plays."""
    require(principal, Permission.SIGNED_IN)
    uow.plays.delete(_play_at(uow, principal, play_id, expected_version))
    uow.commit()


def _check_play_values(values: Mapping[str, Any]) -> None:
    raise_violations(PLAY_RULES.violations(values))
    if "played_at" in values:
        problem = played_at_problem(values["played_at"])
        if problem is not None:
            raise DomainRuleError(f"played_at: {problem}", fields={"played_at": [problem]})


def _checked_participants(
    uow: UnitOfWork, participants: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The participants with their defaults, once every rule holds and every player
    exists; the error names the participant by its position (`participants.2.rating`)."""
    if not 1 <= len(participants) <= MAX_PARTICIPANTS:
        message = f"Must list 1 to {MAX_PARTICIPANTS} participants."
        raise DomainRuleError(f"participants: {message}", fields={"participants": [message]})
    complete = [
        {"player_id": p["player_id"], "score": None, "is_winner": False, "rating": None, **p}
        for p in participants
    ]
    for position, participant in enumerate(complete):
        violations = PARTICIPANT_RULES.violations(participant)
        if violations:
            first = violations[0]
            field = f"participants.{position}.{first.field}"
            raise DomainRuleError(f"{field}: {first.message}", fields={field: [first.message]})
    player_ids = [participant["player_id"] for participant in complete]
    for position in duplicate_players(player_ids):
        field = f"participants.{position}.player_id"
        message = "This player is listed already."
        raise DomainRuleError(f"{field}: {message}", fields={field: [message]})
    found = {player.id for player in uow.players.with_ids(player_ids)}
    missing = {
        f"participants.{position}.player_id": [f"There is no player {player_id}."]
        for position, player_id in enumerate(player_ids)
        if player_id not in found
    }
    if missing:
        first_field, (first_message,) = next(iter(missing.items()))
        raise BrokenReferenceError(f"{first_field}: {first_message}", fields=missing)
    return complete


def _replace_participants(play: Play, participants: Sequence[Mapping[str, Any]]) -> None:
    """The play's participants become these: those whose values did not change are kept
    as they are; a changed one is replaced, so the play's list (and version) moves."""
    stored = {participant.player_id: participant for participant in play.participants}
    kept = []
    for values in participants:
        current = stored.get(values["player_id"])
        if current is not None and all(
            getattr(current, name) == values[name] for name in PARTICIPANT_FIELDS
        ):
            kept.append(current)
        else:
            kept.append(PlayParticipant(**values))
    play.participants = kept


def _refuse_unless_participant(
    uow: UnitOfWork, principal: Principal, player_ids: Sequence[UUID]
) -> None:
    if Permission.MANAGE_PLAYS.allows(principal):
        return
    own = None if principal.user_id is None else uow.players.of_user(principal.user_id)
    if own is None or own.id not in player_ids:
        raise PermissionDenied(NOT_A_PARTICIPANT)


def _play_at(
    uow: UnitOfWork,
    principal: Principal,
    play_id: UUID,
    expected_version: ExpectedVersion | None,
) -> Play:
    """The play with its participants, if the principal may change it, while still at the
    version expected."""
    play = uow.plays.get_with_participants(play_id)
    _refuse_unless_participant(uow, principal, [p.player_id for p in play.participants])
    if expected_version is not None:
        expected_version.check("play", play_id, play_version(play))
    return play


def record_play_of_result(
    uow: UnitOfWork, values: Mapping[str, Any], participants: Sequence[Mapping[str, Any]]
) -> Play:
    """Record the play a confirmed tournament result stands for, with the same rules as
    any play, without committing: the caller's service has decided who may confirm it."""
    _check_play_values(values)
    checked = _checked_participants(uow, participants)
    return uow.plays.add(Play(**values, participants=[PlayParticipant(**p) for p in checked]))


def replace_participants_of_result(
    uow: UnitOfWork, play_id: UUID, participants: Sequence[Mapping[str, Any]]
) -> Play:
    """The play of a corrected tournament result gets these participants, with the same
    rules as any play, without committing (see record_play_of_result)."""
    play = uow.plays.get_with_participants(play_id)
    _replace_participants(play, _checked_participants(uow, participants))
    return play
