"""Labels that group games: the kinds there are, and what makes a label's name valid."""

from __future__ import annotations

import enum
import functools
import re
import unicodedata

from backend.domain.rules import RowRules


class LabelKind(enum.StrEnum):
    """The one registry of label kinds. Each value is the plural by which a game, a request
    body, a URL and an export's columns name its labels of that kind."""

    CATEGORIES = "categories"
    TAGS = "tags"

    @property
    def singular(self) -> str:
        """One label of the kind, in messages and in filters (`?category=...`)."""
        return _SINGULAR[self]


_SINGULAR = {LabelKind.CATEGORIES: "category", LabelKind.TAGS: "tag"}
LABEL_KINDS: tuple[LabelKind, ...] = tuple(LabelKind)

LABEL_NAME_MAX_LENGTH = 100
# The most labels of one kind a game may carry (an API request and an import row alike).
MAX_LABELS_PER_GAME = 100
# A slug is blank when the name has no letter or digit ("---"): such a name is refused.
# Case folding can lengthen a name ("ß" -> "ss"), so the slug's length is checked too.
LABEL_RULES = RowRules(
    not_blank=("name", "slug"),
    max_lengths={"name": LABEL_NAME_MAX_LENGTH, "slug": LABEL_NAME_MAX_LENGTH},
)
_SLUG_MESSAGES = {
    "slug_not_blank": "Must contain a letter or a digit.",
    "slug_length": f"Too long once made a slug (over {LABEL_NAME_MAX_LENGTH} characters).",
}
_NOT_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=4096)
def slugify(name: str) -> str:
    """The URL-friendly key of a label: "Campaign / Battle Card Driven" ->
    "campaign-battle-card-driven". Idempotent, so a slug can be given where a name is;
    two names with the same slug are the same label."""
    return _NOT_WORD.sub("-", unicodedata.normalize("NFKC", name).casefold()).strip("-")


@functools.lru_cache(maxsize=4096)
def label_name_problems(name: str) -> list[str]:
    """What is wrong with a label's name, in the API's words (empty when nothing is)."""
    return [
        _SLUG_MESSAGES.get(violation.rule, violation.message)
        for violation in LABEL_RULES.violations({"name": name, "slug": slugify(name)})
    ]
