"""The view-model of an attempt's questions: the only way questions reach templates.

It is built from an allow-list: correct flags, credits, answers, explanations and per-answer feedback are
copied into it only when the quiz's rules allow them (`Disclosure`). A template can therefore not show what
the rules withhold, whatever it does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from .grading.arrangement import match_choices
from .grading.base import nfc
from .models import QuizAttempt, QuizDefinition
from .queries import Disclosure


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


def _html(value: Any) -> Markup:
    """Stored `*_html` values came out of moocplatform.html at import."""
    return Markup(value or "")


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


def _number_text(value: Any) -> str:
    return format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")


def _accepted(question: dict) -> list[str]:
    """The answers that earn credit, as text, for numeric and short_text questions."""
    found = []
    for answer in question.get("answers") or []:
        credit = answer.get("credit", 100)
        if not credit:
            continue
        if question["type"] == "numeric":
            if "value" in answer:
                text = _number_text(answer["value"])
                if answer.get("tolerance"):
                    text += f" ± {_number_text(answer['tolerance'])}"
            elif "min" not in answer and "max" not in answer:
                text = _("any number")
            else:
                low, high = answer.get("min"), answer.get("max")
                text = (_("from %(a)s to %(b)s", a=_number_text(low), b=_number_text(high))
                        if low is not None and high is not None else
                        _("at least %(a)s", a=_number_text(low)) if low is not None else
                        _("at most %(b)s", b=_number_text(high)))
        else:
            text = (str(answer["text"]) if "text" in answer else
                    _("matching %(p)s (* stands for any characters)", p=answer["wildcard"]) if "wildcard" in answer
                    else _("matching the pattern %(p)s", p=answer["regex"]))
        found.append(text if credit == 100 else _("%(answer)s (%(credit)s%% credit)", answer=text, credit=credit))
    return found


def _choices(question: dict, order: list[str] | None, response: Any, show: Disclosure) -> list[Choice]:
    """Options with the learner's choice; an option's feedback goes with it when it was chosen."""
    if question["type"] == "true_false":
        said = str(response).strip().lower() if response is not None else ""
        options = [("true", escape(_("True")), question.get("answer") is True),
                   ("false", escape(_("False")), question.get("answer") is False)]
        return [Choice(value, html, said == value, correct if show.answers else None)
                for value, html, correct in options]
    by_id = {str(o["id"]): o for o in question.get("options") or []}
    ids = [i for i in (order or []) if i in by_id] or list(by_id)
    chosen = set(response) if isinstance(response, list) else {response} if isinstance(response, str) else set()
    weighted = any("credit" in o for o in by_id.values())
    choices = []
    for option_id in ids:
        option = by_id[option_id]
        if question["type"] == "single_choice":  # credit there is partial: only a correct option is right
            right = option.get("correct") is True or option.get("credit", 0) >= 100
        else:
            right = (option.get("credit", 0) > 0) if weighted else option.get("correct") is True
        own = [_html(option.get("feedback_html")) or escape(option["feedback"])] if option.get("feedback") else []
        choices.append(Choice(option_id, _html(option.get("text_html")) or escape(option.get("text", "")),
                              option_id in chosen, right if show.answers else None,
                              own if show.feedback and option_id in chosen else []))
    return choices


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
        response = responses.get(question_id)
        stored = results.get(question_id) or {}
        feedback = _feedback_html(question, stored.get("feedback") or []) if show.feedback else []
        hidden = kind == "reflection" and not show.reflections
        view: dict[str, Any] = dict(
            id=question_id, number=number, type=kind, points=float(question.get("points", 1)),
            prompt_html=_inline(question.get("prompt_html")) or escape(question.get("prompt", "")),
            hint_html=_html(question.get("hint_html")) if question.get("hint_html") else None, hidden=hidden,
        )
        order = attempt.option_orders.get(question_id)
        if kind in ("single_choice", "multiple_response", "true_false"):
            view["choices"] = _choices(question, order, response, show)
            if kind != "true_false":
                feedback = []  # each chosen option shows its own
        elif kind in ("numeric", "short_text", "reflection"):
            view["text"] = "" if hidden or not isinstance(response, str) else response
            view["min_words"] = int(question.get("min_words", 0) or 0)
            if show.answers and kind != "reflection":
                view["accepted"] = _accepted(question)
        elif kind == "ordering":
            items = {str(i["id"]): i for i in question.get("items") or []}
            solved = list(items)
            positions = response if isinstance(response, dict) else {}
            view["items"] = [
                Item(item_id, _html(items[item_id].get("text_html")) or escape(items[item_id].get("text", "")),
                     _int(positions.get(item_id)), solved.index(item_id) + 1 if show.answers else None)
                for item_id in ([i for i in (order or []) if i in items] or solved)
            ]
        elif kind == "matching":
            view["match_choices"] = _match_choices(question, order)
            chosen = response if isinstance(response, dict) else {}
            view["pairs"] = [
                Pair(str(p["id"]), _html(p.get("prompt_html")) or escape(p.get("prompt", "")),
                     str(chosen.get(str(p["id"])) or ""),
                     (_html(p.get("match_html")) or escape(p.get("match", ""))) if show.answers else None)
                for p in question.get("pairs") or []
            ]
        if show.feedback and stored:
            view["result"] = QuestionResult(float(stored.get("score", 0)), bool(stored.get("correct")),
                                            bool(stored.get("valid")), bool(stored.get("graded", True)),
                                            float(stored.get("points", 1)), stored.get("reason"))
            view["feedback_html"] = feedback
        if show.answers and question.get("explanation_html"):
            view["explanation_html"] = _html(question["explanation_html"])
        views.append(QuestionView(**view))
    return views


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _match_choices(question: dict, order: list[str] | None) -> list[tuple[str, Markup]]:
    """(text to send, HTML to show) for every match a learner may pick, in the attempt's order."""
    rendered: dict[str, Markup] = {}
    for pair in question.get("pairs") or []:
        rendered.setdefault(nfc(str(pair.get("match", ""))).strip(), _html(pair.get("match_html")))
    # Stored together at import, so the lists match; a distractor without HTML would just not be shown.
    for text, html in zip(question.get("distractors") or [], question.get("distractors_html") or [], strict=False):
        rendered.setdefault(nfc(str(text)).strip(), _html(html))
    texts = [t for t in (order or []) if t in rendered] or match_choices(question)
    return [(text, rendered.get(text) or escape(text)) for text in texts]
