"""Announcements' personal data: an author's announcements are exported with their account; erasing it keeps
them readable to the course (they were said to everyone) without saying who wrote them."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..personal_data import register, rows_as_dicts
from .models import Announcement


def _anonymise(user) -> None:
    db.session.execute(sa.update(Announcement).where(Announcement.author_id == user.id)
                       .values(author_id=None, request_key=None), execution_options={"synchronize_session": False})


register(Announcement, section="announcements", rule="anonymise",
         export=lambda user: rows_as_dicts(Announcement, Announcement.author_id == user.id, exclude=("request_key",)),
         erase=_anonymise, reason="said to a whole course or cohort: it stays readable without its author")
