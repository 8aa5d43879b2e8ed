"""Statistics of one quiz for its course team: attempts, pass rate, mean score, and per question the share
answered right and the wrong answer chosen most often. A fixed number of queries whatever the number of
attempts; the per-question figures stream the submitted attempts' results once.

`user_ids` narrows everything to a group of learners (a facilitator's cohort, later).
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from ..catalog.models import CourseVersion, VersionStatus
from ..csv_export import safe_cell
from ..errors import NotFound
from ..extensions import db
from .models import QuizAttempt, QuizDefinition
from .types import QUESTION_TYPES, type_of

SCORE_BANDS = 10  # 0-9, 10-19, ... 90-100 percent


@dataclass
class QuestionStats:
    id: str
    number: int
    type: str
    prompt: str
    shown: int = 0
    answered: int = 0
    correct: int = 0
    wrong: Counter = field(default_factory=Counter)
    # The question as asked in earlier versions, where its text differs from the live one's (or it is gone):
    # its answers are counted against that text, in a row of its own.
    variant: int = 0  # 0 for the first text of the question met, 1 for the next (label "b"), ...
    earlier: bool = False
    asked_in: dict[int, str] = field(default_factory=dict)  # version id -> version

    @property
    def label(self) -> str:
        return _("Q%(n)d", n=self.number) + ("" if not self.variant else chr(ord("a") + min(self.variant, 25)))

    @property
    def earlier_note(self) -> str:
        return ngettext("as asked in version %(versions)s", "as asked in versions %(versions)s",
                        len(self.asked_in), versions=", ".join(self.versions)) if self.earlier else ""

    @property
    def versions(self) -> list[str]:
        return [self.asked_in[key] for key in sorted(self.asked_in)]

    @property
    def graded(self) -> bool:
        question_type = QUESTION_TYPES.get(self.type)
        return question_type.graded if question_type else True

    @property
    def share_correct(self) -> float | None:
        """Of the attempts that showed the question; None when it was never shown or is never graded."""
        return self.correct / self.shown if self.shown and self.graded else None

    @property
    def top_wrong(self) -> tuple[str, int] | None:
        if not self.wrong:
            return None
        # Ties go to the answer that sorts first, so the page does not change between loads.
        return min(self.wrong.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class QuizStats:
    definition: QuizDefinition
    attempts: int
    in_progress: int
    learners: int
    passed: int
    learners_passed: int
    mean_score: float | None
    questions: list[QuestionStats]
    score_bands: list[int]

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.attempts if self.attempts else None


def _plain(html: Any, fallback: Any = "") -> str:
    text = Markup(str(html)).striptags() if html else str(fallback or "")
    return " ".join(text.split())


def response_label(question: dict, stored: Any) -> str | None:
    """A response as a short text that groups equal answers (None when it cannot be read)."""
    question_type = type_of(question)
    return question_type.response_label(question, stored) if question_type else None


@dataclass(frozen=True)
class RetiredQuiz:
    key: str
    title: str
    version: str  # the last version that had it


def statistics_definition(course, quiz_key: str) -> tuple[QuizDefinition, RetiredQuiz | None]:
    """The live definition of the quiz; for a quiz the live version retired, its last published definition
    (its attempts stay readable), with what says so. NotFound when no published version had it."""
    row = db.session.execute(
        sa.select(QuizDefinition, CourseVersion.version)
        .join(CourseVersion, CourseVersion.id == QuizDefinition.version_id)
        .where(CourseVersion.course_id == course.id, QuizDefinition.key == quiz_key,
               sa.or_(CourseVersion.id == course.live_version_id, CourseVersion.status != VersionStatus.draft))
        .order_by((CourseVersion.id == course.live_version_id).desc(), CourseVersion.id.desc()).limit(1)
    ).first()
    if row is None:
        raise NotFound(_("No such quiz."))
    definition, version = row
    if definition.version_id == course.live_version_id:
        return definition, None
    return definition, RetiredQuiz(definition.key, definition.title, version)


def retired_quizzes(course) -> list[RetiredQuiz]:
    """Quizzes of earlier published versions that the live version no longer has, each with its last version.
    One query."""
    found: dict[str, RetiredQuiz] = {}
    live: set[str] = set()
    rows = db.session.execute(
        sa.select(QuizDefinition.key, QuizDefinition.title, CourseVersion.id, CourseVersion.version)
        .join(CourseVersion, CourseVersion.id == QuizDefinition.version_id)
        .where(CourseVersion.course_id == course.id, CourseVersion.status != VersionStatus.draft)
        .order_by(CourseVersion.id.desc()))
    for key, title, version_id, version in rows:
        if version_id == course.live_version_id:
            live.add(key)
        elif key not in live and key not in found:
            found[key] = RetiredQuiz(key, title, version)
    return sorted(found.values(), key=lambda quiz: quiz.title.casefold())


def quiz_statistics(course, quiz_key: str, definition: QuizDefinition,
                    user_ids: Collection[int] | None = None) -> QuizStats:
    """`definition` is the live one (its questions come first, in order). Three queries."""
    where = [QuizAttempt.course_id == course.id, QuizAttempt.quiz_key == quiz_key]
    if user_ids is not None:
        where.append(QuizAttempt.user_id.in_(list(user_ids)))
    submitted = QuizAttempt.status == "submitted"
    totals = db.session.execute(
        sa.select(
            sa.func.count(QuizAttempt.id).filter(submitted),
            sa.func.count(QuizAttempt.id).filter(QuizAttempt.status == "in_progress"),
            sa.func.count(sa.distinct(QuizAttempt.user_id)).filter(submitted),
            sa.func.count(QuizAttempt.id).filter(submitted, QuizAttempt.passed.is_(True)),
            sa.func.count(sa.distinct(QuizAttempt.user_id)).filter(submitted, QuizAttempt.passed.is_(True)),
            sa.func.avg(QuizAttempt.score).filter(submitted),
        ).where(*where)
    ).one()
    definitions: dict[int, QuizDefinition] = {}
    version_labels: dict[int, str] = {}
    for earlier, version_text in db.session.execute(
            sa.select(QuizDefinition, CourseVersion.version)
            .join(CourseVersion, CourseVersion.id == QuizDefinition.version_id)
            .where(CourseVersion.course_id == course.id, QuizDefinition.key == quiz_key)).tuples():
        definitions[earlier.version_id] = earlier
        version_labels[earlier.version_id] = version_text
    definitions[definition.version_id] = definition
    # (question id, its text) -> figures: an answer counts against the text the learner was shown.
    questions: dict[tuple[str, str], QuestionStats] = {}
    numbers: dict[str, int] = {}
    variants: Counter = Counter()  # question id -> rows made for it
    for number, question in enumerate(definition.questions, start=1):
        prompt = _plain(question.get("prompt_html"), question.get("prompt"))
        questions[question["id"], prompt] = QuestionStats(question["id"], number, question["type"], prompt)
        numbers[question["id"]] = number
        variants[question["id"]] += 1
    asked: dict[int, dict[str, tuple[dict, str]]] = {}  # version id -> question id -> (question, its text)
    bands = [0] * SCORE_BANDS
    rows = db.session.execute(
        sa.select(QuizAttempt.version_id, QuizAttempt.score, QuizAttempt.responses, QuizAttempt.results)
        .where(*where, submitted).execution_options(yield_per=2000)
    )
    for version_id, score, responses, results in rows:
        bands[min(SCORE_BANDS - 1, int((score or 0) // (100 / SCORE_BANDS)))] += 1
        if version_id not in asked:
            asked[version_id] = {q["id"]: (q, _plain(q.get("prompt_html"), q.get("prompt")))
                                 for q in definitions[version_id].questions} if version_id in definitions else {}
        for question_id, result in (results or {}).items():
            if question_id not in asked[version_id]:
                continue
            question, prompt = asked[version_id][question_id]
            entry = questions.get((question_id, prompt))
            if entry is None:
                number = numbers.setdefault(question_id, max(numbers.values(), default=0) + 1)
                entry = questions[question_id, prompt] = QuestionStats(
                    question_id, number, question["type"], prompt, variant=variants[question_id], earlier=True)
                variants[question_id] += 1
            entry.asked_in.setdefault(version_id, version_labels.get(version_id, ""))
            entry.shown += 1
            if result.get("valid"):
                entry.answered += 1
            if result.get("correct"):
                entry.correct += 1
            elif result.get("valid") and result.get("graded", True):
                label = response_label(question, (responses or {}).get(question_id))
                if label:
                    entry.wrong[label] += 1
    mean = float(totals[5]) if totals[5] is not None else None
    ordered = sorted(questions.values(), key=lambda q: (q.number, q.variant))
    return QuizStats(definition, totals[0], totals[1], totals[2], totals[3], totals[4], mean, ordered, bands)


CSV_COLUMNS = ("question", "number", "type", "prompt", "shown", "answered", "correct", "share_correct_percent",
               "most_chosen_wrong_answer", "times_chosen", "earlier_text_asked_in")


def statistics_csv(stats: QuizStats) -> str:
    """One row per question."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for q in stats.questions:
        share = q.share_correct
        wrong = q.top_wrong
        writer.writerow([safe_cell(v) for v in (
            q.id, q.number, q.type, q.prompt, q.shown, q.answered, q.correct if q.graded else "",
            "" if share is None else f"{100 * share:.1f}", wrong[0] if wrong else "", wrong[1] if wrong else "",
            " ".join(q.versions) if q.earlier else "",
        )])
    return out.getvalue()
