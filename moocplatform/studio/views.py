"""Course teams' workspace: version history, draft preview, publish, export (and upload, in uploads.py)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..catalog import queries as catalog_queries
from ..catalog import services as catalog_services
from ..catalog.packfiles import export_zip, unit_source_diffs
from ..forms import EmptyForm
from ..learning.queries import NO_PROGRESS
from ..quizzes import stats as quiz_stats


def _managed_course(slug: str):
    course = catalog_services.get_course(slug)
    if not policy.can_manage_course(current_user, course):
        abort(403)
    return course


@login_required
def versions(slug: str):
    course = _managed_course(slug)
    history = catalog_services.version_history(course)
    authors = catalog_queries.users_by_id({v.created_by_id for v in history if v.created_by_id})
    # A draft's changed units, line by line against what learners see now.
    diffs = {version.id: unit_source_diffs(course.live_version_id, version.id,
                                           catalog_services.ChangeSet.from_dict(version.manifest.get("changes")).changed)
             for version in history if version.status == "draft" and course.live_version_id}
    return render_template("studio/versions.html", course=course, history=history, authors=authors,
                           changes=catalog_services.ChangeSet.from_dict, diffs=diffs, form=EmptyForm(),
                           retired_quizzes=quiz_stats.retired_quizzes(course))


@login_required
def preview_course(slug: str, version_id: int):
    course = _managed_course(slug)
    version = catalog_services.get_version(course, version_id)
    return render_template(
        "catalog/course.html", course=course, version=version, outline=catalog_queries.outline_for(version),
        enrollment=None, enrolled=False, progress=NO_PROGRESS, blocker=None, form=EmptyForm(), preview=True,
    )


@login_required
def preview_unit(slug: str, version_id: int, key: str):
    course = _managed_course(slug)
    version = catalog_services.get_version(course, version_id)
    outline = catalog_queries.outline_for(version)
    if key not in outline.by_key:
        abort(404)
    previous, following = outline.neighbours(key)
    unit = catalog_queries.unit_body_for_preview(
        version, key, live_units=url_for("learning.unit_page", slug=slug, key="_")[:-1],
        preview_units=url_for("studio.preview_unit", slug=slug, version_id=version.id, key="_")[:-1])
    return render_template(
        "learning/unit.html", course=course, version=version, outline=outline,
        unit=unit, previous=previous, following=following,
        progress=NO_PROGRESS, tracking=False, enrolled=True, preview=True,
        staff_notes=catalog_queries.staff_notes(version, key),
    )


@login_required
def publish(slug: str, version_id: int):
    course = _managed_course(slug)
    version = catalog_services.get_version(course, version_id)
    catalog_services.publish_version(current_user, course, version)  # the worker then records completions
    flash(_("Version %(v)s is live.", v=version.version), "success")
    return redirect(url_for("studio.versions", slug=slug))


@login_required
def discard(slug: str, version_id: int):
    course = _managed_course(slug)
    version = catalog_services.get_version(course, version_id)
    catalog_services.discard_draft(current_user, course, version)
    flash(_("The draft is discarded."), "success")
    return redirect(url_for("studio.versions", slug=slug))


@login_required
def export(slug: str, version_id: int):
    course = _managed_course(slug)
    version = catalog_services.get_version(course, version_id)
    return Response(export_zip(course.slug, version.id), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{course.slug}-{version.version}.zip"',
        "Cache-Control": "no-store",
    })
