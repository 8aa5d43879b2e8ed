from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from .. import audit, outbox, policy, query_args
from ..accounts.queries import account_counts, search_users_query
from ..accounts.reauth import requires_recent_password
from ..accounts.second_factor import has_second_factor
from ..accounts.services import get_user_by_email, grant_of, require_user
from ..accounts.throttling import recent_failures
from ..catalog import queries as catalog_queries
from ..catalog import services as catalog_services
from ..extensions import db
from ..forms import EmptyForm, apply_form, apply_or_flash
from ..organisations import queries as organisation_queries
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
    text, role, status = query_args.text("q"), query_args.text("role"), query_args.text("status")
    page = paginate(search_users_query(text, role, status), query_args.page_number(), per_page=50)
    return render_template("admin/users.html", page=page, q=text, role=role, status=status, roles=ROLE_LABELS)


@bp.get("/users/<id:user_id>")
def user_detail(user_id: int):
    user = require_user(user_id)
    form = GrantRoleForm()
    form.course.choices = _course_choices()
    courses = catalog_queries.courses_by_id({g.scope_id for g in user.roles
                                             if g.scope_type == "course" and g.scope_id is not None})
    organisations = organisation_queries.organisations_by_id(
        {g.via_organisation_id for g in user.roles if g.via_organisation_id is not None})
    history = db.session.scalars(
        sa.select(audit.AuditEntry).where(audit.AuditEntry.target_type == "user",
                                          audit.AuditEntry.target_id == str(user.id))
        .options(selectinload(audit.AuditEntry.actor)).order_by(audit.AuditEntry.created_at.desc()).limit(50)
    ).all()
    return render_template("admin/user.html", user=user, form=form, suspend_form=SuspendForm(),
                           button_form=EmptyForm(), courses=courses, organisations=organisations, history=history,
                           recent_failures=recent_failures(user.email), roles=ROLE_LABELS,
                           has_second_factor=has_second_factor(user))


@bp.post("/users/<id:user_id>/roles")
@requires_recent_password
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


def _confirm(question: str, consequence: str, action: str, label: str, back: str):
    """A page that asks before a destructive action; its form posts to the action (no JavaScript needed)."""
    return render_template("admin/confirm.html", question=question, consequence=consequence, action=action,
                           label=label, back=back)


@bp.get("/users/<id:user_id>/roles/<id:grant_id>/revoke")
def confirm_revoke_role(user_id: int, grant_id: int):
    user = require_user(user_id)
    grant = grant_of(user, grant_id)
    if grant is None:
        abort(404)
    in_course = grant.scope_type == "course" and grant.scope_id
    course = catalog_queries.get_course_by_id(grant.scope_id) if in_course and grant.scope_id else None
    role = str(ROLE_LABELS.get(grant.role, grant.role)) + (f": {course.title}" if course else "")
    return _confirm(_("Remove the role %(role)s from %(name)s?", role=role, name=user.display_name),
                    _("They lose what the role allows at once."),
                    url_for("admin.revoke_role", user_id=user.id, grant_id=grant.id), _("Yes, remove the role"),
                    url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/roles/<id:grant_id>/revoke")
@requires_recent_password
def revoke_role(user_id: int, grant_id: int):
    user = require_user(user_id)
    grant = grant_of(user, grant_id)
    if grant is None:
        abort(404)
    services.revoke_role(current_user, user, grant)
    flash(_("Role removed."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/suspend")
@requires_recent_password
def suspend(user_id: int):
    user = require_user(user_id)
    form = SuspendForm()
    if form.validate_on_submit():
        services.suspend_user(current_user, user, form.reason.data or "")
        flash(_("Account suspended."), "success")
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/unsuspend")
@requires_recent_password
def unsuspend(user_id: int):
    user = require_user(user_id)
    services.unsuspend_user(current_user, user)
    flash(_("Account reinstated."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/unlock")
@requires_recent_password
def unlock(user_id: int):
    user = require_user(user_id)
    cleared = services.unlock_user(current_user, user)
    flash(_("Log-in unlocked (%(n)d failed attempts cleared).", n=cleared), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.get("/users/<id:user_id>/second-factor/reset")
def confirm_reset_second_factor(user_id: int):
    user = require_user(user_id)
    return _confirm(_("Turn off the second factor of %(name)s?", name=user.display_name),
                    _("Their authenticator app and recovery codes stop working, they are logged out everywhere, "
                      "and their password alone logs them in until they set an app up again. Do this only for "
                      "the account holder, once you are sure who asks."),
                    url_for("admin.reset_second_factor", user_id=user.id), _("Yes, turn it off"),
                    url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/second-factor/reset")
@requires_recent_password
def reset_second_factor(user_id: int):
    user = require_user(user_id)
    if apply_or_flash(lambda: services.reset_second_factor(current_user, user))[0]:
        flash(_("The second factor is off; the account holder was told by mail."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.get("/courses")
def courses():
    return render_template("admin/courses.html", courses=catalog_queries.courses_by_title(), form=EmptyForm())


@bp.get("/courses/<id:course_id>/archive")
def confirm_archive_course(course_id: int):
    course = catalog_queries.get_course_by_id(course_id) or abort(404)
    return _confirm(_("Archive %(title)s?", title=course.title),
                    _("It leaves the catalogue and takes no new enrolments; enrolled learners can still read it. "
                      "You can bring it back later."),
                    url_for("admin.archive_course", course_id=course.id), _("Yes, archive the course"),
                    url_for("admin.courses"))


@bp.post("/courses/<id:course_id>/archive")
def archive_course(course_id: int):
    course = catalog_queries.get_course_by_id(course_id) or abort(404)
    catalog_services.archive_course(current_user, course)
    flash(_("%(title)s is archived.", title=course.title), "success")
    return redirect(url_for("admin.courses"))


@bp.post("/courses/<id:course_id>/unarchive")
def unarchive_course(course_id: int):
    course = catalog_queries.get_course_by_id(course_id) or abort(404)
    catalog_services.unarchive_course(current_user, course)
    flash(_("%(title)s is back in the catalogue.", title=course.title), "success")
    return redirect(url_for("admin.courses"))


def _day(text: str) -> datetime | None:
    """A YYYY-MM-DD filter as the UTC midnight it starts; anything else is no filter."""
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC) if text else None
    except ValueError:
        return None


@bp.get("/audit")
def audit_log():
    args = {name: query_args.text(name, max_length=200)
            for name in ("action", "actor", "target_type", "target_id", "from", "to")}
    actor = get_user_by_email(args["actor"]) if args["actor"] else None
    if args["actor"] and actor is None:
        flash(_("No account has the address %(email)s.", email=args["actor"]), "error")
    until = _day(args["to"])
    query = audit.audit_page_query(
        action=args["action"] or None, actor_id=actor.id if actor else (-1 if args["actor"] else None),
        target_type=args["target_type"] or None, target_id=args["target_id"] or None,
        since=_day(args["from"]), before=until + timedelta(days=1) if until else None,
    ).options(selectinload(audit.AuditEntry.actor))
    page = paginate(query, query_args.page_number(), per_page=100)
    actions = db.session.scalars(sa.select(audit.AuditEntry.action).distinct().order_by(audit.AuditEntry.action)).all()
    target_types = db.session.scalars(sa.select(audit.AuditEntry.target_type).distinct()
                                      .order_by(audit.AuditEntry.target_type)).all()
    return render_template("admin/audit.html", page=page, filters=args, actions=actions, target_types=target_types)


@bp.get("/outbox")
def outbox_failures():
    page = paginate(outbox.failed_rows_query(), query_args.page_number(), per_page=100)
    return render_template("admin/outbox.html", page=page, health=outbox_health())


@bp.post("/outbox/<id:row_id>/retry")
def retry_outbox_row(row_id: int):
    row = outbox.retry_row(current_user, row_id)
    flash(_("Row %(id)d will run again.", id=row.id), "success")
    return redirect(url_for("admin.outbox_failures"))
