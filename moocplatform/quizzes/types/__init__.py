"""Question types: one class per type in a module of its own (see base.py for what a type holds).

Importing this package registers the built-in types. A new type is one more module here (or anywhere that is
imported before use) with a `@register_type` class.
"""
from __future__ import annotations

from . import matching, multiple_response, numeric, ordering, reflection, short_text, single_choice, true_false  # noqa: F401  (importing registers the types)
from .base import (
    QUESTION_TYPES,
    Choice,
    Item,
    Pair,
    QuestionType,
    RefusedField,
    register_type,
    type_of,
    unregister_type,
)

__all__ = ["QUESTION_TYPES", "Choice", "Item", "Pair", "QuestionType", "RefusedField", "register_type",
           "type_of", "unregister_type"]
