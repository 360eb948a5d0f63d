"""The rounds endpoints on every database: a small event played end to end (8 players, 3
Swiss rounds, a top 4), the states that refuse a pairing (409), who may pair, report,
confirm and correct, results recorded as plays, and a hand-built event whose standings
are known, read through the API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.accounts import Role
from backend.domain.tournaments import MatchStatus, RoundStage, TournamentStatus, Visibility
from backend.models import AuditLog, Match, Round, Tournament
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.accounts import Account
from tests.conftest import AccountMaker
from tests.tournament_builders import Event, stored_event


def base(event: Event) -> str:
    return f"/api/v1/tournaments/{event.tournament_id}"


def result(a: int, b: int, draws: int = 0) -> dict[str, int]:
    return {"player_a_wins": a, "player_b_wins": b, "draws": draws}


def pair(http: FlaskClient, event: Event, who: Account, **body: Any) -> Any:
    return http.post(f"{base(event)}/rounds", json=body, headers=who.headers)


def play_out(http: FlaskClient, event: Event, who: Account, round_: dict[str, Any]) -> None:
    """Every pending match of the round won 2-1 by player A, reported by the organizer."""
    for match in round_["matches"]:
        if match["status"] == "pending":
            answer = http.put(
                f"{base(event)}/matches/{match['id']}/result",
                json=result(2, 1),
                headers=who.headers,
            )
            assert answer.status_code == 200, answer.json
            assert answer.json["status"] == "confirmed"


@pytest.fixture
def organizer_account(accounts: AccountMaker) -> Account:
    return accounts(Role.ORGANIZER)


def test_a_small_event_is_played_from_the_first_round_to_the_final(
    http: FlaskClient,
    session_factory: sessionmaker[Session],
    organizer_account: Account,
) -> None:
    event = stored_event(session_factory, organizer_account.user_id, 8, top_cut_size=4)
    for number in (1, 2, 3):
        answer = pair(http, event, organizer_account)
        assert answer.status_code == 201, answer.json
        assert answer.headers["Location"].endswith(f"/rounds/{number}")
        assert answer.json["stage"] == "swiss" and len(answer.json["matches"]) == 4
        play_out(http, event, organizer_account, answer.json)
    table = http.get(f"{base(event)}/standings").json
    assert table["swiss_rounds"] == 3 and table["top_cut_size"] == 4
    assert [row["match_points"] for row in table["standings"]][:1] == [9]
    seeds = [row["player_id"] for row in table["standings"]]
    semis = pair(http, event, organizer_account).json
    assert semis["stage"] == RoundStage.TOP_CUT
    pairs = [(m["player_a_id"], m["player_b_id"]) for m in semis["matches"]]
    assert pairs == [(seeds[0], seeds[3]), (seeds[1], seeds[2])]
    play_out(http, event, organizer_account, semis)
    final = pair(http, event, organizer_account).json
    assert [(m["player_a_id"], m["player_b_id"]) for m in final["matches"]] == [
        (seeds[0], seeds[1])
    ]
    play_out(http, event, organizer_account, final)
    done = pair(http, event, organizer_account)
    assert done.status_code == 409 and "complete" in done.json["message"]
    rounds = http.get(f"{base(event)}/rounds").json
    assert [r["number"] for r in rounds] == [1, 2, 3, 4, 5]
    one = http.get(f"{base(event)}/rounds/5")
    assert one.status_code == 200 and one.headers["ETag"]
    assert http.get(f"{base(event)}/rounds/6").status_code == 404
    matches = http.get(f"{base(event)}/matches", query_string={"round": 4}).json
    assert [m["table_number"] for m in matches] == [1, 2]
    of_winner = http.get(f"{base(event)}/matches", query_string={"player_id": seeds[0]})
    assert len(of_winner.json) == 5
    # Each match is a play of the tournament's game in its players' history.
    plays = http.get(f"/api/v1/players/{seeds[0]}/plays", headers=organizer_account.headers)
    assert plays.status_code == 200 and len(plays.json) == 5
    assert {play["game"]["id"] for play in plays.json} == {str(event.game_id)}
    stats = http.get(f"/api/v1/players/{seeds[0]}/stats", headers=organizer_account.headers)
    assert (stats.json["plays"], stats.json["wins"]) == (5, 5)


def test_pairing_is_refused_while_a_result_is_missing_or_the_event_is_not_running(
    http: FlaskClient, session_factory: sessionmaker[Session], organizer_account: Account
) -> None:
    event = stored_event(session_factory, organizer_account.user_id, 4)
    assert pair(http, event, organizer_account).status_code == 201
    waiting = pair(http, event, organizer_account)
    assert waiting.status_code == 409 and "Round 1 is not over" in waiting.json["message"]
    draft = stored_event(
        session_factory, organizer_account.user_id, 4, status=TournamentStatus.REGISTRATION_OPEN
    )
    refused = pair(http, draft, organizer_account)
    assert refused.status_code == 409 and "in progress" in refused.json["message"]


def test_a_rematch_needs_allow_rematches(
    http: FlaskClient, session_factory: sessionmaker[Session], organizer_account: Account
) -> None:
    event = stored_event(session_factory, organizer_account.user_id, 2, top_cut_size=0)
    play_out(http, event, organizer_account, pair(http, event, organizer_account).json)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.session.execute(
            update(Tournament).where(Tournament.id == event.tournament_id).values(swiss_rounds=2)
        )
        uow.commit()
    refused = pair(http, event, organizer_account)
    assert refused.status_code == 409 and "allow_rematches" in refused.json["message"]
    allowed = pair(http, event, organizer_account, allow_rematches=True)
    assert allowed.status_code == 201 and allowed.json["rematches_allowed"] is True


def test_only_the_organizer_or_an_admin_pairs(
    http: FlaskClient,
    session_factory: sessionmaker[Session],
    organizer_account: Account,
    accounts: AccountMaker,
) -> None:
    event = stored_event(session_factory, organizer_account.user_id, 4)
    assert pair(http, event, accounts(Role.MEMBER)).status_code == 403
    assert pair(http, event, accounts(Role.ORGANIZER)).status_code == 403
    assert pair(http, event, accounts(Role.ADMIN)).status_code == 201
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.session.scalar(select(Round.number)) == 1


def test_a_result_is_reported_confirmed_and_corrected_with_its_audit_trail(
    http: FlaskClient,
    session_factory: sessionmaker[Session],
    organizer_account: Account,
    accounts: AccountMaker,
) -> None:
    ana, ben, outsider = (accounts(Role.MEMBER) for _ in range(3))
    event = stored_event(session_factory, organizer_account.user_id, [ana.user_id, ben.user_id])
    (match,) = pair(http, event, organizer_account).json["matches"]
    url = f"{base(event)}/matches/{match['id']}"
    round_etag = http.get(f"{base(event)}/rounds/1").headers["ETag"]
    a_side = ana if match["player_a_id"] == str(event.player_ids[0]) else ben
    b_side = ben if a_side is ana else ana
    assert http.put(f"{url}/result", json=result(2, 0), headers=outsider.headers).status_code == 403
    first = http.put(f"{url}/result", json=result(2, 0), headers=a_side.headers)
    assert first.status_code == 200 and first.json["status"] == "reported"
    assert first.json["reported_by"] == a_side.actor
    # Before confirmation, a player's new report replaces the last.
    again = http.put(f"{url}/result", json=result(2, 1), headers=b_side.headers)
    assert again.status_code == 200 and again.json["reported_by"] == b_side.actor
    # The round carries its matches' results: its ETag moves with them.
    cached = http.get(f"{base(event)}/rounds/1", headers={"If-None-Match": round_etag})
    assert cached.status_code == 200 and cached.headers["ETag"] != round_etag
    own = http.post(f"{url}/confirmation", headers=b_side.headers)
    assert own.status_code == 403
    confirmed = http.post(f"{url}/confirmation", headers=a_side.headers)
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["status"] == "confirmed" and confirmed.json["play_id"]
    assert http.post(f"{url}/confirmation", headers=a_side.headers).status_code == 409
    assert http.put(f"{url}/result", json=result(0, 2), headers=a_side.headers).status_code == 409
    missing = http.put(f"{url}/result", json=result(1, 1, 1), headers=organizer_account.headers)
    assert missing.status_code == 428
    stale = http.put(
        f"{url}/result",
        json=result(1, 1, 1),
        headers={**organizer_account.headers, "If-Match": '"999"'},
    )
    assert stale.status_code == 412
    corrected = http.put(
        f"{url}/result",
        json=result(1, 1, 1),
        headers={**organizer_account.headers, "If-Match": confirmed.headers["ETag"]},
    )
    assert corrected.status_code == 200, corrected.json
    assert corrected.json["play_id"] == confirmed.json["play_id"]
    play = http.get(f"/api/v1/plays/{corrected.json['play_id']}", headers=ana.headers).json
    assert {p["score"] for p in play["participants"]} == {1}
    assert not any(p["is_winner"] for p in play["participants"])
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        trail = uow.session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == "matches", AuditLog.entity_id == match["id"])
            .order_by(AuditLog.id)
        ).all()
        actors = [entry.actor for entry in trail if entry.action == "update"]
        assert actors == [a_side.actor, b_side.actor, a_side.actor, organizer_account.actor]
        assert trail[-1].changes["player_a_wins"] == [2, 1]


def test_results_are_refused_for_a_bye_and_out_of_their_bounds(
    http: FlaskClient, session_factory: sessionmaker[Session], organizer_account: Account
) -> None:
    event = stored_event(session_factory, organizer_account.user_id, 3)
    matches = pair(http, event, organizer_account).json["matches"]
    bye = matches[-1]
    assert bye["player_b_id"] is None and bye["status"] == "confirmed"
    url = f"{base(event)}/matches"
    answer = http.put(
        f"{url}/{bye['id']}/result", json=result(2, 0), headers=organizer_account.headers
    )
    assert answer.status_code == 409
    too_many = http.put(
        f"{url}/{matches[0]['id']}/result", json=result(10, 0), headers=organizer_account.headers
    )
    assert too_many.status_code == 422
    elsewhere = http.get(f"/api/v1/tournaments/{uuid.uuid4()}/matches/{matches[0]['id']}")
    assert elsewhere.status_code == 404


def test_standings_of_a_hand_built_event_are_as_computed_by_hand(
    http: FlaskClient, session_factory: sessionmaker[Session], organizer_account: Account
) -> None:
    """Four players, two rounds. Round 1: P1 beats P2 2-0, P3 beats P4 2-1. Round 2: P1
    beats P3 2-1, P2 and P4 draw 1-1-1. P1: 6 points; P3: 3; P2 and P4: 1 each.
    OMW: P1 faced P2 (1/6 -> 0.33) and P3 (1/2): (33/100 + 1/2) / 2 = 83/200.
    P3 faced P4 (0.33) and P1 (1): 133/200. P2 faced P1 (1) and P4 (0.33): 133/200;
    P4 faced P3 (1/2) and P2 (0.33): 83/200. So P2 stands above P4.
    GW: P1 won 4 of 5 games: 12/15 = 4/5."""
    event = stored_event(session_factory, organizer_account.user_id, 4, top_cut_size=0)
    p1, p2, p3, p4 = event.player_ids
    games = {
        1: [(p1, p2, 2, 0, 0), (p3, p4, 2, 1, 0)],
        2: [(p1, p3, 2, 1, 0), (p2, p4, 1, 1, 1)],
    }
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.session.execute(
            update(Tournament).where(Tournament.id == event.tournament_id).values(swiss_rounds=2)
        )
        for number, tables in games.items():
            uow.session.add(
                Round(
                    tournament_id=event.tournament_id,
                    number=number,
                    stage=RoundStage.SWISS,
                    matches=[
                        Match(
                            table_number=table,
                            player_a_id=a,
                            player_b_id=b,
                            player_a_wins=a_wins,
                            player_b_wins=b_wins,
                            draws=draws,
                            status=MatchStatus.CONFIRMED,
                        )
                        for table, (a, b, a_wins, b_wins, draws) in enumerate(tables, start=1)
                    ],
                )
            )
        uow.commit()
    answer = http.get(f"{base(event)}/standings")
    assert answer.status_code == 200, answer.json
    rows = answer.json["standings"]
    assert [row["player_id"] for row in rows] == [str(p) for p in (p1, p3, p2, p4)]
    assert [row["match_points"] for row in rows] == [6, 3, 1, 1]
    assert rows[0]["omw"] == {"decimal": 0.415, "fraction": "83/200"}
    assert rows[0]["gw"] == {"decimal": 0.8, "fraction": "4/5"}
    assert rows[1]["omw"]["fraction"] == "133/200" and rows[2]["omw"]["fraction"] == "133/200"
    assert rows[3]["omw"]["fraction"] == "83/200"
    assert rows[2]["record"] == {"wins": 0, "losses": 1, "draws": 1, "byes": 0}
    assert answer.json["rounds_counted"] == 2
    assert answer.json["rules"]["tiebreakers"] == ["match_points", "omw", "gw", "ogw"]
    # Pairing round 3 is refused: the Swiss rounds are played and there is no cut.
    done = pair(http, event, organizer_account)
    assert done.status_code == 409 and "complete" in done.json["message"]


def test_a_members_only_event_is_hidden_from_anonymous_callers(
    http: FlaskClient, session_factory: sessionmaker[Session], organizer_account: Account
) -> None:
    event = stored_event(
        session_factory, organizer_account.user_id, 4, visibility=Visibility.MEMBERS
    )
    for path in ("rounds", "matches", "standings"):
        assert http.get(f"{base(event)}/{path}").status_code == 404
        signed_in = http.get(f"{base(event)}/{path}", headers=organizer_account.headers)
        assert signed_in.status_code == 200


def test_a_round_number_beyond_any_round_is_404_not_an_overflow(
    http: FlaskClient, session_factory: sessionmaker[Session], organizer_account: Account
) -> None:
    """Regression: a number too large for the database's integers was a 500 (SQLite's
    OverflowError; PostgreSQL's smallint out of range)."""
    event = stored_event(session_factory, organizer_account.user_id, 4)
    assert pair(http, event, organizer_account).status_code == 201
    assert http.get(f"{base(event)}/rounds/1", headers=organizer_account.headers).status_code == 200
    for number in ("0", "32768", "99999999999999999999"):
        answer = http.get(f"{base(event)}/rounds/{number}", headers=organizer_account.headers)
        assert answer.status_code == 404, (number, answer.json)
        assert answer.json["code"] == 404


def test_the_concierge_knows_who_played_a_tournament_match(
    http: FlaskClient, session_factory: sessionmaker[Session], organizer_account: Account
) -> None:
    event = stored_event(session_factory, organizer_account.user_id, 2)
    (match,) = pair(http, event, organizer_account).json["matches"]
    group = f"{match['player_a_id']},{match['player_b_id']}"

    def suggested(**filters: Any) -> set[str]:
        query = {"players": group, "minutes": 120, "available_only": "false", **filters}
        answer = http.get(
            "/api/v1/concierge/suggestions",
            query_string={**query, "limit": 50},
            headers=organizer_account.headers,
        )
        assert answer.status_code == 200, answer.json
        return {item["game_id"] for item in answer.json["items"]}

    game = str(event.game_id)
    assert game in suggested(exclude_played_within_days=30)
    reported = http.put(
        f"{base(event)}/matches/{match['id']}/result",
        json=result(2, 1),
        headers=organizer_account.headers,
    )
    assert reported.status_code == 200 and reported.json["play_id"], reported.json
    # The confirmed result is a play of the tournament's game by both players: a group
    # that played it lately is not offered it again when it asks so.
    assert game not in suggested(exclude_played_within_days=30)
    assert game in suggested()
