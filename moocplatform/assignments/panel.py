"""The assignment panel of an activity unit: the instructions, and for an enrolled learner their work."""
from __future__ import annotations

from typing import Any

from .. import policy
from ..learning.deadlines import due_date_for
from . import files, queries
from .peers import allocations_of, reviews_visible


def load_panel(view: Any) -> queries.PanelData | None:
    assignment = queries.assignment_of(view.version.id, view.unit.key)
    if assignment is None:
        return None
    can_hand_in = bool(view.tracking) and policy.can_hand_in(view.viewer, view.course)
    if can_hand_in:
        submission = queries.submission_of(view.viewer.id, view.course.id, view.unit.key)
        to_do: list = []
        visible = False
        if "peers" in assignment.assessed_by and submission is not None and submission.submitted_at is not None:
            to_do = allocations_of(view.viewer.id, view.course.id, view.unit.key)
            visible = reviews_visible(to_do, assignment.peer_count or 0, view.viewer.id, view.course.id,
                                      view.unit.key)
        names: dict[int, str] = {}
        if visible and submission is not None:
            # Reviews are anonymous to the reviewed learner unless their cohort chose to name the reviewers.
            cohort = queries.cohort_of(view.viewer.id, view.course.id)
            if cohort is not None and cohort.names_peer_reviewers:
                names = queries.peer_reviewer_names(submission.id)
        return queries.PanelData(assignment, queries.submission_view(submission), True,
                                 queries.bytes_stored_by(view.viewer.id), files.MAX_BYTES_PER_LEARNER,
                                 peer_reviews_to_do=tuple(to_do), peer_reviews_visible=visible,
                                 flags=queries.flags_of(submission.id) if visible and submission else {},
                                 peer_reviewer_names=names,
                                 due_at=due_date_for(view.viewer.id, view.course.id, view.unit.key))
    return queries.PanelData(assignment, queries.SubmissionView(None, []), False, 0, files.MAX_BYTES_PER_LEARNER)
