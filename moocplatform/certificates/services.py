"""Issuing, revoking and re-issuing certificates. Issuing runs from the outbox after a completion commits
(events.py) and from the reconciliation job; both go through `issue_certificate`, which the unique constraint
makes idempotent however many triggers race."""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, clock, policy, validation
from ..dialect import insert_ignoring_duplicates
from ..errors import Conflict, PermissionDenied
from ..extensions import db
from ..mail import queue_mail
from ..urls import public_url
from . import details, queries
from .mails import CERTIFICATE_ISSUED, CERTIFICATE_REVOKED, NAME_NEEDED
from .models import Certificate, CertificateKind, CertificateStatus


def new_public_id() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits: not guessable, not enumerable


def issue_certificate(user_id: int, course_id: int, *, tell_if_held: bool = False) -> Certificate | None:
    """Issue the learner's certificate of achievement for a recorded completion, once. Returns it when it
    was issued now; None when it existed already, there is no completion, or the learner has no full name
    for certificates yet (held: with `tell_if_held` they are mailed how to release it)."""
    completion = queries.completion_of(user_id, course_id)
    learner = queries.get_learner(user_id)
    course = queries.get_course(course_id)
    if completion is None or learner is None or course is None or not learner.is_active:
        return None
    if not learner.full_name.strip():
        if tell_if_held:
            queue_mail(learner.email, NAME_NEEDED, recipient_id=learner.id, course=course.title,
                       link=public_url("accounts.profile"))
        return None
    now = clock.now()
    row = {"public_id": new_public_id(), "user_id": user_id, "course_id": course_id,
           "kind": CertificateKind.ACHIEVEMENT.value, "issue_number": 1, "holder_name": learner.full_name.strip(),
           "course_title": course.title, "course_version": completion.version,
           "completed_at": completion.completed_at, "issued_at": now, "status": CertificateStatus.VALID.value,
           "status_reason": "",
           "details": details.snapshot(user_id, course_id, completion.version, CertificateKind.ACHIEVEMENT)}
    statement = (insert_ignoring_duplicates(db.session(), Certificate,
                                            ["user_id", "course_id", "kind", "issue_number"])
                 .values(row).returning(Certificate.id))
    certificate_id = db.session.scalar(statement)
    if certificate_id is None:
        return None  # issued before, or by a concurrent trigger
    certificate = db.session.get(Certificate, certificate_id)
    assert certificate is not None
    _tell_holder(learner, CERTIFICATE_ISSUED, certificate, course=course.title)
    return certificate


def request_participation_statement(actor, course) -> Certificate:
    """A learner actively enrolled asks for a statement of participation (no assessment behind it). Asking
    again returns the statement they have."""
    if not policy.can_request_participation_statement(actor, course):
        raise PermissionDenied(_("Only learners enrolled in the course can ask for a statement of participation."))
    if not actor.full_name.strip():
        raise Conflict(_("Set your full name for certificates first: the statement shows it."))
    existing = queries.current_certificate(actor.id, course.id, CertificateKind.PARTICIPATION)
    if existing is not None:
        return existing
    live = queries.live_version_label(course)
    now = clock.now()
    row = {"public_id": new_public_id(), "user_id": actor.id, "course_id": course.id,
           "kind": CertificateKind.PARTICIPATION.value, "issue_number": 1, "holder_name": actor.full_name.strip(),
           "course_title": course.title, "course_version": live, "completed_at": now, "issued_at": now,
           "status": CertificateStatus.VALID.value, "status_reason": "",
           "details": details.snapshot(actor.id, course.id, live, CertificateKind.PARTICIPATION)}
    statement = (insert_ignoring_duplicates(db.session(), Certificate,
                                            ["user_id", "course_id", "kind", "issue_number"])
                 .values(row).returning(Certificate.id))
    if db.session.scalar(statement) is None:  # a concurrent request issued it
        found = queries.current_certificate(actor.id, course.id, CertificateKind.PARTICIPATION)
        assert found is not None
        return found
    issued = queries.current_certificate(actor.id, course.id, CertificateKind.PARTICIPATION)
    assert issued is not None
    return issued


def issue_pending() -> int:
    """Reconciliation: certificates for completions that have none (a missed trigger, a name set since)."""
    return sum(issue_certificate(c.user_id, c.course_id) is not None
               for c in queries.completions_without_certificate())


def _tell_holder(learner, template: str, certificate: Certificate, **args) -> None:
    queue_mail(learner.email, template, recipient_id=learner.id,
               link=public_url("certificates.verification_page", public_id=certificate.public_id), **args)


def _check_staff(actor, certificate: Certificate):
    course = queries.get_course(certificate.course_id)
    if course is None or not policy.can_manage_certificates(actor, course):
        raise PermissionDenied(_("Only the course team or an administrator can change certificates."))
    return course


def revoke_certificate(actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke with a reason (shown on the verification page and in the status list); audited."""
    course = _check_staff(actor, certificate)
    reason = validation.text(reason, "reason", min_length=3, max_length=500)
    if certificate.status != CertificateStatus.VALID:
        raise Conflict(_("Only a valid certificate can be revoked."))
    certificate.status = CertificateStatus.REVOKED
    certificate.status_changed_at = clock.now()
    certificate.status_reason = reason
    audit.record(actor, "certificate.revoke", certificate, public_id=certificate.public_id, reason=reason)
    db.session.flush()
    learner = queries.get_learner(certificate.user_id) if certificate.user_id else None
    if learner is not None and learner.is_active:
        _tell_holder(learner, CERTIFICATE_REVOKED, certificate, course=course.title, reason=reason)
    return certificate


def reissue_certificate(actor, certificate: Certificate, reason: str) -> Certificate:
    """A new certificate with the holder's current full name (after a correction); the old one is superseded
    and points to the new. Audited; the holder is told of the new one."""
    course = _check_staff(actor, certificate)
    reason = validation.text(reason, "reason", min_length=3, max_length=500)
    if certificate.status == CertificateStatus.SUPERSEDED:
        raise Conflict(_("This certificate was re-issued already; re-issue the newest one."))
    learner = queries.get_learner(certificate.user_id) if certificate.user_id else None
    if learner is None or not learner.is_active or not learner.full_name.strip():
        raise Conflict(_("The holder's account has no full name for certificates, so nothing can be issued."))
    now = clock.now()
    latest = db.session.scalar(sa.select(sa.func.max(Certificate.issue_number)).where(
        Certificate.user_id == certificate.user_id, Certificate.course_id == certificate.course_id,
        Certificate.kind == certificate.kind)) or 0
    successor = Certificate(
        public_id=new_public_id(), user_id=certificate.user_id, course_id=certificate.course_id,
        kind=certificate.kind, issue_number=latest + 1, holder_name=learner.full_name.strip(),
        course_title=course.title, course_version=certificate.course_version,
        completed_at=certificate.completed_at, issued_at=now, status=CertificateStatus.VALID, status_reason="",
        details=details.details_of(certificate))  # the same learning, under the corrected name
    db.session.add(successor)
    db.session.flush()
    certificate.status = CertificateStatus.SUPERSEDED
    certificate.status_changed_at = now
    certificate.status_reason = reason
    certificate.superseded_by_id = successor.id
    audit.record(actor, "certificate.reissue", certificate, public_id=certificate.public_id,
                 successor=successor.public_id, reason=reason)
    db.session.flush()
    _tell_holder(learner, CERTIFICATE_ISSUED, successor, course=course.title)
    return successor
