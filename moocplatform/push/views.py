"""Subscribing this browser to push messages and unsubscribing it (JSON from the preferences page's script,
with the CSRF token in its header). Nothing here exists while push is not set up."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required

from ..accounts.session_cookies import current_session_id
from . import services
from .keys import push_configured

bp = Blueprint("push", __name__, url_prefix="/push", template_folder="templates")


@bp.before_request
def only_when_configured():
    if not push_configured():
        abort(404)


def _json_body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.post("/subscriptions")
@login_required
def subscribe():
    row = services.subscribe(current_user, current_session_id(), _json_body())
    return jsonify({"id": row.id}), 201


@bp.post("/subscriptions/delete")
@login_required
def unsubscribe():
    services.unsubscribe(current_user, _json_body().get("endpoint"))
    return "", 204
