from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user

from .. import policy, query_args
from ..content.render import reference_list_html
from ..forms import EmptyForm
from ..learning.queries import completion_rules_for, enrollment_and_progress
from ..learning.services import enrolment_blocker
from ..storage import StoredFileMissing
from . import assets, queries
from .panels import course_panels_for

bp = Blueprint("catalog", __name__, template_folder="templates")


@bp.get("/")
@bp.get("/courses")
def catalogue():
    filters = queries.CatalogueFilters(
        q=query_args.text("q"), language=query_args.text("language"), competence=query_args.text("competence"),
        effort=query_args.text("effort"), page=query_args.page_number(),
    )
    page = queries.catalogue(filters, page_size=current_app.config["CATALOG_PAGE_SIZE"])
    return render_template("catalog/catalogue.html", page=page, filters=filters,
                           effort_levels=queries.EFFORT_LEVELS)


@bp.get("/courses/<key:slug>")
def course_page(slug: str):
    course, version = queries.course_with_live_version(slug)
    enrollment, progress = enrollment_and_progress(current_user, course.id)
    if not policy.can_view_course(current_user, course):
        abort(404)
    outline = queries.outline_for(version)
    # One query, only where the pack names partners by slug: those that are organisations here get a link.
    partner_pages = (queries.partner_organisations(course.id)
                     if any(p.get("slug") for p in version.manifest.get("partners") or []) else {})
    return render_template(
        "catalog/course.html", course=course, version=version, outline=outline, enrollment=enrollment,
        partner_pages=partner_pages,
        enrolled=policy.is_enrolled(current_user, course), progress=progress,
        blocker=enrolment_blocker(current_user, course, enrollment),
        completion_rules=completion_rules_for(current_user, course, enrollment), form=EmptyForm(),
        panels=course_panels_for(current_user, course),
    )


@bp.get("/courses/<key:slug>/references")
def references(slug: str):
    course, version = queries.course_with_live_version(slug)
    if not policy.can_view_course(current_user, course):
        abort(404)
    references_unit = next((u for u in queries.outline_for(version).units if u.type == "references"), None)
    if references_unit is not None:  # the pack has its own references unit: the list lives there
        return redirect(url_for("learning.unit_page", slug=slug, key=references_unit.key))
    return render_template("catalog/references.html", course=course,
                           references_html=reference_list_html(version.manifest.get("references", [])))


@bp.get("/assets/<sha256>/<name>")
def pack_asset(sha256: str, name: str):
    """Files from packs, by content hash: immutable, so cached for a year; sandboxed so SVG cannot script.
    A file that only drafts contain is served only to those who may preview them, and cached nowhere."""
    found = queries.pack_asset(sha256, name)
    if found is None:
        abort(404)
    if not found.published and not any(policy.can_manage_course(current_user, c) for c in found.draft_courses):
        abort(404)
    try:
        response = assets.send_asset(sha256, mimetype=found.content_type, max_age=31536000, download_name=name)
    except (ValueError, StoredFileMissing):
        abort(404)
    if found.published:
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Content-Disposition"] = (
        "inline" if found.content_type.startswith(("image/", "text/", "application/pdf")) else "attachment"
    ) + f'; filename="{name}"'
    return response
