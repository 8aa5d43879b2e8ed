"""What the types answered by picking options (single_choice, multiple_response) share."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeGuard

from ..grading.base import entries, ids_of
from .base import Choice, Problem, QuestionType, plain, rendered


def options_by_id(question: dict) -> dict[str, dict]:
    return dict(zip(ids_of(question, "options"), entries(question, "options"), strict=True))


def listed(question: dict, key: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, entry) of the mappings in a list field of possibly malformed data (for the pack validator)."""
    value = question.get(key)
    return [(i, e) for i, e in enumerate(value) if isinstance(e, dict)] if isinstance(value, list) else []


def unique_ids(question: dict, key: str, path: list, problem: Problem) -> None:
    seen: set[str] = set()
    for i, entry in listed(question, key):
        if isinstance(entry.get("id"), str):
            if entry["id"] in seen:
                problem([*path, key, i, "id"], f"id {entry['id']!r} is used twice in this question")
            seen.add(entry["id"])


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Any, default: float) -> float:
    return value if is_number(value) else default


class OptionsType(QuestionType):
    """Options with ids, shuffled when the quiz's shuffle_options is on; shown as a list of choices."""

    own_feedback = True
    result_widget = "choices_result"

    def is_right(self, option: dict, weighted: bool) -> bool:
        raise NotImplementedError

    def shuffles(self, settings: dict) -> bool:
        return bool(settings.get("shuffle_options"))

    def option_order(self, question: dict, shuffled: Callable[[list[str]], list[str]]) -> list[str]:
        return shuffled(ids_of(question, "options"))

    def view(self, question: dict, response: Any, order: list[str] | None, show: Any, hidden: bool) -> dict:
        """Options with the learner's choice; an option's feedback goes with it when it was chosen."""
        by_id = {str(o["id"]): o for o in question.get("options") or []}
        ids = [i for i in (order or []) if i in by_id] or list(by_id)
        chosen = set(response) if isinstance(response, list) else {response} if isinstance(response, str) else set()
        weighted = any("credit" in o for o in by_id.values())
        choices = []
        for option_id in ids:
            option = by_id[option_id]
            own = [rendered(option, "feedback")] if option.get("feedback") else []
            choices.append(Choice(option_id, rendered(option, "text"),
                                  option_id in chosen, self.is_right(option, weighted) if show.answers else None,
                                  own if show.feedback and option_id in chosen else []))
        return {"choices": choices}

    def chosen_texts(self, question: dict, stored: Any) -> list[str]:
        options = {str(o.get("id")): plain(o.get("text_html"), o.get("text")) for o in question.get("options") or []}
        chosen = stored if isinstance(stored, list) else [stored]
        return [text for option_id, text in options.items() if option_id in chosen]
