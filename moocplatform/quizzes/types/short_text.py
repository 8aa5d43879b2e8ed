"""short_text: a typed answer compared with texts, Moodle-style wildcards or vetted regular expressions."""
from __future__ import annotations

import html
import re
from typing import Any

from flask_babel import gettext as _

from ..gift.markup import FORMAT_MARKER
from ..gift.questions import NotConverted, answer_credit, feedback
from ..gift.reader import restore
from ..grading.base import Grade, QuizFormatError, credit_of, entries, nfc, text_of
from ..grading.text import ANSWER_KINDS, MAX_TEXT_LENGTH, compiled, flag, normalised, regex_problem, wildcard_matches
from .base import Problem, register_type
from .numeric import TypedAnswer, needs_credit
from .options import listed


@register_type
class ShortText(TypedAnswer):
    name = "short_text"
    defaults = {"case_sensitive": False, "normalise_whitespace": True}
    credited_answers = True
    widget = "text"
    result_widget = "typed_result"

    gift_order = 60  # what is left: `=` answers

    def gift_claims(self, block: Any) -> bool:
        return bool(block.answers())  # raises for an unknown syntax

    def from_gift(self, block: Any) -> dict[str, Any]:
        converted = []
        for answer in block.answers():
            # An expected answer is compared with what learners type, so it stays plain text (never Markdown).
            text, text_format = restore(answer.text).strip(), block.state.text_format
            marker = FORMAT_MARKER.match(text)
            if marker:
                text, text_format = text[marker.end():].strip(), marker.group(1).lower()
            if text_format == "html":
                text = html.unescape(re.sub(r"<[^>]*>", "", text)).strip()
            if not text:
                raise NotConverted(answer.offset, "an answer has no text")
            if re.search(r"(?<!\\)\*", text):
                # Moodle short answers treat * as "any characters"; \* is a literal asterisk, graded as Moodle does.
                entry: dict[str, Any] = {"wildcard": text}
            else:
                entry = {"text": text.replace("\\*", "*")}
            converted.append({**entry, **answer_credit(block, answer), **feedback(block, answer)})
        return {"case_sensitive": False, "answers": converted}

    def check(self, question: dict, path: list, problem: Problem) -> None:
        for i, answer in listed(question, "answers"):
            if isinstance(answer.get("regex"), str):
                # The grader's own rule: the pattern compiles and cannot run away (catastrophic backtracking).
                reason = regex_problem(answer["regex"])
                if reason:
                    problem([*path, "answers", i, "regex"], f"cannot be used: {reason}")
        needs_credit(question, path, problem)

    def grade(self, question: dict, response: Any) -> Grade:
        """The first answer that matches decides, as for numeric answers; its credit (default 100) is the score.

        An answer is a `text`, a `regex` or a `wildcard` (Moodle's `*`, compared exactly as a text answer is).

        Both sides are NFC-normalised; with normalise_whitespace (default) both are trimmed and inner runs of
        spaces collapse to one; without case_sensitive (default) texts compare casefolded and patterns ignore
        case. A pattern must match the whole (normalised) response.
        """
        case_sensitive = flag(question, "case_sensitive", False)
        whitespace = flag(question, "normalise_whitespace", True)
        answers = entries(question, "answers")
        for answer in answers:
            if sum(key in answer for key in ANSWER_KINDS) != 1 or not isinstance(answer.get("wildcard", ""), str):
                raise QuizFormatError(f"question {question.get('id')!r}: each answer needs exactly one of text, "
                                      "regex, wildcard")
            credit_of(answer, question, low=0)
            problem = regex_problem(answer["regex"]) if "regex" in answer else None
            if problem:
                raise QuizFormatError(f"question {question.get('id')!r}: regular expression {answer['regex']!r}: "
                                      f"{problem}")

        if response is None:
            return Grade.invalid("no answer")
        if not isinstance(response, str):
            return Grade.invalid("expected text")
        if len(response) > MAX_TEXT_LENGTH:
            return Grade.invalid(f"the answer is longer than {MAX_TEXT_LENGTH} characters")
        given = normalised(response, whitespace)
        if not given.strip():
            return Grade.invalid("no answer")

        def fold(text: str) -> str:
            return text if case_sensitive else text.casefold()

        for answer in answers:
            if "regex" in answer:
                matched = compiled(answer["regex"], case_sensitive).fullmatch(given) is not None
            elif "wildcard" in answer:
                matched = wildcard_matches(fold(normalised(answer["wildcard"], whitespace)), fold(given))
            else:
                matched = fold(normalised(str(answer["text"]), whitespace)) == fold(given)
            if matched:
                return Grade.scored(credit_of(answer, question, low=0) / 100, [text_of(answer.get("feedback"))])
        return Grade.scored(0.0)

    @staticmethod
    def accepted(answer: dict) -> str:
        if "text" in answer:
            return str(answer["text"])
        if "wildcard" in answer:
            return _("matching %(p)s (* stands for any characters)", p=answer["wildcard"])
        return _("matching the pattern %(p)s", p=answer["regex"])

    def response_label(self, question: dict, stored: Any) -> str | None:
        if not isinstance(stored, str):
            return None
        text = " ".join(nfc(stored).split())
        return text if question.get("case_sensitive") else text.casefold()
