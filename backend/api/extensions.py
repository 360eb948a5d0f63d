"""flask-smorest's Api and Blueprint, adapted: strict argument parsing and one error mapping."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar

import flask
import flask_smorest
import marshmallow as ma
from apispec import BasePlugin
from flask_smorest.exceptions import NotModified
from flask_smorest.pagination import PaginationMetadataSchema, PaginationParameters
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import SQLAlchemyError
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.http import quote_etag

from backend.api.access import BEARER_SCHEME, OPEN, PUBLIC, Access, declare
from backend.api.request_context import WRITE_METHODS
from backend.api.schemas import EntityOut
from backend.db.errors import translate_database_error
from backend.domain.errors import (
    BrokenReferenceError,
    ConflictError,
    DatabaseUnavailable,
    DomainError,
    DomainRuleError,
    DuplicateError,
    NotFoundError,
    NotSignedIn,
    PermissionDenied,
    SignInThrottled,
    StaleObjectError,
)
from backend.domain.permissions import Permission
from backend.domain.versions import ExpectedVersion, VersionTag
from backend.models import Base
from backend.repositories.base import Page

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
# What a client can do next with an entity an answer carries, as OpenAPI links.
ITEM_LINKS = ("read", "change", "remove")

# The one place domain errors become HTTP statuses.
STATUS_OF_DOMAIN_ERROR: dict[type[DomainError], HTTPStatus] = {
    NotFoundError: HTTPStatus.NOT_FOUND,
    NotSignedIn: HTTPStatus.UNAUTHORIZED,
    DuplicateError: HTTPStatus.CONFLICT,
    ConflictError: HTTPStatus.CONFLICT,
    BrokenReferenceError: HTTPStatus.CONFLICT,
    StaleObjectError: HTTPStatus.PRECONDITION_FAILED,
    PermissionDenied: HTTPStatus.FORBIDDEN,
    SignInThrottled: HTTPStatus.TOO_MANY_REQUESTS,
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
        charset = req.mimetype_params.get("charset")
        if body and charset is not None and charset.lower() != "utf-8":
            # JSON is UTF-8 (RFC 8259); decoding another charset as UTF-8 would garble text.
            abort(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                message=f"The body must be UTF-8 JSON; charset={charset} is not supported.",
            )
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
    # With a Content-Length, Werkzeug has already refused one over the limit; reading on
    # past a body of exactly the limit would be refused too (gunicorn ends its input).
    if (
        limit is not None
        and req.content_length is None
        and len(body) >= limit
        and req.stream.read(1)
    ):
        abort(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, message=f"The body is over {limit} bytes.")
    return body


def _path_pointer(path: str) -> str:
    """The JSON pointer to a path of the spec, as an OpenAPI link's operationRef starts."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1")


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

    def arguments(
        self, schema: Any, *, location: str = "json", required: bool = True, **kwargs: Any
    ) -> Callable[[F], F]:
        """flask-smorest's `arguments`, and a body the spec says is required is required:
        webargs reads a missing body as `{}`, which would make a PUT with no body clear
        everything it replaces."""
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return parse  # type: ignore[no-any-return]

        def decorator(func: F) -> F:
            # Inside the parsing: a body with required fields names them (422) when it is
            # missing; this speaks only where `{}` would have been taken.
            @functools.wraps(func)
            def needing_a_body(*args: Any, **view_kwargs: Any) -> Any:
                if not _whole_body(flask.request):
                    abort(
                        HTTPStatus.BAD_REQUEST,
                        message="This operation needs a JSON body.",
                        errors={"json": ["Missing JSON body."]},
                    )
                return func(*args, **view_kwargs)

            return parse(needing_a_body)  # type: ignore[no-any-return]

        return decorator

    def _check_precondition(self) -> None:
        """428 without If-Match, and also for `If-Match: *`: any version would match it, so
        it would skip the optimistic concurrency check that the ETag is there for. 400 for
        an If-Match that is not a list of entity tags, which werkzeug would read anyway."""
        if flask.request.method in self.METHODS_NEEDING_CHECK_ETAG:
            sent = flask.request.headers.get("If-Match", "").strip(" \t")
            if sent == "*":
                abort(HTTPStatus.PRECONDITION_REQUIRED, message=IF_MATCH_STAR_MESSAGE)
            if sent and not re.fullmatch(IF_MATCH_PATTERN, sent):
                problem = 'must be the ETag as sent, in double quotes ("...")'
                abort(
                    HTTPStatus.BAD_REQUEST,
                    message=f"If-Match {problem}.",
                    errors={"headers": {"If-Match": [problem]}},
                )
            if not sent and _if_match_optional_here():
                return  # the service decides (see `replaces`)
        super()._check_precondition()

    @staticmethod
    def _generate_etag(etag_data: Any, extra_data: Any = None) -> str:
        """A version tag is the ETag as it is, so If-Match hands services the version
        they compare; anything else (a list's content) is hashed, as flask-smorest does."""
        if isinstance(etag_data, VersionTag) and not extra_data:
            return str(etag_data)
        etag: str = flask_smorest.Blueprint._generate_etag(etag_data, extra_data)
        return etag

    def expected_version(self) -> ExpectedVersion:
        """The versions If-Match names (strong tags only: RFC 9110 compares If-Match
        strongly), for the service to check against the entity as it finds it. Its
        presence was checked before the view ran (428 without it)."""
        # The service does the check flask-smorest's check_etag would: mark it done, or
        # flask-smorest warns that the view never checked the ETag.
        flask_smorest.etag._get_etag_ctx()["etag_checked"] = True
        return ExpectedVersion.of(flask.request.if_match.as_set())

    def expected_version_if_sent(self) -> ExpectedVersion | None:
        """The versions If-Match names, or None without If-Match (only a `replaces`
        operation gets this far without one)."""
        flask_smorest.etag._get_etag_ctx()["etag_checked"] = True
        if not flask.request.headers.get("If-Match", "").strip(" \t"):
            return None
        return ExpectedVersion.of(flask.request.if_match.as_set())

    def _check_not_modified(self, etag: str) -> None:
        """304 when If-None-Match names the ETag, weak or strong: RFC 9110 compares
        If-None-Match weakly, so W/"<etag>" matches too (flask-smorest compares strongly).
        The 304 carries the ETag, as the 200 would have (RFC 9110 15.4.5)."""
        if flask.request.method in self.METHODS_CHECKING_NOT_MODIFIED and (
            flask.request.if_none_match.contains_weak(etag)
        ):
            not_modified = NotModified()
            not_modified.data = {"headers": {"ETag": quote_etag(etag)}}
            raise not_modified

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._document_request_errors)
        self._prepare_doc_cbks.append(self._document_optional_if_match)

    @staticmethod
    def _document_request_errors(
        doc: dict[str, Any], _doc_info: Any, *, method: str, **_kwargs: Any
    ) -> dict[str, Any]:
        """Document the errors every body-carrying or writing operation can give (400 is also
        a bad X-Change-Reason header), and the ETag of a 304."""
        statuses: tuple[HTTPStatus, ...] = ()
        if "requestBody" in doc:
            statuses = BODY_ERRORS
        elif method.upper() in WRITE_METHODS:
            statuses = (HTTPStatus.BAD_REQUEST,)
        responses = doc.setdefault("responses", {})
        for status in statuses:
            responses.setdefault(status.value, status.name)
        if HTTPStatus.NOT_MODIFIED in responses:
            # A 304 carries the ETag, as the 200 would (flask-smorest documents it bare).
            responses[HTTPStatus.NOT_MODIFIED] = {
                "description": "Not Modified: If-None-Match names the current ETag.",
                "headers": {"ETag": "ETAG"},
            }
        return doc

    def documents_links_to_item(
        self,
        status: int,
        item_path: str,
        parameter: str,
        links: Iterable[str] = ITEM_LINKS,
        parents: Iterable[str] = (),
    ) -> Callable[[F], F]:
        """Document, as OpenAPI links on a response carrying one entity, what a client can do
        with it next: read it by its id, and change or remove it with the ETag it came with.
        `parents` are the other parameters of `item_path`, each a field of the entity (a
        copy's game_id)."""
        pointer = _path_pointer(item_path)
        by_id = {
            **{parent: f"$response.body#/{parent}" for parent in parents},
            parameter: "$response.body#/id",
        }
        with_etag = {**by_id, "header.If-Match": "$response.header.ETag"}
        every_link = {
            "read": {
                "operationRef": f"{pointer}/get",
                "parameters": by_id,
                "description": "Read it again.",
            },
            "change": {
                "operationRef": f"{pointer}/patch",
                "parameters": with_etag,
                "description": "Change it; the ETag it came with goes in If-Match.",
            },
            "remove": {
                "operationRef": f"{pointer}/delete",
                "parameters": with_etag,
                "description": "Remove it; the ETag it came with goes in If-Match.",
            },
        }
        wanted = {name: link for name, link in every_link.items() if name in set(links)}
        decorator: Callable[[F], F] = self.doc(responses={status: {"links": wanted}})
        return decorator

    def documents_a_link_to_add(
        self, status: int, collection_path: str, parameter: str, name: str, description: str
    ) -> Callable[[F], F]:
        """Document, as an OpenAPI link on a response carrying one entity, that a client can
        add an item under it next (a game's copies): the entity's id fills `parameter`."""
        return self.documents_a_link(
            status, name, collection_path, "post", {parameter: "$response.body#/id"}, description
        )

    def documents_a_link(
        self,
        status: int,
        name: str,
        path: str,
        method: str,
        parameters: Mapping[str, str],
        description: str,
    ) -> Callable[[F], F]:
        """Document, as an OpenAPI link on a response, an operation a client can call next
        with what the answer (or its request) holds: `parameters` maps each of its
        parameters to a runtime expression (a tournament's id to its rounds)."""
        link = {
            "operationRef": f"{_path_pointer(path)}/{method}",
            "parameters": dict(parameters),
            "description": description,
        }
        decorator: Callable[[F], F] = self.doc(responses={status: {"links": {name: link}}})
        return decorator

    def creates(
        self,
        body: type[ma.Schema],
        answer: type[ma.Schema],
        item_path: str,
        parameter: str,
        links: Iterable[str] = ITEM_LINKS,
        parents: Iterable[str] = (),
        body_required: bool = True,
    ) -> Callable[[F], F]:
        """A creation: the body parsed with `body`, answered 201 with the new entity (and
        its ETag) and its URL in Location, documented with what a client can do with it
        next and the errors any creation can meet (409, 503). Without `body_required`, no
        body at all is the same as `{}` (an entity whose fields are all optional)."""
        location = {"description": "The new entity's URL.", "schema": {"type": "string"}}

        def decorator(func: F) -> F:
            func = self.documents_links_to_item(201, item_path, parameter, links, parents)(func)
            func = self.documents_errors(HTTPStatus.CONFLICT, HTTPStatus.SERVICE_UNAVAILABLE)(func)
            func = self.response(201, answer, headers={"Location": location})(func)
            decorated: F = self.etag(self.arguments(body, required=body_required)(func))
            return decorated

        return decorator

    def reads_one(
        self,
        answer: type[ma.Schema],
        item_path: str,
        parameter: str,
        links: Iterable[str] = ITEM_LINKS,
        parents: Iterable[str] = (),
    ) -> Callable[[F], F]:
        """A read of one entity: answered 200 with it and its ETag (304 when If-None-Match
        names it), documented with what a client can do with it next (404, 503)."""

        def decorator(func: F) -> F:
            func = self.documents_links_to_item(200, item_path, parameter, links, parents)(func)
            func = self.documents_errors(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE)(func)
            decorated: F = self.etag(self.response(200, answer)(func))
            return decorated

        return decorator

    def changes(
        self,
        body: ma.Schema | type[ma.Schema],
        answer: type[ma.Schema],
        item_path: str,
        parameter: str,
        links: Iterable[str] = ITEM_LINKS,
        parents: Iterable[str] = (),
    ) -> Callable[[F], F]:
        """A change of one entity: needs If-Match (428 without, 412 when stale), the body
        parsed with `body`, answered 200 with the entity as it is now and its new ETag
        (404, 409, 503 documented)."""
        errors = (HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.SERVICE_UNAVAILABLE)

        def decorator(func: F) -> F:
            func = self.documents_links_to_item(200, item_path, parameter, links, parents)(func)
            func = self.documents_errors(*errors)(func)
            func = self.response(200, answer)(func)
            decorated: F = self.etag(self.arguments(body)(func))
            return decorated

        return decorator

    def replaces(
        self, body: ma.Schema | type[ma.Schema], answer: type[ma.Schema], if_match: str
    ) -> Callable[[F], F]:
        """A PUT replacing a sub-resource that may not exist yet (a player's preferences):
        If-Match is optional here, `if_match` says when it is needed, and the service given
        `expected_version_if_sent()` enforces it; answered 200 with the sub-resource and
        its new ETag (404, 409, 412, 503 documented)."""
        errors = (HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.SERVICE_UNAVAILABLE)

        def decorator(func: F) -> F:
            func = self.documents_errors(*errors)(func)
            func = self.response(200, answer)(func)
            decorated: F = self.etag(self.arguments(body)(func))
            setattr(decorated, IF_MATCH_OPTIONAL_ATTRIBUTE, if_match)
            apidoc = getattr(decorated, "_apidoc", {})
            apidoc[IF_MATCH_OPTIONAL_ATTRIBUTE] = if_match
            decorated._apidoc = apidoc  # type: ignore[attr-defined]
            return decorated

        return decorator

    @staticmethod
    def _document_optional_if_match(
        doc: dict[str, Any], doc_info: dict[str, Any], **_kwargs: Any
    ) -> dict[str, Any]:
        """For a `replaces` operation, If-Match documented as optional, saying when it is
        needed, in place of flask-smorest's required one."""
        when = doc_info.get(IF_MATCH_OPTIONAL_ATTRIBUTE)
        if when is not None and "IF_MATCH" in doc.get("parameters", []):
            doc["parameters"] = [
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": False,
                    "description": when + " `*` is refused (428), and a stale one is 412.",
                    "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
                }
                if parameter == "IF_MATCH"
                else parameter
                for parameter in doc["parameters"]
            ]
        return doc

    def removes(self, *errors: HTTPStatus) -> Callable[[F], F]:
        """A removal of one entity: needs If-Match (428 without, 412 when stale), answered
        204; 404, 503 and the `errors` given are documented."""

        def decorator(func: F) -> F:
            func = self.documents_errors(
                HTTPStatus.NOT_FOUND, *errors, HTTPStatus.SERVICE_UNAVAILABLE
            )(func)
            decorated: F = self.etag(self.response(204)(func))
            return decorated

        return decorator

    def public(self, func: F) -> F:
        """Anyone may call it; a bearer token sent along is checked (401 when it opens
        nothing) and names the caller."""
        func = self.documents_errors(HTTPStatus.UNAUTHORIZED)(func)
        # Optional: Swagger UI and generated clients send the token when they have one.
        func = self.doc(security=[{}, {BEARER_SCHEME: []}])(func)
        return declare(PUBLIC)(func)

    def open(self, func: F) -> F:
        """Anyone may call it, and a token sent along is ignored (signing in, say)."""
        documented: F = self.doc(security=[])(func)
        return declare(OPEN)(documented)

    def requires(self, permission: Permission) -> Callable[[F], F]:
        """Only a signed-in user whose role holds `permission` may call it: 401 without a
        working bearer token, 403 for another role, both before the body is read. The
        service called checks the same permission: this refuses early and documents it."""

        def decorator(func: F) -> F:
            func = self.documents_errors(HTTPStatus.UNAUTHORIZED)(func)
            if permission is not Permission.SIGNED_IN:
                func = self.alt_response(
                    HTTPStatus.FORBIDDEN,
                    schema=ErrorSchema,
                    description=f"Forbidden: only {permission.role_names} may {permission.action}.",
                )(func)
            func = self.doc(security=[{BEARER_SCHEME: []}])(func)
            return declare(Access(permission))(func)

        return decorator

    def lists(
        self, arguments: type[ma.Schema], answer: type[ma.Schema]
    ) -> Callable[[Callable[..., Page[Any]]], Callable[..., Any]]:
        """A paginated list: the query parsed with `arguments` (unknown ones 422), answered
        200 with one page of `answer` and its X-Pagination header (503 documented). The view
        takes the arguments and flask-smorest's `pagination_parameters` and returns a Page,
        whose total the header counts."""

        def decorator(view: Callable[..., Page[Any]]) -> Callable[..., Any]:
            @functools.wraps(view)
            def one_page(
                *args: Any, pagination_parameters: PaginationParameters, **kwargs: Any
            ) -> list[Any]:
                page = view(*args, pagination_parameters=pagination_parameters, **kwargs)
                pagination_parameters.item_count = page.total
                return page.items

            func = self.documents_errors(HTTPStatus.SERVICE_UNAVAILABLE)(one_page)
            func = self.paginate()(func)
            func = self.response(200, answer(many=True))(func)
            decorated: Callable[..., Any] = self.arguments(arguments, location="query")(func)
            return decorated

        return decorator

    def documents_errors(self, *statuses: HTTPStatus) -> Callable[[F], F]:
        """Document the error responses an operation can give, in flask-smorest's error shape."""

        def decorator(func: F) -> F:
            for status in statuses:
                func = self.alt_response(status, response=status.name)(func)
            return func

        return decorator


# Attribute (and API doc key) of a `replaces` view: when its optional If-Match is needed.
IF_MATCH_OPTIONAL_ATTRIBUTE = "if_match_optional"


def _if_match_optional_here() -> bool:
    """Whether the current request's view is a `replaces` one, whose If-Match is optional."""
    view = flask.current_app.view_functions.get(flask.request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, flask.request.method.lower(), None)
    return getattr(view, IF_MATCH_OPTIONAL_ATTRIBUTE, None) is not None


# RFC 9110's If-Match other than `*`: entity tags separated by commas (OWS is space or tab).
ENTITY_TAG_PATTERN = r'(W/)?"[^"]*"'
IF_MATCH_PATTERN = rf"^[ \t]*{ENTITY_TAG_PATTERN}([ \t]*,[ \t]*{ENTITY_TAG_PATTERN})*[ \t]*$"
IF_MATCH_STAR_MESSAGE = (
    "If-Match: * would match any version; send the entity's current ETag instead (GET it first)."
)

UNEXPECTED_ERROR = "Something went wrong on our side; it has been logged."
REALM = "Game Night"
# Headers some error answers always carry, as documented in the spec.
ERROR_HEADERS: dict[HTTPStatus, dict[str, dict[str, Any]]] = {
    HTTPStatus.UNAUTHORIZED: {
        "WWW-Authenticate": {
            "description": 'The bearer challenge: `Bearer realm="Game Night"`, with '
            '`error="invalid_token"` when the token sent opens nothing.',
            "schema": {"type": "string"},
            "required": True,
        }
    },
    HTTPStatus.TOO_MANY_REQUESTS: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 1},
            "required": True,
        }
    },
    HTTPStatus.SERVICE_UNAVAILABLE: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
# Plainer words than werkzeug's defaults where a client has something to fix.
HTTP_ERROR_MESSAGES = {
    HTTPStatus.INTERNAL_SERVER_ERROR: UNEXPECTED_ERROR,
    HTTPStatus.PRECONDITION_REQUIRED: (
        "This change needs the entity's current ETag in an If-Match header; GET it first."
    ),
    HTTPStatus.PRECONDITION_FAILED: (
        "The entity has changed since the ETag in If-Match was issued; GET it again."
    ),
    HTTPStatus.NOT_FOUND: "No such resource.",
}


class EntityFieldsAlwaysSent(BasePlugin):
    """apispec plugin: every field of an entity's output schema is documented as required,
    since each answer carries all of them (null when unknown); a generated client then
    need not treat each as possibly absent."""

    def schema_helper(
        self, name: str, definition: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any] | None:
        schema = kwargs.get("schema")
        entity = isinstance(schema, type) and issubclass(schema, EntityOut)
        if (entity or isinstance(schema, EntityOut)) and definition.get("properties"):
            return {"required": sorted(definition["properties"])}
        return None


class ErrorSchema(flask_smorest.error_handler.ErrorSchema):
    """flask-smorest's error payload, with what every error carries documented as required."""

    code = ma.fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = ma.fields.String(required=True, metadata={"description": "The HTTP status phrase."})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong."})


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, *, extra_plugins: Any = None, **kwargs: Any) -> None:
        super()._init_spec(
            extra_plugins=[EntityFieldsAlwaysSent(), *(extra_plugins or ())], **kwargs
        )

    def _register_responses(self) -> None:
        """flask-smorest's response per status, with the headers some of them always carry
        (401's WWW-Authenticate, 429's Retry-After), and the bearer security scheme."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not 100 <= status < 200 and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            if status in ERROR_HEADERS:
                response["headers"] = ERROR_HEADERS[status]
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)
        self.spec.components.security_scheme(
            BEARER_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token from POST /api/v1/auth/tokens.",
            },
        )

    def _register_etag_headers(self) -> None:
        """flask-smorest's ETag parameters and header, with If-Match saying what it must hold:
        an entity tag (`"..."`, as the ETag header gave it); `*` is refused with 428."""
        self.spec.components.parameter(
            "IF_MATCH",
            "header",
            {
                **flask_smorest.etag.IF_MATCH_HEADER,
                "description": "The entity's current ETag; `*` is refused (428), and a stale "
                "one is 412.",
                "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
            },
            lazy=True,
        )
        self.spec.components.parameter(
            "IF_NONE_MATCH", "header", flask_smorest.etag.IF_NONE_MATCH_HEADER, lazy=True
        )
        # Every answer documented with an ETag sends one.
        etag = {**flask_smorest.etag.ETAG_HEADER, "required": True}
        self.spec.components.header("ETAG", etag, lazy=True)

    def _register_pagination_header(self) -> None:
        """X-Pagination documented as what it is, JSON text: OpenAPI 3 says that with
        `content`; flask-smorest's `schema` would mean the `simple` style (`k,v,k,v`)."""
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, as JSON.",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )

    def handle_http_exception(self, error: HTTPException) -> tuple[dict[str, Any], int, Any]:
        """flask-smorest's error payload, always with a message saying what went wrong, and
        with the headers werkzeug's exception carries (a 405's Allow, a 503's Retry-After),
        which flask-smorest drops."""
        payload, status, headers = super().handle_http_exception(error)
        if "message" not in payload and status != HTTPStatus.NOT_MODIFIED:
            payload["message"] = HTTP_ERROR_MESSAGES.get(status) or error.description
        # Its Content-Type is for werkzeug's HTML page; the payload here is JSON.
        carried = Headers(error.get_headers())
        carried.remove("Content-Type")
        carried.extend(Headers(headers))
        return payload, status, carried

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
    if isinstance(error, NotSignedIn):
        headers["WWW-Authenticate"] = www_authenticate(error)
    if isinstance(error, SignInThrottled):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, DatabaseUnavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
        failed_at = f" at the {error.failed_at}" if error.failed_at else ""
        logger.warning("database unavailable%s: %s", failed_at, error.__cause__ or error)
    return payload, status.value, headers


def www_authenticate(error: NotSignedIn) -> str:
    """RFC 6750's challenge: bare when no credentials came, invalid_token when they failed."""
    challenge = f'Bearer realm="{REALM}"'
    if error.credentials_sent:
        challenge += ', error="invalid_token"'
    return challenge


def handle_database_error(error: SQLAlchemyError) -> tuple[dict[str, Any], int, dict[str, str]]:
    domain_error = translate_database_error(error, Base.metadata)
    if domain_error is None:
        # A bug, not a client's doing: log it whole, tell the client nothing about SQL.
        logger.exception("unexpected database error")
        status = HTTPStatus.INTERNAL_SERVER_ERROR
        payload = {"code": status.value, "status": status.phrase, "message": UNEXPECTED_ERROR}
        return payload, status.value, {}
    domain_error.__cause__ = error
    return handle_domain_error(domain_error)
