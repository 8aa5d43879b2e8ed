"""Courses and their content versions: importing packs, publishing, archiving."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import audit, clock
from ..content import Pack, load_pack, parse_version, render_pack
from ..errors import Conflict, NotFound
from ..extensions import db
from ..urls import base_path
from . import assets
from .models import Course, CourseCompetence, CourseVersion, Module, PackAsset, Unit


@dataclass(frozen=True)
class ImportResult:
    course: Course
    version: CourseVersion
    outcome: str  # created | new_version | unchanged

    def describe(self) -> str:
        verb = {"created": "created", "new_version": "published version", "unchanged": "unchanged at version"}
        return f"{self.course.slug}: {verb[self.outcome]} {self.version.version}"


def get_course(slug: str) -> Course:
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound(_("No such course."))
    return course


def read_pack(path: str | Path) -> Pack:
    """Load a pack and check it against this platform's settings (raises PackError)."""
    return load_pack(path, video_hosts=current_app.config["VIDEO_EMBED_HOSTS"])


def import_pack(actor, path: str | Path, *, force: bool = False) -> ImportResult:
    """Store a pack as a new content version of its course and make it live.

    The same version with the same files changes nothing; a lower version is refused unless forced.
    """
    pack = read_pack(path)
    digest = pack.digest()
    course = db.session.scalar(sa.select(Course).where(Course.slug == pack.id))
    live = db.session.get(CourseVersion, course.live_version_id) if course and course.live_version_id else None
    if live is not None:
        if live.version == pack.version:
            if live.manifest.get("digest") == digest:
                return ImportResult(course, live, "unchanged")
            raise Conflict(_("Version %(v)s of %(c)s is already live with other content; raise the version.",
                             v=pack.version, c=pack.id))
        if parse_version(pack.version) < parse_version(live.version) and not force:
            raise Conflict(_("Version %(new)s is lower than the live version %(live)s.",
                             new=pack.version, live=live.version))
        if db.session.scalar(sa.select(CourseVersion.id).where(
                CourseVersion.course_id == course.id, CourseVersion.version == pack.version)):
            raise Conflict(_("Version %(v)s of %(c)s was imported before; raise the version.",
                             v=pack.version, c=pack.id))
    outcome = "new_version" if course else "created"
    if course is None:
        course = Course(slug=pack.id, created_at=clock.now(), title=pack.title, language=pack.language,
                        effort_hours_per_week=pack.effort_hours_per_week, duration_weeks=pack.duration_weeks)
        db.session.add(course)
        db.session.flush()
    version = _store_version(actor, course, pack, digest)
    publish_version(actor, course, version)
    audit.record(actor, "course.import", course, version=version.version, outcome=outcome)
    return ImportResult(course, version, outcome)


def _store_version(actor, course: Course, pack: Pack, digest: str) -> CourseVersion:
    prefix = base_path()
    render_pack(
        pack,
        asset_url=lambda a: f"{prefix}/assets/{a.sha256}/{PurePosixPath(a.path).name}",
        unit_url=lambda key: f"{prefix}/courses/{pack.id}/units/{key}",
        references_url=f"{prefix}/courses/{pack.id}/references",
    )
    version = CourseVersion(
        course_id=course.id, version=pack.version, status="draft", created_at=clock.now(),
        created_by_id=getattr(actor, "id", None), title=pack.title, description_html=pack.description_html,
        manifest={
            "digest": digest, "summary": pack.summary, "language": pack.language, "outcomes": pack.outcomes,
            "competences": pack.competences, "authors": pack.authors, "licence": pack.licence,
            "effort_hours_per_week": pack.effort_hours_per_week, "duration_weeks": pack.duration_weeks,
            "enrolment": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in pack.enrolment.items()},
            "references": pack.references,
        },
        unit_count=len(pack.units), minutes_total=sum(u.minutes for u in pack.units),
    )
    db.session.add(version)
    db.session.flush()
    position = 0
    for module_position, pack_module in enumerate(pack.modules):
        module = Module(version_id=version.id, key=pack_module.key, position=module_position,
                        title=pack_module.title, summary=pack_module.summary,
                        outcomes=pack_module.outcomes, competences=pack_module.competences)
        db.session.add(module)
        db.session.flush()
        for pack_unit in pack_module.units:
            db.session.add(Unit(
                version_id=version.id, module_id=module.id, key=pack_unit.key, position=position,
                title=pack_unit.title, type=pack_unit.type, minutes=pack_unit.minutes, preview=pack_unit.preview,
                body_html=pack_unit.html, video=pack_unit.video_html, source_path=pack_unit.path,
            ))
            position += 1
    for asset in pack.assets.values():
        assets.put_file(asset.source, asset.sha256)
        db.session.add(PackAsset(version_id=version.id, path=asset.path, sha256=asset.sha256,
                                 content_type=asset.content_type, size=asset.size))
    db.session.flush()
    return version


def publish_version(actor, course: Course, version: CourseVersion) -> None:
    """Make a stored version live: learners see it at once; their data follows by stable id."""
    if course.live_version_id:
        db.session.execute(sa.update(CourseVersion).where(CourseVersion.id == course.live_version_id)
                           .values(status="superseded"))
    version.status = "live"
    version.published_at = clock.now()
    manifest = version.manifest
    course.live_version_id = version.id
    course.title = version.title
    course.summary = manifest["summary"]
    course.language = manifest["language"]
    course.effort_hours_per_week = manifest["effort_hours_per_week"]
    course.duration_weeks = manifest["duration_weeks"]
    enrolment = manifest["enrolment"]
    course.enrolment_mode = enrolment["mode"]
    course.enrolment_opens_at = _parse_time(enrolment.get("opens"))
    course.enrolment_closes_at = _parse_time(enrolment.get("closes"))
    db.session.execute(sa.delete(CourseCompetence).where(CourseCompetence.course_id == course.id))
    for position, competence in enumerate(manifest["competences"]):
        db.session.add(CourseCompetence(course_id=course.id, position=position, **competence))
    db.session.flush()
    audit.record(actor, "course.publish", course, version=version.version)


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def archive_course(actor, course: Course) -> None:
    if course.is_archived:
        return
    course.status = "archived"
    course.archived_at = clock.now()
    audit.record(actor, "course.archive", course)
    db.session.flush()


def unarchive_course(actor, course: Course) -> None:
    if not course.is_archived:
        return
    course.status = "active"
    course.archived_at = None
    audit.record(actor, "course.unarchive", course)
    db.session.flush()


def pack_folders(root: str | Path) -> list[Path]:
    """The pack folders directly inside root (each with a course.yaml)."""
    return sorted(p for p in Path(root).iterdir() if (p / "course.yaml").is_file())
