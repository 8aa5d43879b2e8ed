"""Graders for typed text: short_text (exact texts or regular expressions) and reflection (never graded).

Python's `re` has no timeout and cannot be interrupted, so a pattern is vetted before use instead, and
responses are capped at MAX_TEXT_LENGTH characters. `regex_problem()` refuses patterns that can backtrack
catastrophically: a repeated group holding a quantifier, an alternation or a back-reference (exponential), and
patterns whose worst case grows too fast with the input (polynomial). For the latter, each quantifier that can
repeat a variable number of times (`*`, `+`, `{n,m}`) costs 10, roughly log2 of the length cap, and each
optional part (`?`) or extra `|` alternative costs 1; MAX_REGEX_COST (21) allows two `*`/`+` and one `?`, one
`*`/`+` and eleven `?`, and so on. Fixed counts such as `[0-9]{4}` are free. The worst cases allowed take a few
tenths of a second on 1,000 characters; one more `*` would take many seconds. The pack validator can call
`regex_problem()` to refuse such a pattern at import time instead of at grading time.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .base import Grade, QuizFormatError, credit_of, entries, nfc, register_grader, text_of

if TYPE_CHECKING:
    import sre_parse as sre_parser  # typeshed describes the parser under its public name only
else:
    import re._parser as sre_parser  # the public `sre_parse` alias warns; this is the same parser without the warning

MAX_TEXT_LENGTH = 1000
_ANSWER_KINDS = ("text", "regex", "wildcard")
MAX_PATTERN_LENGTH = 300
MAX_REGEX_COST = 21
_REPEAT_COST, _CHOICE_COST = 10, 1

_REPEATS = {sre_parser.MAX_REPEAT, sre_parser.MIN_REPEAT, sre_parser.POSSESSIVE_REPEAT}
_CHOICES = {sre_parser.BRANCH, sre_parser.GROUPREF_EXISTS}
_RISKY_INSIDE_REPEAT = _CHOICES | {sre_parser.GROUPREF}


def _children(argument: Any) -> list[sre_parser.SubPattern]:
    """The sub-patterns nested in a parsed node's argument, whatever its shape (tuple, list, sub-pattern)."""
    if isinstance(argument, sre_parser.SubPattern):
        return [argument]
    if isinstance(argument, (tuple, list)):
        return [child for part in argument for child in _children(part)]
    return []


def _cost(pattern: sre_parser.SubPattern, inside_repeat: bool) -> int:
    """The pattern's backtracking cost (see the module docstring); ValueError when it can explode."""
    cost = 0
    # Each op's argument has its own shape (counts and a subpattern, a list of branches, ...), known by the op.
    items: list[tuple[Any, Any]] = pattern.data
    for op, argument in items:
        variable = op in _REPEATS and argument[1] > argument[0]
        if inside_repeat and (variable or op in _RISKY_INSIDE_REPEAT):
            raise ValueError("a repeated group contains a quantifier, an alternation or a back-reference")
        if variable:
            cost += _REPEAT_COST if argument[1] > 1 else _CHOICE_COST
        elif op == sre_parser.BRANCH:
            cost += _CHOICE_COST * (len(argument[1]) - 1)
        elif op == sre_parser.GROUPREF_EXISTS:
            cost += _CHOICE_COST
        repeats = op in _REPEATS and argument[1] > 1
        cost += sum(_cost(child, inside_repeat or repeats) for child in _children(argument))
    return cost


def regex_problem(pattern: Any) -> str | None:
    """Why a short_text pattern cannot be used (not text, does not compile, risks runaway matching), or None."""
    if not isinstance(pattern, str) or not pattern:
        return "the pattern must be non-empty text"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"the pattern is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        parsed = sre_parser.parse(pattern)
        re.compile(pattern)  # some errors (a look-behind of variable width) only show when compiling
    except re.error as error:
        return f"the pattern does not compile: {error}"
    try:
        cost = _cost(parsed, False)
    except ValueError as error:
        return str(error)
    if cost > MAX_REGEX_COST:
        return ("the pattern could take too long to match: use at most two of *, + or {n,m} "
                "(fewer with ? or | alternatives)")
    return None


@lru_cache(maxsize=512)
def _compiled(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(nfc(pattern), 0 if case_sensitive else re.IGNORECASE)


def _normalised(text: str, whitespace: bool) -> str:
    text = nfc(text)
    # str.split() with no argument splits on every Unicode space, including no-break spaces.
    return " ".join(text.split()) if whitespace else text


_STAR = re.compile(r"(?<!\\)\*")


def wildcard_matches(pattern: str, text: str) -> bool:
    """Moodle's short-answer wildcard: `*` stands for any characters (or none), `\\*` for a star. The pieces
    between stars are found left to right, each as early as possible, which is linear in the text whatever
    the number of stars (a regex of several `.*` could backtrack for minutes)."""
    pieces = [piece.replace("\\*", "*") for piece in _STAR.split(pattern)]
    if len(pieces) == 1:
        return pieces[0] == text
    first, last = pieces[0], pieces[-1]
    if len(first) + len(last) > len(text) or not text.startswith(first) or not text.endswith(last):
        return False
    position, end = len(first), len(text) - len(last)
    for piece in pieces[1:-1]:
        found = text.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def _flag(question: dict, name: str, default: bool) -> bool:
    value = question.get(name, default)
    if not isinstance(value, bool):
        raise QuizFormatError(f"question {question.get('id')!r}: `{name}` must be true or false")
    return value


@register_grader("short_text")
def grade_short_text(question: dict, response: Any) -> Grade:
    """The first answer that matches decides, as for numeric answers; its credit (default 100) is the score.

    An answer is a `text`, a `regex` or a `wildcard` (Moodle's `*`, compared exactly as a text answer is).

    Both sides are NFC-normalised; with normalise_whitespace (default) both are trimmed and inner runs of spaces
    collapse to one; without case_sensitive (default) texts compare casefolded and patterns ignore case. A
    pattern must match the whole (normalised) response.
    """
    case_sensitive = _flag(question, "case_sensitive", False)
    whitespace = _flag(question, "normalise_whitespace", True)
    answers = entries(question, "answers")
    for answer in answers:
        if sum(key in answer for key in _ANSWER_KINDS) != 1 or not isinstance(answer.get("wildcard", ""), str):
            raise QuizFormatError(f"question {question.get('id')!r}: each answer needs exactly one of text, regex, "
                                  "wildcard")
        credit_of(answer, question, low=0)
        problem = regex_problem(answer["regex"]) if "regex" in answer else None
        if problem:
            raise QuizFormatError(f"question {question.get('id')!r}: regular expression {answer['regex']!r}: {problem}")

    if response is None:
        return Grade.invalid("no answer")
    if not isinstance(response, str):
        return Grade.invalid("expected text")
    if len(response) > MAX_TEXT_LENGTH:
        return Grade.invalid(f"the answer is longer than {MAX_TEXT_LENGTH} characters")
    given = _normalised(response, whitespace)
    if not given.strip():
        return Grade.invalid("no answer")

    def fold(text: str) -> str:
        return text if case_sensitive else text.casefold()

    for answer in answers:
        if "regex" in answer:
            matched = _compiled(answer["regex"], case_sensitive).fullmatch(given) is not None
        elif "wildcard" in answer:
            matched = wildcard_matches(fold(_normalised(answer["wildcard"], whitespace)), fold(given))
        else:
            matched = fold(_normalised(str(answer["text"]), whitespace)) == fold(given)
        if matched:
            return Grade.scored(credit_of(answer, question, low=0) / 100, [text_of(answer.get("feedback"))])
    return Grade.scored(0.0)


@register_grader("reflection")
def grade_reflection(question: dict, response: Any) -> Grade:
    """Never scored. Valid when there is text, and at least `min_words` words when the question asks for them."""
    min_words = question.get("min_words", 0)
    if isinstance(min_words, bool) or not isinstance(min_words, int) or min_words < 0:
        raise QuizFormatError(f"question {question.get('id')!r}: `min_words` must be a whole number of at least 0")
    if response is not None and not isinstance(response, str):
        return _ungraded("expected text")
    words = len((response or "").split())
    if not words:
        return _ungraded("no text")
    if words < min_words:
        return _ungraded(f"write at least {min_words} words")
    return _ungraded(None)


def _ungraded(problem: str | None) -> Grade:
    """A reflection's grade: never scored; invalid (and why) when `problem` is given."""
    return Grade(score=0.0, correct=False, graded=False, valid=problem is None, reason=problem)
