"""Per-request context: the request id on every response and log line, and the change reason."""

from __future__ import annotations

import logging
import re
import uuid
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_smorest import abort

from backend.db.pool_monitor import begin_holding, end_holding
from backend.models.base import CHANGE_REASON_MAX_LENGTH

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_ID_HEADER = "X-Request-ID"
CHANGE_REASON_HEADER = "X-Change-Reason"
# A caller's id is kept only if it is short and plain: it lands in logs and headers.
_ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def init_app(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_tag_response)
    app.teardown_request(_end_request)


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _start_request() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _ACCEPTABLE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    # The pool monitor names the endpoint and request holding each connection.
    g.holding = begin_holding(request.endpoint or request.path[:100], g.request_id)
    g.change_reason = _change_reason()


def _end_request(_error: BaseException | None) -> None:
    holding = g.pop("holding", None)
    if holding is not None:
        end_holding(holding)


def _change_reason() -> str | None:
    """The reason a write gives for itself, as UTF-8 text; reads have nothing to explain."""
    raw = request.headers.get(CHANGE_REASON_HEADER, "").strip()
    if not raw or request.method not in WRITE_METHODS:
        return None
    problem = None
    try:
        # WSGI hands header bytes over decoded as Latin-1; clients send UTF-8.
        reason = raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        reason, problem = raw, "must be UTF-8 text"
    if problem is None and len(reason) > CHANGE_REASON_MAX_LENGTH:
        problem = f"must be at most {CHANGE_REASON_MAX_LENGTH} characters"
    elif problem is None and _CONTROL_CHARACTERS.search(reason):
        problem = "must not contain control characters"
    if problem:
        abort(
            HTTPStatus.BAD_REQUEST,
            message=f"{CHANGE_REASON_HEADER} {problem}",
            errors={"headers": {CHANGE_REASON_HEADER: [problem]}},
        )
    return reason


def _tag_response(response: Response) -> Response:
    request_id = current_request_id()
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


_original_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _original_record_factory(*args, **kwargs)
    record.request_id = current_request_id() or "-"
    return record


def install_log_record_request_id() -> None:
    """Give every log record a `request_id` attribute ("-" outside a request)."""
    logging.setLogRecordFactory(_record_with_request_id)
