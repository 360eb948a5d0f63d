"""What makes a player's values and a player's preferences valid, and who may see a
player's Discord id."""

from __future__ import annotations

import re

from backend.domain.errors import DomainRuleError
from backend.domain.principal import Principal
from backend.domain.rules import Range, RowRules

DISPLAY_NAME_MAX_LENGTH = 100
# Discord ids are snowflakes: a 64-bit number, written with 17 to 20 digits.
DISCORD_ID_MIN_LENGTH = 17
DISCORD_ID_MAX_LENGTH = 20
DISCORD_ID_PATTERN = rf"^[0-9]{{{DISCORD_ID_MIN_LENGTH},{DISCORD_ID_MAX_LENGTH}}}$"
DISCORD_ID_MESSAGE = (
    f"Must be a Discord id: {DISCORD_ID_MIN_LENGTH} to {DISCORD_ID_MAX_LENGTH} digits."
)
# How many favourites or refusals one player's preferences may list.
MAX_PREFERRED_ITEMS = 100

PLAYER_RULES = RowRules(
    not_blank=("display_name",),
    max_lengths={"display_name": DISPLAY_NAME_MAX_LENGTH, "discord_id": DISCORD_ID_MAX_LENGTH},
)

PREFERENCE_RULES = RowRules(
    ranges={
        "min_play_minutes": Range(1, 100_000),
        "max_play_minutes": Range(1, 100_000),
        "min_complexity": Range(1.0, 5.0),
        "max_complexity": Range(1.0, 5.0),
        "min_group_size": Range(1, 999),
        "max_group_size": Range(1, 999),
    },
    ordered_pairs=(
        ("min_play_minutes", "max_play_minutes"),
        ("min_complexity", "max_complexity"),
        ("min_group_size", "max_group_size"),
    ),
)


def discord_id_problem(discord_id: str | None) -> str | None:
    """Why a Discord id is refused, or None (None itself is "no Discord id", and fine)."""
    if discord_id is None or re.fullmatch(DISCORD_ID_PATTERN, discord_id, flags=re.ASCII):
        return None
    return DISCORD_ID_MESSAGE


def check_discord_id(discord_id: str | None) -> None:
    """DomainRuleError naming `discord_id` when it is not a Discord id."""
    problem = discord_id_problem(discord_id)
    if problem is not None:
        raise DomainRuleError(f"discord_id: {problem}", fields={"discord_id": [problem]})


def owns(principal: Principal, owner_user_id: object) -> bool:
    """Whether the principal is the user a player is linked to."""
    return principal.user_id is not None and principal.user_id == owner_user_id
