"""Blank text: what the rule refuses and what the spec's pattern says agree, character by
character, and text that shows nothing is blank on every database alike."""

from __future__ import annotations

import re

from backend.api.schemas import NOT_BLANK_PATTERN
from backend.domain.games import GAME_RULES
from backend.domain.rules import is_blank


def test_the_pattern_accepts_exactly_the_text_the_rule_does_not_call_blank() -> None:
    pattern = re.compile(NOT_BLANK_PATTERN)
    for code in range(1, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # a lone surrogate is no text (Text refuses it)
        character = chr(code)
        assert is_blank(character) == (pattern.match(character) is None), hex(code)


def test_whitespace_control_and_format_characters_alone_are_blank() -> None:
    # MariaDB's Unicode collations ignore control and format characters: its CHECK
    # would take such a title for empty, so the rule refuses it before any database does.
    for text in ["", "   ", "\t\n", "\x93", "\u200b\u200d", " \x07 "]:
        assert is_blank(text), repr(text)
        assert [v.rule for v in GAME_RULES.violations({"title": text})] == ["title_not_blank"]
    for text in ["a", " \x93a", "é", "\u200bZ", "🎲"]:
        assert not is_blank(text), repr(text)
