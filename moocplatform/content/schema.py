"""The published JSON Schemas (schemas/*.schema.json) applied to pack files, with errors turned into
`file:line: field: message` problems that an author can act on.

A schema may carry `errorMessage` (the ajv-errors convention): a text for any error of that schema object, or a
mapping from keyword to text. Everything else gets a plain-English message built from the keyword.
"""
from __future__ import annotations

import difflib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..quizzes.types.base import QUESTION_TYPES
from .model import Problem
from .quizzes import add_question_types
from .yamlfile import YamlDoc, field_path

SCHEMA_DIR = Path(__file__).parent / "schemas"
_TYPE_WORDS = {
    "string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
    "array": "a list", "object": "a mapping of fields", "null": "empty",
}


def schema_path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


def _validator(name: str) -> Draft202012Validator:
    # Question types registered besides the published ones extend the quiz schema (QuestionType.schema).
    return _compiled(name, tuple(sorted(QUESTION_TYPES)) if name == "quiz" else ())


@cache
def _compiled(name: str, question_types: tuple[str, ...]) -> Draft202012Validator:
    schema = json.loads(schema_path(name).read_text("utf-8"))
    if question_types:
        add_question_types(schema)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_problems(name: str, doc: YamlDoc) -> list[Problem]:
    """Every way `doc.data` breaks the named schema, each with its field path and line, sorted by line."""
    found: list[Problem] = []
    for error in _validator(name).iter_errors(doc.data):
        for problem in _describe(error, doc):
            if problem not in found:
                found.append(problem)
    return sorted(found, key=lambda p: p.line or 0)


def _describe(error: ValidationError, doc: YamlDoc) -> list[Problem]:
    path = list(error.absolute_path)
    keyword = str(error.validator)
    expected = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    override = _override(error)

    if "propertyNames" in error.absolute_schema_path:
        # The error is about a key: point at the key, not at the mapping.
        name = str(error.instance)
        message = override or "is not a field here" + _suggestion(name, expected)
        return [Problem(doc.file, message, line=doc.line([*path, name]), field=field_path([*path, name]))]
    if keyword == "required":
        required = expected if isinstance(expected, list) else []
        missing = [p for p in required if isinstance(error.instance, dict) and p not in error.instance]
        line = doc.line(path) if path else None
        return [Problem(doc.file, override or "is required", line=line, field=field_path([*path, m])) for m in missing]
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        extra = [k for k in error.instance if k not in known and not any(re.search(p, k) for p in patterns)]
        return [Problem(doc.file, override or "is not a field here" + _suggestion(k, known),
                        line=doc.line([*path, k]), field=field_path([*path, k])) for k in extra]
    if keyword in ("oneOf", "anyOf") and not override and error.context:
        return _describe(best_match(error.context), doc)
    return [Problem(doc.file, override or _message(keyword, expected, error.instance),
                    line=doc.line(path), field=field_path(path))]


def _override(error: ValidationError) -> str | None:
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    if isinstance(custom, dict):
        return custom.get(str(error.validator))
    return custom


def _suggestion(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, [str(k) for k in known or []], n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _message(keyword: str, expected: Any, value: Any) -> str:
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return "must be " + " or ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kinds)
    if keyword == "enum":
        return "must be one of " + ", ".join(str(v) for v in expected)
    if keyword == "const":
        return f"must be {expected}"
    bounds = {
        "minimum": "must be at least {}", "maximum": "must be at most {}",
        "exclusiveMinimum": "must be greater than {}", "exclusiveMaximum": "must be less than {}",
        "minLength": "must be at least {} characters long", "maxLength": "must be at most {} characters long",
        "minItems": "needs at least {} entries", "maxItems": "may have at most {} entries",
        "minProperties": "needs at least {} entries", "pattern": "does not match the pattern {}",
    }
    if keyword in bounds:
        return bounds[keyword].format(expected)
    if keyword == "uniqueItems":
        return "lists the same value twice"
    if keyword == "not":
        return "is not allowed here"
    return f"is not valid ({keyword})"
