"""The notifications page, the preferences page and the one-click unsubscribe link of every mail."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import csrf
from ..forms import EmptyForm, apply_or_flash
from . import queries, services
from .channels import device_settings_templates, offered_channels
from .kinds import notification_kind, registered_notification_kinds
from .models import Channel

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")

CHANNEL_LABELS = {Channel.in_app: "On the site", Channel.email: "E-mail at once", Channel.digest: "Daily summary",
                  Channel.weekly: "Weekly summary (Monday morning)",
                  Channel.push: "Push message to my devices", Channel.off: "Off"}


def describe(row) -> str:
    try:
        return notification_kind(row.kind).describe(row.params)
    except LookupError:
        return _("Something happened on moocplatform.")


@bp.get("")
@login_required
def index():
    page = queries.notifications_page(current_user, request.args.get("page", "1"))
    return render_template("notifications/index.html", page=page, describe=describe, form=EmptyForm())


@bp.post("/read")
@login_required
def mark_all_read():
    if EmptyForm().validate_on_submit():
        services.mark_all_read(current_user)
        flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/<id:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    row = services.open_notification(current_user, notification_id)
    return redirect(row.link or url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = EmptyForm()
    if form.validate_on_submit():
        choices = {kind.name: request.form.get(kind.name, "") for kind in registered_notification_kinds()}
        ok, _result = apply_or_flash(lambda: services.set_preferences(current_user, current_user, choices))
        if ok:
            flash(_("Your choices are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    offered = offered_channels()
    # A chosen channel no longer set up here (push without keys) tells on the site only: the page shows that.
    chosen = {kind: channel if channel in offered else Channel.in_app
              for kind, channel in queries.preferences_of(current_user.id).items()}
    return render_template("notifications/preferences.html", form=form, kinds=registered_notification_kinds(),
                           chosen=chosen, channels=offered,
                           device_settings=device_settings_templates(),
                           channel_labels={c: _(label) for c, label in CHANNEL_LABELS.items()})


@bp.route("/unsubscribe/<secret>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail programs post here without a form; the secret in the address is the proof
def unsubscribe(secret: str):
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", secret=secret, done=False)
    services.unsubscribe(secret)
    return render_template("notifications/unsubscribe.html", secret=secret, done=True)
