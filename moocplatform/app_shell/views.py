"""The manifest, the service worker (at the site root, so its scope is the whole site), the offline page and
the signed-in home page."""
from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from .. import clock
from ..i18n import request_locale
from . import queries, shell

bp = Blueprint("app_shell", __name__, template_folder="templates")


@bp.get("/manifest.webmanifest")
def manifest():
    body = json.dumps(shell.manifest(request_locale() or "en"), ensure_ascii=False)
    response = Response(body, mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/service-worker.js")
def service_worker():
    response = Response(shell.worker_script(), mimetype="text/javascript")
    # Browsers check for a new worker on every visit; "no-cache" lets them revalidate instead of waiting a day.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = request.script_root + "/"
    return response


@bp.get("/offline")
def offline_page():
    return render_template("app_shell/offline.html")


@bp.get("/home")
@login_required
def home():
    return render_template("app_shell/home.html", home=queries.home_for(current_user, clock.now()))
