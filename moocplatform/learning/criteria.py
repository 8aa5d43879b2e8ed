"""The completion-criteria registry: each kind of rule a course's `completion` may declare is a criterion that
an area registers (required units here; quizzes passed by quizzes; later participation, accepted
submissions, plan items, sign-off by theirs), so that learning.completion knows none of them.

A criterion measures many learners at once, in a fixed number of queries whatever their number, and
gives a progress figure per learner (done of total) with a label for display ("3 of 4 quizzes passed").
What a rule asks may differ between learners (a cohort's sign-off is asked only in cohorts that require it):
a criterion then says how much it asks of each (a Measurement's `asked`), and a learner asked nothing has a
figure of 0 of 0, which its label tells apart from a rule met ("Not required in your cohort").
A course is complete when at least one rule asks for something and every rule is met.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from flask_babel import ngettext

from ..catalog.queries import outline_for
from ..extensions import db
from .models import UnitProgress

if TYPE_CHECKING:
    from ..catalog.models import CourseVersion

CHUNK = 500  # learners per IN list: bounded statements on every backend


@dataclass(frozen=True)
class RuleProgress:
    """One learner's progress against one rule of the course's completion."""

    kind: str
    done: int
    total: int
    label: str

    @property
    def met(self) -> bool:
        return self.done >= self.total

    @property
    def asked(self) -> bool:
        """False when the rule asks nothing of this learner (met, but not by anything they did)."""
        return self.total > 0


@dataclass(frozen=True)
class Measurement:
    """What a criterion measured for many learners: how many each has done, and how many are asked of each:
    `total`, unless `asked` names another number for a learner (0: nothing is asked of them)."""

    total: int
    done: dict[int, int]
    asked: dict[int, int] = field(default_factory=dict)

    def total_for(self, user_id: int) -> int:
        return self.asked.get(user_id, self.total)


@dataclass(frozen=True)
class CompletionContext:
    course_id: int
    version: CourseVersion

    @property
    def rules(self) -> dict[str, Any]:
        return self.version.manifest.get("completion") or {}


class Criterion(Protocol):
    kind: str

    def applies(self, context: CompletionContext) -> bool:
        """Whether the version's rules declare this kind (a kind not declared is not shown)."""

    def measure(self, context: CompletionContext,
                user_ids: Collection[int]) -> Measurement | tuple[int, dict[int, int]]:
        """A Measurement for the learners (learners with nothing done may be left out of `done`); or, where
        the rule asks the same of every learner, the shorthand (total asked, {learner id: how many done})."""

    def label(self, done: int, total: int) -> str:
        """The figure as learners read it; `total` 0 when the rule asks nothing of this learner."""


_criteria: dict[str, Criterion] = {}


def register_criterion(criterion: Criterion) -> None:
    """Add a kind of completion rule; registering the same kind again replaces it."""
    _criteria[criterion.kind] = criterion


def unregister_criterion(kind: str) -> None:
    _criteria.pop(kind, None)


def registered_criteria() -> list[Criterion]:
    return list(_criteria.values())


def chunks(ids: Collection[int]) -> Iterator[list[int]]:
    items = sorted(set(ids))
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def progress_of(context: CompletionContext, user_ids: Collection[int]) -> dict[int, list[RuleProgress]]:
    """Every learner's progress per declared rule, in the registry's order."""
    found: dict[int, list[RuleProgress]] = {uid: [] for uid in user_ids}
    if not found:
        return found
    for criterion in registered_criteria():
        if not criterion.applies(context):
            continue
        measured = criterion.measure(context, found.keys())
        if not isinstance(measured, Measurement):
            measured = Measurement(*measured)
        for uid, rules in found.items():
            total = measured.total_for(uid)
            count = min(measured.done.get(uid, 0), total)
            rules.append(RuleProgress(criterion.kind, count, total, criterion.label(count, total)))
    return found


def reached(rules: list[RuleProgress]) -> bool:
    return any(rule.total for rule in rules) and all(rule.met for rule in rules)


class RequiredUnits:
    """`required_units: all | [unit ids]`: the units (of those the version still has) completed."""

    kind = "required_units"

    def applies(self, context: CompletionContext) -> bool:
        return True  # `all` is the default

    def required(self, context: CompletionContext) -> set[str]:
        live = set(outline_for(context.version).by_key)
        listed = context.rules.get("required_units", "all")
        return live if listed == "all" else set(listed) & live

    def measure(self, context: CompletionContext, user_ids: Collection[int]) -> tuple[int, dict[int, int]]:
        required = self.required(context)
        done: dict[int, int] = {}
        if not required:
            return 0, done
        for ids in chunks(user_ids):
            done.update(db.session.execute(
                sa.select(UnitProgress.user_id, sa.func.count(sa.distinct(UnitProgress.unit_key)))
                .where(UnitProgress.course_id == context.course_id, UnitProgress.user_id.in_(ids),
                       UnitProgress.completed_at.is_not(None), UnitProgress.unit_key.in_(sorted(required)))
                .group_by(UnitProgress.user_id)
            ).tuples().all())
        return len(required), done

    def label(self, done: int, total: int) -> str:
        return ngettext("%(done)d of %(num)d unit completed", "%(done)d of %(num)d units completed", total,
                        done=done)


def register_criteria() -> None:
    register_criterion(RequiredUnits())
