"""JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the API's bodies: the document's components."""
from __future__ import annotations

from typing import Any

DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "instance"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "errors": {
            "type": "array",
            "description": ("For validation errors: each invalid parameter (query) or field (a JSON pointer "
                            "into the body)."),
            "items": {
                "type": "object", "required": ["detail"], "additionalProperties": False,
                "properties": {"detail": {"type": "string"}, "parameter": {"type": "string"},
                               "pointer": {"type": "string"}},
            },
        },
    },
}

COURSE_REF = {
    "type": "object", "required": ["slug", "title", "url"], "additionalProperties": False,
    "properties": {"slug": {"type": "string"}, "title": {"type": "string"},
                   "url": {"type": "string", "format": "uri", "description": "The course page."}},
}

COMPONENTS: dict[str, Any] = {
    "Problem": PROBLEM,
    "Me": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "display_name", "full_name", "email", "locale", "timezone", "created_at"],
        "properties": {
            "id": {"type": "integer"}, "display_name": {"type": "string"}, "full_name": {"type": "string"},
            "email": {"type": "string", "format": "email"}, "locale": {"type": "string"},
            "timezone": {"type": "string"}, "created_at": DATE_TIME,
        },
    },
    "CourseRef": COURSE_REF,
    "Enrolment": {
        "type": "object", "additionalProperties": False,
        "required": ["course", "status", "enrolled_at", "left_at", "last_visited_at", "completed_at", "units",
                     "units_completed", "percent"],
        "properties": {
            "course": {"$ref": "#/components/schemas/CourseRef"},
            "status": {"enum": ["active", "left"]},
            "enrolled_at": DATE_TIME, "left_at": NULLABLE_DATE_TIME, "last_visited_at": NULLABLE_DATE_TIME,
            "completed_at": {**NULLABLE_DATE_TIME, "description": "When the course was completed, if it was."},
            "units": {"type": "integer", "minimum": 0, "description": "Units of the live version."},
            "units_completed": {"type": "integer", "minimum": 0},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        },
    },
    "EnrolmentPage": {
        "type": "object", "additionalProperties": False, "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Enrolment"}},
            "next": {"type": ["string", "null"], "format": "uri",
                     "description": "The next page; null on the last. A page may hold fewer than limit items."},
        },
    },
    "UnitProgress": {
        "type": "object", "additionalProperties": False,
        "required": ["key", "title", "type", "module", "status"],
        "properties": {
            "key": {"type": "string"}, "title": {"type": "string"}, "type": {"type": "string"},
            "module": {"type": "string", "description": "The key of the unit's module."},
            "status": {"enum": ["not_started", "viewed", "completed"]},
        },
    },
    "CourseProgress": {
        "type": "object", "additionalProperties": False,
        "required": ["course", "status", "percent", "units"],
        "properties": {
            "course": {"$ref": "#/components/schemas/CourseRef"},
            "status": {"enum": ["active", "left"]},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "units": {"type": "array", "items": {"$ref": "#/components/schemas/UnitProgress"}},
        },
    },
    "Unit": {
        "type": "object", "additionalProperties": False,
        "required": ["course", "key", "title", "type", "minutes", "html", "previous", "next", "url"],
        "properties": {
            "course": {"$ref": "#/components/schemas/CourseRef"},
            "key": {"type": "string"}, "title": {"type": "string"}, "type": {"type": "string"},
            "minutes": {"type": "integer", "minimum": 0},
            "html": {"type": "string", "description": "The unit's text, rendered and sanitised as on its page "
                                                      "(links and images point at the platform)."},
            "previous": {"type": ["string", "null"], "description": "The key of the unit before, if any."},
            "next": {"type": ["string", "null"], "description": "The key of the unit after, if any."},
            "url": {"type": "string", "format": "uri", "description": "The unit's page."},
        },
    },
    "OpenAPIDocument": {"type": "object", "required": ["openapi", "info", "paths"],
                        "properties": {"openapi": {"const": "3.1.0"}}},
}

def register_schema(name: str, schema: dict[str, Any]) -> None:
    """A component schema of another area's endpoints (referenced as #/components/schemas/<name>)."""
    if name in COMPONENTS and COMPONENTS[name] != schema:
        raise ValueError(f"schema {name} is registered twice")
    COMPONENTS[name] = schema


# A header marked required is on every response that lists it; the rate limit headers are missing when the
# limiter could not be reached (the request is let through uncounted).
HEADERS = {
    "RetryAfter": {"description": "Seconds until the next request is allowed.", "required": True,
                   "schema": {"type": "integer", "minimum": 1}},
    "WWWAuthenticate": {"description": "RFC 6750: the Bearer challenge and, when known, the error.",
                        "required": True, "schema": {"type": "string"}},
    "WWWAuthenticateScope": {"description": "RFC 6750: when the token lacks a scope, the challenge naming it.",
                             "schema": {"type": "string"}},
    "Allow": {"description": "The methods the resource allows.", "required": True, "schema": {"type": "string"}},
    "RateLimitLimit": {"description": "Requests allowed per window for this token.",
                       "schema": {"type": "integer", "minimum": 1}},
    "RateLimitRemaining": {"description": "Requests left in the current window.",
                           "schema": {"type": "integer", "minimum": 0}},
    "RateLimitReset": {"description": "Seconds until the current window ends.",
                       "schema": {"type": "integer", "minimum": 1}},
}
RATE_LIMIT_HEADERS = ("RateLimitLimit", "RateLimitRemaining", "RateLimitReset")

# status -> (component name, description, headers)
ERROR_RESPONSES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "400": ("BadRequest", "Invalid parameters (a validation problem with `errors`).", ()),
    "401": ("Unauthorized", "No valid bearer token, nor a signed-in browser with its CSRF token.",
            ("WWWAuthenticate",)),
    "403": ("Forbidden", "The token lacks a scope the endpoint needs, a browser session's CSRF token is not valid, "
            "or you may not do this.", ("WWWAuthenticateScope",)),
    "404": ("NotFound", "No such resource, or not one you may see.", ()),
    "405": ("MethodNotAllowed", "The resource does not allow this method.", ("Allow",)),
    "409": ("Conflict", "The resource's state does not allow this now (it changed meanwhile).", ()),
    "413": ("ContentTooLarge", "The request body is larger than any endpoint takes.", ()),
    "415": ("UnsupportedMediaType", "The request body is not JSON (application/json).", ()),
    "422": ("UnprocessableContent", "A field of the body is not valid (a validation problem with `errors`).", ()),
    "429": ("TooManyRequests", "The rate limit (of the token, or of a browser's account) is reached.",
            ("RetryAfter", *RATE_LIMIT_HEADERS)),
    "500": ("ServerError", "An unexpected error; it is logged.", ()),
}


def error_responses() -> dict[str, Any]:
    return {
        name: {
            "description": description,
            "headers": {header_name(h): {"$ref": f"#/components/headers/{h}"} for h in headers},
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for name, description, headers in ERROR_RESPONSES.values()
    }


def header_name(component: str) -> str:
    return {"RetryAfter": "Retry-After", "WWWAuthenticate": "WWW-Authenticate",
            "WWWAuthenticateScope": "WWW-Authenticate", "Allow": "Allow",
            "RateLimitLimit": "RateLimit-Limit", "RateLimitRemaining": "RateLimit-Remaining",
            "RateLimitReset": "RateLimit-Reset"}[component]
