"""One GIFT question (its text, escapes hidden) into one question of docs/quiz-format.md.

`parse_question` raises NotConverted when the question has no faithful equivalent, and lists in `notes` what a
converted question lost (a partial credit the format cannot hold, HTML it could not carry over). Offsets point
into the block text so the caller can name the line.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ...content.yamlfile import MAX_INTEGER
from .markup import FORMAT_MARKER, to_markdown
from .reader import restore

BLANK = "_____"
_BLANK_MARK = "\ue010"  # a private-use character standing for the blank while the text is converted
_WEIGHT = re.compile(r"\s*%([+-]?\d+(?:\.\d+)?)%")
# Upper case only, as in Moodle: `{true}` or `{t}` is a short answer whose answer is that word.
_TRUE_FALSE = re.compile(r"(TRUE|FALSE|T|F)\s*(?:#(.*))?", re.DOTALL)
_TRUE_FALSE_ANY_CASE = re.compile(r"(TRUE|FALSE|T|F)\s*(?:#.*)?", re.IGNORECASE | re.DOTALL)
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*")
_TOLERANCE = re.compile(rf"\s*({_NUMBER})\s*(?::\s*({_NUMBER}))?\s*")


class NotConverted(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass
class Parsed:
    question: dict[str, Any]
    title: str | None
    notes: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Answer:
    marker: str  # "=" or "~"
    weight: float | None
    text: str  # escapes still hidden
    feedback: str | None
    offset: int


class _Question:
    """Parsing state of one question: the text format in force, and the notes on what was lost."""

    def __init__(self, text: str) -> None:
        self.source = text
        self.text_format = "moodle"
        self.notes: list[tuple[int, str]] = []

    def markdown(self, raw: str, offset: int) -> str:
        """Markdown for a piece of text; a format marker at the start of the question applies to every piece."""
        # Escapes are restored first: Moodle's exporter writes `href\="http\://..."`, which must read as a link.
        converted, _, lost = to_markdown(restore(raw), self.text_format)
        if lost:
            self.notes.append((offset, "[html] lost in conversion to Markdown: " + "; ".join(lost)))
        return converted.strip()

    def answers(self, body: str, base: int) -> list[_Answer]:
        """Split an answer list at each `=` or `~`, then read each answer's %weight% and #feedback."""
        markers = [match.start() for match in re.finditer(r"[=~]", body)]
        if not markers or body[:markers[0]].strip():
            raise NotConverted(base, "answers must start with = (right) or ~ (wrong)")
        found = []
        for start, end in zip(markers, [*markers[1:], len(body)], strict=True):
            chunk = body[start + 1:end]
            weight_match = _WEIGHT.match(chunk)
            if weight_match is None and chunk.lstrip().startswith("%"):
                raise NotConverted(base + start, "a weight must be written %number%, e.g. %50%")
            weight = float(weight_match.group(1)) if weight_match else None
            rest = chunk[weight_match.end():] if weight_match else chunk
            text, has_feedback, feedback = rest.partition("#")
            found.append(_Answer(body[start], weight, text, feedback if has_feedback else None, base + start + 1))
        return found

    def note(self, offset: int, message: str) -> None:
        self.notes.append((offset, message))


def parse_question(text: str) -> Parsed:
    state = _Question(text)
    position = len(text) - len(text.lstrip())
    title = None
    if text.startswith("::", position):
        end = text.find("::", position + 2)
        if end < 0:
            raise NotConverted(position, "the title is not closed with '::'")
        title = " ".join(restore(text[position + 2:end]).split()) or None
        position = end + 2
    marker = FORMAT_MARKER.match(text, position)
    if marker:
        state.text_format = marker.group(1).lower()
        position = marker.end()

    opening = text.find("{", position)
    stray = text.find("}", position, opening if opening >= 0 else len(text))
    if stray >= 0:
        raise NotConverted(stray, "'}' without a matching '{'")
    if opening < 0:
        raise NotConverted(position, "no answer block {...}: a description without a question has no equivalent")
    closing = text.find("}", opening + 1)
    nested = text.find("{", opening + 1, closing if closing >= 0 else len(text))
    if closing < 0 or nested >= 0:
        raise NotConverted(opening, "unclosed '{': the answer block has no matching '}'")
    after = text[closing + 1:]
    if re.match(r"\s*//", after):
        after = ""  # a comment after the answers, as some GIFT examples write them
    extra = re.search(r"[{}]", after)
    if extra:
        raise NotConverted(closing + 1 + extra.start(), "more than one answer block in one question")

    before = text[position:opening]
    prompt_raw = before + _BLANK_MARK + after if after.strip() else before
    prompt = state.markdown(prompt_raw, position).replace(_BLANK_MARK, BLANK)  # never escaped as Markdown
    if not prompt:
        raise NotConverted(position, "the question has no text")
    body = text[opening + 1:closing]
    question: dict[str, Any] = {"prompt": prompt}
    question.update(_answer_block(state, body, opening + 1))
    general = body.find("####")
    if general >= 0:
        explanation = state.markdown(body[general + 4:], opening + 1 + general)
        if explanation:
            question["explanation"] = explanation
    question = {"type": question.pop("type"), **question}
    return Parsed(question, title, state.notes)


def _answer_block(state: _Question, body: str, base: int) -> dict[str, Any]:
    general = body.find("####")
    answers_part = body if general < 0 else body[:general]
    content = answers_part.strip()
    start = base + len(answers_part) - len(answers_part.lstrip())
    if not content:
        return {"type": "reflection"}
    if content.startswith("#"):
        return _numeric(state, content[1:], start + 1)
    true_false = _TRUE_FALSE.fullmatch(content)
    if true_false:
        return _true_false(state, true_false, start)
    if _TRUE_FALSE_ANY_CASE.fullmatch(content):
        state.note(start, f"{{{content.partition('#')[0].strip()}}} is a short answer in Moodle and here; write T, F, "
                          "TRUE or FALSE in capitals for a true/false question")
        content = "=" + content
    if content[0] not in "=~":
        raise NotConverted(start, "unknown answer syntax: answers start with =, ~ or # (or write T or F)")
    answers = state.answers(content, start)
    # As in Moodle: any `~` makes a choice (where `->` is text); otherwise `->` makes a matching question.
    if any(answer.marker == "~" for answer in answers):
        if all("->" in answer.text for answer in answers):
            state.note(start, "read as a choice because of '~', as Moodle does; matching pairs are all written "
                              "'=prompt -> match'")
        return _choice(state, answers)
    if any("->" in answer.text for answer in answers):
        return _matching(state, answers)
    return _short_text(state, answers)


def _feedback(state: _Question, answer: _Answer) -> dict[str, str]:
    text = state.markdown(answer.feedback, answer.offset) if answer.feedback else ""
    return {"feedback": text} if text else {}


def _answer_text(state: _Question, answer: _Answer) -> str:
    text = state.markdown(answer.text, answer.offset)
    if not text:
        raise NotConverted(answer.offset, "an answer has no text")
    return text


def _credit(weight: float) -> int | float:
    return int(weight) if weight == int(weight) else weight


def _option_id(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def _choice(state: _Question, answers: list[_Answer]) -> dict[str, Any]:
    if len(answers) < 2:
        raise NotConverted(answers[0].offset, "a choice question needs at least two answers")
    rights = [answer for answer in answers if answer.marker == "="]
    for answer in answers:
        if answer.weight is not None and not -100 <= answer.weight <= 100:
            raise NotConverted(answer.offset, "a weight must be between -100% and 100%")
    options: list[dict[str, Any]] = []
    if rights:
        for index, answer in enumerate(answers):
            correct = answer.marker == "="
            if correct and answer.weight is not None and answer.weight != 100:
                state.note(answer.offset, f"weight {answer.weight:g}% ignored: the '=' answer counts as right")
            option: dict[str, Any] = {"id": _option_id(index), "text": _answer_text(state, answer)}
            if correct:
                option["correct"] = True  # several `=` answers: each is right, as in Moodle
            elif answer.weight:
                option["credit"] = _credit(answer.weight)  # `~%50%`: partial (or negative) credit, as in Moodle
                if answer.weight < 0:
                    state.note(answer.offset, f"credit {answer.weight:g}% scores 0 for this question; Moodle "
                                              "would subtract it from the quiz total")
            options.append({**option, **_feedback(state, answer)})
        return {"type": "single_choice", "options": options}
    if not any((answer.weight or 0) > 0 for answer in answers):
        raise NotConverted(answers[0].offset, "no answer is right: mark one with '=' or give some a positive %weight%")
    total = sum(weight for weight in (answer.weight or 0 for answer in answers) if weight > 0)
    if abs(total - 100) > 0.01:
        state.note(answers[0].offset, f"the positive weights add up to {total:g}%, not 100%: "
                                      + ("no choice earns full credit" if total < 100 else "credit is capped at 100%"))
    for index, answer in enumerate(answers):
        options.append({"id": _option_id(index), "text": _answer_text(state, answer),
                        "credit": _credit(answer.weight or 0), **_feedback(state, answer)})
    return {"type": "multiple_response", "scoring": "partial", "options": options}


def _answer_credit(state: _Question, answer: _Answer, default: float = 100) -> dict[str, Any]:
    """A short-text or numeric answer's credit (0..100, omitted when it is the default 100)."""
    weight = default if answer.weight is None else answer.weight
    if weight > 100:
        raise NotConverted(answer.offset, "a weight must not exceed 100%")
    if weight < 0:
        state.note(answer.offset, f"negative credit {weight:g}% becomes 0%: typed answers cannot lose points")
        weight = 0
    return {} if weight == 100 else {"credit": _credit(weight)}


def _short_text(state: _Question, answers: list[_Answer]) -> dict[str, Any]:
    converted = []
    for answer in answers:
        # An expected answer is compared with what learners type, so it stays plain text (never Markdown).
        text, text_format = restore(answer.text).strip(), state.text_format
        marker = FORMAT_MARKER.match(text)
        if marker:
            text, text_format = text[marker.end():].strip(), marker.group(1).lower()
        if text_format == "html":
            text = html.unescape(re.sub(r"<[^>]*>", "", text)).strip()
        if not text:
            raise NotConverted(answer.offset, "an answer has no text")
        if re.search(r"(?<!\\)\*", text):
            # Moodle short answers treat * as "any characters"; \* is a literal asterisk. Graded as Moodle does.
            entry: dict[str, Any] = {"wildcard": text}
        else:
            entry = {"text": text.replace("\\*", "*")}
        converted.append({**entry, **_answer_credit(state, answer), **_feedback(state, answer)})
    return {"type": "short_text", "case_sensitive": False, "answers": converted}


def _matching(state: _Question, answers: list[_Answer]) -> dict[str, Any]:
    pairs: list[dict[str, str]] = []
    distractors: list[str] = []
    for answer in answers:
        if answer.marker != "=" or "->" not in answer.text:
            raise NotConverted(answer.offset, "every answer of a matching question is written '=prompt -> match'")
        if answer.weight is not None or answer.feedback:
            state.note(answer.offset, "weights and feedback on matching pairs are not supported and were dropped")
        left, _, right = answer.text.partition("->")
        match = state.markdown(right, answer.offset)
        if not match:
            raise NotConverted(answer.offset, "a matching pair has no match after '->'")
        prompt = state.markdown(left, answer.offset)
        if prompt:
            pairs.append({"id": f"p{len(pairs) + 1}", "prompt": prompt, "match": match})
        else:
            distractors.append(match)  # "= -> text" is Moodle's way of offering a wrong match
    if len(pairs) < 2:
        raise NotConverted(answers[0].offset, "a matching question needs at least two pairs")
    result: dict[str, Any] = {"type": "matching", "scoring": "partial", "pairs": pairs}
    if distractors:
        result["distractors"] = distractors
    return result


def _true_false(state: _Question, match: re.Match[str], offset: int) -> dict[str, Any]:
    answer = match.group(1).upper().startswith("T")
    wrong, _, rest = (match.group(2) or "").partition("#")
    right, _, extra = rest.partition("#")
    if extra.strip():
        state.note(offset, "a true/false question takes two feedbacks (#wrong#right); the rest was dropped")
    # GIFT gives the feedback for a wrong answer first, then for a right one.
    feedback_true, feedback_false = (right, wrong) if answer else (wrong, right)
    result: dict[str, Any] = {"type": "true_false", "answer": answer}
    for key, raw in (("feedback_true", feedback_true), ("feedback_false", feedback_false)):
        text = state.markdown(raw, offset)
        if text:
            result[key] = text
    return result


def _number(text: str, offset: int) -> int | float:
    """A number the pack validator accepts too: finite, and an integer of at most 15 digits."""
    too_long = len(text.lstrip("+-")) > len(str(MAX_INTEGER))  # before int(): it refuses over 4,300 digits
    number = float(text) if too_long or not re.fullmatch(r"[+-]?\d+", text) else int(text)
    if not math.isfinite(number) or (abs(number) > MAX_INTEGER and (isinstance(number, int) or too_long)):
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise NotConverted(offset, f"the number {shown} is too large: at most {len(str(MAX_INTEGER))} digits")
    return number


def _numeric_answer(text: str, offset: int) -> dict[str, Any]:
    span = _RANGE.fullmatch(text)
    if span:
        low, high = _number(span.group(1), offset), _number(span.group(2), offset)
        if low > high:
            raise NotConverted(offset, f"the range {text.strip()} starts above its end")
        return {"min": low, "max": high}
    value = _TOLERANCE.fullmatch(text)
    if not value:
        raise NotConverted(offset, f"{restore(text).strip()!r} is not a number, number:tolerance or min..max")
    result: dict[str, Any] = {"value": _number(value.group(1), offset)}
    if value.group(2) is not None:
        tolerance = _number(value.group(2), offset)
        if tolerance < 0:
            raise NotConverted(offset, "a tolerance must not be negative")
        if tolerance:
            result["tolerance"] = tolerance
    return result


def _numeric(state: _Question, content: str, offset: int) -> dict[str, Any]:
    if not content.strip():
        raise NotConverted(offset, "the numeric answer is empty")
    if content.lstrip()[0] not in "=~" and re.search(r"[=~]", content):
        content = "=" + content  # `{#3:2 ~#Completely wrong}`: the first answer without its `=`
    if content.lstrip()[0] not in "=~":
        text, has_feedback, feedback = content.partition("#")
        single = _Answer("=", None, text, feedback if has_feedback else None, offset)
        return {"type": "numeric", "answers": [{**_numeric_answer(text, offset), **_feedback(state, single)}]}
    converted = []
    for answer in state.answers(content, offset):
        credit = _answer_credit(state, answer, default=100 if answer.marker == "=" else 0)
        # An answer without a number (`~#Completely wrong`, Moodle's `*`) matches any number.
        bounds = _numeric_answer(answer.text, answer.offset) if answer.text.strip() not in ("", "*") else {}
        converted.append({**bounds, **credit, **_feedback(state, answer)})
    return {"type": "numeric", "answers": converted}
