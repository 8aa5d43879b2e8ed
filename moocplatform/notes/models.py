"""A learner's private notes (one per unit of a course, by the unit's stable key) and bookmarks (of units and of
pages elsewhere). Nobody but their owner reads them: not course staff, not administrators."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..personal_data import register_owned
from ..stored_enum import stored_enum


class Note(Model):
    __tablename__ = "notes"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    unit_key: Mapped[str] = mapped_column(sa.String(64))
    # The unit's title when the note was last saved: a unit that a later version drops keeps its name here.
    unit_title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")  # rendered and sanitised when saved
    # Raised by each save: a client sends the version its edit is based on, so an edit made offline never
    # overwrites one made elsewhere in the meantime.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NoteTombstone(Model):
    """The last version of a deleted note, so that a note written again on the same unit goes on counting from
    there: an edit made offline on the deleted note then meets a conflict, never the new note's version 1."""

    __tablename__ = "note_tombstones"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    unit_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    version: Mapped[int]


class BookmarkKind(StrEnum):
    UNIT = "unit"
    EXTERNAL = "external"


class Bookmark(Model):
    __tablename__ = "bookmarks"
    __table_args__ = (
        # One bookmark per unit and per address (NULLs are distinct, so each kind leaves the other's free).
        sa.UniqueConstraint("user_id", "course_id", "unit_key"),
        sa.UniqueConstraint("user_id", "url"),
        sa.CheckConstraint("(kind = 'unit' AND course_id IS NOT NULL AND unit_key IS NOT NULL AND url IS NULL) OR "
                           "(kind = 'external' AND url IS NOT NULL AND course_id IS NULL AND unit_key IS NULL)",
                           name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[BookmarkKind] = mapped_column(stored_enum(BookmarkKind, column="kind", length=16))
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    unit_key: Mapped[str | None] = mapped_column(sa.String(64))
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    title: Mapped[str] = mapped_column(sa.String(300))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime]


register_owned(Note, section="notes", reason="your private notes on units, deleted with your account")
register_owned(Bookmark, section="bookmarks", reason="your bookmarks, deleted with your account")
register_owned(NoteTombstone, section="deleted_notes",
               reason="the last version number of each note you deleted (no text), deleted with your account")
