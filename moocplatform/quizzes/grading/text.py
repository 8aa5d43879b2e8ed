"""What typed-text grading shares: vetting regular expressions, wildcards, normalising texts.

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

from .base import QuizFormatError, nfc

if TYPE_CHECKING:
    import sre_parse as sre_parser  # typeshed describes the parser under its public name only
else:
    import re._parser as sre_parser  # the public `sre_parse` alias warns; this is the same parser without the warning

MAX_TEXT_LENGTH = 1000
ANSWER_KINDS = ("text", "regex", "wildcard")
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
def compiled(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(nfc(pattern), 0 if case_sensitive else re.IGNORECASE)


def normalised(text: str, whitespace: bool) -> str:
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


def flag(question: dict, name: str, default: bool) -> bool:
    value = question.get(name, default)
    if not isinstance(value, bool):
        raise QuizFormatError(f"question {question.get('id')!r}: `{name}` must be true or false")
    return value
