"""Read-models of the portfolio, each in a fixed number of queries; and what other areas read: the public
portfolio behind a link (`public_portfolio_for_token`) and a learner's current link (`current_public_link`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import clock
from ..accounts.models import User
from ..assignments.models import Submission, SubmissionFile, SubmissionStatus, SubmissionVersion
from ..catalog.models import Course, Unit
from ..errors import NotFound
from ..extensions import db
from ..quizzes.models import AttemptStatus, QuizAttempt, QuizDefinition
from ..tokens.models import Token
from ..tokens.services import TokenRejected, verify_token
from ..urls import public_url
from .models import PortfolioEntry, PortfolioPage

LINK_PURPOSE = "portfolio_link"


class LinkGone(NotFound):
    """The link was revoked (or has expired): the page is gone, not unknown."""

    status_code = 410


def entries_of(user_id: int) -> list[PortfolioEntry]:
    """The learner's entries in their order."""
    return list(db.session.scalars(sa.select(PortfolioEntry).where(PortfolioEntry.user_id == user_id)
                                   .order_by(PortfolioEntry.position, PortfolioEntry.id)))


def entries_page(user_id: int, *, after: tuple[int, int] | None, limit: int) -> tuple[list[PortfolioEntry], bool]:
    """One page of entries in their order after (position, id); and whether more follow."""
    query = sa.select(PortfolioEntry).where(PortfolioEntry.user_id == user_id)
    if after is not None:
        position, entry_id = after
        query = query.where(sa.or_(PortfolioEntry.position > position,
                                   sa.and_(PortfolioEntry.position == position, PortfolioEntry.id > entry_id)))
    rows = list(db.session.scalars(query.order_by(PortfolioEntry.position, PortfolioEntry.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def entry_of(user_id: int, entry_id: int) -> PortfolioEntry | None:
    """The entry if it is this user's (anyone else's entry does not exist for them)."""
    return db.session.scalar(sa.select(PortfolioEntry).where(PortfolioEntry.id == entry_id,
                                                             PortfolioEntry.user_id == user_id))


def entry_by_request_key(user_id: int, request_key: str) -> PortfolioEntry | None:
    return db.session.scalar(sa.select(PortfolioEntry).where(PortfolioEntry.user_id == user_id,
                                                             PortfolioEntry.request_key == request_key))


def entry_by_evidence(user_id: int, source: str, ref: str) -> PortfolioEntry | None:
    return db.session.scalar(sa.select(PortfolioEntry).where(
        PortfolioEntry.user_id == user_id, PortfolioEntry.evidence_source == source,
        PortfolioEntry.evidence_ref == ref))


def page_of(user_id: int) -> PortfolioPage | None:
    return db.session.scalar(sa.select(PortfolioPage).where(PortfolioPage.user_id == user_id))


def bytes_stored_by(user_id: int) -> int:
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(PortfolioEntry.file_size), 0))
                                 .where(PortfolioEntry.user_id == user_id)) or 0)


def last_position(user_id: int) -> int:
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(PortfolioEntry.position), 0))
                                 .where(PortfolioEntry.user_id == user_id)) or 0)


def added_evidence(user_id: int) -> set[tuple[str, str]]:
    rows = db.session.execute(sa.select(PortfolioEntry.evidence_source, PortfolioEntry.evidence_ref).where(
        PortfolioEntry.user_id == user_id, PortfolioEntry.evidence_source.is_not(None))).all()
    return {(str(source), str(ref)) for source, ref in rows}


# The public link -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicLink:
    token_id: int
    secret: str
    created_at: datetime
    expires_at: datetime | None

    @property
    def url(self) -> str:
        return public_url("portfolio.public_page", secret=self.secret)


def current_public_link(user) -> PublicLink | None:
    """The learner's live public link, or None (never published, revoked or expired)."""
    row = db.session.execute(sa.select(PortfolioPage.link_secret, Token).join(
        Token, Token.id == PortfolioPage.link_token_id).where(PortfolioPage.user_id == user.id)).first()
    if row is None or not row.link_secret or not row.Token.is_live(clock.now()):
        return None
    token = row.Token
    return PublicLink(token.id, row.link_secret, token.created_at, token.expires_at)


@dataclass(frozen=True)
class PublicEntry:
    """What the public page shows of an entry: never its owner's e-mail, storage key or private fields."""

    id: int
    kind: str
    title: str
    body_html: str
    evidence_html: str
    evidence_url: str
    evidence_date: datetime | None
    file_name: str | None
    content_type: str | None
    file_size: int | None
    sha256: str | None
    storage_key: str | None  # for serving the file; never rendered


@dataclass(frozen=True)
class PublicPortfolio:
    owner_id: int
    display_name: str
    headline: str
    intro_html: str
    entries: list[PublicEntry]
    token_id: int

    def entry(self, entry_id: int) -> PublicEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


def public_portfolio_for_token(secret: str) -> PublicPortfolio:
    """The public portfolio behind a link: only the entries the learner chose. NotFound for a secret that
    names no link, LinkGone (410) for a revoked or expired one. Three queries."""
    try:
        token = verify_token(secret, LINK_PURPOSE)
    except TokenRejected as rejected:
        if rejected.reason in ("revoked", "expired"):
            raise LinkGone(_("This portfolio link was withdrawn.")) from None
        raise NotFound(_("No such portfolio.")) from None
    row = db.session.execute(sa.select(User.display_name, User.status, PortfolioPage).join(
        PortfolioPage, PortfolioPage.user_id == User.id).where(
        User.id == token.owner_id, PortfolioPage.link_token_id == token.id)).first()
    if row is None or row.status != "active":
        raise NotFound(_("No such portfolio."))
    entries = db.session.scalars(sa.select(PortfolioEntry).where(
        PortfolioEntry.user_id == token.owner_id, PortfolioEntry.is_public.is_(True))
        .order_by(PortfolioEntry.position, PortfolioEntry.id))
    page: PortfolioPage = row.PortfolioPage
    return PublicPortfolio(
        token.owner_id, row.display_name, page.headline, page.intro_html,
        [PublicEntry(e.id, e.kind.value, e.title, e.body_html, e.evidence_html, e.evidence_url, e.evidence_date,
                     e.file_name, e.content_type, e.file_size, e.sha256, e.storage_key) for e in entries],
        token.id)


# Evidence from other areas (read here, written only by their areas) ----------------------------------------

@dataclass(frozen=True)
class ReflectionRow:
    attempt_id: int
    question_id: str
    prompt: str
    prompt_html: str
    answer: str
    quiz_title: str
    unit_key: str
    course_slug: str
    course_title: str
    submitted_at: datetime | None


def reflections_of(user_id: int) -> list[ReflectionRow]:
    """The learner's answers to reflection questions in submitted quiz attempts, newest first."""
    rows = db.session.execute(
        sa.select(QuizAttempt.id, QuizAttempt.responses, QuizAttempt.submitted_at, QuizDefinition.title,
                  QuizDefinition.unit_key, QuizDefinition.questions, Course.slug, Course.title.label("course_title"))
        .join(QuizDefinition, sa.and_(QuizDefinition.version_id == QuizAttempt.version_id,
                                      QuizDefinition.key == QuizAttempt.quiz_key))
        .join(Course, Course.id == QuizAttempt.course_id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.status == AttemptStatus.submitted)
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())).all()
    found = []
    for row in rows:
        responses = row.responses or {}
        for question in row.questions or []:
            if not isinstance(question, dict) or question.get("type") != "reflection":
                continue
            answer = responses.get(str(question.get("id")))
            if isinstance(answer, str) and answer.strip():
                found.append(ReflectionRow(row.id, str(question["id"]), str(question.get("prompt", "")),
                                           str(question.get("prompt_html", "")), answer, row.title, row.unit_key,
                                           row.slug, row.course_title, row.submitted_at))
    return found


@dataclass(frozen=True)
class AcceptedSubmissionRow:
    submission_id: int
    unit_key: str
    unit_title: str
    course_slug: str
    course_title: str
    text_html: str
    link: str
    file_names: list[str]
    decided_at: datetime | None


def accepted_submissions_of(user_id: int) -> list[AcceptedSubmissionRow]:
    """The learner's accepted assignment submissions with the version that was accepted (the last one
    handed in), newest decision first. Two queries."""
    rows = db.session.execute(
        sa.select(Submission.id, Submission.unit_key, Submission.decided_at, SubmissionVersion.id.label("version_id"),
                  SubmissionVersion.text_html, SubmissionVersion.link, Course.slug,
                  Course.title.label("course_title"), Unit.title.label("unit_title"))
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .join(Course, Course.id == Submission.course_id)
        .outerjoin(Unit, sa.and_(Unit.version_id == SubmissionVersion.course_version_id,
                                 Unit.key == Submission.unit_key))
        .where(Submission.user_id == user_id, Submission.status == SubmissionStatus.accepted,
               SubmissionVersion.submitted_at.is_not(None))
        .order_by(Submission.id, SubmissionVersion.number)).all()
    latest = {row.id: row for row in rows}  # ordered by number: the last one wins
    names: dict[int, list[str]] = {}
    if latest:
        for version_id, name in db.session.execute(
                sa.select(SubmissionFile.version_id, SubmissionFile.name)
                .where(SubmissionFile.version_id.in_([r.version_id for r in latest.values()]))
                .order_by(SubmissionFile.id)):
            names.setdefault(version_id, []).append(name)
    found = [AcceptedSubmissionRow(r.id, r.unit_key, r.unit_title or r.unit_key, r.slug, r.course_title,
                                   r.text_html, r.link, names.get(r.version_id, []), r.decided_at)
             for r in latest.values()]
    return sorted(found, key=lambda r: (r.decided_at is None, r.decided_at), reverse=True)
