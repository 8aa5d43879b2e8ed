"""Uploading a pack (.zip) from the browser: checked in a temporary folder, stored as a draft when valid."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from .. import policy, transaction
from ..catalog import services as catalog_services
from ..content import PackError
from ..content.archive import open_pack
from ..errors import DomainError, InvalidInput, PermissionDenied


class UploadForm(FlaskForm):
    pack = FileField(_l("Content pack (.zip)"), validators=[
        FileRequired(_l("Choose a .zip file.")), FileAllowed(["zip"], _l("Upload the pack as a .zip file."))],
        description=_l("A valid pack becomes a draft that you can preview before publishing it."))


def receive_pack(actor, upload, expected_slug: str | None):
    """Unpack and import an uploaded archive as a draft; returns (result, problems).
    expected_slug: the course whose studio received it (its team may upload), or None for a new course."""
    course = catalog_services.get_course(expected_slug) if expected_slug else None
    if not (policy.can_manage_course(actor, course) if course else policy.can_create_course(actor)):
        raise PermissionDenied(_("You cannot upload packs for this course.") if course
                               else _("Only administrators can create new courses."))
    if upload is None or not getattr(upload, "filename", ""):
        raise InvalidInput(_("Choose a .zip file."), field="pack")
    work = Path(tempfile.mkdtemp(prefix="upload-", dir=_temporary_root()))
    try:
        archive = work / "pack.zip"
        upload.save(archive)
        folder = open_pack(archive, work / "pack")
        pack = catalog_services.read_pack(folder)
        if expected_slug and pack.id != expected_slug:
            return None, [_("This pack is for the course %(other)s, not %(this)s.", other=pack.id,
                            this=expected_slug)]
        return catalog_services.import_pack(actor, folder, publish=False), []
    except PackError as error:
        return None, [str(problem) for problem in error.problems]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _temporary_root() -> str:
    root = Path(current_app.instance_path) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return str(root)


@login_required
def upload(slug: str | None = None):
    course = catalog_services.get_course(slug) if slug else None
    allowed = policy.can_manage_course(current_user, course) if course else policy.can_create_course(current_user)
    if not allowed:
        abort(403)
    form = UploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            result, problems = receive_pack(current_user, form.pack.data, slug)
        except DomainError as error:
            problems = [error.message]
            result = None
        if result is not None and not problems and result.outcome == "unchanged":
            flash(_("This pack is identical to version %(v)s as stored (%(status)s): nothing was stored.",
                    v=result.pack_version, status=_("live") if result.version and result.version.status == "live"
                    else _("draft")), "info")
            return redirect(url_for("studio.versions", slug=result.course.slug))
        if result is not None and not problems:
            flash(_("Version %(v)s is stored as a draft: %(changes)s. Preview it, then publish it.",
                    v=result.pack_version, changes=result.changes.describe()), "success")
            for warning in result.changes.warnings():
                flash(warning, "warning")
            return redirect(url_for("studio.versions", slug=result.course.slug))
        transaction.roll_back()  # whatever the import wrote before it found the problems
    status = 422 if problems or form.errors else 200
    return render_template("studio/upload.html", course=course, form=form, problems=problems), status
