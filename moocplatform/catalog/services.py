"""Courses and their content versions: importing packs as drafts or live versions, publishing, archiving."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import audit, clock, policy
from ..content import Pack, load_pack, parse_version, render_pack
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..events import CourseArchived, VersionDiscarded, VersionImported, VersionPublished, announce
from ..extensions import db
from ..quizzes.definitions import questions_by_quiz
from ..urls import base_path
from . import queries
from .models import Course, CourseCompetence, CoursePartner, CourseStatus, CourseVersion, Module, Unit, VersionStatus
from .packfiles import file_digests, pack_file_list, store_pack_files


@dataclass
class ChangeSet:
    """What a pack changes against the live version, by stable unit id."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0
    first_version: bool = False
    # quiz key -> {"added": [question ids], "changed": [...], "removed": [...]}, for quizzes that differ
    quizzes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # [old id, new id, file] for a unit that kept its file but not its stable id: progress does not follow it
    renamed: list[list[str]] = field(default_factory=list)
    # partner slugs that name no organisation on the platform (yet): shown, but co-owning nothing
    unknown_partners: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "changed": self.changed, "retired": self.retired,
                "unchanged": self.unchanged, "first_version": self.first_version, "quizzes": self.quizzes,
                "renamed": self.renamed, "unknown_partners": self.unknown_partners}

    def warnings(self) -> list[str]:
        """What the course team should know before publishing."""
        return [_("The unit in %(path)s kept its file but its id changed from %(old)s to %(new)s: learners' "
                  "progress on %(old)s will not carry over. Keep the id to keep their progress.",
                  path=path, old=old, new=new) for old, new, path in self.renamed] + [
            _("The partner %(slug)s names no organisation on this platform: the course page and certificates show "
              "it as the pack describes it, but it co-owns the course only once an administrator creates an "
              "organisation with this slug.", slug=slug) for slug in self.unknown_partners]

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ChangeSet:
        return cls(**data) if data else cls()

    def describe(self) -> str:
        if self.first_version:
            return ngettext("first version: %(num)d unit", "first version: %(num)d units", len(self.added))
        parts = [ngettext("%(num)d unit changed", "%(num)d units changed", len(self.changed)),
                 _("%(n)d added", n=len(self.added)), _("%(n)d retired", n=len(self.retired))]
        for key, diff in sorted(self.quizzes.items()):
            counts = [ngettext("%(num)d question %(what)s", "%(num)d questions %(what)s", len(diff[what]), what=label)
                      for what, label in (("added", _("added")), ("changed", _("changed")), ("removed", _("removed")))
                      if diff[what]]
            parts.append(_("quiz %(key)s: %(counts)s", key=key, counts=", ".join(counts)))
        return "; ".join(parts)


@dataclass(frozen=True)
class ImportResult:
    course: Course | None
    version: CourseVersion | None
    outcome: str  # created | new_version | draft | unchanged | dry_run | kept_live
    changes: ChangeSet
    pack_version: str = ""

    def describe(self) -> str:
        slug = self.course.slug if self.course else "?"
        if self.outcome == "unchanged":
            return f"{slug}: unchanged at version {self.pack_version}"
        if self.outcome == "dry_run":
            return f"{slug}: version {self.pack_version} would be imported: {self.changes.describe()}"
        if self.outcome == "kept_live":
            live = self.version.version if self.version else "?"
            return f"{slug}: kept the live version {live}, published since; the pack's {self.pack_version} not imported"
        verb = {"created": "created", "new_version": "published version", "draft": "stored draft of version"}
        return f"{slug}: {verb[self.outcome]} {self.pack_version} ({self.changes.describe()})"


def get_course(slug: str) -> Course:
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound(_("No such course."))
    return course


def get_version(course: Course, version_id: int) -> CourseVersion:
    version = db.session.get(CourseVersion, version_id)
    if version is None or version.course_id != course.id:
        raise NotFound(_("No such version."))
    return version


def read_pack(path: str | Path) -> Pack:
    """Load a pack and check it against this platform's settings (raises PackError)."""
    return load_pack(path, video_hosts=current_app.config["VIDEO_EMBED_HOSTS"])


def import_pack(actor, path: str | Path, *, force: bool = False, publish: bool = True,
                dry_run: bool = False, keep_live: bool = False,
                progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Store a pack as a new content version of its course: live at once, or as a draft to preview.

    The same version with the same files changes nothing; a lower version is refused unless forced; an
    invalid pack raises PackError before anything is written. actor None means the command line; otherwise
    the course's team (or an administrator, who alone creates new courses). keep_live leaves a live version
    that is not older than the pack in place (setup, after a course team has published in the browser).
    """
    if actor is not None and not policy.can_create_course(actor):
        _require_some_course_team(actor)
    pack = read_pack(path)
    digest = pack.digest()
    files = pack_file_list(Path(pack.root))
    course = db.session.scalar(sa.select(Course).where(Course.slug == pack.id))
    if actor is not None and not (policy.can_manage_course(actor, course) if course
                                  else policy.can_create_course(actor)):
        raise PermissionDenied(_("You cannot import packs for this course.") if course
                               else _("Only administrators can create new courses."))
    if course is not None:
        _lock_course(course)  # parallel uploads of one course queue, each seeing what the one before stored
    live = db.session.get(CourseVersion, course.live_version_id) if course and course.live_version_id else None
    changes = change_set(live, pack, {f.path: f.sha256 for f in files})
    changes.unknown_partners = queries.unknown_organisation_slugs(partner_slugs(pack.partners))
    if keep_live and live is not None and parse_version(pack.version) <= parse_version(live.version) \
            and live.manifest.get("digest") != digest:
        return ImportResult(course, live, "kept_live", changes, pack.version)
    if live is not None and live.version == pack.version:
        if live.manifest.get("digest") == digest:
            return ImportResult(course, live, "unchanged", changes, pack.version)
        raise Conflict(_("Version %(v)s of %(c)s is already live with other content; raise the version.",
                         v=pack.version, c=pack.id))
    if live is not None and parse_version(pack.version) < parse_version(live.version) and not force:
        raise Conflict(_("Version %(new)s is lower than the live version %(live)s.",
                         new=pack.version, live=live.version))
    if dry_run:
        return ImportResult(course, None, "dry_run", changes, pack.version)
    if course is not None:
        same_draft = _identical_draft(course, pack.version, digest)
        if same_draft is not None:
            return ImportResult(course, same_draft, "unchanged", changes, pack.version)
        _replace_earlier_copy(course, pack.version, live)
    outcome = ("new_version" if course else "created") if publish else "draft"
    if course is None:
        course = Course(slug=pack.id, created_at=clock.now(), title=pack.title, language=pack.language,
                        effort_hours_per_week=pack.effort_hours_per_week, duration_weeks=pack.duration_weeks)
        db.session.add(course)
        db.session.flush()
    version = _store_version(actor, course, pack, digest, changes)
    store_pack_files(version, files, progress)
    db.session.flush()
    audit.record(actor, "course.import", course, version=version.version, outcome=outcome,
                 changes=changes.as_dict())
    if publish:
        publish_version(actor, course, version)
    return ImportResult(course, version, outcome, changes, pack.version)


def _identical_draft(course: Course, version_text: str, digest: str) -> CourseVersion | None:
    """A draft of this version with exactly these files: uploading it again stores nothing."""
    draft = db.session.scalar(sa.select(CourseVersion).where(
        CourseVersion.course_id == course.id, CourseVersion.version == version_text,
        CourseVersion.status == VersionStatus.draft))
    return draft if draft is not None and draft.manifest.get("digest") == digest else None


def _replace_earlier_copy(course: Course, version_text: str, live: CourseVersion | None) -> None:
    """A draft of the same version is replaced by the new upload; a published one never is."""
    earlier = db.session.scalar(sa.select(CourseVersion).where(
        CourseVersion.course_id == course.id, CourseVersion.version == version_text))
    if earlier is None:
        return
    if earlier.status != "draft":
        raise Conflict(_("Version %(v)s of %(c)s was published before; raise the version.",
                         v=version_text, c=course.slug))
    db.session.delete(earlier)
    db.session.flush()
    announce(VersionDiscarded(course_id=course.id, version_id=earlier.id, version=earlier.version))


def change_set(live: CourseVersion | None, pack: Pack, digests: dict[str, str]) -> ChangeSet:
    """Units added, changed (their file differs) and retired, against the live version."""
    if live is None:
        return ChangeSet(added=[u.key for u in pack.units], first_version=True)
    old_units = dict(db.session.execute(
        sa.select(Unit.key, Unit.source_path).where(Unit.version_id == live.id)).tuples().all())
    old_digests = file_digests(live.id)
    changes = ChangeSet()
    for unit in pack.units:
        if unit.key not in old_units:
            changes.added.append(unit.key)
        elif old_digests.get(old_units[unit.key]) != digests.get(unit.path):
            changes.changed.append(unit.key)
        else:
            changes.unchanged += 1
    new_keys = {u.key for u in pack.units}
    changes.retired = [key for key in old_units if key not in new_keys]
    retired_by_path = {old_units[key]: key for key in changes.retired}
    changes.renamed = [[retired_by_path[u.path], u.key, u.path] for u in pack.units
                       if u.key in changes.added and u.path in retired_by_path]
    changes.quizzes = _quiz_changes(live, pack)
    return changes


def _quiz_changes(live: CourseVersion, pack: Pack) -> dict[str, dict[str, list[str]]]:
    """Questions added, changed or removed per quiz (a changed question is never regraded: attempts keep the
    grade of the version they were taken under)."""
    old = questions_by_quiz(live.id)
    found = {}
    for key, quiz in pack.quizzes.items():
        before = {q["id"]: _question_source(q) for q in old.get(key, [])}
        after = {q["id"]: _question_source(q) for q in quiz.questions}
        diff = {"added": [q for q in after if q not in before],
                "changed": [q for q in after if q in before and before[q] != after[q]],
                "removed": [q for q in before if q not in after]}
        if any(diff.values()):
            found[key] = diff
    return found


def _question_source(question: dict[str, Any]) -> Any:
    """A question as written, without the HTML added at import (so renders do not count as changes)."""
    if isinstance(question, dict):
        return {k: _question_source(v) for k, v in question.items() if not k.endswith("_html")}
    if isinstance(question, list):
        return [_question_source(v) for v in question]
    return question


def _store_version(actor, course: Course, pack: Pack, digest: str, changes: ChangeSet) -> CourseVersion:
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
            "references": pack.references, "changes": changes.as_dict(), "completion": pack.completion,
            "format": pack.format, "partners": pack.partners, "card_image": pack.card_image_url,
            "micro_credential": pack.micro_credential,
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
                session=pack_unit.session_plan, participation=pack_unit.participation,
                assignment=pack_unit.assignment, facilitator_notes=pack_unit.facilitator_notes_html,
            ))
            position += 1
    db.session.flush()
    # Other areas store their part of the pack (quizzes: its definitions) in this transaction.
    announce(VersionImported(course_id=course.id, version_id=version.id, version=version.version, pack=pack))
    return version


def _lock_course(course: Course) -> None:
    """Take the course's row for this transaction (a no-op UPDATE; PostgreSQL holds it until commit), then read
    the course again: what a transaction that held it before committed is seen."""
    db.session.execute(sa.update(Course).where(Course.id == course.id).values(id=Course.id)
                       .execution_options(synchronize_session=False))
    db.session.refresh(course)


def publish_version(actor, course: Course, version: CourseVersion) -> None:
    """Make a stored version live: learners see it at once; their data follows by stable id, and units the
    version no longer has are retired (hidden, their learners' data kept)."""
    _require_manager(actor, course, version)
    # Parallel publishes of one draft queue here, and each after the first reads the version as live (read
    # again once the lock is held) and does nothing, audit entry included.
    _lock_course(course)
    db.session.refresh(version)
    if version.status == "live":
        return
    if course.live_version_id:
        db.session.execute(sa.update(CourseVersion).where(CourseVersion.id == course.live_version_id)
                           .values(status="superseded"))
    version.status = VersionStatus.live
    version.published_at = clock.now()
    manifest = version.manifest
    course.live_version_id = version.id
    course.title = version.title
    course.summary = manifest["summary"]
    course.language = manifest["language"]
    course.effort_hours_per_week = manifest["effort_hours_per_week"]
    course.duration_weeks = manifest["duration_weeks"]
    course.card_image = manifest.get("card_image") or None
    enrolment = manifest["enrolment"]
    course.enrolment_mode = enrolment["mode"]
    course.enrolment_opens_at = _parse_time(enrolment.get("opens"))
    course.enrolment_closes_at = _parse_time(enrolment.get("closes"))
    db.session.execute(sa.delete(CourseCompetence).where(CourseCompetence.course_id == course.id))
    for position, competence in enumerate(manifest["competences"]):
        db.session.add(CourseCompetence(course_id=course.id, position=position, **competence))
    db.session.execute(sa.delete(CoursePartner).where(CoursePartner.course_id == course.id))
    for position, slug in enumerate(partner_slugs(manifest.get("partners") or [])):
        db.session.add(CoursePartner(course_id=course.id, position=position, slug=slug))
    db.session.flush()
    audit.record(actor, "course.publish", course, version=version.version)
    announce(VersionPublished(course_id=course.id, version_id=version.id, version=version.version,
                              actor_id=getattr(actor, "id", None)))


def partner_slugs(partners: list[dict[str, Any]]) -> list[str]:
    """The partners a pack names by slug (format 2), in its order: the organisations that co-own the course."""
    return list(dict.fromkeys(p["slug"] for p in partners if p.get("slug")))


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def discard_draft(actor, course: Course, version: CourseVersion) -> None:
    _require_manager(actor, course, version)
    if version.status != "draft":
        raise Conflict(_("Only drafts can be discarded."))
    db.session.delete(version)
    audit.record(actor, "course.discard_draft", course, version=version.version)
    db.session.flush()
    announce(VersionDiscarded(course_id=course.id, version_id=version.id, version=version.version))


def version_history(course: Course) -> list[CourseVersion]:
    return list(db.session.scalars(
        sa.select(CourseVersion).where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.created_at.desc(), CourseVersion.id.desc())
    ))


def _require_manager(actor, course: Course, version: CourseVersion) -> None:
    """actor None means the command line (and imports it runs)."""
    if actor is not None and not policy.can_manage_course(actor, course):
        raise PermissionDenied(_("Only the course team can change this course's versions."))
    if version.course_id != course.id:
        raise InvalidInput(_("That version belongs to another course."), field="version")


def _require_some_course_team(actor) -> None:
    """Refuse before reading a pack when the actor is on no course team at all (reading costs time)."""
    if not any(role == "course_team" for role, _scope, _id in policy.grants_of(actor)):
        raise PermissionDenied(_("Only course teams and administrators import packs."))


def _require_archiver(actor, course: Course) -> None:
    if actor is not None and not policy.can_archive_course(actor, course):
        raise PermissionDenied(_("Only administrators can archive courses."))


def archive_course(actor, course: Course) -> None:
    _require_archiver(actor, course)
    if course.is_archived:
        return
    course.status = CourseStatus.archived
    course.archived_at = clock.now()
    audit.record(actor, "course.archive", course)
    db.session.flush()
    announce(CourseArchived(course_id=course.id, archived=True))


def unarchive_course(actor, course: Course) -> None:
    _require_archiver(actor, course)
    if not course.is_archived:
        return
    course.status = CourseStatus.active
    course.archived_at = None
    audit.record(actor, "course.unarchive", course)
    db.session.flush()
    announce(CourseArchived(course_id=course.id, archived=False))


def pack_folders(root: str | Path) -> list[Path]:
    """The pack folders directly inside root (each with a course.yaml)."""
    return sorted(p for p in Path(root).iterdir() if (p / "course.yaml").is_file())
