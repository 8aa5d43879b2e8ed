"""Read-models for catalogue and course pages, each in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.orm import defer, selectinload

from ..accounts.models import User
from ..dialect import contains_text
from ..errors import NotFound
from ..extensions import db
from ..memory_cache import MemoryCache, memory_cache
from ..organisations.models import Organisation
from ..pagination import Page, paginate
from .models import Course, CourseCompetence, CoursePartner, CourseVersion, Module, PackFile, Unit, VersionStatus

EFFORT_LEVELS = {
    "light": (1, 2),
    "moderate": (3, 5),
    "intensive": (6, 40),
}


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    language: str = ""
    competence: str = ""
    effort: str = ""
    page: int = 1


@dataclass
class CataloguePage:
    results: Page  # of Course
    languages: list[str]
    competences: list[str]


def catalogue(filters: CatalogueFilters, *, page_size: int) -> CataloguePage:
    listed = sa.and_(Course.status == "active", Course.live_version_id.is_not(None))
    query = sa.select(Course).where(listed)
    if filters.q.strip():
        for word in filters.q.split()[:8]:
            query = query.where(sa.or_(contains_text(Course.title, word), contains_text(Course.summary, word)))
    if filters.language:
        query = query.where(Course.language == filters.language)
    if filters.competence:
        query = query.where(sa.exists().where(CourseCompetence.course_id == Course.id,
                                              CourseCompetence.name == filters.competence))
    if filters.effort in EFFORT_LEVELS:
        low, high = EFFORT_LEVELS[filters.effort]
        query = query.where(Course.effort_hours_per_week.between(low, high))
    results = paginate(query.options(selectinload(Course.competences)).order_by(Course.title, Course.id),
                       filters.page, per_page=page_size)
    languages = list(db.session.scalars(sa.select(Course.language).where(listed).distinct().order_by(Course.language)))
    competences = list(db.session.scalars(
        sa.select(CourseCompetence.name).join(Course, Course.id == CourseCompetence.course_id).where(listed)
        .distinct().order_by(CourseCompetence.name)
    ))
    return CataloguePage(results, languages, competences)


# Course outlines -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitOutline:
    key: str
    title: str
    type: str
    minutes: int
    preview: bool
    position: int
    module_key: str


@dataclass(frozen=True)
class ModuleOutline:
    key: str
    title: str
    summary: str
    outcomes: tuple[str, ...]
    units: tuple[UnitOutline, ...]

    @property
    def minutes(self) -> int:
        return sum(u.minutes for u in self.units)


@dataclass(frozen=True)
class Outline:
    modules: tuple[ModuleOutline, ...]
    units: tuple[UnitOutline, ...]
    by_key: dict[str, UnitOutline]

    def neighbours(self, key: str) -> tuple[UnitOutline | None, UnitOutline | None]:
        unit = self.by_key[key]
        previous = self.units[unit.position - 1] if unit.position > 0 else None
        following = self.units[unit.position + 1] if unit.position + 1 < len(self.units) else None
        return previous, following


def _cache(name: str, size: int) -> MemoryCache:
    """Stored versions never change, so what pages read of them is kept in memory, keyed by version id,
    content digest and item."""
    return memory_cache(name, size)


def _version_key(version: CourseVersion) -> tuple[int, str]:
    return version.id, version.manifest.get("digest", "")


def outline_for(version: CourseVersion) -> Outline:
    return _cache("outlines", 256).get(_version_key(version), lambda: _load_outline(version.id))


def _load_outline(version_id: int) -> Outline:
    modules = db.session.execute(
        sa.select(Module.id, Module.key, Module.title, Module.summary, Module.outcomes)
        .where(Module.version_id == version_id).order_by(Module.position)
    ).all()
    rows = db.session.execute(
        sa.select(Unit.module_id, Unit.key, Unit.title, Unit.type, Unit.minutes, Unit.preview, Unit.position)
        .where(Unit.version_id == version_id).order_by(Unit.position)
    ).all()
    module_keys = {m.id: m.key for m in modules}
    units = tuple(UnitOutline(r.key, r.title, r.type, r.minutes, r.preview, i, module_keys[r.module_id])
                  for i, r in enumerate(rows))
    outlines = tuple(
        ModuleOutline(m.key, m.title, m.summary, tuple(outcome_texts(m.outcomes)),
                      tuple(u for u in units if u.module_key == m.key))
        for m in modules
    )
    return Outline(outlines, units, {u.key: u for u in units})


def outcome_texts(outcomes: list[Any] | None) -> list[str]:
    """The texts of stored outcomes: {id, text} since format 2, plain texts in versions imported before."""
    return [o["text"] if isinstance(o, dict) else str(o) for o in outcomes or ()]


# The statements of every course and unit page, built once.
_COURSE_WITH_LIVE_VERSION = (
    sa.select(Course, CourseVersion).join(CourseVersion, CourseVersion.id == Course.live_version_id)
    .where(Course.slug == sa.bindparam("slug"))
)
# A learner's unit page never reads the staff-only notes: not loaded, and an error if anything asks for them.
_UNIT_BODY = (sa.select(Unit).where(Unit.version_id == sa.bindparam("version_id"), Unit.key == sa.bindparam("key"))
              .options(defer(Unit.facilitator_notes, raiseload=True)))


def course_with_live_version(slug: str) -> tuple[Course, CourseVersion]:
    row = db.session.execute(_COURSE_WITH_LIVE_VERSION, {"slug": slug}).first()
    if row is None:
        raise NotFound("No such course.")
    return row[0], row[1]


@dataclass(frozen=True)
class UnitContent:
    """What a unit page shows of a unit, as stored with its version."""

    key: str
    title: str
    type: str
    minutes: int
    preview: bool
    body_html: str
    video: dict[str, Any] | None


def unit_body(version: CourseVersion, key: str) -> UnitContent:
    """A unit's content, from memory after the first request (versions never change)."""
    return _cache("units", 2048).get((*_version_key(version), key), lambda: _load_unit(version.id, key))


def unit_body_for_preview(version: CourseVersion, key: str, *, live_units: str, preview_units: str) -> UnitContent:
    """A unit as its version's preview shows it: links to units of the course (stored at import as the live
    addresses, live_units + key) lead to the same version's preview (preview_units + key) instead."""
    unit = unit_body(version, key)
    live, preview = f'href="{escape(live_units)}', f'href="{escape(preview_units)}'
    video = unit.video
    if video and video.get("transcript_html"):
        video = {**video, "transcript_html": video["transcript_html"].replace(live, preview)}
    return replace(unit, body_html=unit.body_html.replace(live, preview), video=video)


def _load_unit(version_id: int, key: str) -> UnitContent:
    unit = db.session.scalar(_UNIT_BODY, {"version_id": version_id, "key": key})
    if unit is None:
        raise NotFound("No such unit.")
    return UnitContent(unit.key, unit.title, unit.type, unit.minutes, unit.preview, unit.body_html, unit.video)


@dataclass(frozen=True)
class StaffNotes:
    """What only course staff see of a unit: its facilitator notes and the plan of its live session. Kept apart
    from UnitContent so that a learner's page never loads them."""

    unit_notes_html: str
    session: dict[str, Any] | None
    session_notes_html: str

    def __bool__(self) -> bool:
        return bool(self.unit_notes_html or self.session or self.session_notes_html)


_UNIT_STAFF_NOTES = sa.select(Unit.facilitator_notes, Unit.session).where(
    Unit.version_id == sa.bindparam("version_id"), Unit.key == sa.bindparam("key"))


def staff_notes(version: CourseVersion, key: str) -> StaffNotes:
    """A unit's staff-only part; call it only for a viewer policy counts as course staff."""
    return _cache("staff_notes", 512).get((*_version_key(version), key), lambda: _load_staff_notes(version.id, key))


def _load_staff_notes(version_id: int, key: str) -> StaffNotes:
    row = db.session.execute(_UNIT_STAFF_NOTES, {"version_id": version_id, "key": key}).first()
    if row is None:
        raise NotFound("No such unit.")
    notes = row.facilitator_notes or {}
    return StaffNotes(notes.get("unit", ""), row.session, notes.get("session", ""))


def users_by_id(ids: set[int]) -> dict[int, User]:
    """Users for a list of ids in one query (for "who" columns)."""
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def live_version_of(course: Course) -> CourseVersion | None:
    """The course's live version (from the session's identity map when it was loaded already)."""
    return db.session.get(CourseVersion, course.live_version_id) if course.live_version_id else None


def get_course_by_slug(slug: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def get_course_by_id(course_id: int | None) -> Course | None:
    """None for no id (a programme's cohort has no course)."""
    return db.session.get(Course, course_id) if course_id is not None else None


def active_courses_with_live_version() -> list[Course]:
    return list(db.session.scalars(sa.select(Course).where(Course.status == "active",
                                                           Course.live_version_id.is_not(None))))


def courses_by_title() -> list[Course]:
    return list(db.session.scalars(sa.select(Course).order_by(Course.title)))


def course_titles() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(sa.select(Course.id, Course.title).order_by(Course.title))]


def courses_by_id(ids: set[int]) -> dict[int, Course]:
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(sa.select(Course).where(Course.id.in_(sorted(ids))))}


def course_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Course)) or 0


@dataclass(frozen=True)
class PackAsset:
    content_type: str
    published: bool  # some live or superseded version holds it: anyone may fetch it
    draft_courses: list[Course]  # else the courses whose drafts hold it (their previewers may)


def pack_asset(sha256: str, name: str) -> PackAsset | None:
    """A file under assets/ with this content and name, and who may be served it; two queries."""
    rows = db.session.execute(
        sa.select(PackFile.content_type, CourseVersion.status, CourseVersion.course_id)
        .join(CourseVersion, CourseVersion.id == PackFile.version_id)
        .where(PackFile.sha256 == sha256, PackFile.path.startswith("assets/"), PackFile.path.endswith("/" + name))
    ).all()
    if not rows:
        return None
    published = any(row.status != VersionStatus.draft for row in rows)
    courses = [] if published else list(db.session.scalars(
        sa.select(Course).where(Course.id.in_({row.course_id for row in rows}))))
    return PackAsset(rows[0].content_type, published, courses)


# Partner organisations ------------------------------------------------------------------------------------------

def unknown_organisation_slugs(slugs: list[str]) -> list[str]:
    """Those of the slugs that name no organisation on the platform, in their order: one query (none without)."""
    if not slugs:
        return []
    known = set(db.session.scalars(sa.select(Organisation.slug).where(Organisation.slug.in_(slugs))))
    return [slug for slug in slugs if slug not in known]


def partner_organisations(course_id: int) -> dict[str, Organisation]:
    """The course's partners that are organisations on the platform, by slug: one query."""
    return {o.slug: o for o in db.session.scalars(
        sa.select(Organisation).join(CoursePartner, CoursePartner.slug == Organisation.slug)
        .where(CoursePartner.course_id == course_id))}


def is_course_partner(course_id: int, organisation_slug: str) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(
        CoursePartner.course_id == course_id, CoursePartner.slug == organisation_slug))))
