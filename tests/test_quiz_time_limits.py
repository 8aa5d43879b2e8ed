"""Quiz time limits: the grace, late submissions, closing expired attempts (on visit and by the job)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from moocplatform import clock
from moocplatform.extensions import db
from moocplatform.quizzes import services
from tests.conftest import log_in
from tests.factories import make_user
from tests.quiz_helpers import RIGHT, attempt_url, form, learner_in, quiz_course

# Time limits ----------------------------------------------------------------------------------------------------

def test_a_submission_within_the_grace_counts(client):
    course = quiz_course(time_limit_minutes=10)
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    assert attempt.deadline == clock.now() + timedelta(minutes=10)
    assert "Time left: 10 min" in client.get(attempt_url(attempt)).get_data(as_text=True)
    clock.advance(timedelta(minutes=10, seconds=29))
    client.post(attempt_url(attempt), data=form(RIGHT))
    db.session.refresh(attempt)
    assert (attempt.score, attempt.late) == (100.0, False)


def test_a_late_submission_is_graded_with_the_answers_saved_in_time(client):
    course = quiz_course(time_limit_minutes=10)
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    clock.advance(timedelta(minutes=5))
    client.post(attempt_url(attempt), data=form({"q1": "a", "q3": "false"}, "save"))
    clock.advance(timedelta(minutes=5, seconds=31))
    response = client.post(attempt_url(attempt), data=form(RIGHT))
    assert response.headers["Location"].endswith("/results")
    db.session.refresh(attempt)
    assert attempt.late and attempt.status == "submitted"
    assert attempt.score == pytest.approx(100 * 2 / 7) and attempt.responses == {"q1": "a", "q3": "false"}
    assert "graded with the answers saved before the time limit" in client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_a_late_save_or_visit_closes_the_attempt(client):
    course = quiz_course(time_limit_minutes=1, max_attempts=0)
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    client.post(attempt_url(attempt), data=form({"q1": "a"}, "save"))
    clock.advance(timedelta(minutes=2))
    response = client.post(attempt_url(attempt), data=form(RIGHT, "save"))
    assert response.headers["Location"].endswith("/results")
    db.session.refresh(attempt)
    assert attempt.late and attempt.responses == {"q1": "a"}
    second = services.start_attempt(learner, course, "check")
    clock.advance(timedelta(minutes=2))
    assert client.get(attempt_url(second)).headers["Location"].endswith(attempt_url(second, "/results"))
    db.session.refresh(second)
    assert second.status == "submitted" and second.late and second.score == 0.0
    third = services.start_attempt(learner, course, "check")
    clock.advance(timedelta(minutes=2))
    fourth = services.start_attempt(learner, course, "check")  # closes the expired third first
    db.session.refresh(third)
    assert third.status == "submitted" and fourth.number == 4


def test_extra_minutes_lengthen_new_attempts_and_the_one_under_way():
    course = quiz_course(time_limit_minutes=10, max_attempts=0)
    learner = learner_in(course)
    team = make_user("course_team", course=course)
    attempt = services.start_attempt(learner, course, "check")
    services.grant_exception(team, learner, course, "check", 0, 5, "Extra time agreed")
    db.session.refresh(attempt)
    assert attempt.deadline == clock.now() + timedelta(minutes=15)
    clock.advance(timedelta(minutes=14))
    assert services.submit_attempt(learner, attempt, RIGHT).attempt.late is False
    assert services.start_attempt(learner, course, "check").deadline == clock.now() + timedelta(minutes=15)


def test_the_job_closes_attempts_nobody_came_back_to(app):
    from moocplatform.jobs import run_jobs
    course = quiz_course(time_limit_minutes=10, max_attempts=0)
    gone, still_working, untimed_course = learner_in(course), learner_in(course), quiz_course("beta")
    abandoned = services.start_attempt(gone, course, "check")
    services.save_responses(gone, abandoned, {"q1": "a", "q3": "false"})
    clock.advance(timedelta(minutes=9))
    under_way = services.start_attempt(still_working, course, "check")
    untimed = services.start_attempt(learner_in(untimed_course), untimed_course, "check")
    db.session.commit()
    clock.advance(timedelta(minutes=1, seconds=31))
    assert run_jobs(["close-expired-quiz-attempts"]) == {"close-expired-quiz-attempts": 1}
    for attempt in (abandoned, under_way, untimed):
        db.session.refresh(attempt)
    assert abandoned.status == "submitted" and abandoned.late
    assert abandoned.score == pytest.approx(100 * 2 / 7) and abandoned.responses == {"q1": "a", "q3": "false"}
    assert under_way.status == "in_progress" and untimed.status == "in_progress"
    assert run_jobs(["close-expired-quiz-attempts"]) == {"close-expired-quiz-attempts": 0}
