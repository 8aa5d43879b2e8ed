"""Every API response in the test suite is checked against the OpenAPI document the application serves:
its status is documented for the operation, its media type matches, and its body validates against the
declared schema (JSON Schema 2020-12, which OpenAPI 3.1 uses)."""
from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_openapi_document
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:moocplatform:openapi"
API_PREFIX = "/api/v1"


class DocumentCache:
    def __init__(self) -> None:
        self.document: dict[str, Any] | None = None


_cache = DocumentCache()


def api_document(app) -> dict[str, Any]:
    """The served document, fetched once per test session and checked valid OpenAPI 3.1."""
    if _cache.document is None:
        # A plain client: the suite's own client checks API responses against this very document.
        response = FlaskClient(app).get(f"{API_PREFIX}/openapi.json")
        assert response.status_code == 200, response.status_code
        document = response.get_json()
        validate_openapi_document(document)  # raises on an invalid 3.1 document
        _cache.document = document
    return _cache.document


@cache
def _path_patterns(paths: tuple[str, ...]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(p)) + "$"), p) for p in paths]


def _validator(pointer: str, document: dict[str, Any]) -> Draft202012Validator:
    registry = Registry().with_resource(DOCUMENT_URI, Resource(contents=document, specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=registry,
                                format_checker=FormatChecker())


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def check_api_response(app, method: str, path: str, response) -> None:
    document = api_document(app)
    relative = path[len(API_PREFIX):] or "/"
    template = next((t for pattern, t in _path_patterns(tuple(document["paths"])) if pattern.match(relative)), None)
    body = response.get_data(as_text=True)
    media_type = response.mimetype
    if template is None or method.lower() not in document["paths"][template]:
        # Not an operation of the API (an unknown URL or method, or bytes the edge refuses first): still a
        # problem document.
        assert response.status_code in (400, 404, 405), (method, path, response.status_code)
        assert media_type == "application/problem+json", media_type
        _validator("/components/schemas/Problem", document).validate(json.loads(body))
        return
    method_key = method.lower()
    responses = document["paths"][template][method_key]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method} {template} answered {status}, which the document does not list"
    pointer = f"/paths/{_escape(template)}/{method_key}/responses/{status}"
    declared = responses[status]
    if "$ref" in declared:
        pointer = declared["$ref"].removeprefix("#")
        declared = document["components"]["responses"][pointer.rsplit("/", 1)[-1]]
    assert media_type in declared["content"], f"{method} {template} {status}: {media_type} is not declared"
    for header in declared.get("headers", {}):
        assert header in response.headers, f"{method} {template} {status}: header {header} is missing"
    _validator(f"{pointer}/content/{_escape(media_type)}/schema", document).validate(json.loads(body))
