"""Opportunities with employers: members of an approved employer organisation post jobs, internships,
apprenticeships and projects; learners browse them, see which of their certificates match, and apply with a
message and a link (see attachments.py for the areas that offer such links); employers work the applications
to their own postings; facilitators recommend postings to their cohorts; moderators remove reported ones.
The worker closes postings on their date and deletes applications a set time after."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from ..extensions import csrf


def init_app(app: Flask) -> None:
    from ..jobs import register_job
    from . import notices  # noqa: F401  (registers the notification kinds)
    from .api import bp as api_bp
    from .services import close_due_opportunities, delete_expired_applications
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # bearer requests carry no cookie authority
    register_job(app, "close-due-opportunities", "Close the opportunities whose closing date has passed.",
                 close_due_opportunities, interval=timedelta(hours=1))
    register_job(app, "delete-expired-applications",
                 "Delete applications to opportunities that ended more than the retention period ago.",
                 delete_expired_applications, interval=timedelta(hours=6))
