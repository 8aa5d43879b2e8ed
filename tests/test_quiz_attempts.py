"""Quiz attempts: starting and resuming, limits and exceptions, draws and shuffles, saving, submitting once
(also under real concurrency on PostgreSQL), time limits kept by the server, hostile forms, versions."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from moocplatform import personal_data
from moocplatform.accounts.models import User
from moocplatform.audit import AuditEntry
from moocplatform.catalog.models import Course
from moocplatform.catalog.services import import_pack
from moocplatform.errors import InvalidInput, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.models import UnitProgress
from moocplatform.quizzes import services
from moocplatform.quizzes.grading import draw_questions, option_order
from moocplatform.quizzes.models import QuizAttempt, QuizException
from tests.concurrency import at_once, committed_for_real, only_on_postgres
from tests.conftest import log_in
from tests.factories import make_course, make_user, sample_quiz, write_pack
from tests.quiz_helpers import FAILING, RIGHT, WRONG, attempt_url, form, learner_in, quiz_course, quiz_form, submitted

# Starting and resuming ----------------------------------------------------------------------------------------

def test_start_draws_questions_and_orders_from_the_seed_and_resumes(client):
    course = quiz_course()
    learner = learner_in(course)
    log_in(client, learner)
    first = client.post("/courses/alpha/quizzes/check/start")
    again = client.post("/courses/alpha/quizzes/check/start")  # a second click, or a second tab
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    attempt, = db.session.scalars(sa.select(QuizAttempt)).all()
    assert (attempt.number, attempt.status, attempt.deadline) == (1, "in_progress", None)
    assert attempt.version_id == course.live_version_id
    definition = services.live_definition(course, "check")
    assert attempt.question_ids == draw_questions(services.quiz_data(definition), attempt.seed)
    questions = {q["id"]: q for q in definition.questions}
    assert attempt.option_orders == {qid: option_order(questions[qid], attempt.seed)
                                     for qid in ("q1", "q2", "q6", "q7")}


def test_only_enrolled_learners_start(client):
    course = quiz_course()
    outsider = make_user()
    with pytest.raises(PermissionDenied):
        services.start_attempt(outsider, course, "check")
    log_in(client, outsider)
    assert client.post("/courses/alpha/quizzes/check/start").status_code == 403
    assert client.post("/courses/alpha/quizzes/nope/start").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0


def test_max_attempts_and_extra_attempts_from_an_exception(client):
    course = quiz_course(max_attempts=2)
    learner = learner_in(course)
    team = make_user("course_team", course=course)
    submitted(course, learner, WRONG)
    submitted(course, learner, WRONG)
    with pytest.raises(PermissionDenied, match="used all your attempts"):
        services.start_attempt(learner, course, "check")
    log_in(client, learner)
    response = client.post("/courses/alpha/quizzes/check/start")
    assert response.status_code == 302 and response.headers["Location"].endswith("/units/quiz-unit")
    assert "used all your attempts" in client.get("/courses/alpha/units/quiz-unit").get_data(as_text=True)
    services.grant_exception(team, learner, course, "check", 1, 0, "Was ill in week 2")
    third = services.start_attempt(learner, course, "check")
    assert third.number == 3
    services.submit_attempt(learner, third, RIGHT)
    with pytest.raises(PermissionDenied):
        services.start_attempt(learner, course, "check")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "quiz.exception"))
    assert entry.actor_id == team.id and entry.details["extra_attempts"] == 1
    assert entry.details["reason"] == "Was ill in week 2"


def test_exceptions_need_the_permission_an_enrolled_learner_and_something_to_grant():
    course = quiz_course()
    learner = learner_in(course)
    team = make_user("course_team", course=course)
    with pytest.raises(PermissionDenied):
        services.grant_exception(make_user("facilitator", course=course), learner, course, "check", 1, 0, "x")
    with pytest.raises(PermissionDenied):
        services.grant_exception(learner, learner, course, "check", 1, 0, "x")
    with pytest.raises(InvalidInput, match="enrolled"):
        services.grant_exception(team, make_user(), course, "check", 1, 0, "x")
    with pytest.raises(InvalidInput, match="at least one"):
        services.grant_exception(team, learner, course, "check", 0, 0, "x")
    with pytest.raises(InvalidInput, match="why"):
        services.grant_exception(team, learner, course, "check", 1, 0, "  ")
    with pytest.raises(InvalidInput):
        services.grant_exception(team, learner, course, "check", -1, 0, "x")
    admin = make_user("admin")
    services.grant_exception(admin, learner, course, "check", 0, 15, "Screen reader setup")
    assert db.session.scalar(sa.select(QuizException.extra_minutes)) == 15


def test_pools_are_drawn_once_per_attempt_and_stay(client):
    questions = [{"id": f"p{n}", "type": "true_false", "prompt": f"Statement {n}", "answer": True}
                 for n in range(1, 7)]
    course = quiz_course(questions=questions, max_attempts=0, pools=[{"draw": 2, "from": ["p1", "p2", "p3", "p4"]}])
    learner = learner_in(course)
    log_in(client, learner)
    draws = set()
    for _ in range(8):
        attempt = services.start_attempt(learner, course, "check")
        assert len(attempt.question_ids) == 4 and {"p5", "p6"} <= set(attempt.question_ids)
        page = quiz_form(client.get(attempt_url(attempt)))
        assert quiz_form(client.get(attempt_url(attempt))) == page  # the same questions again
        shown = [qid for qid in ("p1", "p2", "p3", "p4") if f'name="q.{qid}"' in page]
        assert shown == [qid for qid in attempt.question_ids if qid in ("p1", "p2", "p3", "p4")]
        draws.add(tuple(shown))
        services.submit_attempt(learner, attempt, {})
    assert len(draws) > 1  # different attempts draw differently (8 seeds, 6 possible draws)


def test_shuffled_orders_stay_within_an_attempt(client):
    course = quiz_course(shuffle_questions=True)
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    page = client.get(attempt_url(attempt)).get_data(as_text=True)

    def positions(html, names):
        return sorted(names, key=lambda name: html.index(name))

    names = [f'name="q.{qid}"' for qid in ("q1", "q3", "q4", "q5", "q8")]
    option_values = [f'id="q-q1-{n}" value="{v}"' for n, v in enumerate(attempt.option_orders["q1"], start=1)]
    assert positions(page, names) == [f'name="q.{qid}"' for qid in attempt.question_ids if qid in
                                      ("q1", "q3", "q4", "q5", "q8")]
    assert all(value in page for value in option_values)
    client.post(attempt_url(attempt), data=form({"q1": "a"}, "save"))
    again = client.get(attempt_url(attempt)).get_data(as_text=True)
    assert positions(again, names) == positions(page, names)
    assert all(value in again for value in option_values)


# Saving and submitting -----------------------------------------------------------------------------------------

def test_save_progress_then_resume_shows_the_saved_answers(client):
    course = quiz_course()
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    response = client.post(attempt_url(attempt), data=form({"q1": "b", "q6": {"plan": 2}, "q8": "Draft"}, "save"))
    assert response.status_code == 302 and response.headers["Location"].endswith(attempt_url(attempt))
    db.session.refresh(attempt)
    assert attempt.status == "in_progress"
    assert attempt.responses == {"q1": "b", "q6": {"plan": 2}, "q8": "Draft"}
    page = client.get(attempt_url(attempt)).get_data(as_text=True)
    index = attempt.option_orders["q1"].index("b") + 1
    assert f'id="q-q1-{index}" value="b" checked' in page
    assert '<option value="2" selected>2</option>' in page and ">Draft</textarea>" in page
    # Start again: the attempt in progress is resumed, not a second one begun.
    assert client.post("/courses/alpha/quizzes/check/start").headers["Location"].endswith(attempt_url(attempt))


def test_passing_completes_the_unit_and_failing_does_not(client):
    course = quiz_course()
    learner = learner_in(course)
    failed = submitted(course, learner, FAILING)
    assert (failed.score, failed.passed) == (pytest.approx(100 * 4 / 7), False)
    assert db.session.scalar(sa.select(UnitProgress).where(UnitProgress.unit_key == "quiz-unit")) is None
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    response = client.post(attempt_url(attempt), data=form(RIGHT))
    assert response.headers["Location"].endswith(attempt_url(attempt, "/results"))
    db.session.refresh(attempt)
    assert (attempt.status, attempt.score, attempt.passed) == ("submitted", 100.0, True)
    assert attempt.results["q8"]["graded"] is False and attempt.results["q5"]["correct"] is True
    progress = db.session.scalar(sa.select(UnitProgress).where(UnitProgress.unit_key == "quiz-unit"))
    assert progress.completed_at is not None
    # The quiz unit has no manual completion button: passing completes it.
    page = client.get("/courses/alpha/units/quiz-unit").get_data(as_text=True)
    assert "You completed this unit." in page and "Mark as" not in page


def test_double_submit_records_one_result(client):
    course = quiz_course()
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    first = client.post(attempt_url(attempt), data=form(RIGHT))
    second = client.post(attempt_url(attempt), data=form(WRONG))  # the second click, or a replay, or a 2nd tab
    assert first.headers["Location"] == second.headers["Location"]
    db.session.refresh(attempt)
    assert (attempt.score, attempt.responses["q1"]) == (100.0, "a")
    assert "submitted already" in client.get(second.headers["Location"]).get_data(as_text=True)
    # The service says which call recorded the result; the loser gets the recorded one.
    again = services.submit_attempt(learner, attempt, WRONG)
    assert not again.recorded and again.attempt.score == 100.0
    # Saving after submission changes nothing either.
    client.post(attempt_url(attempt), data=form(WRONG, "save"))
    db.session.refresh(attempt)
    assert attempt.responses["q1"] == "a" and attempt.status == "submitted"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 1


def test_a_stale_copy_of_the_attempt_cannot_record_twice():
    """The conditional UPDATE decides, not what a request read earlier."""
    course = quiz_course()
    learner = learner_in(course)
    attempt = services.start_attempt(learner, course, "check")
    assert services.submit_attempt(learner, attempt, RIGHT).recorded
    # As another request read it before the first one committed (without marking the object changed).
    set_committed_value(attempt, "status", "in_progress")
    replay = services.submit_attempt(learner, attempt, WRONG)
    assert not replay.recorded and replay.attempt.status == "submitted" and replay.attempt.score == 100.0


def test_answers_to_questions_outside_the_attempt_are_refused(client):
    questions = [{"id": f"p{n}", "type": "true_false", "prompt": f"Statement {n}", "answer": True}
                 for n in range(1, 4)]
    course = quiz_course(questions=questions, pools=[{"draw": 1, "from": ["p1", "p2", "p3"]}])
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    shown, = attempt.question_ids
    other = next(q for q in ("p1", "p2", "p3") if q != shown)
    for data in ({f"q.{shown}": "true", f"q.{other}": "true"}, {"q.zzz": "x"}, {f"q.{shown}.sub": "true"}):
        for action in ("save", "submit"):
            response = client.post(attempt_url(attempt), data={**data, "action": action})
            assert response.status_code == 400
    db.session.refresh(attempt)
    assert (attempt.status, attempt.responses) == ("in_progress", {})
    with pytest.raises(InvalidInput):
        services.submit_attempt(learner, attempt, {other: "true"})
    with pytest.raises(InvalidInput):
        services.save_responses(learner, attempt, {"nope": "true"})
    db.session.refresh(attempt)
    assert attempt.status == "in_progress"


def test_tampered_extra_and_missing_fields_never_fail(client):
    course = quiz_course()
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    assert client.post(attempt_url(attempt), data={"action": "dance"}).status_code == 400
    assert client.post(attempt_url(attempt), data=form({"q6": {"nope": 1}})).status_code == 400
    assert client.post(attempt_url(attempt), data={}).status_code == 302  # no button named: a save
    db.session.refresh(attempt)
    assert attempt.status == "in_progress"
    hostile = {
        "action": "submit", "unrelated": "field", "csrf": "x",
        "q.q1": ["zzz", "a"],  # not an option (and sent twice)
        "q.q2": ["a", "a", "<script>"], "q.q3": "perhaps", "q.q4": "1e999999",
        "q.q6.plan": "-1", "q.q6.act": "x", "q.q6.check": "99999999999",
        "q.q7.p1": "Not offered",
    }  # q5 and q8 missing
    response = client.post(attempt_url(attempt), data=hostile)
    assert response.status_code == 302
    db.session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.score == 0.0
    results = attempt.results
    assert results["q5"]["valid"] is False and results["q1"]["valid"] is False and results["q6"]["valid"] is False
    assert client.get(attempt_url(attempt, "/results")).status_code == 200
    # Ids of attempts that are not yours, or not of this quiz, are not found.
    other = learner_in(course)
    log_in(client, other)
    assert client.get(attempt_url(attempt)).status_code == 404
    assert client.post(attempt_url(attempt), data=form(RIGHT)).status_code == 404
    assert client.get(f"/courses/alpha/quizzes/other/attempts/{attempt.id}").status_code == 404
    with pytest.raises(InvalidInput):
        services.save_responses(learner, services.start_attempt(learner, course, "check"), {"q8": "x" * 20_001})


def test_unicode_answers():
    questions = [
        {"id": "word", "type": "short_text", "prompt": "Coffee with milk, in French?",
         "answers": [{"text": "café crème"}]},
        {"id": "match", "type": "matching", "prompt": "Match", "scoring": "all_or_nothing",
         "pairs": [{"id": "a", "prompt": "Ελληνικά", "match": "Greek ✓"},
                   {"id": "b", "prompt": "日本語", "match": "Japanese"}]},
        {"id": "why", "type": "reflection", "prompt": "Why?"},
    ]
    course = quiz_course(questions=questions)
    learner = learner_in(course)
    attempt = services.start_attempt(learner, course, "check")
    decomposed = "Cafe\u0301 cre\u0300me"  # é and è as letter + combining accent, as some keyboards send them
    result = services.submit_attempt(learner, attempt, {
        "word": decomposed, "match": {"a": "Greek ✓", "b": "Japanese"}, "why": "Parce que 🙂 — ça marche."}).attempt
    assert result.score == 100.0
    assert result.responses["why"] == "Parce que 🙂 — ça marche."


# Versions -----------------------------------------------------------------------------------------------------

def test_a_new_version_never_regrades_old_attempts(client):
    course = quiz_course()
    learner = learner_in(course)
    old = submitted(course, learner, RIGHT)
    under_way = services.start_attempt(learner, course, "check")
    changed = sample_quiz()
    changed["questions"][0]["options"][0].pop("correct")
    changed["questions"][0]["options"][1]["correct"] = True  # b is right now
    changed["questions"][0]["explanation"] = "EXPLANATION-V2"
    folder = write_pack(Path(tempfile.mkdtemp(prefix="pack-")), "alpha", version="2.0.0", quiz=changed)
    import_pack(None, folder)
    db.session.refresh(course)
    db.session.refresh(old)
    assert old.score == 100.0 and old.version_id != course.live_version_id
    # The attempt under way is finished under the version it started with.
    finished = services.submit_attempt(learner, under_way, RIGHT).attempt
    assert finished.score == 100.0 and finished.version_id == old.version_id
    new = services.start_attempt(learner, course, "check")
    assert new.version_id == course.live_version_id
    assert services.submit_attempt(learner, new, RIGHT).attempt.score == pytest.approx(100 * 6 / 7)
    log_in(client, learner)
    page = client.get(attempt_url(old, "/results")).get_data(as_text=True)
    assert "Score: 100%" in page


# Concurrency on PostgreSQL ---------------------------------------------------------------------------------------

only_on_postgres = only_on_postgres(
    "two requests cannot overlap there; the conditional UPDATE is exercised by the sequential tests")


@pytest.fixture()
def committed(app):
    """A course with the quiz and an enrolled learner, committed for real."""
    def make():
        course = make_course("concurrent", quiz=True)
        learner = learner_in(course)
        db.session.flush()
        return {"course": course.id, "learner": learner.id}

    with committed_for_real(app, make) as ids:
        yield ids


@only_on_postgres
def test_two_concurrent_submissions_record_exactly_one_result(app, committed):
    """Two threads, each with its own connection and session, submit the same attempt at the same moment."""
    with app.app_context():
        attempt = services.start_attempt(db.session.get(User, committed["learner"]),
                                         db.session.get(Course, committed["course"]), "check")
        db.session.commit()
        attempt_id = attempt.id
        db.session.remove()

    def submit(responses, barrier):
        user = db.session.get(User, committed["learner"])
        mine = db.session.get(QuizAttempt, attempt_id)
        assert mine.status == "in_progress"
        barrier.wait()
        started = time.monotonic()
        submission = services.submit_attempt(user, mine, responses)
        if submission.recorded:
            time.sleep(0.5)  # hold the row lock, so the other UPDATE surely waits for this commit
        db.session.commit()
        return submission.recorded, submission.attempt.score, time.monotonic() - started

    outcomes = at_once(app, submit, [RIGHT, WRONG])
    assert sorted(recorded for recorded, _score, _seconds in outcomes) == [False, True]
    assert outcomes[0][1] == outcomes[1][1]  # the loser reports the winner's result
    loser = next(outcome for outcome in outcomes if not outcome[0])
    assert loser[2] >= 0.4  # it was blocked by the winner's row lock: the two really overlapped
    with app.app_context():
        rows = db.session.execute(sa.select(QuizAttempt.status, QuizAttempt.score)
                                  .where(QuizAttempt.user_id == committed["learner"])).all()
        assert rows == [("submitted", outcomes[0][1])]
        completions = db.session.scalar(sa.select(sa.func.count()).select_from(UnitProgress).where(
            UnitProgress.user_id == committed["learner"], UnitProgress.unit_key == "quiz-unit"))
        assert completions == (1 if outcomes[0][1] == 100.0 else 0)


@only_on_postgres
def test_two_concurrent_starts_make_one_attempt(app, committed):
    def start(_argument, barrier):
        user = db.session.get(User, committed["learner"])
        course = db.session.get(Course, committed["course"])
        barrier.wait()
        attempt = services.start_attempt(user, course, "check")
        time.sleep(0.3)  # keep the transaction open while the other start runs
        db.session.commit()
        return attempt.id

    first, second = at_once(app, start, [1, 2])
    assert first == second
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt).where(
            QuizAttempt.user_id == committed["learner"])) == 1


# Personal data and query counts ---------------------------------------------------------------------------------

def test_attempts_and_exceptions_are_exported_and_erased():
    course = quiz_course()
    learner = learner_in(course)
    team = make_user("course_team", course=course)
    submitted(course, learner, RIGHT)
    services.grant_exception(team, learner, course, "check", 1, 0, "Reason")
    data = personal_data.export_user_data(learner)
    assert data["quiz_attempts"][0]["responses"]["q8"] == "I will space my practice."
    assert data["quiz_exceptions"][0]["reason"] == "Reason"
    personal_data.erase_user(learner)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizException)) == 0


def _queries(client, count_queries, path: str) -> int:
    assert client.get(path).status_code == 200
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_attempt_page_and_quiz_unit_query_counts_do_not_grow_with_attempts(client, count_queries, user_query):
    course = quiz_course(max_attempts=0)
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    small_page = _queries(client, count_queries, attempt_url(attempt))
    small_unit = _queries(client, count_queries, "/courses/alpha/units/quiz-unit")
    services.submit_attempt(learner, attempt, RIGHT)
    for _ in range(6):
        submitted(course, learner, WRONG)
    for _ in range(4):
        other = learner_in(course)
        submitted(course, other, RIGHT)
    latest = services.start_attempt(learner, course, "check")
    assert _queries(client, count_queries, attempt_url(latest)) == small_page
    assert _queries(client, count_queries, "/courses/alpha/units/quiz-unit") == small_unit
    # (user, with the bell's count on its row, unless the worker's copy serves it), course with live version,
    # attempt, quiz definition
    assert small_page == 3 + user_query
    # the unit page's (with my note; the bell is on the user's row), then the quiz definition, the learner's
    # attempts and exceptions
    assert small_unit == 7 + user_query
