"""Moodle GIFT files converted into the quiz format of docs/quiz-format.md.

Supported: multiple choice (`=` right, `~` wrong) as single_choice; weighted answers without `=`
(`~%50%a ~%-100%b`) as multiple_response with `credit`; true/false (`{T}`, `{F}`, `{TRUE}`, `{FALSE}`, with
`#wrong-answer feedback#right-answer feedback`); short answer (`{=a =b}`, `=%50%` weights, Moodle's `*`
wildcard kept as a `wildcard` answer) as short_text; numeric (`{#3.5:0.1}`, `{#1..5}`, `{# =%100%3.5:0.1 =%50%3:1}`);
matching (`{=a -> b ...}`, `= -> x` as a distractor); essay (`{}`) as reflection; missing word (text after the
answer block: the prompt gets a `_____` blank); `$CATEGORY:`; `::title::`; per-answer `#feedback`; general
`####feedback` as explanation; `[html]`/`[markdown]`/`[plain]`/`[moodle]` markers; `//` comment lines; escapes
`\\~ \\= \\# \\{ \\} \\:`, `\\\\` and `\\n`.

Which question type an answer block becomes, and how, is each type's own (moocplatform.quizzes.types:
`gift_claims`, `from_gift`); gift.questions reads what they share.

Decisions:

- Questions are separated by blank lines, as in Moodle; a blank line inside an answer block therefore leaves
  the block unclosed, and the question is reported.
- The quiz format has no place for a question's title or category, and the pack schema refuses unknown keys,
  so the question dicts stay within the format: the title gives the id (slugified, made unique; otherwise
  q<n> with n the question's position in the file) and the title and category are kept in `sources`, which
  the command line writes as a YAML comment above each question.
- As in Moodle: several `=` answers in a choice are each right; `~%50%` and `~%-50%` on a single-choice option
  become its `credit`; `->` is text in a choice (matching needs every answer to be `=prompt -> match`, or none
  to be `~`); a numeric `~#feedback` answer matches any other number; `[id:...]` and `[tag:...]` in the
  comments before a question give its id (made into a valid id, and reported, when it is not one) and its
  `sources` tags. [moodle] text with HTML tags is read as HTML, since Moodle's format allows it.
- A question is not converted (reported, counted in `not_converted`) when the format cannot hold it: a
  description (no answer block), fewer than two choices or matching pairs, a number the pack format cannot
  hold, malformed syntax. Conversions that lose something (weights on matching pairs, HTML without a
  Markdown equivalent) are converted and reported too. Nothing is dropped silently.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .questions import NotConverted, parse_question
from .reader import restore, split_blocks

__all__ = ["GiftProblem", "GiftResult", "GiftSource", "convert_gift", "slugify"]

CATEGORY_COMMAND = "$CATEGORY:"
# Moodle's idnumber and tags, written in a comment before the question: `// [id:q-12] [tag:week1]`; `\]` escapes.
_COMMENT_FIELD = re.compile(r"\[(id|tag):\s*((?:\\\]|[^\]\n])*?)\s*\]")
_LOCAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MAX_SLUG_LENGTH = 48


class GiftProblem(NamedTuple):
    line: int
    message: str


@dataclass(frozen=True)
class GiftSource:
    """Where a converted question came from."""

    line: int
    title: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()  # Moodle's [tag:...] in the comments before the question


@dataclass(frozen=True)
class GiftResult:
    quiz: dict[str, Any]  # {"questions": [...]}, each question in the quiz format
    problems: list[GiftProblem] = field(default_factory=list)  # in file order
    not_converted: int = 0  # questions reported in `problems` and missing from `quiz`
    sources: dict[str, GiftSource] = field(default_factory=dict)  # question id -> origin

    @property
    def questions(self) -> list[dict[str, Any]]:
        return self.quiz["questions"]


def slugify(text: str) -> str:
    """Lowercase ASCII letters, digits and single hyphens ("Grant's tomb!" -> "grant-s-tomb"); may be empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-")


def _unique(candidate: str, used: set[str]) -> str:
    question_id, suffix = candidate, 2
    while question_id in used:
        question_id, suffix = f"{candidate}-{suffix}", suffix + 1
    used.add(question_id)
    return question_id


def _id_and_tags(comments: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """Moodle's rules: the last [id:] wins, tags keep their order, and neither may span two comment lines."""
    idnumber, tags = None, []
    for comment in comments:
        for kind, value in _COMMENT_FIELD.findall(comment):
            value = value.replace("\\]", "]")
            if kind == "id":
                idnumber = value or None
            elif value:
                tags.append(value)
    return idnumber, tuple(tags)


def convert_gift(text: str) -> GiftResult:
    """Convert the text of a GIFT file; every question that cannot be converted is named in `problems`."""
    questions: list[dict[str, Any]] = []
    problems: list[GiftProblem] = []
    sources: dict[str, GiftSource] = {}
    used: set[str] = set()
    category: str | None = None
    position = not_converted = 0
    for block in split_blocks(text):
        first = block.lines[0][1].strip()
        if first.startswith(CATEGORY_COMMAND):
            category = " ".join(restore(first[len(CATEGORY_COMMAND):]).split()) or None
            rest = block.without_first_line()
            if rest is None:
                continue
            block = rest
        position += 1
        try:
            parsed = parse_question(block.text)
        except NotConverted as error:
            not_converted += 1
            problems.append(GiftProblem(block.line_at(error.offset), f"question not converted: {error.message}"))
            continue
        idnumber, tags = _id_and_tags(block.comments)
        if idnumber and not _LOCAL_ID.fullmatch(idnumber):
            problems.append(GiftProblem(block.first_line, f"[id:{idnumber}] is not a question id (1–64 letters, "
                                                          "digits, '_' or '-'); it was made into one"))
            idnumber = slugify(idnumber)
        question_id = _unique(idnumber or slugify(parsed.title or "") or f"q{position}", used)
        questions.append({"id": question_id, **parsed.question})
        sources[question_id] = GiftSource(block.first_line, parsed.title, category, tags)
        problems.extend(GiftProblem(block.line_at(offset), message) for offset, message in parsed.notes)
    return GiftResult({"questions": questions}, problems, not_converted, sources)
