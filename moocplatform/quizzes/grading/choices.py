"""Graders for questions answered by picking: single_choice, multiple_response, true_false."""
from __future__ import annotations

from typing import Any

from .base import Grade, QuizFormatError, as_id, credit_of, entries, ids_of, register_grader, scoring_of, text_of


def _options_by_id(question: dict) -> dict[str, dict]:
    return dict(zip(ids_of(question, "options"), entries(question, "options"), strict=True))


@register_grader("single_choice")
def grade_single_choice(question: dict, response: Any) -> Grade:
    """One option id. Several options may be marked correct: choosing any of them earns full credit. An option
    with `credit` (percent, -100..100, as Moodle's `~%50%`) earns that share; a negative credit scores 0."""
    options = _options_by_id(question)
    if response is None or response == "":
        return Grade.invalid("no option chosen")
    chosen = as_id(response)
    if chosen is None:
        return Grade.invalid("expected one option id")
    if chosen not in options:
        return Grade.invalid(f"unknown option {chosen!r}")
    option = options[chosen]
    if "credit" in option:
        return Grade.scored(credit_of(option, question) / 100, [text_of(option.get("feedback"))])
    return Grade.scored(1.0 if option.get("correct") is True else 0.0, [text_of(option.get("feedback"))])


@register_grader("multiple_response")
def grade_multiple_response(question: dict, response: Any) -> Grade:
    """A list of option ids (an empty list is a valid answer: "none of these").

    all_or_nothing: full credit when the chosen set is exactly the set of correct options.
    partial, with `credit` on options: the sum of the chosen options' credits, clamped to 0..1.
    partial, with `correct` flags only: (right choices - wrong choices) / number of correct options, at least 0.
    As soon as one option carries `credit`, credits decide and an option without one is worth 0; an option
    with positive credit counts as correct for all_or_nothing.
    """
    options = _options_by_id(question)
    scoring = scoring_of(question, "all_or_nothing")
    weighted = any("credit" in option for option in options.values())
    credits = {
        option_id: credit_of(option, question, default=0) if weighted else 100.0 * (option.get("correct") is True)
        for option_id, option in options.items()
    }
    correct_ids = {option_id for option_id, credit in credits.items() if credit > 0}

    if response is None:
        return Grade.invalid("no answer")
    if not isinstance(response, (list, tuple)):
        return Grade.invalid("expected a list of option ids")
    chosen = [option_id for option_id in map(as_id, response) if option_id is not None]
    if len(chosen) != len(response):
        return Grade.invalid("expected a list of option ids")
    if len(set(chosen)) != len(chosen):
        return Grade.invalid("an option was chosen twice")
    unknown = [option_id for option_id in chosen if option_id not in options]
    if unknown:
        return Grade.invalid(f"unknown option {unknown[0]!r}")

    chosen_set = set(chosen)
    if scoring == "all_or_nothing":
        score = 1.0 if chosen_set == correct_ids else 0.0
    elif weighted:
        score = sum(credits[option_id] for option_id in chosen_set) / 100.0
    elif not correct_ids:
        score = 1.0 if not chosen_set else 0.0  # a degenerate "none of these" question
    else:
        right = len(chosen_set & correct_ids)
        wrong = len(chosen_set - correct_ids)
        score = (right - wrong) / len(correct_ids)
    # Feedback in the order the options are written, not the order they were clicked.
    feedback = [text_of(options[option_id].get("feedback")) for option_id in options if option_id in chosen_set]
    return Grade.scored(score, feedback)


TRUE_WORDS = {"true": True, "false": False}


@register_grader("true_false")
def grade_true_false(question: dict, response: Any) -> Grade:
    """true/false, or the strings "true"/"false" (any case, surrounding spaces ignored), as HTML forms send them.

    `feedback_true` is shown to whoever answered true and `feedback_false` to whoever answered false.
    """
    answer = question.get("answer")
    if not isinstance(answer, bool):
        raise QuizFormatError(f"question {question.get('id')!r}: `answer` must be true or false")
    if response is None or response == "":
        return Grade.invalid("no answer")
    if isinstance(response, str):
        said = TRUE_WORDS.get(response.strip().lower())
    else:
        said = response if isinstance(response, bool) else None
    if said is None:
        return Grade.invalid("expected true or false")
    feedback = question.get("feedback_true") if said else question.get("feedback_false")
    return Grade.scored(1.0 if said is answer else 0.0, [text_of(feedback)])
