"""Reading numbers as Moodle does, in exact decimal arithmetic, so 3.5 ± 0.05 includes 3.55."""
from __future__ import annotations

import re
from decimal import Decimal, localcontext
from typing import Any

from .base import QuizFormatError, is_number

MAX_NUMBER_LENGTH = 100
MAX_EXPONENT = 10**15  # Decimal refuses exponents past about 10**18
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})  # typographic minus and en dash, as pasted from text
# Moodle's exponent forms: 3e8, 3E8, 3x10^8, 3*10^8 (and ×, and ** for ^), spaces allowed around x and ^.
_EXPONENT = re.compile(r"(?:[eE]|\s*[xX×*]\s*10\s*(?:\^|\*\*)\s*)([+-]?[0-9]+)$")
_GROUP_SPACES = " '\u00a0\u2009\u202f"  # space, apostrophe (Swiss), no-break and thin spaces
_MANTISSA = re.compile(rf"[0-9.,{_GROUP_SPACES}]*")
_DIGITS = re.compile("[0-9]+")  # ASCII only: "²" is a digit to str.isdigit() but not to Decimal


class NotANumber(ValueError):
    """A response that is not one finite number (its message says why, for the learner)."""


def _separators(body: str) -> tuple[str, str]:
    """(decimal separator, thousands separator) of a mantissa such as 1,000.5, 1.000,5, 1 000 or 3,5."""
    if "." in body and "," in body:
        return (".", ",") if body.rindex(".") > body.rindex(",") else (",", ".")
    if body.count(",") > 1:
        return ".", ","
    if body.count(".") > 1:
        return ",", "."
    return ("," if "," in body else "."), ""


def _digits_of_whole_part(whole: str, grouping: str) -> str:
    """The digits of `1 000 000` or `1,000`: groups of three after the first, one separator throughout."""
    if _DIGITS.fullmatch(whole) or not whole:
        return whole
    separator = next(char for char in whole if char not in "0123456789")
    groups = rf"[0-9]{{1,3}}(?:{re.escape(separator)}[0-9]{{3}})+"
    if separator not in grouping + _GROUP_SPACES or not re.fullmatch(groups, whole):
        raise NotANumber("not a number")
    return whole.replace(separator, "")


def parse_number(value: Any) -> Decimal:
    """A learner's number: text such as "3.5", " 3,5 ", "-1e3", "−2", "1 000", "1,000.5", "3x10^8", or an int/float.

    A lone comma is a decimal comma ("3,5"); `readings()` adds the thousands reading of "1,000". ValueError
    (NotANumber) for anything else, including nan and infinity.
    """
    if is_number(value):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not isinstance(value, str):
        raise NotANumber("expected a number")
    text = value.strip().translate(_MINUS_SIGNS)
    if not text:
        raise NotANumber("no answer")
    if len(text) > MAX_NUMBER_LENGTH:
        raise NotANumber("not a number")
    exponent = 0
    power = _EXPONENT.search(text)
    if power and power.start() > 0:
        exponent, text = int(power.group(1)), text[:power.start()]
        if abs(exponent) > MAX_EXPONENT:
            raise NotANumber("the exponent is too large")
    sign = text[0] if text[:1] in ("+", "-") else ""
    body = text[len(sign):]
    if not body or not _MANTISSA.fullmatch(body) or not any(char in "0123456789" for char in body):
        raise NotANumber("not a number")  # also rejects nan, inf and infinity, which the pattern cannot match
    decimal, grouping = _separators(body)
    whole, _, fraction = body.partition(decimal)
    if not _DIGITS.fullmatch(fraction) and fraction:
        raise NotANumber("not a number")
    whole = _digits_of_whole_part(whole, grouping)
    return Decimal(f"{sign}{whole or 0}.{fraction or 0}E{exponent}")


def readings(value: Any) -> list[Decimal]:
    """Every number a response can mean: "1,000" and "3,145" are one thousand and 3145 in Moodle's English,
    1 and 3.145 with a decimal comma; both are tried, and the reading that earns more counts."""
    number = parse_number(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,3},[0-9]{3}", value.strip().translate(_MINUS_SIGNS)):
        return [number, parse_number(value.strip().translate(_MINUS_SIGNS).replace(",", ""))]
    return [number]


def _decimal(value: Any, question: dict, name: str) -> Decimal:
    """A number written by the author; floats from YAML go through repr, so 0.05 is 0.05, not 0.0500000000000000027."""
    if isinstance(value, str):
        try:
            return parse_number(value)
        except ValueError:
            pass
    elif is_number(value):
        return parse_number(value)
    raise QuizFormatError(f"question {question.get('id')!r}: `{name}` must be a finite number")


def bounds(answer: dict, question: dict) -> tuple[Decimal | None, Decimal | None]:
    """The inclusive interval an answer accepts; a range may leave one side open."""
    if "value" in answer:
        value = _decimal(answer["value"], question, "value")
        tolerance = _decimal(answer.get("tolerance", 0), question, "tolerance")
        if tolerance < 0:
            raise QuizFormatError(f"question {question.get('id')!r}: tolerance must not be negative")
        with localcontext() as context:
            context.prec = 1000  # exact for any number an author would write, and for 400-digit ones
            return value - tolerance, value + tolerance
    if "tolerance" in answer:
        raise QuizFormatError(f"question {question.get('id')!r}: a tolerance needs a `value`")
    low = _decimal(answer["min"], question, "min") if "min" in answer else None
    high = _decimal(answer["max"], question, "max") if "max" in answer else None
    # Neither value nor range: any number, as Moodle's `*` answer (GIFT `~#feedback`), for feedback on the rest.
    if low is not None and high is not None and low > high:
        raise QuizFormatError(f"question {question.get('id')!r}: min is greater than max")
    return low, high
