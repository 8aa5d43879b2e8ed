"""Columns whose value is one of a fixed set of strings (statuses, modes, kinds).

Each is a Python `StrEnum` stored as its plain string value in a VARCHAR column with a named CHECK constraint
(`ck_<table>_<column>` by the naming convention), so SQLite and PostgreSQL alike refuse a value the code does
not know, whether it comes from the ORM, a bulk UPDATE or hand-written SQL. No native PostgreSQL ENUM type:
adding a value is then one migration that replaces a CHECK constraint, on both databases the same way.
"""
from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa


def stored_enum(enum_class: type[StrEnum], *, column: str, length: int) -> sa.Enum:
    """The column type for `enum_class`: its values (not its member names) are stored, in `length` characters;
    `column` names the CHECK constraint."""
    longest = max(len(member.value) for member in enum_class)
    if longest > length:
        raise ValueError(f"{enum_class.__name__} has a value of {longest} characters; the column holds {length}")
    return sa.Enum(
        enum_class,
        name=column,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )

