"""Courses and their content versions.

A course has versions; a version stores its modules and units. Learner data refers to the course and a unit's
stable key, never to a version's rows, so a new version can be drafted beside the live one.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONType
from ..extensions import Model
from ..personal_data import register, rows_as_dicts
from ..stored_enum import stored_enum


class CourseStatus(StrEnum):
    active = "active"
    archived = "archived"  # hidden from the catalogue; learners keep their records


class EnrolmentMode(StrEnum):
    open = "open"
    invitation = "invitation"  # only invited e-mail addresses
    window = "window"  # open between enrolment_opens_at and enrolment_closes_at


ENROLMENT_MODES = tuple(EnrolmentMode)


class VersionStatus(StrEnum):
    draft = "draft"  # imported, not yet published
    live = "live"  # the one version learners see
    superseded = "superseded"  # was live once


class Course(Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[CourseStatus] = mapped_column(stored_enum(CourseStatus, column="status", length=16),
                                                 default=CourseStatus.active)
    created_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]
    # Catalogue fields, copied from the live version when it is published, so that lists need no join.
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(400), default="")
    language: Mapped[str] = mapped_column(sa.String(16), index=True)
    effort_hours_per_week: Mapped[int]
    duration_weeks: Mapped[int]
    enrolment_mode: Mapped[EnrolmentMode] = mapped_column(
        stored_enum(EnrolmentMode, column="enrolment_mode", length=16), default=EnrolmentMode.open)
    enrolment_opens_at: Mapped[datetime | None]
    enrolment_closes_at: Mapped[datetime | None]
    card_image: Mapped[str | None] = mapped_column(sa.String(400))  # the URL of the card's image asset
    live_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_versions.id", use_alter=True, ondelete="SET NULL")
    )

    live_version: Mapped[CourseVersion | None] = relationship(foreign_keys=[live_version_id], lazy="raise")
    competences: Mapped[list[CourseCompetence]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CourseCompetence.position"
    )

    @property
    def is_archived(self) -> bool:
        return self.status == CourseStatus.archived


class CourseCompetence(Model):
    """A framework competence the live version develops (for catalogue filters)."""

    __tablename__ = "course_competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    framework: Mapped[str] = mapped_column(sa.String(64))
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200), index=True)


class CoursePartner(Model):
    """A partner organisation the live version names by slug (course.yaml's partners[].slug): the course is
    co-owned with it, and its admins give course-team roles on the course to its own members. Kept by slug, not
    by organisation id, so that an organisation created after the course was published is its partner too
    (organisation slugs never change)."""

    __tablename__ = "course_partners"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(sa.String(64), index=True)


class CourseVersion(Model):
    __tablename__ = "course_versions"
    __table_args__ = (sa.UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[VersionStatus] = mapped_column(stored_enum(VersionStatus, column="status", length=16))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(sa.String(200))
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    # outcomes, competences, authors, licence, references, source digest: what pages show as they were loaded.
    manifest: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unit_count: Mapped[int] = mapped_column(default=0)
    minutes_total: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(foreign_keys=[course_id], lazy="raise")
    modules: Mapped[list[Module]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Module.position", back_populates="version"
    )


class Module(Model):
    __tablename__ = "modules"
    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    outcomes: Mapped[list[Any]] = mapped_column(default=list)  # [{id, text}] (plain texts before format 2)
    competences: Mapped[list[Any]] = mapped_column(default=list)  # codes of the course's competences

    version: Mapped[CourseVersion] = relationship(back_populates="modules", lazy="raise")
    units: Mapped[list[Unit]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Unit.position", back_populates="module"
    )


class Unit(Model):
    __tablename__ = "units"
    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]  # order within the whole version
    title: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(16))
    minutes: Mapped[int]
    preview: Mapped[bool] = mapped_column(default=False)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    video: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    source_path: Mapped[str] = mapped_column(sa.String(400), default="")
    # Format 2 of the pack (docs/content-packs.md); None when the unit declares none. The areas that give each
    # its behaviour read them here: sessions (cohorts), participation (discussion), assignment (assignments).
    session: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    participation: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    assignment: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Staff only ({"unit": html, "session": html}): never part of what learner-facing pages load.
    facilitator_notes: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    module: Mapped[Module] = relationship(back_populates="units", lazy="raise")


class PackFile(Model):
    """A file of the pack a version was imported from; the bytes live in the content-addressed store.

    Every file is kept, so a version can be exported as the pack it came from; only files under assets/ are
    served to browsers."""

    __tablename__ = "pack_files"
    __table_args__ = (sa.UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(400))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]


register(
    CourseVersion, section="content_versions", rule="keep",
    export=lambda user: rows_as_dicts(CourseVersion, CourseVersion.created_by_id == user.id,
                                      exclude=("description_html", "manifest")),
    erase=lambda user: None,
    reason="a content version's history names the de-personalised account that imported it",
)
