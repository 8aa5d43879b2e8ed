"""Read-models of notes and bookmarks, each in one query whatever the number of notes. Notes are listed in the
order of the course's live version (a unit it no longer has comes last, under the title it had)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..catalog.models import Course, Unit
from ..dialect import contains_text
from ..extensions import db
from .models import Bookmark, BookmarkKind, Note


@dataclass(frozen=True)
class NoteRow:
    note: Note
    course_slug: str
    course_title: str
    unit_title: str  # the live version's title, else the one the note kept
    in_course: bool  # the live version still has the unit

    @property
    def course_id(self) -> int:
        return self.note.course_id


@dataclass(frozen=True)
class CourseNotes:
    course_id: int
    course_slug: str
    course_title: str
    rows: list[NoteRow]


def by_course(rows: list[NoteRow]) -> list[CourseNotes]:
    """Rows (as notes_of orders them) in one group per course, in the same order."""
    groups: list[CourseNotes] = []
    for row in rows:
        if not groups or groups[-1].course_id != row.course_id:
            groups.append(CourseNotes(row.course_id, row.course_slug, row.course_title, []))
        groups[-1].rows.append(row)
    return groups


@dataclass(frozen=True)
class BookmarkRow:
    bookmark: Bookmark
    course_slug: str | None
    course_title: str | None


@dataclass(frozen=True)
class UnitPanelData:
    note: Note | None
    bookmarked: bool


def note_of(user_id: int, course_id: int, unit_key: str) -> Note | None:
    return db.session.scalar(sa.select(Note).where(Note.user_id == user_id, Note.course_id == course_id,
                                                   Note.unit_key == unit_key)
                             .execution_options(populate_existing=True))


def get_note(note_id: int) -> Note | None:
    return db.session.get(Note, note_id)


def get_bookmark(bookmark_id: int) -> Bookmark | None:
    return db.session.get(Bookmark, bookmark_id)


def unit_bookmark_of(user_id: int, course_id: int, unit_key: str) -> Bookmark | None:
    return db.session.scalar(sa.select(Bookmark).where(Bookmark.user_id == user_id, Bookmark.course_id == course_id,
                                                       Bookmark.unit_key == unit_key))


def link_bookmark_of(user_id: int, url: str) -> Bookmark | None:
    return db.session.scalar(sa.select(Bookmark).where(Bookmark.user_id == user_id, Bookmark.url == url))


def _unit_panel_statement() -> sa.Select:
    user_id: sa.BindParameter[int] = sa.bindparam("user_id", type_=sa.Integer)
    course_id: sa.BindParameter[int] = sa.bindparam("course_id", type_=sa.Integer)
    unit_key: sa.BindParameter[str] = sa.bindparam("unit_key", type_=sa.String)
    one = sa.select(sa.literal(1).label("one")).subquery()
    bookmarked = sa.exists().where(Bookmark.user_id == user_id, Bookmark.course_id == course_id,
                                   Bookmark.unit_key == unit_key)
    return (sa.select(Note, bookmarked.label("bookmarked")).select_from(one)
            .outerjoin(Note, sa.and_(Note.user_id == user_id, Note.course_id == course_id,
                                     Note.unit_key == unit_key)))


_UNIT_PANEL = _unit_panel_statement()  # on every unit page: built once


def unit_panel(user_id: int, course_id: int, unit_key: str) -> UnitPanelData:
    """The viewer's note on the unit and whether they bookmarked it: one query (a row even without a note)."""
    row = db.session.execute(_UNIT_PANEL, {"user_id": user_id, "course_id": course_id, "unit_key": unit_key}).one()
    return UnitPanelData(row[0], bool(row[1]))


def _note_rows(*criteria, limit: int | None = None, order_by_id: bool = False) -> list[NoteRow]:
    live_unit = sa.orm.aliased(Unit)
    query = (
        sa.select(Note, Course.slug, Course.title, live_unit.title, live_unit.position)
        .join(Course, Course.id == Note.course_id)
        .outerjoin(live_unit, sa.and_(live_unit.version_id == Course.live_version_id, live_unit.key == Note.unit_key))
        .where(*criteria)
    )
    if order_by_id:
        query = query.order_by(Note.id)
    else:
        query = query.order_by(Course.title, Course.id, sa.case((live_unit.position.is_(None), 1), else_=0),
                               live_unit.position, Note.id)
    if limit is not None:
        query = query.limit(limit)
    return [NoteRow(note, slug, course_title, unit_title or note.unit_title, unit_title is not None)
            for note, slug, course_title, unit_title, _position in db.session.execute(query)]


def _search(q: str):
    return contains_text(Note.body, q.strip())


def notes_of(user_id: int, *, course_id: int | None = None, q: str = "") -> list[NoteRow]:
    """The user's notes that say something, by course (title) and in each in the live version's order;
    narrowed to one course and to those containing q (any case). One query."""
    criteria = [Note.user_id == user_id, Note.body != ""]
    if course_id is not None:
        criteria.append(Note.course_id == course_id)
    if q.strip():
        criteria.append(_search(q))
    return _note_rows(*criteria)


def notes_page(user_id: int, *, after_id: int, limit: int,
               course_id: int | None = None) -> tuple[list[NoteRow], int | None]:
    """For the API: the user's notes by id after `after_id` (empty ones too: an offline client syncs them),
    at most limit, and the id to continue after (None on the last page). One query."""
    criteria = [Note.user_id == user_id, Note.id > after_id]
    if course_id is not None:
        criteria.append(Note.course_id == course_id)
    rows = _note_rows(*criteria, limit=limit + 1, order_by_id=True)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].note.id if more else None)


def bookmarks_of(user_id: int, *, after_id: int = 0, limit: int | None = None) -> list[BookmarkRow]:
    """The user's bookmarks, newest first for the page (by id for the API when limit is given). One query."""
    query = (sa.select(Bookmark, Course.slug, Course.title).outerjoin(Course, Course.id == Bookmark.course_id)
             .where(Bookmark.user_id == user_id))
    if limit is not None:
        query = query.where(Bookmark.id > after_id).order_by(Bookmark.id).limit(limit)
    else:
        query = query.order_by(Bookmark.created_at.desc(), Bookmark.id.desc())
    return [BookmarkRow(bookmark, slug, title) for bookmark, slug, title in db.session.execute(query)]


def bookmark_row(bookmark: Bookmark) -> BookmarkRow:
    if bookmark.kind != BookmarkKind.UNIT:
        return BookmarkRow(bookmark, None, None)
    course = db.session.get(Course, bookmark.course_id)
    return BookmarkRow(bookmark, course.slug if course else None, course.title if course else None)


def note_row(note: Note) -> NoteRow:
    """One note with its course and the live title of its unit (one query)."""
    return _note_rows(Note.id == note.id)[0]
