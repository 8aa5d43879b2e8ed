"""Graders for arranging: ordering (put items in order) and matching (pair prompts with matches)."""
from __future__ import annotations

from typing import Any

from .base import Grade, QuizFormatError, as_id, entries, ids_of, nfc, register_grader, scoring_of


@register_grader("ordering")
def grade_ordering(question: dict, response: Any) -> Grade:
    """The item ids in the learner's order, each exactly once; `items` are written in the correct order.

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


def match_choices(question: dict) -> list[str]:
    """Every text a learner may pick for a matching prompt: the pairs' matches, then the distractors, no repeats."""
    distractors = question.get("distractors") or []
    if not isinstance(distractors, list):
        raise QuizFormatError(f"question {question.get('id')!r}: `distractors` must be a list")
    texts = [str(pair.get("match", "")) for pair in entries(question, "pairs")] + [str(text) for text in distractors]
    return list(dict.fromkeys(nfc(text).strip() for text in texts))


@register_grader("matching")
def grade_matching(question: dict, response: Any) -> Grade:
    """A mapping pair id -> the chosen match text. Pairs left out (or None/"") count as wrong, not as invalid.

    Two pairs may share a match text; the text is what is compared, so either is right. partial (default):
    the share of pairs matched right; all_or_nothing: all of them.
    """
    pair_ids = ids_of(question, "pairs")
    pairs = dict(zip(pair_ids, entries(question, "pairs"), strict=True))
    for known_id, pair in pairs.items():
        if not str(pair.get("match", "")).strip():
            raise QuizFormatError(f"question {question.get('id')!r}: pair {known_id!r} has no match")
    scoring = scoring_of(question, "partial")
    choices = set(match_choices(question))
    if response is None:
        return Grade.invalid("no answer")
    if not isinstance(response, dict):
        return Grade.invalid("expected a mapping of pair ids to matches")
    chosen: dict[str, str] = {}
    seen: set[str] = set()
    for key, value in response.items():
        pair_id = as_id(key)
        if pair_id is None or pair_id not in pairs:
            return Grade.invalid(f"unknown pair {key!r}")
        if pair_id in seen:
            return Grade.invalid(f"pair {pair_id!r} is answered twice")
        seen.add(pair_id)
        if value is None:
            continue
        if not isinstance(value, str):
            return Grade.invalid(f"the match for pair {pair_id!r} must be text")
        text = nfc(value).strip()
        if not text:
            continue
        if text not in choices:
            return Grade.invalid(f"{value!r} is not one of the offered matches")
        chosen[pair_id] = text
    if not chosen:
        return Grade.invalid("no answer")
    right = sum(1 for pair_id, text in chosen.items() if nfc(str(pairs[pair_id]["match"])).strip() == text)
    if scoring == "all_or_nothing":
        return Grade.scored(1.0 if right == len(pairs) else 0.0)
    return Grade.scored(right / len(pairs))
