"""Read-models of opportunities, each in a fixed number of queries: the list learners browse (with which of
their certificates match each posting), one posting with the courses that teach what it asks, an employer's
postings and applications, a learner's applications, and the moderators' queue."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..catalog.models import Course, CourseCompetence, CourseStatus
from ..certificates.models import Certificate, CertificateKind, CertificateStatus
from ..dialect import contains_text
from ..extensions import db
from ..organisations.models import Organisation
from ..pagination import Page, paginate
from .models import Application, Opportunity, OpportunityCompetence, OpportunityReport, OpportunityStatus


@dataclass(frozen=True)
class BrowseFilters:
    q: str = ""
    kind: str = ""
    remote: bool = False
    competence: str = ""
    organisation: str = ""  # a slug


def open_opportunities(filters: BrowseFilters) -> sa.Select:
    """Open postings matching the filters, newest first (ties by id, so that pages and cursors are stable)."""
    query = sa.select(Opportunity).where(Opportunity.status == OpportunityStatus.OPEN)
    for word in filters.q.split()[:8]:
        query = query.where(sa.or_(*(contains_text(column, word) for column in (
            Opportunity.title, Opportunity.description, Opportunity.place))))
    if filters.kind:
        query = query.where(Opportunity.kind == filters.kind)
    if filters.remote:
        query = query.where(Opportunity.remote.is_(True))
    if filters.competence:
        query = query.where(sa.exists().where(
            OpportunityCompetence.opportunity_id == Opportunity.id,
            sa.func.lower(OpportunityCompetence.name) == filters.competence.lower()))
    if filters.organisation:
        query = query.where(Opportunity.organisation_id.in_(
            sa.select(Organisation.id).where(Organisation.slug == filters.organisation)))
    return query.options(selectinload(Opportunity.competences), selectinload(Opportunity.courses))


@dataclass(frozen=True)
class HeldCertificate:
    """A valid certificate of the learner, with the competences its course develops."""

    public_id: str
    course_id: int
    course_title: str
    competences: frozenset[str]  # lower-cased names
    framework_competences: frozenset[tuple[str, str]] = frozenset()  # (framework, code)


def held_certificates(user_id: int | None) -> list[HeldCertificate]:
    """The learner's valid certificates of achievement (one query)."""
    if user_id is None:
        return []
    rows = db.session.execute(
        sa.select(Certificate.public_id, Certificate.course_id, Certificate.course_title, CourseCompetence.name,
                  CourseCompetence.framework, CourseCompetence.code)
        .outerjoin(CourseCompetence, CourseCompetence.course_id == Certificate.course_id)
        .where(Certificate.user_id == user_id, Certificate.kind == CertificateKind.ACHIEVEMENT,
               Certificate.status == CertificateStatus.VALID)
        .order_by(Certificate.course_title, Certificate.id)).all()
    found: dict[str, tuple[int, str, set[str], set[tuple[str, str]]]] = {}
    for public_id, course_id, title, competence, framework, code in rows:
        entry = found.setdefault(public_id, (course_id, title, set(), set()))
        if competence:
            entry[2].add(competence.lower())
            entry[3].add((framework, code))
    return [HeldCertificate(public_id, course_id, title, frozenset(names), frozenset(codes))
            for public_id, (course_id, title, names, codes) in found.items()]


def matching(certificates: Iterable[HeldCertificate], opportunity: Opportunity) -> list[HeldCertificate]:
    """The certificates whose course the posting names, or whose course develops a competence it asks (the same
    framework competence, or a free tag of the same name)."""
    tags = {c.name.lower() for c in opportunity.competences if c.framework is None}
    codes = {(c.framework, c.code) for c in opportunity.competences if c.framework is not None}
    courses = {c.course_id for c in opportunity.courses}
    return [c for c in certificates
            if c.course_id in courses or c.competences & tags or c.framework_competences & codes]


@dataclass(frozen=True)
class FrameworkCompetence:
    framework: str
    code: str
    name: str

    @property
    def reference(self) -> str:
        return f"{self.framework} {self.code}"


def framework_competences() -> list[FrameworkCompetence]:
    """The framework competences the listed courses develop, for the posting form (one query)."""
    rows = db.session.execute(
        sa.select(CourseCompetence.framework, CourseCompetence.code, CourseCompetence.name)
        .join(Course, Course.id == CourseCompetence.course_id).where(_listed()).distinct()).all()
    found = {(framework, code): FrameworkCompetence(framework, code, name) for framework, code, name in rows}
    return sorted(found.values(), key=lambda c: (c.framework.casefold(), _code_order(c.code)))


def _code_order(code: str) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.split("."))


@dataclass(frozen=True)
class Card:
    opportunity: Opportunity
    organisation: Organisation
    matches: list[HeldCertificate]


@dataclass
class BrowsePage:
    results: Page  # of Card
    competences: list[str]  # the tags of open postings, for the filter
    signed_in: bool


def _organisations(ids: Collection[int]) -> dict[int, Organisation]:
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(set(ids))))}


def browse(filters: BrowseFilters, page: int, *, viewer_id: int | None, per_page: int = 20) -> BrowsePage:
    """Count, page, its tags, its courses, its organisations, the tags of all open postings; and the viewer's
    certificates when signed in: 6 or 7 queries whatever the page holds."""
    results = paginate(open_opportunities(filters).order_by(Opportunity.published_at.desc(), Opportunity.id.desc()),
                       page, per_page=per_page)
    organisations = _organisations({o.organisation_id for o in results.items})
    certificates = held_certificates(viewer_id)
    results.items = [Card(o, organisations[o.organisation_id], matching(certificates, o)) for o in results.items]
    competences = list(db.session.scalars(
        sa.select(OpportunityCompetence.name).join(Opportunity, Opportunity.id == OpportunityCompetence.opportunity_id)
        .where(Opportunity.status == OpportunityStatus.OPEN).distinct().order_by(OpportunityCompetence.name)))
    return BrowsePage(results, competences, viewer_id is not None)


def opportunities_after(filters: BrowseFilters, *, before_id: int | None, limit: int) -> tuple[list[Card], int | None]:
    """A page of the API's list, newest id first, from before_id on; and the id to continue before."""
    query = open_opportunities(filters)
    if before_id is not None:
        query = query.where(Opportunity.id < before_id)
    rows = list(db.session.scalars(query.order_by(Opportunity.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    organisations = _organisations({o.organisation_id for o in rows})
    cards = [Card(o, organisations[o.organisation_id], []) for o in rows]
    return cards, rows[-1].id if more and rows else None


# One posting --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaughtBy:
    slug: str
    title: str


@dataclass
class Detail:
    opportunity: Opportunity
    organisation: Organisation
    competences: list[tuple[str, list[TaughtBy]]]  # each tag asked, with the listed courses that develop it
    courses: list[TaughtBy]  # the courses the posting names
    matches: list[HeldCertificate]
    application: Application | None = None
    recommended_by: list[str] = field(default_factory=list)


def _listed() -> sa.ColumnElement[bool]:
    return sa.and_(Course.status == CourseStatus.active, Course.live_version_id.is_not(None))


def opportunity_with_children(opportunity_id: int) -> Opportunity | None:
    return db.session.scalar(sa.select(Opportunity).where(Opportunity.id == opportunity_id).options(
        selectinload(Opportunity.competences), selectinload(Opportunity.courses)))


def detail(opportunity: Opportunity, organisation: Organisation, *, viewer_id: int | None) -> Detail:
    """The posting (its tags and courses loaded), the courses teaching each tag, the named courses, and for a
    signed-in viewer their certificates and application: 2 queries, 4 signed in."""
    tags = [c.name for c in opportunity.competences]
    named_ids = {c.course_id for c in opportunity.courses}
    lowered = [t.lower() for t in tags]
    rows = db.session.execute(
        sa.select(Course.id, Course.slug, Course.title, CourseCompetence.name)
        .outerjoin(CourseCompetence, sa.and_(CourseCompetence.course_id == Course.id,
                                             sa.func.lower(CourseCompetence.name).in_(lowered or [""])))
        .where(_listed(), sa.or_(Course.id.in_(named_ids or {0}), CourseCompetence.id.is_not(None)))
        .order_by(Course.title, Course.id)).all()
    teaching: dict[str, list[TaughtBy]] = {t.lower(): [] for t in tags}
    named: dict[int, TaughtBy] = {}
    for course_id, slug, title, competence in rows:
        course = TaughtBy(slug, title)
        if competence and course not in teaching[competence.lower()]:
            teaching[competence.lower()].append(course)
        if course_id in named_ids:
            named[course_id] = course
    application = None
    matches: list[HeldCertificate] = []
    if viewer_id is not None:
        matches = matching(held_certificates(viewer_id), opportunity)
        application = db.session.scalar(sa.select(Application).where(
            Application.opportunity_id == opportunity.id, Application.user_id == viewer_id))
    return Detail(opportunity, organisation, [(c.label, teaching[c.name.lower()]) for c in opportunity.competences],
                  sorted(named.values(), key=lambda c: c.title), matches, application)


# Employers ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Posting:
    opportunity: Opportunity
    applications: int


def organisation_postings(organisation_id: int) -> list[Posting]:
    """Every posting of the organisation, newest first, with its number of applications: one query."""
    counts = (sa.select(Application.opportunity_id, sa.func.count().label("n"))
              .group_by(Application.opportunity_id).subquery())
    rows = db.session.execute(
        sa.select(Opportunity, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.opportunity_id == Opportunity.id)
        .where(Opportunity.organisation_id == organisation_id)
        .order_by(Opportunity.created_at.desc(), Opportunity.id.desc())).all()
    return [Posting(opportunity, int(n)) for opportunity, n in rows]


@dataclass(frozen=True)
class Applicant:
    application: Application
    display_name: str
    email: str


def applications_to(opportunity_id: int) -> list[Applicant]:
    """A posting's applications, oldest first, with who sent them: one query."""
    rows = db.session.execute(
        sa.select(Application, User.display_name, User.email).join(User, User.id == Application.user_id)
        .where(Application.opportunity_id == opportunity_id)
        .order_by(Application.created_at, Application.id)).all()
    return [Applicant(application, name, email) for application, name, email in rows]


# Learners -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MyApplication:
    application: Application
    opportunity: Opportunity
    organisation_name: str


def my_applications(user_id: int) -> list[MyApplication]:
    """The learner's applications, newest first, with their postings: one query."""
    rows = db.session.execute(
        sa.select(Application, Opportunity, Organisation.name)
        .join(Opportunity, Opportunity.id == Application.opportunity_id)
        .join(Organisation, Organisation.id == Opportunity.organisation_id)
        .where(Application.user_id == user_id)
        .order_by(Application.created_at.desc(), Application.id.desc())).all()
    return [MyApplication(application, opportunity, name) for application, opportunity, name in rows]


def my_applications_after(user_id: int, *, before_id: int | None, limit: int) -> tuple[list[MyApplication], int | None]:
    query = (sa.select(Application, Opportunity, Organisation.name)
             .join(Opportunity, Opportunity.id == Application.opportunity_id)
             .join(Organisation, Organisation.id == Opportunity.organisation_id)
             .where(Application.user_id == user_id))
    if before_id is not None:
        query = query.where(Application.id < before_id)
    rows = db.session.execute(query.order_by(Application.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    found = [MyApplication(a, o, n) for a, o, n in rows[:limit]]
    return found, found[-1].application.id if more and found else None


# Moderators -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reported:
    opportunity: Opportunity
    organisation_name: str
    reasons: list[str]


def moderation_queue() -> tuple[list[Reported], list[Reported]]:
    """Postings with open reports, most reported first, and removed postings: two queries."""
    rows = db.session.execute(
        sa.select(Opportunity, Organisation.name).join(Organisation, Organisation.id == Opportunity.organisation_id)
        .where(sa.or_(Opportunity.open_reports > 0, Opportunity.status == OpportunityStatus.REMOVED))
        .order_by(Opportunity.open_reports.desc(), Opportunity.id.desc()).limit(200)).all()
    ids = [o.id for o, _ in rows]
    reasons: dict[int, list[str]] = {}
    if ids:
        for opportunity_id, reason in db.session.execute(
                sa.select(OpportunityReport.opportunity_id, OpportunityReport.reason)
                .where(OpportunityReport.opportunity_id.in_(ids), OpportunityReport.resolved_at.is_(None))
                .order_by(OpportunityReport.created_at)):
            reasons.setdefault(opportunity_id, []).append(reason)
    reported = [Reported(o, name, reasons.get(o.id, [])) for o, name in rows if o.open_reports > 0]
    removed = [Reported(o, name, []) for o, name in rows
               if o.status == OpportunityStatus.REMOVED and not o.open_reports]
    return reported, removed


def course_choices() -> list[tuple[int, str]]:
    """The listed courses a posting may name."""
    return [(course_id, title) for course_id, title in db.session.execute(
        sa.select(Course.id, Course.title).where(_listed()).order_by(Course.title))]
