"""What changes opportunities: members of an approved employer post and manage them, learners apply and
report, employers move applications on, facilitators recommend, moderators remove and restore, and the worker
closes postings on their date and deletes applications a set time after. Each takes the acting user (the jobs
none), checks the policy, validates, audits and flushes; the unit of work commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import audit, clock, policy, validation
from ..catalog.queries import courses_by_id, users_by_id
from ..cohorts.queries import cohort_roster
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..html import render_user_markdown
from ..notifications.services import notify, site_path
from ..organisations.queries import get_organisation
from ..transaction import add_unless_present
from . import queries
from .models import (
    ENDED,
    Application,
    ApplicationStatus,
    Opportunity,
    OpportunityCompetence,
    OpportunityCourse,
    OpportunityKind,
    OpportunityRecommendation,
    OpportunityReport,
    OpportunityStatus,
)
from .notices import APPLICATION_STATUS, RECOMMENDED

MAX_COMPETENCES = 20
MAX_COURSES = 10
MAX_DESCRIPTION = 20_000
MAX_MESSAGE = 5_000
DEFAULT_RETENTION_DAYS = 180


@dataclass
class OpportunityFields:
    title: str
    kind: str
    closes_on: date
    description: str = ""
    place: str = ""
    remote: bool = False
    # Names or framework references ("EntreComp 1.1"); validated: (name, framework, code) each.
    competences: list[Any] = field(default_factory=list)
    course_ids: list[int] = field(default_factory=list)


def get_opportunity(opportunity_id: int) -> Opportunity:
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise NotFound(_("No such opportunity."))
    return opportunity


def organisation_of(opportunity: Opportunity):
    return get_organisation(opportunity.organisation_id)


def _today() -> date:
    return clock.now().date()


def _resolved(tags: list[str]) -> list[tuple[str, str | None, str | None]]:
    """Each tag as (name, framework, code): a framework reference ("EntreComp 1.1") or the exact name of one of
    the courses' framework competences links it, with the framework's own name; anything else stays a free tag."""
    by_reference: dict[str, queries.FrameworkCompetence] = {}
    by_name: dict[str, list[queries.FrameworkCompetence]] = {}
    for competence in queries.framework_competences():
        by_reference[competence.reference.casefold()] = competence
        by_name.setdefault(competence.name.casefold(), []).append(competence)
    resolved: list[tuple[str, str | None, str | None]] = []
    for tag in tags:
        named = by_name.get(tag.casefold(), [])
        known = by_reference.get(tag.casefold()) or (named[0] if len(named) == 1 else None)
        entry = (known.name[:80], known.framework, known.code) if known else (tag, None, None)
        same = next((i for i, seen in enumerate(resolved) if seen[0].casefold() == entry[0].casefold()), None)
        if same is None:
            resolved.append(entry)
        elif resolved[same][1] is None and entry[1] is not None:
            resolved[same] = entry  # the framework's competence, rather than a free tag of its name
        elif entry[1] is not None and resolved[same][1:] != entry[1:]:
            raise InvalidInput(_("Two of the competences are called %(name)s: keep one of them.", name=entry[0]),
                               field="competences")
    return resolved


def resolve_competences(tags: list[str]) -> list[tuple[str, str | None, str | None]]:
    """The same resolution for other areas' competence lists (a cohorts programme's)."""
    return _resolved(tags)


def competence_tags(raw: str) -> list[str]:
    """The tags of a comma-separated text, as the posting form takes them."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def _validated(fields: OpportunityFields) -> OpportunityFields:
    title = validation.text(fields.title, "title", min_length=3, max_length=200)
    description = validation.text(fields.description or "", "description", max_length=MAX_DESCRIPTION)
    if fields.kind not in {kind.value for kind in OpportunityKind}:
        raise InvalidInput(_("Choose a kind from the list."), field="kind")
    place = validation.text(fields.place or "", "place", max_length=200)
    remote = bool(fields.remote)
    if not place and not remote:
        raise InvalidInput(_("Say where the work is, or that it is remote."), field="place")
    if not isinstance(fields.closes_on, date):
        raise InvalidInput(_("Enter the closing date."), field="closes_on")
    if fields.closes_on < _today():
        raise InvalidInput(_("The closing date cannot be in the past."), field="closes_on")
    if fields.closes_on > _today() + timedelta(days=366):
        raise InvalidInput(_("Close it within a year."), field="closes_on")
    tags = [validation.text(tag, "competences", min_length=2, max_length=80) for tag in fields.competences or []]
    competences = _resolved(tags)
    if len(competences) > MAX_COMPETENCES:
        raise InvalidInput(_("At most %(n)d competences.", n=MAX_COMPETENCES), field="competences")
    course_ids = []
    for course_id in fields.course_ids or []:
        if isinstance(course_id, bool) or not isinstance(course_id, int) or course_id <= 0:
            raise InvalidInput(_("Choose courses from the list."), field="course_ids")
        if course_id not in course_ids:
            course_ids.append(course_id)
    if len(course_ids) > MAX_COURSES:
        raise InvalidInput(_("At most %(n)d courses.", n=MAX_COURSES), field="course_ids")
    found = courses_by_id(set(course_ids))
    if set(found) != set(course_ids) or any(course.is_archived for course in found.values()):
        raise InvalidInput(_("Choose courses from the list."), field="course_ids")
    return OpportunityFields(title, fields.kind, fields.closes_on, description, place, remote, competences,
                             course_ids)


def _apply_fields(opportunity: Opportunity, values: OpportunityFields) -> None:
    opportunity.title = values.title
    opportunity.description = values.description
    opportunity.description_html = render_user_markdown(values.description)
    opportunity.kind = OpportunityKind(values.kind)
    opportunity.place = values.place
    opportunity.remote = values.remote
    opportunity.closes_on = values.closes_on
    opportunity.competences = [OpportunityCompetence(position=i, name=name, framework=framework, code=code)
                               for i, (name, framework, code) in enumerate(values.competences)]
    opportunity.courses = [OpportunityCourse(course_id=course_id) for course_id in values.course_ids]


# Postings ---------------------------------------------------------------------------------------------------

def create_opportunity(actor, organisation, fields: OpportunityFields, *, publish: bool = False) -> Opportunity:
    """A new posting of the organisation, as a draft (or open at once)."""
    if not policy.can_post_opportunities(actor, organisation):
        raise PermissionDenied(_("Only members of an approved employer post opportunities."))
    values = _validated(fields)
    opportunity = Opportunity(organisation_id=organisation.id, created_by_id=actor.id, created_at=clock.now(),
                              status=OpportunityStatus.DRAFT, competences=[], courses=[])
    _apply_fields(opportunity, values)
    db.session.add(opportunity)
    db.session.flush()
    audit.record(actor, "opportunity.create", opportunity, organisation=organisation.slug)
    if publish:
        publish_opportunity(actor, opportunity)
    return opportunity


def _require_manager(actor, opportunity: Opportunity):
    organisation = organisation_of(opportunity)
    if organisation is None or not policy.can_manage_opportunity(actor, organisation):
        raise PermissionDenied(_("Only the posting organisation's members manage this opportunity."))
    if opportunity.status == OpportunityStatus.REMOVED:
        raise Conflict(_("A moderator removed this opportunity."))
    return organisation


def update_opportunity(actor, opportunity: Opportunity, fields: OpportunityFields) -> None:
    _require_manager(actor, opportunity)
    if opportunity.status not in (OpportunityStatus.DRAFT, OpportunityStatus.OPEN):
        raise Conflict(_("Only drafts and open opportunities are edited."))
    values = _validated(fields)
    _load_children(opportunity)
    opportunity.competences, opportunity.courses = [], []
    db.session.flush()  # the old tags go before the new are inserted: a kept tag would meet its unique key
    _apply_fields(opportunity, values)
    audit.record(actor, "opportunity.update", opportunity)
    db.session.flush()


def _load_children(opportunity: Opportunity) -> None:
    """The relationships raise on lazy loads: load them for the ORM to replace."""
    db.session.scalars(sa.select(Opportunity).where(Opportunity.id == opportunity.id).options(
        selectinload(Opportunity.competences), selectinload(Opportunity.courses))
        .execution_options(populate_existing=True)).one()


def publish_opportunity(actor, opportunity: Opportunity) -> None:
    organisation = _require_manager(actor, opportunity)
    if not policy.can_post_opportunities(actor, organisation):
        raise PermissionDenied(_("Only members of an approved employer post opportunities."))
    if opportunity.status != OpportunityStatus.DRAFT:
        raise Conflict(_("Only a draft is published."))
    if opportunity.closes_on < _today():
        raise InvalidInput(_("The closing date has passed: change it first."), field="closes_on")
    opportunity.status = OpportunityStatus.OPEN
    opportunity.published_at = clock.now()
    audit.record(actor, "opportunity.publish", opportunity)
    db.session.flush()


def close_opportunity(actor, opportunity: Opportunity) -> None:
    """No more applications; the employer keeps working the ones received."""
    _require_manager(actor, opportunity)
    if opportunity.status != OpportunityStatus.OPEN:
        raise Conflict(_("Only an open opportunity is closed."))
    _end(opportunity, OpportunityStatus.CLOSED)
    audit.record(actor, "opportunity.close", opportunity)
    db.session.flush()


def withdraw_opportunity(actor, opportunity: Opportunity) -> None:
    _require_manager(actor, opportunity)
    if opportunity.status == OpportunityStatus.WITHDRAWN:
        return
    _end(opportunity, OpportunityStatus.WITHDRAWN)
    audit.record(actor, "opportunity.withdraw", opportunity)
    db.session.flush()


def _end(opportunity: Opportunity, status: OpportunityStatus) -> None:
    opportunity.status = status
    if opportunity.ended_at is None:
        opportunity.ended_at = clock.now()


# Applications -----------------------------------------------------------------------------------------------

def _shared_link(value) -> str:
    link = validation.text(value or "", "shared_link", max_length=500)
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(_("Enter a web address that starts with https:// or http://."), field="shared_link")
    return link


def apply_to_opportunity(actor, opportunity: Opportunity, message: str, shared_link: str = "") -> Application:
    """The learner's application; sent twice, it is one application (the first one is returned)."""
    if not policy.can_apply_to_opportunity(actor):
        raise PermissionDenied(_("Confirm your e-mail address to apply."))
    organisation = organisation_of(opportunity)
    if not policy.can_view_opportunity(actor, opportunity, organisation):
        raise NotFound(_("No such opportunity."))
    if policy.is_organisation_member(actor, organisation):
        raise PermissionDenied(_("Members of the posting organisation do not apply to it."))
    if not opportunity.is_open or opportunity.closes_on < _today():
        raise Conflict(_("This opportunity takes no more applications."))
    existing = _application_of(actor, opportunity)
    if existing is not None:  # sent again (a double click, a retry): the first one stands
        return existing
    message = validation.text(message, "message", min_length=1, max_length=MAX_MESSAGE)
    link = _shared_link(shared_link)
    application = Application(opportunity_id=opportunity.id, user_id=actor.id, message=message, shared_link=link,
                              status=ApplicationStatus.RECEIVED, created_at=clock.now())
    if not add_unless_present(application):  # a parallel request inserted it first
        found = _application_of(actor, opportunity)
        assert found is not None
        return found
    return application


def _application_of(actor, opportunity: Opportunity) -> Application | None:
    return db.session.scalar(sa.select(Application).where(Application.opportunity_id == opportunity.id,
                                                          Application.user_id == actor.id))


def get_application_for_employer(actor, application_id: int) -> tuple[Application, Opportunity]:
    """An application and its posting, for a member of the posting organisation; NotFound for anyone else
    (an application is no one else's business, not even its existence)."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(_("No such application."))
    opportunity = db.session.get_one(Opportunity, application.opportunity_id)
    organisation = organisation_of(opportunity)
    if organisation is None or not policy.can_manage_opportunity(actor, organisation):
        raise NotFound(_("No such application."))
    return application, opportunity


def set_application_status(actor, application: Application, status: str) -> None:
    """Move an application on; the learner hears of it (once per change)."""
    opportunity = db.session.get_one(Opportunity, application.opportunity_id)
    organisation = organisation_of(opportunity)
    if organisation is None or not policy.can_manage_opportunity(actor, organisation):
        raise NotFound(_("No such application."))
    if status not in {s.value for s in ApplicationStatus}:
        raise InvalidInput(_("Choose a status from the list."), field="status")
    if application.status == status:
        return
    application.status = ApplicationStatus(status)
    application.status_changed_at = clock.now()
    audit.record(actor, "application.status", application, status=status, opportunity_id=opportunity.id)
    db.session.flush()
    learner = users_by_id({application.user_id}).get(application.user_id)
    if learner is not None:
        notify(learner, APPLICATION_STATUS.name, {"title": opportunity.title, "status": status},
               link=site_path("opportunities.my_applications"))


# Reports and moderation -----------------------------------------------------------------------------------

def report_opportunity(actor, opportunity: Opportunity, reason: str = "") -> bool:
    """True when this is the person's first report of the posting (a second changes nothing)."""
    if not policy.can_report_opportunity(actor):
        raise PermissionDenied(_("Log in to report an opportunity."))
    if not policy.can_view_opportunity(actor, opportunity, organisation_of(opportunity)):
        raise NotFound(_("No such opportunity."))
    reason = validation.text(reason or "", "reason", max_length=500)
    report = OpportunityReport(opportunity_id=opportunity.id, reporter_id=actor.id, reason=reason,
                               created_at=clock.now())
    if not add_unless_present(report):
        return False
    db.session.execute(sa.update(Opportunity).where(Opportunity.id == opportunity.id)
                       .values(open_reports=Opportunity.open_reports + 1))
    db.session.refresh(opportunity, ["open_reports"])
    return True


def _require_moderator(actor) -> None:
    if not policy.can_moderate_opportunities(actor):
        raise PermissionDenied(_("Only administrators moderate opportunities."))


def _resolve_reports(opportunity: Opportunity) -> None:
    db.session.execute(sa.update(OpportunityReport).where(OpportunityReport.opportunity_id == opportunity.id,
                                                          OpportunityReport.resolved_at.is_(None))
                       .values(resolved_at=clock.now()))
    opportunity.open_reports = 0


def remove_opportunity(actor, opportunity: Opportunity, reason: str = "") -> None:
    _require_moderator(actor)
    reason = validation.text(reason or "", "reason", max_length=300)
    if opportunity.status != OpportunityStatus.REMOVED:
        _end(opportunity, OpportunityStatus.REMOVED)
        audit.record(actor, "opportunity.remove", opportunity, reason=reason)
    _resolve_reports(opportunity)
    db.session.flush()


def restore_opportunity(actor, opportunity: Opportunity) -> None:
    """Open again until its closing date (closed when that has passed)."""
    _require_moderator(actor)
    if opportunity.status != OpportunityStatus.REMOVED:
        raise Conflict(_("Only a removed opportunity is restored."))
    if opportunity.closes_on >= _today():
        opportunity.status = OpportunityStatus.OPEN
        opportunity.ended_at = None
    else:
        opportunity.status = OpportunityStatus.CLOSED
    audit.record(actor, "opportunity.restore", opportunity, status=opportunity.status.value)
    db.session.flush()


def dismiss_reports(actor, opportunity: Opportunity) -> None:
    """The reports were unfounded: the posting stays and leaves the queue."""
    _require_moderator(actor)
    _resolve_reports(opportunity)
    audit.record(actor, "opportunity.dismiss_reports", opportunity)
    db.session.flush()


# Recommendations ----------------------------------------------------------------------------------------------

def recommend_to_cohort(actor, opportunity: Opportunity, cohort) -> int:
    """Tell the cohort's seated learners of an open posting, each once however often it is recommended.
    Returns how many were told now."""
    if not policy.can_recommend_opportunity(actor, cohort):
        raise PermissionDenied(_("Only the cohort's facilitators recommend to it."))
    organisation = organisation_of(opportunity)
    if not opportunity.is_open:
        raise Conflict(_("Only open opportunities are recommended."))
    learner_ids = {member.user_id for member in cohort_roster(cohort).members} - {actor.id}
    learners = users_by_id(learner_ids)
    told = 0
    for learner_id in sorted(learner_ids):
        row = OpportunityRecommendation(opportunity_id=opportunity.id, user_id=learner_id, cohort_id=cohort.id,
                                        recommended_by_id=actor.id, created_at=clock.now())
        if add_unless_present(row) and learner_id in learners:
            notify(learners[learner_id], RECOMMENDED.name,
                   {"name": actor.display_name, "title": opportunity.title, "organisation": organisation.name},
                   link=site_path("opportunities.opportunity_page", opportunity_id=opportunity.id))
            told += 1
    audit.record(actor, "opportunity.recommend", opportunity, cohort_id=cohort.id, told=told)
    return told


# Jobs --------------------------------------------------------------------------------------------------------

def close_due_opportunities() -> int:
    """Close the open postings whose closing date has passed (the closing day itself still takes
    applications). Returns how many were closed."""
    due = list(db.session.scalars(sa.select(Opportunity).where(Opportunity.status == OpportunityStatus.OPEN,
                                                               Opportunity.closes_on < _today())))
    for opportunity in due:
        _end(opportunity, OpportunityStatus.CLOSED)
        audit.record(None, "opportunity.close", opportunity, by="closing date")
    db.session.flush()
    return len(due)


def retention_days() -> int:
    return int(current_app.config.get("OPPORTUNITY_APPLICATION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def delete_expired_applications() -> int:
    """Delete the applications of postings that ended more than the retention period ago. Returns how many."""
    cutoff = clock.now() - timedelta(days=retention_days())
    ended = sa.select(Opportunity.id).where(Opportunity.status.in_([s.value for s in ENDED]),
                                            Opportunity.ended_at <= cutoff)
    result = db.session.execute(sa.delete(Application).where(Application.opportunity_id.in_(ended)))
    return int(getattr(result, "rowcount", 0) or 0)
