"""The API's routes declare their parameters, scopes and response schema once; the same declarations
check each request and build the OpenAPI 3.1 document served at /api/v1/openapi.json."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import wraps
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .. import transaction
from ..converters import path_parameter_schema
from ..tokens.services import record_token_use, token_use_is_stale
from . import schemas
from .auth import CSRF_HEADER, authenticate
from .problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, Problem
from .ratelimit import enforce_rate_limit

API_VERSION = "1.0.0"
API_PREFIX = "/api/v1"


# The longest text a string parameter takes unless its schema says less.
MAX_QUERY_TEXT = 1000


@dataclass(frozen=True)
class QueryParameter:
    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False

    @property
    def effective_schema(self) -> dict[str, Any]:
        """The schema as parse applies it (and the document shows it): text has a length limit."""
        if self.schema.get("type", "string") == "string" and "maxLength" not in self.schema:
            return {**self.schema, "maxLength": MAX_QUERY_TEXT}
        return self.schema

    def parse(self, raw: str | None) -> Any:
        """The parameter's value by its schema: an integer within its bounds, or text of the length, pattern
        and values the schema allows; a 400 validation problem otherwise."""
        schema = self.effective_schema
        if raw is None:
            if self.required:
                raise self._invalid("is required")
            return schema.get("default")
        if schema.get("type") == "integer":
            if not re.fullmatch(r"-?\d{1,9}", raw):
                raise self._invalid("must be a whole number")
            value: Any = int(raw)
            low, high = schema.get("minimum"), schema.get("maximum")
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = (f"from {low} to {high}" if low is not None and high is not None
                          else f"at least {low}" if low is not None else f"at most {high}")
                raise self._invalid(f"must be {bounds}")
            return value
        if len(raw) > schema["maxLength"]:
            raise self._invalid("is too long")
        if len(raw) < schema.get("minLength", 0):
            raise self._invalid("is too short")
        if "pattern" in schema and re.search(schema["pattern"], raw) is None:
            raise self._invalid("holds characters it does not take")
        if "enum" in schema and raw not in schema["enum"]:
            raise self._invalid("must be one of " + ", ".join(map(str, schema["enum"])))
        return raw

    def _invalid(self, detail: str) -> Problem:
        return Problem(400, f"The parameter {self.name} {detail}.", type_="validation-error",
                       title="Your request is not valid",
                       errors=[{"parameter": self.name, "detail": detail}])

    def document(self) -> dict[str, Any]:
        return {"name": self.name, "in": "query", "required": self.required, "description": self.description,
                "schema": self.effective_schema}


@dataclass(frozen=True)
class Operation:
    rule: str  # the Flask rule under the blueprint, e.g. /courses/<slug>/progress
    method: str
    operation_id: str
    summary: str
    response_schema: str  # a key of schemas.COMPONENTS
    scopes: tuple[str, ...] = ()
    query: tuple[QueryParameter, ...] = ()
    path_descriptions: dict[str, str] = field(default_factory=dict)
    tag: str = "learners"
    public: bool = False  # no token needed (the document itself)
    request_schema: str | None = None  # a key of schemas.COMPONENTS: the JSON body the operation takes
    status: int = 200  # of success: 201 for a creation, 204 for an answer without a body
    errors: tuple[str, ...] = ()  # error statuses beyond every operation's (keys of schemas.ERROR_RESPONSES)
    # An error whose problem carries more than the usual members: status -> (component schema, description)
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def path_converters(self) -> dict[str, str | None]:
        """Each path parameter's converter (None for Werkzeug's default string one)."""
        return {name: converter or None for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", self.rule)}

    def document(self) -> dict[str, Any]:
        converters = self.path_converters
        if set(converters) != set(self.path_descriptions):
            raise ValueError(f"{self.operation_id}: describe each path parameter of {self.rule}")
        # A value the converter refuses is a 404 at routing, so the document says what it takes.
        parameters = [{"name": name, "in": "path", "required": True, "description": self.path_descriptions[name],
                       "schema": path_parameter_schema(converter)}
                      for name, converter in converters.items()]
        parameters += [p.document() for p in self.query]
        success = str(self.status)
        responses: dict[str, Any] = {success: {"description": "No content" if self.status == 204 else "OK"}}
        if self.status != 204:
            responses[success]["content"] = {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{self.response_schema}"}}}
        if not self.public:
            responses[success]["headers"] = {schemas.header_name(h): {"$ref": f"#/components/headers/{h}"}
                                             for h in schemas.RATE_LIMIT_HEADERS}
        errors = ["400"]  # every operation: the edge refuses a NUL or bytes that are not UTF-8 anywhere (edge.py)
        if not self.public:
            errors += ["401", "403", "429"]
        if self.path_descriptions:
            errors.append("404")
        errors.append("405")
        if self.method != "GET":
            # A write's service refuses a state it cannot change (409) and a field it cannot take (422); the
            # body may be too large (413) or not JSON (415).
            errors += ["409", "413", "415", "422"]
        errors += ["500", *self.errors]
        responses.update({code: {"$ref": f"#/components/responses/{schemas.ERROR_RESPONSES[code][0]}"}
                          for code in sorted(set(errors))})
        for code, (schema, description) in self.problems.items():
            responses[code] = {"description": description, "content": {
                "application/problem+json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
        operation: dict[str, Any] = {"operationId": self.operation_id, "summary": self.summary,
                                     "tags": [self.tag], "parameters": parameters, "responses": responses}
        if self.request_schema is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{self.request_schema}"}}}}
        # OpenAPI 3.1 lets an http scheme list the roles (here: token scopes) an operation needs; a signed-in
        # browser holds every learner scope.
        operation["security"] = [] if self.public else [{"bearerToken": list(self.scopes)}, {"browserSession": []}]
        return operation


_operations: dict[str, Operation] = {}


def api_route(bp: Blueprint, operation: Operation) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Register a view under its declaration: the wrapper authenticates, checks scopes, counts the request
    against the token's rate limit, parses the query parameters (passed as keyword arguments) and writes
    the returned dict as JSON."""

    # The document names paths below API_PREFIX, whatever blueprint (API_PREFIX + "/<area>") serves them.
    mounted = replace(operation, rule=(bp.url_prefix or "").removeprefix(API_PREFIX) + operation.rule)

    def decorator(view: Callable[..., Any]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(**path_args: Any) -> Response:
            rate_headers: dict[str, str] = {}
            caller = None
            if not operation.public:
                caller = authenticate(operation.scopes)
                rate_headers = enforce_rate_limit(caller)
            arguments = {p.name: p.parse(request.args.get(p.name)) for p in operation.query}
            body = view(**path_args, **arguments)
            token = caller.token if caller is not None else None
            if token is not None and token_use_is_stale(token):
                unit = transaction.current_unit()
                if unit is None or not (unit.writes or unit.wrote):
                    # The reads are done; the token's last use is written in a transaction that begins writing.
                    transaction.end_reading()
                record_token_use(token)
            if isinstance(body, Response):
                response = body
            elif body is None:
                response = Response(status=operation.status)
            else:
                response = jsonify(body)
                response.status_code = operation.status
            response.headers.update(rate_headers)
            response.headers.setdefault("Cache-Control", "private, no-store")
            return response

        endpoint = f"{bp.name}.{view.__name__}"
        if endpoint in _operations:
            raise ValueError(f"{endpoint} is declared twice")
        _operations[endpoint] = mounted
        bp.add_url_rule(operation.rule, view_func=wrapper, methods=[operation.method])
        return wrapper

    return decorator


def registered_operations() -> dict[str, Operation]:
    return dict(_operations)


def openapi_document(base_url: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in sorted(_operations.values(), key=lambda o: (o.path, o.method)):
        paths.setdefault(operation.path, {})[operation.method.lower()] = operation.document()
    problem_list = "\n".join(f"- `{base_url}{API_PREFIX}/problems/{name}`: {text}"
                             for name, text in PROBLEM_TYPES.items())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "moocplatform API",
            "version": API_VERSION,
            "description": (
                "Your own learning data. Authenticate with a personal access token from your account "
                "page (`Authorization: Bearer …`); each endpoint needs the scopes listed under security. "
                "Lists are paged by an opaque `cursor`: follow `next` until it is null. Errors are RFC 9457 "
                f"problem details ({PROBLEM_MEDIA_TYPE}); besides about:blank their types are:\n{problem_list}"
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": f"{base_url}{API_PREFIX}"}],
        "paths": paths,
        "components": {
            "schemas": schemas.COMPONENTS,
            "responses": schemas.error_responses(),
            "headers": schemas.HEADERS,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "A personal access token (mpat_…), created on the account page."},
                "browserSession": {
                    "type": "apiKey", "in": "header", "name": CSRF_HEADER,
                    "description": ("The platform's own pages: a signed-in browser's session cookie, with the "
                                    "page's CSRF token (its <meta name=\"csrf-token\">) in this header. It acts "
                                    "with every learner scope; a cookie without the header authenticates nothing.")},
            },
        },
    }
