"""flask-smorest's Api and Blueprint, adapted: strict argument parsing and one error mapping."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar

import flask
import flask_smorest
import marshmallow as ma
from sqlalchemy.exc import SQLAlchemyError
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import HTTPException

from backend.api.request_context import WRITE_METHODS
from backend.db.errors import translate_database_error
from backend.errors import (
    BrokenReferenceError,
    DatabaseUnavailable,
    DomainError,
    DomainRuleError,
    DuplicateError,
    NotFoundError,
    PermissionDenied,
    StaleObjectError,
)
from backend.models import Base

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# The one place domain errors become HTTP statuses (DESIGN.md §5).
STATUS_OF_DOMAIN_ERROR: dict[type[DomainError], HTTPStatus] = {
    NotFoundError: HTTPStatus.NOT_FOUND,
    DuplicateError: HTTPStatus.CONFLICT,
    BrokenReferenceError: HTTPStatus.CONFLICT,
    StaleObjectError: HTTPStatus.PRECONDITION_FAILED,
    PermissionDenied: HTTPStatus.FORBIDDEN,
    DomainRuleError: HTTPStatus.UNPROCESSABLE_ENTITY,
    DatabaseUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
}


class SchemaReusingParser(FlaskParser):
    """webargs' Flask parser that builds each schema class it is given once, not per request:
    flask-smorest hands it classes (pagination's own, for one), and a schema instance is
    reusable across requests and threads."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._instances: dict[type[ma.Schema], ma.Schema] = {}

    def _get_schema(self, argmap: Any, req: flask.Request) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


class StrictParser(SchemaReusingParser):
    """webargs' Flask parser that lets each schema's Meta.unknown decide (ours: RAISE),
    refuses bodies that are not JSON (415) or too large (413, chunked ones too), and treats
    JSON that Python will not parse (too deep, over-long integers) as invalid (400)."""

    def __init__(self) -> None:
        super().__init__(unknown=None)

    def _raw_load_json(self, req: flask.Request) -> Any:
        body = _whole_body(req)
        if not is_json_request(req):
            if body:
                abort(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    message="The body must be JSON, sent as Content-Type: application/json.",
                )
            return core.missing
        try:
            return core.parse_json(body)
        except (RecursionError, ValueError) as error:
            # json.loads recurses once per nesting level, and refuses integers of more than
            # 4300 digits with a ValueError: both are bad JSON as far as a client goes.
            invalid = json.JSONDecodeError(f"JSON Python cannot read: {error}", "", 0)
            self._handle_invalid_json_error(invalid, req)

    def _handle_invalid_json_error(
        self, error: Exception, req: flask.Request, *_args: Any, **_kwargs: Any
    ) -> NoReturn:
        abort(
            HTTPStatus.BAD_REQUEST,
            exc=error,
            message="The body is not valid JSON.",
            errors={"json": ["Invalid JSON body."]},
        )


def _whole_body(req: flask.Request) -> bytes:
    """The request body; 413 when it is over MAX_CONTENT_LENGTH, also when it came chunked
    (without Content-Length), where Werkzeug stops reading at the limit without a word."""
    body = req.get_data(cache=True)
    limit = req.max_content_length
    if limit is not None and len(body) >= limit and req.stream.read(1):
        abort(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, message=f"The body is over {limit} bytes.")
    return body


# What any operation with a JSON body can answer before the view runs.
BODY_ERRORS = (
    HTTPStatus.BAD_REQUEST,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()
    PAGINATION_ARGUMENTS_PARSER = SchemaReusingParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._document_request_errors)

    @staticmethod
    def _document_request_errors(
        doc: dict[str, Any], _doc_info: Any, *, method: str, **_kwargs: Any
    ) -> dict[str, Any]:
        """Document the errors every body-carrying or writing operation can give (400 is also
        a bad X-Change-Reason header)."""
        statuses: tuple[HTTPStatus, ...] = ()
        if "requestBody" in doc:
            statuses = BODY_ERRORS
        elif method.upper() in WRITE_METHODS:
            statuses = (HTTPStatus.BAD_REQUEST,)
        responses = doc.setdefault("responses", {})
        for status in statuses:
            responses.setdefault(status.value, status.name)
        return doc

    def documents_errors(self, *statuses: HTTPStatus) -> Callable[[F], F]:
        """Document the error responses an operation can give, in flask-smorest's error shape."""

        def decorator(func: F) -> F:
            for status in statuses:
                func = self.alt_response(status, response=status.name)(func)
            return func

        return decorator


# Plainer words than werkzeug's defaults where a client has something to fix.
HTTP_ERROR_MESSAGES = {
    HTTPStatus.PRECONDITION_REQUIRED: (
        "This change needs the entity's current ETag in an If-Match header; GET it first."
    ),
    HTTPStatus.PRECONDITION_FAILED: (
        "The entity has changed since the ETag in If-Match was issued; GET it again."
    ),
    HTTPStatus.NOT_FOUND: "No such resource.",
}


class Api(flask_smorest.Api):
    def handle_http_exception(self, error: HTTPException) -> tuple[dict[str, Any], int, Any]:
        """flask-smorest's error payload, always with a message saying what went wrong."""
        payload, status, headers = super().handle_http_exception(error)
        if "message" not in payload and status != HTTPStatus.NOT_MODIFIED:
            payload["message"] = HTTP_ERROR_MESSAGES.get(status) or error.description
        return payload, status, headers

    def _register_error_handlers(self) -> None:
        super()._register_error_handlers()
        self._app.register_error_handler(DomainError, handle_domain_error)
        self._app.register_error_handler(SQLAlchemyError, handle_database_error)


def handle_domain_error(error: DomainError) -> tuple[dict[str, Any], int, dict[str, str]]:
    status = next(
        (status for kind, status in STATUS_OF_DOMAIN_ERROR.items() if isinstance(error, kind)),
        HTTPStatus.UNPROCESSABLE_ENTITY,
    )
    payload: dict[str, Any] = {
        "code": status.value,
        "status": status.phrase,
        "message": error.message,
    }
    if error.fields:
        payload["errors"] = {"json": error.fields}
    headers = {}
    if isinstance(error, DatabaseUnavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
        failed_at = f" at the {error.failed_at}" if error.failed_at else ""
        logger.warning("database unavailable%s: %s", failed_at, error.__cause__ or error)
    return payload, status.value, headers


def handle_database_error(error: SQLAlchemyError) -> tuple[dict[str, Any], int, dict[str, str]]:
    domain_error = translate_database_error(error, Base.metadata)
    if domain_error is None:
        # A bug, not a client's doing: log it whole, tell the client nothing about SQL.
        logger.exception("unexpected database error")
        status = HTTPStatus.INTERNAL_SERVER_ERROR
        return {"code": status.value, "status": status.phrase}, status.value, {}
    domain_error.__cause__ = error
    return handle_domain_error(domain_error)
