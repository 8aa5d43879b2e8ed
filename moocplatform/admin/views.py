from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from .. import audit, outbox, policy
from ..accounts.queries import account_counts, search_users_query
from ..accounts.services import grant_of, require_user
from ..accounts.throttling import recent_failures
from ..catalog import queries as catalog_queries
from ..catalog import services as catalog_services
from ..extensions import db
from ..forms import EmptyForm, apply_form
from ..outbox.health import worker_health as outbox_health
from ..pagination import paginate
from . import services
from .forms import ROLE_LABELS, GrantRoleForm, SuspendForm

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.before_request
@login_required
def require_administrator():
    if not policy.can_administer(current_user):
        abort(403)


def _course_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("— none —"))] + [SelectChoice(str(course_id), title)
                                                for course_id, title in catalog_queries.course_titles()]


@bp.get("/")
def index():
    counts = {**account_counts(), "courses": catalog_queries.course_count()}
    recent = db.session.scalars(audit.audit_page_query().options(selectinload(audit.AuditEntry.actor)).limit(10)).all()
    return render_template("admin/index.html", counts=counts, recent=recent)


@bp.get("/users")
def users():
    text, role, status = request.args.get("q", "")[:200], request.args.get("role", ""), request.args.get("status", "")
    page = paginate(search_users_query(text, role, status), request.args.get("page", "1"), per_page=50)
    return render_template("admin/users.html", page=page, q=text, role=role, status=status, roles=ROLE_LABELS)


@bp.get("/users/<int:user_id>")
def user_detail(user_id: int):
    user = require_user(user_id)
    form = GrantRoleForm()
    form.course.choices = _course_choices()
    courses = catalog_queries.courses_by_id({g.scope_id for g in user.roles if g.scope_type == "course"})
    history = db.session.scalars(
        sa.select(audit.AuditEntry).where(audit.AuditEntry.target_type == "user",
                                          audit.AuditEntry.target_id == str(user.id))
        .options(selectinload(audit.AuditEntry.actor)).order_by(audit.AuditEntry.created_at.desc()).limit(50)
    ).all()
    return render_template("admin/user.html", user=user, form=form, suspend_form=SuspendForm(),
                           button_form=EmptyForm(), courses=courses, history=history,
                           recent_failures=recent_failures(user.email), roles=ROLE_LABELS)


@bp.post("/users/<int:user_id>/roles")
def grant_role(user_id: int):
    user = require_user(user_id)
    form = GrantRoleForm()
    form.course.choices = _course_choices()
    if form.validate_on_submit():
        course = catalog_queries.get_course_by_id(int(form.course.data)) if form.course.data else None
        if apply_form(form, lambda: services.grant_role(current_user, user, form.role.data, course))[0]:
            flash(_("Role granted."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    for message in [*form.form_errors, *(m for name, errors in form.errors.items() if name for m in errors)]:
        flash(message, "error")  # the form is not shown again: its errors go with the redirect
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/roles/<int:grant_id>/revoke")
def revoke_role(user_id: int, grant_id: int):
    user = require_user(user_id)
    grant = grant_of(user, grant_id)
    if grant is None:
        abort(404)
    services.revoke_role(current_user, user, grant)
    flash(_("Role removed."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/suspend")
def suspend(user_id: int):
    user = require_user(user_id)
    form = SuspendForm()
    if form.validate_on_submit():
        services.suspend_user(current_user, user, form.reason.data or "")
        flash(_("Account suspended."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/unsuspend")
def unsuspend(user_id: int):
    user = require_user(user_id)
    services.unsuspend_user(current_user, user)
    flash(_("Account reinstated."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id: int):
    user = require_user(user_id)
    cleared = services.unlock_user(current_user, user)
    flash(_("Log-in unlocked (%(n)d failed attempts cleared).", n=cleared), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.get("/courses")
def courses():
    return render_template("admin/courses.html", courses=catalog_queries.courses_by_title(), form=EmptyForm())


@bp.post("/courses/<int:course_id>/archive")
def archive_course(course_id: int):
    course = catalog_queries.get_course_by_id(course_id) or abort(404)
    catalog_services.archive_course(current_user, course)
    flash(_("%(title)s is archived.", title=course.title), "success")
    return redirect(url_for("admin.courses"))


@bp.post("/courses/<int:course_id>/unarchive")
def unarchive_course(course_id: int):
    course = catalog_queries.get_course_by_id(course_id) or abort(404)
    catalog_services.unarchive_course(current_user, course)
    flash(_("%(title)s is back in the catalogue.", title=course.title), "success")
    return redirect(url_for("admin.courses"))


@bp.get("/audit")
def audit_log():
    action = request.args.get("action", "")[:64]
    query = audit.audit_page_query(action=action or None).options(selectinload(audit.AuditEntry.actor))
    page = paginate(query, request.args.get("page", "1"), per_page=100)
    actions = db.session.scalars(sa.select(audit.AuditEntry.action).distinct().order_by(audit.AuditEntry.action)).all()
    return render_template("admin/audit.html", page=page, action=action, actions=actions)


@bp.get("/outbox")
def outbox_failures():
    page = paginate(outbox.failed_rows_query(), request.args.get("page", "1"), per_page=100)
    return render_template("admin/outbox.html", page=page, health=outbox_health())


@bp.post("/outbox/<int:row_id>/retry")
def retry_outbox_row(row_id: int):
    row = outbox.retry_row(current_user, row_id)
    flash(_("Row %(id)d will run again.", id=row.id), "success")
    return redirect(url_for("admin.outbox_failures"))
