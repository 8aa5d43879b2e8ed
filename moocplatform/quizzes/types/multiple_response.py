"""multiple_response: tick every option that applies; all or nothing, or partial with credits."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..gift.questions import NotConverted, answer_text, choice_answers, credit, feedback, is_choice, option_id
from ..grading.base import Grade, as_id, credit_of, scoring_of, text_of
from .base import Problem, RefusedField, register_type
from .options import OptionsType, listed, number, options_by_id, unique_ids


@register_type
class MultipleResponse(OptionsType):
    name = "multiple_response"
    widget = "checkbox"
    instruction = _l("Choose all that apply.")

    gift_order = 41

    def gift_claims(self, block: Any) -> bool:
        return is_choice(block)  # a choice without a `=` answer: weights decide

    def from_gift(self, block: Any) -> dict[str, Any]:
        answers = choice_answers(block)
        if not any((answer.weight or 0) > 0 for answer in answers):
            raise NotConverted(answers[0].offset, "no answer is right: mark one with '=' or give some a positive "
                                                  "%weight%")
        total = sum(weight for weight in (answer.weight or 0 for answer in answers) if weight > 0)
        if abs(total - 100) > 0.01:
            block.note(answers[0].offset, f"the positive weights add up to {total:g}%, not 100%: "
                       + ("no choice earns full credit" if total < 100 else "credit is capped at 100%"))
        return {"scoring": "partial", "options": [
            {"id": option_id(index), "text": answer_text(block, answer), "credit": credit(answer.weight or 0),
             **feedback(block, answer)} for index, answer in enumerate(answers)]}

    def check(self, question: dict, path: list, problem: Problem) -> None:
        unique_ids(question, "options", path, problem)
        options = listed(question, "options")
        # As the grader reads it: once one option has a credit, credits decide and `correct` is ignored.
        if any("credit" in o for _i, o in options):
            for i, option in options:
                if option.get("correct") is True:
                    problem([*path, "options", i, "correct"], "is ignored because other options have credit; "
                                                              "give this option a credit instead")
            if not any(number(o.get("credit"), 0) > 0 for _i, o in options):
                problem([*path, "options"], "a multiple_response question needs an option with a positive credit")
        elif options and not any(o.get("correct") is True for _i, o in options):
            problem([*path, "options"], "a multiple_response question needs at least one correct option")

    def read_field(self, responses: dict[str, Any], question: dict, sub: str, values: list[str]) -> None:
        # `q.<id>` once per ticked option, and `q.<id>.shown` so that ticking nothing is an answer.
        if sub not in ("", "shown"):
            raise RefusedField(sub)
        chosen = responses.setdefault(str(question["id"]), [])
        if not sub:
            chosen.extend(values)

    def grade(self, question: dict, response: Any) -> Grade:
        """A list of option ids (an empty list is a valid answer: "none of these").

        all_or_nothing: full credit when the chosen set is exactly the set of correct options.
        partial, with `credit` on options: the sum of the chosen options' credits, clamped to 0..1.
        partial, with `correct` flags only: (right choices - wrong choices) / number of correct options, at least 0.
        As soon as one option carries `credit`, credits decide and an option without one is worth 0; an option
        with positive credit counts as correct for all_or_nothing.
        """
        options = options_by_id(question)
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

    def is_right(self, option: dict, weighted: bool) -> bool:
        return (option.get("credit", 0) > 0) if weighted else option.get("correct") is True

    def response_label(self, question: dict, stored: Any) -> str | None:
        texts = self.chosen_texts(question, stored)
        return "; ".join(texts) if texts else _("(none)")
