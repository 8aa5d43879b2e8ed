"""The studio's URLs: course teams' versions, previews, uploads and exports."""
from flask import Blueprint

from . import uploads, views

bp = Blueprint("studio", __name__, url_prefix="/studio", template_folder="templates")
bp.add_url_rule("/upload", view_func=uploads.upload, methods=["GET", "POST"])
bp.add_url_rule("/courses/<key:slug>/upload", view_func=uploads.upload, methods=["GET", "POST"])
bp.add_url_rule("/courses/<key:slug>/versions", view_func=views.versions)
bp.add_url_rule("/courses/<key:slug>/versions/<id:version_id>", view_func=views.preview_course)
bp.add_url_rule("/courses/<key:slug>/versions/<id:version_id>/units/<key:key>", view_func=views.preview_unit)
bp.add_url_rule("/courses/<key:slug>/versions/<id:version_id>/publish", view_func=views.publish, methods=["POST"])
bp.add_url_rule("/courses/<key:slug>/versions/<id:version_id>/discard", view_func=views.discard, methods=["POST"])
bp.add_url_rule("/courses/<key:slug>/versions/<id:version_id>/export.zip", view_func=views.export)
