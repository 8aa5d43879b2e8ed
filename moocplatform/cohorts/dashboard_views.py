"""The facilitator dashboard of a cohort and its streamed CSV export."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import login_required

from .. import clock
from ..catalog.queries import live_version_of
from .queries import cohort_dashboard, matrix_rows
from .views import _load, bp


@bp.get("/cohorts/<id:cohort_id>/dashboard")
@login_required
def dashboard(cohort_id: int):
    cohort, course = _load(cohort_id)
    version = live_version_of(course)
    if version is None:
        abort(404)
    page = request.args.get("page", "1")
    board = cohort_dashboard(cohort, version.id, clock.now(), int(page) if page.isdigit() else 1)
    return render_template("cohorts/dashboard.html", cohort=cohort, course=course, board=board)


@bp.get("/cohorts/<id:cohort_id>/dashboard.csv")
@login_required
def dashboard_csv(cohort_id: int):
    cohort, course = _load(cohort_id)
    version = live_version_of(course)
    if version is None:
        abort(404)
    now = clock.now()
    version_id = version.id

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        header_written = False
        for modules, rows in matrix_rows(cohort, version_id, now):
            if not header_written:
                writer.writerow(["learner", *(m.key for m in modules), "last_activity", "modules_behind",
                                 "at_risk_reasons"])
                header_written = True
            for row in rows:
                writer.writerow([row.display_name, *(row.completed.get(m.key, 0) for m in modules),
                                 row.last_activity.isoformat() if row.last_activity else "", row.modules_behind,
                                 "; ".join(row.reasons)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if not header_written:
            yield "learner\n"

    return Response(stream_with_context(lines()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cohort-{cohort.id}-progress.csv"'})
