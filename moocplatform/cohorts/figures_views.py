"""A cohort's figures for its facilitators (progress bands, weekly activity, quizzes, as charts with their
tables) and the streamed CSV of every learner's quiz results."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, abort, render_template, stream_with_context
from flask_login import login_required

from .. import clock
from ..catalog.queries import live_version_of
from ..csv_export import safe_cell
from .stats import progress_distribution, quiz_figures, quiz_results, weekly_activity
from .views import _load, bp

WEEKS_SHOWN = 26  # the weekly activity chart's last weeks at most: half a year reads at a glance

QUIZ_RESULTS_COLUMNS = ("learner", "quiz", "quiz_title", "attempts", "best_score", "passed", "last_attempt_at")


def _live_version_id(course) -> int:
    version = live_version_of(course)
    if version is None:
        abort(404)
    return version.id


@bp.get("/cohorts/<id:cohort_id>/figures")
@login_required
def figures(cohort_id: int):
    cohort, course = _load(cohort_id)  # the dashboard's rule: the cohort's facilitators (a programme's: 404)
    version_id = _live_version_id(course)
    bands = progress_distribution(cohort, version_id)
    return render_template("cohorts/figures.html", cohort=cohort, course=course, bands=bands,
                           seated=sum(band.learners for band in bands),
                           weeks=weekly_activity(cohort, clock.now(), WEEKS_SHOWN), weeks_shown=WEEKS_SHOWN,
                           quizzes=quiz_figures(cohort, version_id))


@bp.get("/cohorts/<id:cohort_id>/quiz-results.csv")
@login_required
def quiz_results_csv(cohort_id: int):
    """One row per learner and quiz, streamed a chunk of learners at a time. The same personal fields as the
    dashboard's CSV (the learner's name, no e-mail address), every text cell through safe_cell."""
    cohort, course = _load(cohort_id)
    version_id = _live_version_id(course)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(QUIZ_RESULTS_COLUMNS)
        for rows in quiz_results(cohort, version_id):
            for row in rows:
                writer.writerow([safe_cell(row.display_name), row.quiz_key, safe_cell(row.quiz_title), row.attempts,
                                 "" if row.best_score is None else f"{row.best_score:.1f}", int(row.passed),
                                 row.last_attempt_at.isoformat() if row.last_attempt_at else ""])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if buffer.tell():  # only the header: nobody seated, or no quiz
            yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cohort-{cohort.id}-quiz-results.csv"'})
