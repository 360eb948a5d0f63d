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
from backend.db.engine import pool_monitor
from backend.state import app_state

blp = Blueprint(
    "health", __name__, url_prefix="/health", description="Liveness, readiness and pool state."
)


class Status(Schema):
    status = fields.String(metadata={"description": "pass or fail"})
    checks = fields.Dict(metadata={"description": "Each check's status and details."})


class PoolState(Schema):
    status = fields.String(metadata={"description": "pass, warn or fail"})
    reasons = fields.List(fields.String(), metadata={"description": "Why, when not pass."})
    pid = fields.Integer(metadata={"description": "The worker process that answered."})
    pool = fields.Dict(
        metadata={
            "description": "Gauges: size, max_overflow, checked_out, idle, overflow, waiting, "
            "oldest_wait_seconds."
        }
    )
    counters = fields.Dict(
        metadata={
            "description": "Since the worker started: checkouts, opened, closed, invalidated, "
            "connect_errors, timeouts, timeouts_last_minute."
        }
    )
    histograms = fields.Dict(
        metadata={"description": "wait_time, use_time and create_time: counts per bucket."}
    )
    held = fields.List(
        fields.Dict(),
        metadata={"description": "Connections checked out now: age, endpoint, request id."},
    )
    leak_threshold_seconds = fields.Float()
    server = fields.Dict(
        metadata={
            "description": "PostgreSQL's view: this application's connections by state, "
            "max_connections. Empty on other databases."
        }
    )


@blp.route("/live")
class Live(MethodView):
    @blp.open
    @blp.response(200, Status)
    def get(self) -> dict[str, Any]:
        """Whether the process is up; never touches the database."""
        return {"status": "pass", "checks": {}}


@blp.route("/ready")
class Ready(MethodView):
    @blp.open
    @blp.response(200, Status)
    @blp.alt_response(HTTPStatus.SERVICE_UNAVAILABLE, schema=Status, description="Not ready.")
    def get(self) -> tuple[dict[str, Any], int]:
        """Whether the database answers and its schema is at the migrations' head."""
        state = app_state(current_app)
        try:
            applied = state.probe.applied_revisions()
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
    @blp.open
    @blp.response(200, PoolState)
    def get(self) -> dict[str, Any]:
        """This worker's connection pool, and on PostgreSQL the server's view of it.

        Answers 200 whatever the status: a monitor reads the status field, and a load
        balancer should keep sending traffic to a worker whose pool is merely busy.
        """
        state = app_state(current_app)
        monitor = pool_monitor(state.engine)
        if monitor is None:
            report: dict[str, Any] = {
                "status": "pass",
                "reasons": ["pool monitoring is off (DB_POOL_MONITORING=false)"],
                "pid": os.getpid(),
            }
        else:
            report = monitor.snapshot()
        report["server"] = _server_view(state.probe)
        return report


def _server_view(probe: Any) -> dict[str, Any]:
    if probe.dialect_name != "postgresql":
        return {}
    try:
        view: dict[str, Any] = probe.server_connections()
    except TimeoutError as timeout:
        return {"status": "unavailable", "message": str(timeout)}
    except SQLAlchemyError:
        # The driver's message names host and port: it goes to the log, not to the client.
        current_app.logger.warning("pool health: server view unavailable", exc_info=True)
        return {"status": "unavailable", "message": "the database is unreachable"}
    return view
