"""The concierge endpoint: games that fit a group tonight (signed-in users only)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask.views import MethodView

from backend.api.access import current_principal
from backend.api.concierge.schemas import SuggestionArguments, SuggestionsOut
from backend.api.extensions import Blueprint
from backend.api.uow import get_uow
from backend.domain.concierge import Suggestions
from backend.domain.permissions import Permission
from backend.services import concierge

blp = Blueprint(
    "concierge",
    __name__,
    url_prefix="/api/v1/concierge",
    description="Which games fit a group tonight, best first, and why; for signed-in users.",
)


@blp.route("/suggestions")
class SuggestionsForGroup(MethodView):
    @blp.requires(Permission.SIGNED_IN)
    @blp.arguments(SuggestionArguments, location="query")
    @blp.response(200, SuggestionsOut)
    @blp.documents_errors(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE)
    def get(self, arguments: dict[str, Any]) -> Suggestions:
        """Suggest games that fit the whole group: its size, its time, no refusals; ranked by
        complexity, shared favourites, ratings and time since played (an empty answer says
        which condition left nothing)."""
        return concierge.suggestions(
            get_uow(),
            current_principal(),
            player_ids=arguments["players"],
            minutes=arguments["minutes"],
            category=arguments.get("category"),
            available_only=arguments["available_only"],
            exclude_played_within_days=arguments.get("exclude_played_within_days"),
            limit=arguments["limit"],
        )
