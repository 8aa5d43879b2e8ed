"""Demo accounts for trying the platform locally (`moocplatform seed-demo`, run by `make run`)."""
from __future__ import annotations

import sqlalchemy as sa

from .accounts.services import create_verified_user, get_user_by_email
from .admin.services import grant_role
from .catalog.models import Course
from .extensions import db
from .learning.services import enrol_learner

DEMO_PASSWORD = "learn-together-2026"
DEMO_ACCOUNTS = (
    ("learner", "learner@example.org", "Alex Learner", "Alex Example"),
    ("facilitator", "facilitator@example.org", "Sam Facilitator", "Sam Example"),
    ("course team", "courseteam@example.org", "Kim Course Team", "Kim Example"),
    ("administrator", "admin@example.org", "Robin Admin", "Robin Example"),
)


def seed_demo_accounts() -> list[tuple[str, str]]:
    """Create the demo accounts with their roles (for every imported course); running it again adds nothing."""
    courses = list(db.session.scalars(sa.select(Course).order_by(Course.slug)))
    created = []
    for role, email, display_name, full_name in DEMO_ACCOUNTS:
        user = get_user_by_email(email) or create_verified_user(email, display_name, DEMO_PASSWORD,
                                                                 full_name=full_name)
        if role == "administrator":
            grant_role(None, user, "admin")
        for course in courses:
            if role == "facilitator":
                grant_role(None, user, "facilitator", course)
            elif role == "course team":
                grant_role(None, user, "course_team", course)
            elif role == "learner" and course.slug == "learning-to-learn":
                enrol_learner(user, course)
        created.append((role, email))
    return created
