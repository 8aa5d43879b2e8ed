"""Writing notes and bookmarks. Each service takes the acting user, checks the policy (someone else's note or
bookmark does not exist for them: NotFound), validates its input and never commits.

A note's `version` rises with each save, and goes on rising when a deleted note is written again (a
tombstone keeps its last version). A save names the version it was based on (0 for a note not yet written);
when the note has moved on since, nothing is written and NoteConflict carries the note as it is now, so a
client that edited offline shows both texts instead of overwriting one."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import clock, policy
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..html import render_user_markdown
from ..transaction import add_unless_present
from . import queries
from .models import Bookmark, BookmarkKind, Note, NoteTombstone

MAX_NOTE_LENGTH = 20_000
MAX_URL_LENGTH = 2000
MAX_TITLE_LENGTH = 300
MAX_BOOKMARK_NOTE_LENGTH = 1000
MAX_VERSION = 2**31 - 1


class NoteConflict(Conflict):
    """The note changed since the version the edit was based on; `current` is the note now (None: deleted)."""

    def __init__(self, current: Note | None):
        super().__init__(_("This note was changed elsewhere since you began editing it."))
        self.current = current


def _note_body(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput(_("This field takes text."), field="body")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(value) > MAX_NOTE_LENGTH:
        raise InvalidInput(_("A note holds at most %(n)d characters.", n=MAX_NOTE_LENGTH), field="body")
    return value


def _base_version(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():  # JSON's 3.0 is the integer 3 (JSON Schema agrees)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VERSION:
        raise InvalidInput(_("The version your edit is based on: 0 for a new note, else the note's version."),
                           field="version")
    return value


def save_note(actor, course, unit, body: Any, *, base_version: Any) -> Note:
    """Write actor's note on the unit (an outline unit of the course's live version) as `body`, based on the
    version `base_version`. An edit that equals what is stored already is no conflict, whatever it was based
    on (a retried save whose answer was lost)."""
    if not policy.can_keep_notes(actor, course, unit):
        raise NotFound(_("No such unit."))
    text = _note_body(body)
    base = _base_version(base_version)
    now = clock.now()
    if base == 0:
        key = (actor.id, course.id, unit.key)
        deleted = db.session.get(NoteTombstone, key)
        note = Note(user_id=actor.id, course_id=course.id, unit_key=unit.key, unit_title=unit.title[:300],
                    body=text, body_html=render_user_markdown(text), version=(deleted.version if deleted else 0) + 1,
                    created_at=now, updated_at=now)
        if add_unless_present(note):
            if deleted is not None:
                db.session.delete(deleted)
                db.session.flush()
            return note
        current = queries.note_of(actor.id, course.id, unit.key)
        if current is not None and current.body == text:
            return current
        raise NoteConflict(current)
    # One conditional UPDATE: of two saves based on the same version, one wins and the other is told.
    updated = db.session.execute(
        sa.update(Note).where(Note.user_id == actor.id, Note.course_id == course.id, Note.unit_key == unit.key,
                              Note.version == base)
        .values(body=text, body_html=render_user_markdown(text), unit_title=unit.title[:300],
                version=Note.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    current = queries.note_of(actor.id, course.id, unit.key)
    if updated.rowcount == 1 and current is not None:  # type: ignore[attr-defined]
        return current
    if current is not None and current.body == text:
        return current
    raise NoteConflict(current)


def delete_note(actor, note: Note) -> None:
    if not policy.owns_private_item(actor, note.user_id):
        raise NotFound(_("No such note."))
    db.session.execute(sa.delete(NoteTombstone).where(
        NoteTombstone.user_id == note.user_id, NoteTombstone.course_id == note.course_id,
        NoteTombstone.unit_key == note.unit_key))
    db.session.add(NoteTombstone(user_id=note.user_id, course_id=note.course_id, unit_key=note.unit_key,
                                 version=note.version))
    db.session.delete(note)
    db.session.flush()


def bookmark_unit(actor, course, unit) -> Bookmark:
    """Bookmark the unit (once: bookmarking it again, or twice at once, gives the same bookmark)."""
    if not policy.can_keep_notes(actor, course, unit):
        raise NotFound(_("No such unit."))
    bookmark = Bookmark(user_id=actor.id, kind=BookmarkKind.UNIT, course_id=course.id, unit_key=unit.key,
                        title=unit.title[:300], note="", created_at=clock.now())
    if add_unless_present(bookmark):
        return bookmark
    existing = queries.unit_bookmark_of(actor.id, course.id, unit.key)
    if existing is None:  # removed by a concurrent request between the two statements
        raise Conflict(_("The bookmark changed meanwhile; try again."))
    return existing


def _http_url(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput(_("This field takes text."), field="url")
    url = value.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(_("At most %(n)d characters.", n=MAX_URL_LENGTH), field="url")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (parts is None or not port_ok or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(c.isspace() or ord(c) < 32 for c in url)):
        raise InvalidInput(_("Enter an address that begins with http:// or https://."), field="url")
    return url


def _plain(value: Any, field: str, max_length: int, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("This field takes text."), field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field)
    if len(value) > max_length:
        raise InvalidInput(_("At most %(n)d characters.", n=max_length), field=field)
    return value


def bookmark_link(actor, url: Any, title: Any, note: Any = "") -> Bookmark:
    """Bookmark a page elsewhere (http or https only). The same address again gives the bookmark there is."""
    if not policy.signed_in(actor):
        raise NotFound(_("Log in to keep bookmarks."))
    address = _http_url(url)
    bookmark = Bookmark(user_id=actor.id, kind=BookmarkKind.EXTERNAL, url=address,
                        title=_plain(title, "title", MAX_TITLE_LENGTH, required=True),
                        note=_plain(note, "note", MAX_BOOKMARK_NOTE_LENGTH, required=False), created_at=clock.now())
    if add_unless_present(bookmark):
        return bookmark
    existing = queries.link_bookmark_of(actor.id, address)
    if existing is None:
        raise Conflict(_("The bookmark changed meanwhile; try again."))
    return existing


def delete_bookmark(actor, bookmark: Bookmark) -> None:
    if not policy.owns_private_item(actor, bookmark.user_id):
        raise NotFound(_("No such bookmark."))
    db.session.delete(bookmark)
    db.session.flush()
