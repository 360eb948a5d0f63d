"""Health endpoints for load balancers and operators: liveness, readiness, the pool's state."""

from __future__ import annotations

import os
from http import HTTPStatus
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import fields
from sqlalchemy.exc import SQLAlchemyError

from backend.api.extensions import Blueprint
from backend.api.schemas import Schema
from backend.db.pool_monitor import snapshot
from backend.state import app_state

blp = Blueprint(
    "health", __name__, url_prefix="/health", description="Liveness, readiness and pool state."
)


class Status(Schema):
    status = fields.String(metadata={"description": "pass or fail"})
    checks = fields.Dict(metadata={"description": "Each check's status and details."})


class PoolState(Schema):
    status = fields.String()
    pid = fields.Integer(metadata={"description": "The worker process that answered."})
    pool = fields.Dict(metadata={"description": "size, max_overflow, checked_out, idle, overflow"})


@blp.route("/live")
class Live(MethodView):
    @blp.response(200, Status)
    def get(self) -> dict[str, Any]:
        """Whether the process is up; never touches the database."""
        return {"status": "pass", "checks": {}}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, Status)
    @blp.alt_response(HTTPStatus.SERVICE_UNAVAILABLE, schema=Status, description="Not ready.")
    def get(self) -> tuple[dict[str, Any], int]:
        """Whether the database answers and its schema is at the migrations' head."""
        state = app_state(current_app)
        try:
            applied = state.readiness.applied_revisions()
        except TimeoutError as timeout:
            return _not_ready(str(timeout))
        except SQLAlchemyError:
            current_app.logger.warning("readiness: database unreachable", exc_info=True)
            return _not_ready("the database is unreachable")
        migrations = {
            "status": "pass" if applied == state.migration_heads else "fail",
            "applied": sorted(applied),
            "expected": sorted(state.migration_heads),
        }
        checks = {"database": {"status": "pass"}, "migrations": migrations}
        ready = migrations["status"] == "pass"
        return {"status": "pass" if ready else "fail", "checks": checks}, 200 if ready else 503


def _not_ready(message: str) -> tuple[dict[str, Any], int]:
    database = {"status": "fail", "message": message}
    return {"status": "fail", "checks": {"database": database}}, 503


@blp.route("/pool")
class Pool(MethodView):
    @blp.response(200, PoolState)
    def get(self) -> dict[str, Any]:
        """This worker's connection pool: size, in use, idle and overflow; no database call."""
        state = app_state(current_app)
        pool = snapshot(state.engine).as_dict()
        pool["max_overflow"] = state.settings.db_max_overflow
        return {"status": "pass", "pid": os.getpid(), "pool": pool}
