"""A learner with a recorded completion and its certificate, through the services the platform uses."""
from __future__ import annotations

from moocplatform.certificates.queries import by_public_id
from moocplatform.certificates.services import issue_certificate
from moocplatform.extensions import db
from moocplatform.learning.completion import record_completions


def completed_with_certificate(learner, course, *, full_name: str = "Ada Lovelace Byron"):
    learner.full_name = full_name
    db.session.flush()
    record_completions(course.id, "1.0.0", [learner.id])
    certificate = issue_certificate(learner.id, course.id)
    assert certificate is not None
    return by_public_id(certificate.public_id)
