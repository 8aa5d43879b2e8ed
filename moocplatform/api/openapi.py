"""The API's routes declare their parameters, scopes and response schema once; the same declarations
check each request and build the OpenAPI 3.1 document served at /api/v1/openapi.json."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .. import transaction
from ..tokens.services import record_token_use, token_use_is_stale
from . import schemas
from .auth import authenticate
from .problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, Problem
from .ratelimit import enforce_rate_limit

API_VERSION = "1.0.0"
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class QueryParameter:
    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False

    def parse(self, raw: str | None) -> Any:
        """The parameter's value by its schema (integer with bounds, string with a length); 400 otherwise."""
        if raw is None:
            if self.required:
                raise self._invalid("is required")
            return self.schema.get("default")
        if self.schema.get("type") == "integer":
            if not re.fullmatch(r"-?\d{1,9}", raw):
                raise self._invalid("must be a whole number")
            value: Any = int(raw)
            if value < self.schema.get("minimum", value) or value > self.schema.get("maximum", value):
                raise self._invalid(f"must be from {self.schema['minimum']} to {self.schema['maximum']}")
            return value
        if len(raw) > self.schema.get("maxLength", 1000):
            raise self._invalid("is too long")
        return raw

    def _invalid(self, detail: str) -> Problem:
        return Problem(400, f"The parameter {self.name} {detail}.", type_="validation-error",
                       title="Your request is not valid",
                       errors=[{"parameter": self.name, "detail": detail}])

    def document(self) -> dict[str, Any]:
        return {"name": self.name, "in": "query", "required": self.required, "description": self.description,
                "schema": self.schema}


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
    body_schema: str | None = None  # a key of schemas.COMPONENTS: the JSON body the operation takes
    errors: tuple[str, ...] = ()  # statuses beyond the common ones, e.g. "409", "422" (keys of ERROR_RESPONSES)

    @property
    def path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    def document(self) -> dict[str, Any]:
        parameters = [{"name": name, "in": "path", "required": True, "description": text,
                       "schema": {"type": "string", "maxLength": 200}}
                      for name, text in self.path_descriptions.items()]
        parameters += [p.document() for p in self.query]
        responses: dict[str, Any] = {"200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{self.response_schema}"}}},
        }}
        if not self.public:
            responses["200"]["headers"] = {schemas.header_name(h): {"$ref": f"#/components/headers/{h}"}
                                           for h in schemas.RATE_LIMIT_HEADERS}
        errors = ["400"]  # every operation: the edge refuses a NUL or bytes that are not UTF-8 anywhere (edge.py)
        if not self.public:
            errors += ["401", "403", "429"]
        if self.path_descriptions:
            errors.append("404")
        if self.body_schema is not None:
            errors.append("413")  # the server's limit on request bodies
        errors += [*self.errors, "405", "500"]
        responses.update({code: {"$ref": f"#/components/responses/{schemas.ERROR_RESPONSES[code][0]}"}
                          for code in errors})
        operation: dict[str, Any] = {"operationId": self.operation_id, "summary": self.summary,
                                     "tags": [self.tag], "parameters": parameters, "responses": responses}
        if self.body_schema is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{self.body_schema}"}}}}
        # OpenAPI 3.1 lets an http scheme list the roles (here: token scopes) an operation needs.
        operation["security"] = [] if self.public else [{"bearerToken": list(self.scopes)}]
        return operation


_operations: dict[str, Operation] = {}


def api_route(bp: Blueprint, operation: Operation) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Register a view under its declaration: the wrapper authenticates, checks scopes, counts the request
    against the token's rate limit, parses the query parameters (passed as keyword arguments) and writes
    the returned dict as JSON."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(**path_args: Any) -> Response:
            rate_headers: dict[str, str] = {}
            token = None
            if not operation.public:
                token = authenticate(operation.scopes)
                rate_headers = enforce_rate_limit(token)
            arguments = {p.name: p.parse(request.args.get(p.name)) for p in operation.query}
            body = view(**path_args, **arguments)
            if token is not None and token_use_is_stale(token):
                # The reads are done; the token's last use is written in a transaction that begins writing
                # (an operation that wrote already is in one).
                unit = transaction.current_unit()
                if unit is None or not unit.wrote:
                    transaction.end_reading()
                record_token_use(token)
            response = body if isinstance(body, Response) else jsonify(body)
            response.headers.update(rate_headers)
            response.headers.setdefault("Cache-Control", "private, no-store")
            return response

        endpoint = f"{bp.name}.{view.__name__}"
        if endpoint in _operations:
            raise ValueError(f"{endpoint} is declared twice")
        _operations[endpoint] = operation
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
                "Read your own learning data. Authenticate with a personal access token from your account "
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
            "securitySchemes": {"bearerToken": {
                "type": "http", "scheme": "bearer",
                "description": "A personal access token (mpat_…), created on the account page."}},
        },
    }
