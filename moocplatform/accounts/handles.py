"""@handles: the short public name people mention each other by (`@ada_lovelace`). A handle is made from the
display name when the account is created and stays as it is when the name changes, so a mention written
last year still names the same person. Lower case ASCII letters, digits and underscores, 3 to 30 characters."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from .. import dialect
from ..extensions import db
from .models import User
from .signin_versions import CHANGES_USERS

HANDLE_PATTERN = r"[a-z0-9_]{3,30}"
_HANDLE = re.compile(HANDLE_PATTERN)
FALLBACK = "learner"


def handle_base(display_name: str) -> str:
    """The handle a name suggests, before making it unique: 'Zoë O'Neil' -> 'zoe_o_neil'."""
    ascii_name = unicodedata.normalize("NFKD", display_name or "").encode("ascii", "ignore").decode("ascii").lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")[:20].strip("_")
    return base if len(base) >= 3 else FALLBACK


def is_handle(text: str) -> bool:
    return _HANDLE.fullmatch(text or "") is not None


def assign_handle(user: User) -> str:
    """Give a new account its handle: the name's base, or the base with the first free number. Two accounts
    taking the same one at once: the unique index refuses the second, which takes the next number."""
    if user.handle:
        return user.handle
    base = handle_base(user.display_name)
    taken = set(db.session.scalars(sa.select(User.handle).where(
        User.handle.like(f"{base}%"))))
    number = 1
    while True:
        candidate = base if number == 1 else f"{base}{number}"
        number += 1
        if candidate in taken:
            continue
        try:
            with db.session.begin_nested():
                db.session.execute(sa.update(User).where(User.id == user.id, User.handle.is_(None))
                                   .values(handle=candidate),
                                   execution_options={"synchronize_session": False, CHANGES_USERS: (user.id,)})
        except sa.exc.IntegrityError as error:
            if not dialect.is_unique_violation(error):
                raise
            continue
        user.handle = candidate
        return candidate


def users_by_handle(handles: set[str]) -> dict[str, User]:
    """The live accounts of these handles (one query)."""
    wanted = {h.lower() for h in handles if is_handle(h.lower())}
    if not wanted:
        return {}
    rows = db.session.scalars(sa.select(User).where(User.handle.in_(wanted), User.status != "deleted"))
    return {u.handle: u for u in rows if u.handle}
