from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from .. import audit, outbox, policy
from ..accounts.models import RoleGrant, User
from ..accounts.services import require_user, throttle_wait
from ..catalog import services as catalog_services
from ..catalog.models import Course
from ..extensions import db
from ..forms import EmptyForm, apply_form
from ..outbox.health import worker_health as outbox_health
from ..pagination import paginate
from . import services
from .forms import ROLE_LABELS, GrantRoleForm, SuspendForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_administrator():
    if not policy.can_administer(current_user):
        abort(403)


def _course_choices() -> list[SelectChoice]:
    courses = db.session.execute(sa.select(Course.id, Course.title).order_by(Course.title)).all()
    return [SelectChoice("", _("— none —"))] + [SelectChoice(str(c.id), c.title) for c in courses]


@bp.get("/")
def index():
    counts = {
        "users": db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.status != "deleted")),
        "suspended": db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.status == "suspended")),
        "courses": db.session.scalar(sa.select(sa.func.count()).select_from(Course)),
    }
    recent = db.session.scalars(audit.audit_page_query().options(selectinload(audit.AuditEntry.actor)).limit(10)).all()
    return render_template("admin/index.html", counts=counts, recent=recent)


@bp.get("/users")
def users():
    text, role, status = request.args.get("q", "")[:200], request.args.get("role", ""), request.args.get("status", "")
    page = paginate(services.search_users_query(text, role, status).options(selectinload(User.roles)),
                    request.args.get("page", "1"), per_page=50)
    return render_template("admin/users.html", page=page, q=text, role=role, status=status, roles=ROLE_LABELS)


@bp.get("/users/<int:user_id>")
def user_detail(user_id: int):
    user = require_user(user_id)
    form = GrantRoleForm()
    form.course.choices = _course_choices()
    courses = {c.id: c for c in db.session.scalars(sa.select(Course))} if user.roles else {}
    history = db.session.scalars(
        sa.select(audit.AuditEntry).where(audit.AuditEntry.target_type == "user",
                                          audit.AuditEntry.target_id == str(user.id))
        .options(selectinload(audit.AuditEntry.actor)).order_by(audit.AuditEntry.created_at.desc()).limit(50)
    ).all()
    return render_template("admin/user.html", user=user, form=form, suspend_form=SuspendForm(),
                           button_form=EmptyForm(), courses=courses, history=history,
                           throttled_for=throttle_wait(user.email, ""), roles=ROLE_LABELS)


@bp.post("/users/<int:user_id>/roles")
def grant_role(user_id: int):
    user = require_user(user_id)
    form = GrantRoleForm()
    form.course.choices = _course_choices()
    if form.validate_on_submit():
        course = db.session.get(Course, int(form.course.data)) if form.course.data else None
        if apply_form(form, lambda: services.grant_role(current_user, user, form.role.data, course))[0]:
            flash(_("Role granted."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    for name, field_errors in form.errors.items():
        if name is not None:  # errors above the form were flashed already
            for message in field_errors:
                flash(message, "error")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/roles/<int:grant_id>/revoke")
def revoke_role(user_id: int, grant_id: int):
    user = require_user(user_id)
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.user_id != user.id:
        abort(404)
    services.revoke_role(current_user, user, grant)
    db.session.commit()
    flash(_("Role removed."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/suspend")
def suspend(user_id: int):
    user = require_user(user_id)
    form = SuspendForm()
    if form.validate_on_submit():
        services.suspend_user(current_user, user, form.reason.data or "")
        db.session.commit()
        flash(_("Account suspended."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/unsuspend")
def unsuspend(user_id: int):
    user = require_user(user_id)
    services.unsuspend_user(current_user, user)
    db.session.commit()
    flash(_("Account reinstated."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id: int):
    user = require_user(user_id)
    cleared = services.unlock_user(current_user, user)
    db.session.commit()
    flash(_("Log-in unlocked (%(n)d failed attempts cleared).", n=cleared), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.get("/courses")
def courses():
    rows = db.session.scalars(sa.select(Course).order_by(Course.title)).all()
    return render_template("admin/courses.html", courses=rows, form=EmptyForm())


@bp.post("/courses/<int:course_id>/archive")
def archive_course(course_id: int):
    course = db.session.get(Course, course_id) or abort(404)
    catalog_services.archive_course(current_user, course)
    db.session.commit()
    flash(_("%(title)s is archived.", title=course.title), "success")
    return redirect(url_for("admin.courses"))


@bp.post("/courses/<int:course_id>/unarchive")
def unarchive_course(course_id: int):
    course = db.session.get(Course, course_id) or abort(404)
    catalog_services.unarchive_course(current_user, course)
    db.session.commit()
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
    db.session.commit()
    flash(_("Row %(id)d will run again.", id=row.id), "success")
    return redirect(url_for("admin.outbox_failures"))
