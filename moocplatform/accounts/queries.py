"""Read-models of accounts for other areas' pages (the administration's lists and counts)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..dialect import contains_text
from ..extensions import db
from .models import ROLES, RoleGrant, User


def search_users_query(text: str = "", role: str = "", status: str = "") -> sa.Select:
    """Users by e-mail or name, role and status (deleted accounts only when asked for), roles loaded."""
    query = sa.select(User).where(User.status != "deleted") if status != "deleted" else sa.select(User)
    if text.strip():
        wanted = text.strip()
        query = query.where(sa.or_(contains_text(User.email, wanted), contains_text(User.display_name, wanted),
                                   contains_text(User.full_name, wanted)))
    if role in ROLES:
        query = query.where(User.roles.any(RoleGrant.role == role))
    if status in ("active", "suspended", "deleted"):
        query = query.where(User.status == status)
    return query.options(selectinload(User.roles)).order_by(User.email)


def account_counts() -> dict[str, int]:
    """Accounts not deleted, and of those the suspended ones, in one query."""
    row = db.session.execute(sa.select(
        sa.func.count().filter(User.status != "deleted"), sa.func.count().filter(User.status == "suspended"),
    )).one()
    return {"users": row[0] or 0, "suspended": row[1] or 0}


def password_hashes_by_pepper() -> dict[str | None, int]:
    """How many accounts' password hashes were made with each pepper (by its id; None: no pepper), deleted
    accounts left out: a rotation is over when no hash names the previous pepper."""
    marker = sa.case((User.password_hash.like("pepper:%"), sa.func.substr(User.password_hash, 8, 12)), else_=None)
    hashes = sa.select(marker.label("pepper")).where(User.status != "deleted").subquery()
    rows = db.session.execute(sa.select(hashes.c.pepper, sa.func.count()).group_by(hashes.c.pepper))
    return {identifier: count for identifier, count in rows}
