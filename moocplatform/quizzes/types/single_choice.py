"""single_choice: pick one option; several may be right, and an option may carry partial credit."""
from __future__ import annotations

from typing import Any

from ..gift.questions import answer_text, choice_answers, credit, feedback, is_choice, option_id
from ..grading.base import Grade, as_id, credit_of, text_of
from .base import Problem, register_type
from .options import OptionsType, listed, options_by_id, unique_ids


@register_type
class SingleChoice(OptionsType):
    name = "single_choice"
    widget = "radio"

    gift_order = 40

    def gift_claims(self, block: Any) -> bool:
        # A choice with a `=` answer: each `=` is right, as in Moodle; `~%50%` gives partial credit.
        return is_choice(block) and any(answer.marker == "=" for answer in block.answers())

    def from_gift(self, block: Any) -> dict[str, Any]:
        options: list[dict[str, Any]] = []
        for index, answer in enumerate(choice_answers(block)):
            correct = answer.marker == "="
            if correct and answer.weight is not None and answer.weight != 100:
                block.note(answer.offset, f"weight {answer.weight:g}% ignored: the '=' answer counts as right")
            option: dict[str, Any] = {"id": option_id(index), "text": answer_text(block, answer)}
            if correct:
                option["correct"] = True
            elif answer.weight:
                option["credit"] = credit(answer.weight)  # partial (or negative) credit, as in Moodle
                if answer.weight < 0:
                    block.note(answer.offset, f"credit {answer.weight:g}% scores 0 for this question; Moodle "
                                              "would subtract it from the quiz total")
            options.append({**option, **feedback(block, answer)})
        return {"options": options}

    def check(self, question: dict, path: list, problem: Problem) -> None:
        unique_ids(question, "options", path, problem)
        options = listed(question, "options")
        if options and not any(o.get("correct") is True for _, o in options):
            problem([*path, "options"], "a single_choice question needs at least one correct option")

    def grade(self, question: dict, response: Any) -> Grade:
        """One option id. Several options may be marked correct: choosing any of them earns full credit. An
        option with `credit` (percent, -100..100, as Moodle's `~%50%`) earns that share; a negative one scores 0."""
        options = options_by_id(question)
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

    def is_right(self, option: dict, weighted: bool) -> bool:
        # Credit here is partial: only a correct option (or one with full credit) is the right answer.
        return option.get("correct") is True or option.get("credit", 0) >= 100

    def response_label(self, question: dict, stored: Any) -> str | None:
        texts = self.chosen_texts(question, stored)
        return "; ".join(texts) if texts else None
