"""The ORM models; importing this package registers every table on `Base.metadata`."""

from backend.models.audit import AuditLog
from backend.models.base import Base
from backend.models.game import Game
from backend.models.labels import Category, Label, Tag, game_categories, game_tags
from backend.models.play import Play, PlayParticipant
from backend.models.player import (
    Player,
    PlayerPreferences,
    player_favourite_categories,
    player_favourite_tags,
    player_refused_games,
)
from backend.models.shelf import CollectionItem, GameCopy
from backend.models.sign_in import SignInThrottle
from backend.models.tournament import Match, Registration, Round, Tournament, Venue
from backend.models.user import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditLog",
    "Base",
    "Category",
    "CollectionItem",
    "Game",
    "GameCopy",
    "Label",
    "Match",
    "Play",
    "PlayParticipant",
    "Player",
    "PlayerPreferences",
    "Registration",
    "Round",
    "SignInThrottle",
    "Tag",
    "Tournament",
    "User",
    "Venue",
    "game_categories",
    "game_tags",
    "player_favourite_categories",
    "player_favourite_tags",
    "player_refused_games",
]
