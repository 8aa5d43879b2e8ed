"""Certificates: one row per document issued. A re-issue adds a row (the old one superseded), so every id a
learner ever shared keeps answering on the verification page."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from ..personal_data import register, rows_as_dicts
from ..stored_enum import stored_enum


class CertificateKind(StrEnum):
    ACHIEVEMENT = "achievement"  # the course's completion rules were met
    PARTICIPATION = "participation"  # a statement of participation: enrolled and active, no assessment


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # replaced by a re-issue


class Certificate(Model):
    """What the document states is copied here when it is issued (name, course title, version, date), so it
    reads the same later whatever changes in the account or the course."""

    __tablename__ = "certificates"
    # One certificate per learner, course, kind and issue number: concurrent triggers insert the same
    # (…, 1) and the database keeps one; a re-issue takes the next number.
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id", "kind", "issue_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # also the index in the revocation status list
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)  # unguessable: the verification URL
    # NULL once the holder's account is erased: the record stays verifiable, without the person.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(stored_enum(CertificateKind, column="kind", length=16))
    issue_number: Mapped[int] = mapped_column(default=1)
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    course_title: Mapped[str] = mapped_column(sa.String(300))
    course_version: Mapped[str] = mapped_column(sa.String(32))
    completed_at: Mapped[datetime]
    issued_at: Mapped[datetime]
    status: Mapped[CertificateStatus] = mapped_column(
        stored_enum(CertificateStatus, column="status", length=16), default=CertificateStatus.VALID)
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id", ondelete="SET NULL"))
    # What the supplement states (details.py: outcomes, competences, workload, assessment, participation,
    # quality assurance, partners), as it was at issue; None on certificates issued before it was kept.
    details: Mapped[dict[str, Any] | None]

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


def _export_certificates(user) -> list[dict]:
    return rows_as_dicts(Certificate, Certificate.user_id == user.id)


def _depersonalise_certificates(user) -> None:
    # Employers may still check an id they were given: the record stays (course, date, status) but no
    # longer names or points to the person.
    db.session.execute(sa.update(Certificate).where(Certificate.user_id == user.id)
                       .values(user_id=None, holder_name=""))


register(Certificate, section="certificates", rule="anonymise", export=_export_certificates,
         erase=_depersonalise_certificates,
         reason="a certificate stays verifiable after erasure, without the holder's name or account")
