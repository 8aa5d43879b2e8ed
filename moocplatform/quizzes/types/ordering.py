"""ordering: put items in order; `items` are written in the right order and always shown shuffled."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..grading.base import Grade, as_id, ids_of, scoring_of
from .base import Item, Problem, QuestionType, RefusedField, plain, register_type, rendered
from .options import unique_ids


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register_type
class Ordering(QuestionType):
    name = "ordering"
    widget = "ordering"
    result_widget = "ordering_result"

    def check(self, question: dict, path: list, problem: Problem) -> None:
        unique_ids(question, "items", path, problem)

    def read_field(self, responses: dict[str, Any], question: dict, sub: str, values: list[str]) -> None:
        # `q.<id>.<item id>`: the place given to that item.
        if sub not in {str(item.get("id")) for item in question.get("items") or []}:
            raise RefusedField(sub)
        if values and values[0].strip():
            text = values[0].strip()
            small_number = text.isascii() and text.isdigit() and len(text) < 6
            responses.setdefault(str(question["id"]), {})[sub] = int(text) if small_number else text

    def grade(self, question: dict, response: Any) -> Grade:
        """The item ids in the learner's order, each exactly once.

        partial: the share of items in their right position; all_or_nothing (default): all of them.
        """
        expected = ids_of(question, "items")
        scoring = scoring_of(question, "all_or_nothing")
        if response is None:
            return Grade.invalid("no answer")
        if not isinstance(response, (list, tuple)):
            return Grade.invalid("expected a list of item ids")
        given = [as_id(value) for value in response]
        if any(item_id is None for item_id in given):
            return Grade.invalid("expected a list of item ids")
        if len(set(given)) != len(given):
            return Grade.invalid("an item appears twice")
        unknown = [item_id for item_id in given if item_id not in expected]
        if unknown:
            return Grade.invalid(f"unknown item {unknown[0]!r}")
        if len(given) != len(expected):
            return Grade.invalid("every item must be placed exactly once")
        in_place = sum(1 for mine, right in zip(given, expected, strict=True) if mine == right)
        if scoring == "all_or_nothing":
            return Grade.scored(1.0 if in_place == len(expected) else 0.0)
        return Grade.scored(in_place / len(expected))

    def grader_response(self, question: dict, stored: Any) -> Any:
        """Stored as {item id: position}; graded as the list of item ids in the learner's order."""
        if not isinstance(stored, dict):
            return stored
        positions: dict[str, int] = {}
        for item_id, position in stored.items():
            try:
                positions[item_id] = int(position)
            except (TypeError, ValueError):
                return []
        if not positions:
            return None
        items = [str(item.get("id")) for item in question.get("items", [])]
        if sorted(positions.values()) != list(range(1, len(items) + 1)):
            return []  # not every item placed once: the grader calls that invalid
        return sorted(positions, key=positions.__getitem__)

    def shuffles(self, settings: dict) -> bool:
        return True

    def option_order(self, question: dict, shuffled: Callable[[list[str]], list[str]]) -> list[str]:
        solved = ids_of(question, "items")
        order = shuffled(solved)
        if order == solved and len(solved) > 1:
            order = order[1:] + order[:1]  # showing the answer would make the question free
        return order

    def view(self, question: dict, response: Any, order: list[str] | None, show: Any, hidden: bool) -> dict:
        items = {str(i["id"]): i for i in question.get("items") or []}
        solved = list(items)
        positions = response if isinstance(response, dict) else {}
        return {"items": [
            Item(item_id, rendered(items[item_id], "text"), _int(positions.get(item_id)),
                 solved.index(item_id) + 1 if show.answers else None)
            for item_id in ([i for i in (order or []) if i in items] or solved)
        ]}

    def response_label(self, question: dict, stored: Any) -> str | None:
        order = self.grader_response(question, stored)
        items = {str(i.get("id")): plain(i.get("text_html"), i.get("text")) for i in question.get("items") or []}
        return " → ".join(items.get(str(i), str(i)) for i in order) if order else None
