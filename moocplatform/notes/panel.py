"""The unit page's notes panel: my note on the unit (and its version, for the script's sync) and whether I
bookmarked the unit, in one query."""
from __future__ import annotations

from typing import Any

from .. import policy
from . import queries


def load_panel(view: Any) -> dict[str, Any] | None:
    if not policy.can_keep_notes(view.viewer, view.course, view.unit):
        return None
    data = queries.unit_panel(view.viewer.id, view.course.id, view.unit.key)
    # The form is written out in the template: building a form object on every unit page costs.
    return {"note": data.note, "bookmarked": data.bookmarked}
