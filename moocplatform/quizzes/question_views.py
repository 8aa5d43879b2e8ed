"""The view-model of an attempt's questions: the only way questions reach templates.

It is built from an allow-list: correct flags, credits, answers, explanations and per-answer feedback are
copied into it only when the quiz's rules allow them (`Disclosure`). A template can therefore not show what
the rules withhold, whatever it does. Each question type builds its own part of the view (QuestionType.view).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from .models import QuizAttempt, QuizDefinition
from .queries import Disclosure
from .types import Choice, Item, Pair, type_of
from .types.base import html as _html


@dataclass(frozen=True)
class QuestionResult:
    score: float
    correct: bool
    valid: bool
    graded: bool
    points: float
    reason: str | None


@dataclass(frozen=True)
class QuestionView:
    id: str
    number: int
    type: str
    points: float
    prompt_html: Markup
    hint_html: Markup | None
    graded: bool = True
    widget: str = ""  # quizzes/widgets/<widget>.html shows the question in the attempt form
    result_widget: str = ""  # ... and quizzes/widgets/<result_widget>.html on the results page
    instruction: str = ""
    choices: list[Choice] = field(default_factory=list)
    text: str = ""  # numeric, short_text, reflection
    items: list[Item] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    match_choices: list[tuple[str, Markup]] = field(default_factory=list)
    min_words: int = 0
    hidden: bool = False  # a reflection the viewer may not read
    result: QuestionResult | None = None  # only with Disclosure.feedback
    feedback_html: list[Markup] = field(default_factory=list)  # only with Disclosure.feedback
    explanation_html: Markup | None = None  # only with Disclosure.answers
    accepted: list[str] = field(default_factory=list)  # numeric and short_text answers, only with .answers


def _inline(html: Any) -> Markup:
    """A one-paragraph prompt without its <p>, as a <legend> holds phrasing content."""
    text = str(html or "").strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return Markup(text)


def _feedback_html(question: dict, texts: list[str]) -> list[Markup]:
    """The rendered feedback for the source texts a grade names."""
    rendered: dict[str, Markup] = {}
    for key in ("options", "answers"):
        for entry in question.get(key) or []:
            if isinstance(entry, dict) and entry.get("feedback"):
                rendered[str(entry["feedback"])] = _html(entry.get("feedback_html")) or escape(entry["feedback"])
    for key in ("feedback_true", "feedback_false"):
        if question.get(key):
            rendered[str(question[key])] = _html(question.get(f"{key}_html")) or escape(question[key])
    return [rendered.get(text, escape(text)) for text in texts]


def question_views(definition: QuizDefinition, attempt: QuizAttempt, show: Disclosure,
                   responses: dict[str, Any] | None = None) -> list[QuestionView]:
    """The attempt's questions in its order, with the learner's answers (`responses` overrides the saved ones,
    to show a form again as it was sent) and only what `show` allows."""
    by_id = {q["id"]: q for q in definition.questions}
    responses = attempt.responses if responses is None else responses
    results = (attempt.results or {}) if attempt.is_submitted else {}
    views = []
    for number, question_id in enumerate(attempt.question_ids, start=1):
        question = by_id.get(question_id)
        if question is None:
            continue
        kind = question["type"]
        question_type = type_of(question)
        if question_type is None:
            continue
        response = responses.get(question_id)
        stored = results.get(question_id) or {}
        feedback = _feedback_html(question, stored.get("feedback") or []) if show.feedback else []
        hidden = question_type.private and not show.reflections
        view: dict[str, Any] = dict(
            id=question_id, number=number, type=kind, points=float(question.get("points", 1)),
            graded=question_type.graded, widget=question_type.widget, result_widget=question_type.result_widget,
            instruction=str(question_type.instruction) if question_type.instruction else "",
            prompt_html=_inline(question.get("prompt_html")) or escape(question.get("prompt", "")),
            hint_html=_html(question.get("hint_html")) if question.get("hint_html") else None, hidden=hidden,
        )
        view.update(question_type.view(question, response, attempt.option_orders.get(question_id), show, hidden))
        if question_type.own_feedback:
            feedback = []  # each chosen option shows its own
        if show.feedback and stored:
            view["result"] = QuestionResult(float(stored.get("score", 0)), bool(stored.get("correct")),
                                            bool(stored.get("valid")), bool(stored.get("graded", True)),
                                            float(stored.get("points", 1)), stored.get("reason"))
            view["feedback_html"] = feedback
        if show.answers and question.get("explanation_html"):
            view["explanation_html"] = _html(question["explanation_html"])
        views.append(QuestionView(**view))
    return views
