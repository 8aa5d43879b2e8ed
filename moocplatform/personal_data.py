"""The personal-data registry: every model that holds data about a user says how it is exported and erased.

Each area registers its models at import time. `export_user_data` gathers the JSON a learner downloads and
`erase_user` applies every area's deletion rule. A test fails when a model with a foreign key to users is not
registered.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from .database import Base
from .extensions import db

ERASE_RULES = ("delete", "anonymise", "keep")


@dataclass(frozen=True)
class PersonalData:
    model: type[Base]
    section: str
    rule: str  # delete | anonymise | keep (with a reason)
    export: Callable[[Any], list[dict[str, Any]]]
    erase: Callable[[Any], None]
    reason: str


_registry: dict[type, PersonalData] = {}


def register(model: type[Base], *, section: str, rule: str, export, erase, reason: str) -> None:
    if rule not in ERASE_RULES:
        raise ValueError(f"unknown erase rule {rule!r}")
    _registry[model] = PersonalData(model, section, rule, export, erase, reason)


def register_owned(model: type[Base], *, section: str, reason: str, owner: str = "user_id",
                   exclude: tuple[str, ...] = ()) -> None:
    """The common case: rows that belong to one user through the column `owner` (a user id, or "email" for
    rows keyed by the address) are exported as they are (less `exclude`, e.g. secrets' hashes) and deleted
    with the account."""
    column = model.__table__.c[owner]

    def match(user: Any) -> Any:
        return column == (user.email if owner == "email" else user.id)

    register(model, section=section, rule="delete", reason=reason,
             export=lambda user: rows_as_dicts(model, match(user), exclude=exclude),
             erase=lambda user: delete_rows(model, match(user)))


def registered_models() -> dict[type, PersonalData]:
    return dict(_registry)


def export_user_data(user) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for entry in sorted(_registry.values(), key=lambda e: e.section):
        data.setdefault(entry.section, []).extend(entry.export(user))
    return data


def erase_user(user) -> list[str]:
    """Apply every rule; the user row itself is handled last by the accounts area. Returns what was done."""
    done = []
    for entry in _registry.values():
        if entry.model.__name__ == "User":
            continue
        entry.erase(user)
        done.append(f"{entry.section}: {entry.rule}")
    _registry_user_entry().erase(user)
    done.append("account: anonymise")
    return done


def _registry_user_entry() -> PersonalData:
    for model, entry in _registry.items():
        if model.__name__ == "User":
            return entry
    raise LookupError("the accounts area has not registered the User model")


def rows_as_dicts(model: type[Base], *criteria: Any, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every row of model matching criteria, as JSON-ready dicts (for export functions)."""
    columns = [c for c in model.__table__.columns if c.key not in exclude]
    rows = db.session.execute(
        sa.select(*columns).where(*criteria).order_by(*sa.inspect(model).primary_key)).all()
    return [{c.key: _jsonable(value) for c, value in zip(columns, row, strict=True)} for row in rows]


def delete_rows(model: type[Base], *criteria: Any) -> None:
    db.session.execute(sa.delete(model).where(*criteria))


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
