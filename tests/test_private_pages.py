"""Private pages are stored in no cache; files that only a draft holds reach only those who may preview it."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from moocplatform.catalog.models import PackFile
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.quizzes import services as quizzes
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack
from tests.quiz_helpers import RIGHT, attempt_url, form, learner_in, quiz_course

SECRET_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Next term</title>'
              '<circle r="5"/></svg>')


@pytest.mark.parametrize("path", ["/account", "/account/data", "/my-learning", "/account/password",
                                  "/courses/alpha"])
def test_pages_for_a_signed_in_user_are_stored_nowhere(client, path):
    make_course("alpha")
    log_in(client, make_user())
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]


def test_quiz_results_are_stored_nowhere(client):
    course = quiz_course()
    learner = learner_in(course)
    log_in(client, learner)
    attempt = quizzes.start_attempt(learner, course, "check")
    client.post(attempt_url(attempt), data=form(RIGHT))
    response = client.get(attempt_url(attempt, "/results"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_for_visitors_keep_their_caching(client):
    make_course("alpha")
    assert "Cache-Control" not in client.get("/courses/alpha").headers
    asset = db.session.scalar(sa.select(PackFile).where(PackFile.path == "assets/square.svg"))
    log_in(client, make_user())
    served = client.get(f"/assets/{asset.sha256}/square.svg")
    assert "immutable" in served.headers["Cache-Control"] and "public" in served.headers["Cache-Control"]
    served.close()


def _course_with_a_draft_only_file():
    course = make_course("alpha")
    folder = write_pack(Path(tempfile.mkdtemp(prefix="pack-")), "alpha", version="2.0.0",
                        extra_files={"assets/next-term.svg": SECRET_SVG})
    import_pack(None, folder, publish=False)
    secret = db.session.scalar(sa.select(PackFile).where(PackFile.path == "assets/next-term.svg"))
    return course, f"/assets/{secret.sha256}/next-term.svg"


def test_a_draft_only_file_is_served_only_to_who_may_preview_the_draft(app, client):
    course, url = _course_with_a_draft_only_file()
    assert client.get(url).status_code == 404  # a visitor
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    assert client.get(url).status_code == 404  # an enrolled learner
    team = app.test_client()
    log_in(team, make_user("course_team", course=course))
    served = team.get(url)
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert served.headers["Cache-Control"] == "private, no-store"
    served.close()
    admin = app.test_client()
    log_in(admin, make_user("admin"))
    by_admin = admin.get(url)
    assert by_admin.status_code == 200
    by_admin.close()


def test_a_draft_file_is_public_once_a_published_version_holds_it(client):
    course, url = _course_with_a_draft_only_file()
    folder = write_pack(Path(tempfile.mkdtemp(prefix="pack-")), "alpha", version="3.0.0",
                        extra_files={"assets/next-term.svg": SECRET_SVG})
    import_pack(None, folder)
    served = client.get(url)
    assert served.status_code == 200 and "public" in served.headers["Cache-Control"]
    served.close()


def test_log_out_clears_what_the_browser_kept_of_the_session(client):
    log_in(client, make_user())
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
