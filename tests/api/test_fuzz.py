"""Schemathesis against the OpenAPI spec, run as `schemathesis run` runs: every phase (examples,
coverage, fuzzing, and the stateful phase that follows the spec's links) and every check, on
every operation the spec lists, in positive and negative generation modes.

What the checks hold the API to: each response has a documented status code, content type,
headers and body; a request that breaks the spec is refused with a 4xx; one the spec allows
is accepted; an undocumented method is 405 with Allow; a missing required header is refused;
and no input is a 500.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis.engine import events, from_schema
from schemathesis.engine.run import PhaseName

from backend.domain.games import GAME_RULES
from backend.domain.labels import label_name_problems

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clean_database")]

EXAMPLES_PER_OPERATION = 50
STATEFUL_STEPS = 10
STATEFUL_SCENARIOS = 100
# schemathesis' defaults, and one status each that HTTP defines for conditional requests.
POSITIVE_DATA_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
MISSING_HEADER_REFUSED = ["400", "401", "403", "406", "415", "422"]
CONFIG = {
    "seed": 9,
    # Nothing kept between runs: each run is the same, whatever ran before it.
    "cache": {"enabled": False},
    "generation": {"deterministic": True, "max-examples": EXAMPLES_PER_OPERATION},
    "phases": {
        "stateful": {
            "max-steps": STATEFUL_STEPS,
            "generation": {"deterministic": True, "max-examples": STATEFUL_SCENARIOS},
        }
    },
    "checks": {
        # A sound change whose If-Match names an ETag the entity has moved past fails its
        # precondition (412, RFC 9110 13.1.1): the entity's state, like 404 and 409, not a
        # refusal of the data; and a generated entity tag is never the current one.
        "positive_data_acceptance": {"expected-statuses": [*POSITIVE_DATA_ACCEPTED, "412"]},
        # A change without the If-Match it requires is 428 Precondition Required (RFC 6585 3).
        "missing_required_header": {"expected-statuses": [*MISSING_HEADER_REFUSED, "428"]},
    },
}
# Rules OpenAPI 3.0 cannot state, which the spec's descriptions give in words: an order
# between two fields, and a label name's slug (Unicode letters or digits, its length once
# case-folded).
CROSS_FIELD_RULES = GAME_RULES.ordered_pairs


@dataclass
class Run:
    """What one schemathesis run found, and what its stateful phase answered."""

    failures: list[str] = field(default_factory=list)
    stateful_answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    phases: dict[str, str] = field(default_factory=dict)
    operations: list[str] = field(default_factory=list)


def breaks_a_rule_stated_in_words(case: schemathesis.Case) -> bool:
    """A positive case whose body the spec's schemas allow but a rule its descriptions state
    refuses; or that changes one end of an ordered pair (PATCH), which the stored other end
    may refuse. schemathesis is taught these rules here, for its positive cases only; the
    API's refusals of bodies that break them are tested in test_bad_input and test_labels."""
    body = case.body
    if case.meta is None or not case.meta.generation.mode.is_positive or not isinstance(body, dict):
        return False
    for lower, upper in CROSS_FIELD_RULES:
        low, high = body.get(lower), body.get(upper)
        if low is not None and high is not None and low > high:
            return True
        if case.method.upper() == "PATCH" and (lower in body) != (upper in body):
            return True
    name = body.get("name")
    return isinstance(name, str) and bool(label_name_problems(name))


def describe(case_id: str, recorder: Any, check: str) -> str:
    interaction = recorder.interactions.get(case_id)
    response = interaction.response if interaction is not None else None
    case = recorder.cases[case_id].value
    answer = (
        f"{response.status_code} {(response.content or b'')[:300]!r}" if response else "no answer"
    )
    return f"{check}: {case.operation.label} -> {answer}\n    {case.as_curl_command()}"


def taught_the_rules_stated_in_words(_context: Any, case: schemathesis.Case) -> bool:
    return not breaks_a_rule_stated_in_words(case)


def run_schemathesis(app: Flask) -> Run:
    schema = schemathesis.openapi.from_wsgi(
        "/api/openapi.json", app, config=schemathesis.Config.from_dict(CONFIG)
    )
    schema.hook("filter_case")(taught_the_rules_stated_in_words)
    run = Run(operations=[result.ok().label for result in schema.get_all_operations()])
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for case_id, checks in recorder.checks.items():
                run.failures += [
                    describe(case_id, recorder, check.name)
                    for check in checks
                    if check.failure_info is not None
                ]
            if event.phase is PhaseName.STATEFUL_TESTING:
                for case_id, interaction in recorder.interactions.items():
                    if interaction.response is not None:
                        label = recorder.cases[case_id].value.operation.label
                        run.stateful_answers[label, interaction.response.status_code] += 1
        elif isinstance(event, events.PhaseFinished):
            run.phases[str(event.phase.name)] = str(event.status)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            run.failures.append(f"schemathesis could not test: {event!r}"[:2000])
        elif isinstance(event, events.EngineFinished):
            run.failures += [str(failure) for failure in event.failures]
    return run


def test_schemathesis_finds_nothing_wrong_in_any_phase(app: Flask) -> None:
    run = run_schemathesis(app)

    assert len(run.operations) >= 18
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        assert run.phases.get(phase) in ("success", "failure"), run.phases

    # The stateful phase, following the spec's links, created each kind of entity and read
    # one back, and called every operation on an entity. Some change and some removal
    # succeeded: the ETag the link carried from the answer before was current (If-Match: *
    # is refused, and a made-up tag is 412). Which ones succeed depends on the seed: a
    # generated change may well clash with another entity (409).
    called = {label for (label, _status) in run.stateful_answers}
    succeeded = {label for (label, status) in run.stateful_answers if status < 300}
    answers = "\n".join(map(str, sorted(run.stateful_answers.items())))
    on_entities = [label for label in run.operations if "{" in label]
    creations = [label for label in run.operations if label.startswith("POST ")]
    reads = [label for label in on_entities if label.startswith("GET ")]
    assert len(on_entities) >= 9
    assert set(on_entities) <= called, answers
    assert set(creations + reads) <= succeeded, answers
    for method in ("PATCH", "DELETE"):
        assert any(label.startswith(f"{method} ") for label in succeeded), answers

    assert not run.failures, "\n".join(dict.fromkeys(run.failures))
