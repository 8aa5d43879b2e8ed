"""Pagination of a Select: one count query and one page query."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .extensions import db
from .query_args import MAX_PAGE, parse_whole_number


@dataclass
class Page:
    items: list[Any]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(query: sa.Select, page: int | str, *, per_page: int) -> Page:
    """The page numbered `page` (from query_args.page_number(); text is read the same way), clamped to the
    pages there are."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    asked = page if isinstance(page, int) else parse_whole_number(page, 1, minimum=1, maximum=MAX_PAGE)
    number = min(max(1, asked), pages)
    items = list(db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).unique())
    return Page(items, number, pages, total)
