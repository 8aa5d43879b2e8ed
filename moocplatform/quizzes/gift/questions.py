"""One GIFT question (its text, escapes hidden) into one question of docs/quiz-format.md.

`parse_question` raises NotConverted when the question has no faithful equivalent, and lists in `notes` what a
converted question lost (a partial credit the format cannot hold, HTML it could not carry over). Offsets point
into the block text so the caller can name the line. Which question type a block becomes, and how, is each
type's own (QuestionType.gift_claims and from_gift, asked in `gift_order`); this module reads what they share.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .markup import FORMAT_MARKER, to_markdown
from .reader import restore

BLANK = "_____"
_BLANK_MARK = "\ue010"  # a private-use character standing for the blank while the text is converted
_WEIGHT = re.compile(r"\s*%([+-]?\d+(?:\.\d+)?)%")


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
class GiftAnswer:
    marker: str  # "=" or "~"
    weight: float | None
    text: str  # escapes still hidden
    feedback: str | None
    offset: int


class GiftQuestion:
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

    def answers(self, body: str, base: int) -> list[GiftAnswer]:
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
            found.append(GiftAnswer(body[start], weight, text, feedback if has_feedback else None, base + start + 1))
        return found

    def note(self, offset: int, message: str) -> None:
        self.notes.append((offset, message))


def parse_question(text: str) -> Parsed:
    state = GiftQuestion(text)
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


class GiftBlock:
    """One answer block (without the general feedback) as the question types read it: its trimmed text, where
    it starts, and its answers, parsed when first asked for."""

    def __init__(self, state: GiftQuestion, content: str, start: int) -> None:
        self.state = state
        self.content = content
        self.start = start
        self._answers: list[GiftAnswer] | None = None

    @property
    def has_answers(self) -> bool:
        """Whether the block is a list of `=` and `~` answers."""
        return self.content[:1] in ("=", "~")

    def rewrite(self, content: str) -> None:
        """Read the block on as `content` (a type that declines it may say what it is instead)."""
        self.content, self._answers = content, None

    def answers(self) -> list[GiftAnswer]:
        if self._answers is None:
            if not self.has_answers:
                raise NotConverted(self.start, "unknown answer syntax: answers start with =, ~ or # (or write T or F)")
            self._answers = self.state.answers(self.content, self.start)
        return self._answers

    def note(self, offset: int, message: str) -> None:
        self.state.note(offset, message)

    def markdown(self, raw: str, offset: int) -> str:
        return self.state.markdown(raw, offset)


def _answer_block(state: GiftQuestion, body: str, base: int) -> dict[str, Any]:
    """The question type that claims the block converts it; types are asked in their `gift_order`."""
    from ..types.base import QUESTION_TYPES  # here: the types import this module's readers

    general = body.find("####")
    answers_part = body if general < 0 else body[:general]
    block = GiftBlock(state, answers_part.strip(), base + len(answers_part) - len(answers_part.lstrip()))
    claimants = sorted((t for t in QUESTION_TYPES.values() if t.gift_order is not None),
                       key=lambda question_type: question_type.gift_order or 0)
    for question_type in claimants:
        if question_type.gift_claims(block):
            return {"type": question_type.name, **question_type.from_gift(block)}
    block.answers()  # raises for an unknown syntax
    raise NotConverted(block.start, "no question type takes these answers")


def feedback(block: GiftBlock, answer: GiftAnswer) -> dict[str, str]:
    text = block.markdown(answer.feedback, answer.offset) if answer.feedback else ""
    return {"feedback": text} if text else {}


def answer_text(block: GiftBlock, answer: GiftAnswer) -> str:
    text = block.markdown(answer.text, answer.offset)
    if not text:
        raise NotConverted(answer.offset, "an answer has no text")
    return text


def credit(weight: float) -> int | float:
    return int(weight) if weight == int(weight) else weight


def option_id(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def choice_answers(block: GiftBlock) -> list[GiftAnswer]:
    """The answers of a choice (a block with a `~`), checked as both choice types need them."""
    answers = block.answers()
    if all("->" in answer.text for answer in answers):
        block.note(block.start, "read as a choice because of '~', as Moodle does; matching pairs are all written "
                                "'=prompt -> match'")
    if len(answers) < 2:
        raise NotConverted(answers[0].offset, "a choice question needs at least two answers")
    for answer in answers:
        if answer.weight is not None and not -100 <= answer.weight <= 100:
            raise NotConverted(answer.offset, "a weight must be between -100% and 100%")
    return answers


def is_choice(block: GiftBlock) -> bool:
    # As in Moodle: any `~` makes a choice (where `->` is text); otherwise `->` makes a matching question.
    return block.has_answers and any(answer.marker == "~" for answer in block.answers())


def answer_credit(block: GiftBlock, answer: GiftAnswer, default: float = 100) -> dict[str, Any]:
    """A short-text or numeric answer's credit (0..100, omitted when it is the default 100)."""
    weight = default if answer.weight is None else answer.weight
    if weight > 100:
        raise NotConverted(answer.offset, "a weight must not exceed 100%")
    if weight < 0:
        block.note(answer.offset, f"negative credit {weight:g}% becomes 0%: typed answers cannot lose points")
        weight = 0
    return {} if weight == 100 else {"credit": credit(weight)}
