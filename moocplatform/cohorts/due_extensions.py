"""Extending a due date: a cohort's facilitator gives one seated learner a later due date for one item of the
plan that has one (a week or an external item), with a reason; changed or withdrawn later, each audited. The
learner's due date is then theirs wherever it matters (queries.extended_due, the clause the read-models join)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, clock, validation
from ..errors import InvalidInput, NotFound
from ..extensions import db
from .models import Cohort, DueExtension, PlanItem, PlanItemKind
from .plan import _item_of, _local, _require_manager
from .services import _seated_learner

REASON_LENGTH = 500


def extension_of(item_id: int, learner_id: int) -> DueExtension | None:
    return db.session.scalar(sa.select(DueExtension).where(DueExtension.item_id == item_id,
                                                           DueExtension.user_id == learner_id))


def extend_due_date(actor, cohort: Cohort, item_id: int, learner_id: int, due_local: datetime | None,
                    reason: str) -> DueExtension:
    """Give the learner (or change their) later due date for the item: due_local is naive, in the cohort's
    time zone, and later than the item's own due date."""
    _require_manager(actor, cohort)
    learner = _seated_learner(cohort, learner_id)
    item = _item_of(cohort, item_id)
    if item.kind == PlanItemKind.LIVE_SESSION or item.due_at is None:
        raise InvalidInput(_("This item has no due date to extend."), field="item_id")
    due_at = _local(due_local, cohort, "due_at")
    if due_at is None:
        raise InvalidInput(_("Enter the new due date."), field="due_at")
    if due_at <= item.due_at:
        raise InvalidInput(_("The new due date must be later than the item's."), field="due_at")
    why = validation.text(reason, "reason", min_length=1, max_length=REASON_LENGTH)
    extension = extension_of(item.id, learner.id)
    if extension is None:
        extension = DueExtension(item_id=item.id, user_id=learner.id)
        db.session.add(extension)
    extension.due_at, extension.reason = due_at, why
    extension.granted_by_id, extension.granted_at = actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "cohort.due_date_extended", cohort, item_id=item.id, user_id=learner.id,
                 due_at=due_at.isoformat(), reason=why)
    return extension


def withdraw_extension(actor, cohort: Cohort, item_id: int, learner_id: int) -> None:
    """Back to the item's own due date for the learner."""
    _require_manager(actor, cohort)
    item = _item_of(cohort, item_id)
    extension = extension_of(item.id, learner_id)
    if extension is None:
        raise NotFound(_("This learner has no extension for this item."))
    db.session.delete(extension)
    db.session.flush()
    audit.record(actor, "cohort.due_date_extension_withdrawn", cohort, item_id=item.id, user_id=learner_id)


@dataclass(frozen=True)
class ExtendableItem:
    item: PlanItem
    extended_to: datetime | None  # the learner's own due date, when extended


def learner_due_items(cohort: Cohort, learner_id: int) -> list[ExtendableItem]:
    """The plan's items with a due date, each with the learner's extension of it: one query."""
    rows = db.session.execute(
        sa.select(PlanItem, DueExtension.due_at)
        .outerjoin(DueExtension, sa.and_(DueExtension.item_id == PlanItem.id, DueExtension.user_id == learner_id))
        .where(PlanItem.cohort_id == cohort.id, PlanItem.kind != PlanItemKind.LIVE_SESSION,
               PlanItem.due_at.is_not(None))
        .order_by(PlanItem.position, PlanItem.id)).tuples()
    return [ExtendableItem(item, extended) for item, extended in rows]


def extended_items(learner_id: int, cohort_id: int) -> dict[int, datetime]:
    """Item id -> the learner's own due date, for the cohort's items extended for them: one query."""
    return {item_id: due_at for item_id, due_at in db.session.execute(
        sa.select(DueExtension.item_id, DueExtension.due_at).join(PlanItem, PlanItem.id == DueExtension.item_id)
        .where(DueExtension.user_id == learner_id, PlanItem.cohort_id == cohort_id)).tuples()}
