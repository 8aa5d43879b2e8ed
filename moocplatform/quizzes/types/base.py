"""What every question type is: one class per type, registered by name, holding all that differs per type.

The rest of the quizzes area (and the pack validator) dispatches through `QUESTION_TYPES`; none of it names a
type. A type class says:

- pack validation: `schema` (the JSON Schema of its fields, for a type that quiz.schema.json does not
  publish), `defaults` (filled in at import), `credited_answers`, and `check()` for the consistency rules a
  JSON Schema cannot state;
- answer parsing: `read_field()`, one posted form field into the stored response;
- grading: `grade()` (also registered in grading's GRADERS), `grader_response()` (stored shape -> graded
  shape), `shuffles()` and `option_order()` for the per-attempt order of its choices;
- the view-model: `view()`, the type's part of a QuestionView, plus `widget` and `result_widget`, the
  fragments of quizzes/widgets/ that render it, and `instruction`;
- statistics: `graded`, `private` (answers others may not read), and `response_label()`, a response as a
  short text that groups equal answers;
- GIFT: `gift_claims()` says whether a GIFT answer block is of this type (types are asked in `gift_order`;
  None: never from GIFT), and `from_gift()` converts it, reporting what it loses.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from markupsafe import Markup, escape

from ..grading.base import GRADERS, Grade

# The problem callback of the pack validator: (path inside the quiz file, message).
Problem = Callable[[list, str], None]


class RefusedField(ValueError):
    """A posted field names something the question does not have (an option, item or pair, or a sub-field)."""


@dataclass(frozen=True)
class Choice:
    value: str
    html: Markup
    chosen: bool
    correct: bool | None = None  # only with Disclosure.answers
    feedback_html: list[Markup] = field(default_factory=list)  # only with Disclosure.feedback


@dataclass(frozen=True)
class Item:
    id: str
    html: Markup
    position: int | None  # the learner's
    correct_position: int | None = None  # only with Disclosure.answers


@dataclass(frozen=True)
class Pair:
    id: str
    prompt_html: Markup
    chosen: str
    correct_html: Markup | None = None  # only with Disclosure.answers


def html(value: Any) -> Markup:
    """Stored `*_html` values came out of moocplatform.html at import."""
    return Markup(value or "")


def rendered(entry: dict, key: str) -> Markup:
    """An entry's stored HTML for `key`, or its source text escaped."""
    return html(entry.get(f"{key}_html")) or escape(entry.get(key, ""))


def plain(value_html: Any, fallback: Any = "") -> str:
    text = Markup(str(value_html)).striptags() if value_html else str(fallback or "")
    return " ".join(text.split())


class QuestionType:
    """The behaviour of one question type. Subclass it in a module of its own and decorate with @register_type."""

    name: ClassVar[str]
    graded: ClassVar[bool] = True
    private: ClassVar[bool] = False  # answers shown to others only as Disclosure.reflections allows
    # For a type quiz.schema.json does not list: what its questions must meet, as that file's $defs per type.
    schema: ClassVar[dict[str, Any] | None] = None
    defaults: ClassVar[dict[str, Any]] = {}
    credited_answers: ClassVar[bool] = False  # `answers` carry a credit in percent, default 100
    widget: ClassVar[str]  # quizzes/widgets/<widget>.html renders the question in the attempt form
    result_widget: ClassVar[str]  # quizzes/widgets/<result_widget>.html renders it on the results page
    instruction: ClassVar[Any] = None  # a (lazy) text shown under the points, or None
    own_feedback: ClassVar[bool] = False  # each chosen option shows its feedback, instead of the grade's list
    gift_order: ClassVar[int | None] = None

    # Pack validation -------------------------------------------------------------------------------------
    def check(self, question: dict, path: list, problem: Problem) -> None:
        """Report what the schema cannot state; written to cope with data that failed the schema."""

    # Answer parsing ----------------------------------------------------------------------------------------
    def read_field(self, responses: dict[str, Any], question: dict, sub: str, values: list[str]) -> None:
        """Put one posted field (`q.<id>` when `sub` is "", else `q.<id>.<sub>`) into `responses`. The default:
        one text value, no sub-fields."""
        if sub:
            raise RefusedField(sub)
        if values and values[0].strip():
            responses[str(question["id"])] = values[0]

    # Grading -----------------------------------------------------------------------------------------------
    def grade(self, question: dict, response: Any) -> Grade:
        raise NotImplementedError

    def grader_response(self, question: dict, stored: Any) -> Any:
        """A stored response in the shape grade() takes."""
        return stored

    def shuffles(self, settings: dict) -> bool:
        """Whether an attempt stores an order of this question's choices (see option_order)."""
        return False

    def option_order(self, question: dict, shuffled: Callable[[list[str]], list[str]]) -> list[str]:
        """The order to show the question's choices in, given the attempt's stable shuffle."""
        return []

    # View-model --------------------------------------------------------------------------------------------
    def view(self, question: dict, response: Any, order: list[str] | None, show: Any, hidden: bool) -> dict:
        """The type's fields of QuestionView (choices, text, items, pairs, ...); `show` is the Disclosure."""
        return {}

    # GIFT ----------------------------------------------------------------------------------------------------
    def gift_claims(self, block: Any) -> bool:
        """Whether a GIFT answer block (quizzes.gift.questions.GiftBlock) is a question of this type."""
        return False

    def from_gift(self, block: Any) -> dict[str, Any]:
        """The question's fields (without `type`, `prompt` and `explanation`) from its GIFT answer block; raise
        gift.questions.NotConverted for what has no faithful equivalent, and block.note() what is lost."""
        raise NotImplementedError

    # Statistics --------------------------------------------------------------------------------------------
    def response_label(self, question: dict, stored: Any) -> str | None:
        """A response as a short text that groups equal answers (None when it cannot be read)."""
        return None


QUESTION_TYPES: dict[str, QuestionType] = {}


def register_type(cls: type[QuestionType]) -> type[QuestionType]:
    """Register a question type (one per name); its grader joins grading's registry."""
    if cls.name in QUESTION_TYPES or cls.name in GRADERS:
        raise ValueError(f"question type {cls.name!r} is already registered")
    instance = cls()
    QUESTION_TYPES[cls.name] = instance
    GRADERS[cls.name] = instance.grade
    return cls


def unregister_type(name: str) -> None:
    """Remove a registered type (for tests that register one of their own)."""
    QUESTION_TYPES.pop(name, None)
    GRADERS.pop(name, None)


def type_of(question: Any) -> QuestionType | None:
    """The registered type of a question mapping, or None for an unknown or missing type."""
    name = question.get("type") if isinstance(question, dict) else None
    return QUESTION_TYPES.get(name) if isinstance(name, str) else None
