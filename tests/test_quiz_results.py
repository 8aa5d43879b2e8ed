"""What quiz pages show: feedback and answers only when the quiz's rules allow (never on an attempt in
progress), best or last scores, reflections per the visibility rules, the quiz panel, the course team's
statistics and CSV, and exceptions granted through the page."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from moocplatform.audit import AuditEntry
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.quizzes import queries, services, stats
from moocplatform.quizzes.models import QuizException
from moocplatform.quizzes.question_views import question_views
from tests.conftest import log_in
from tests.factories import make_user, sample_quiz, write_pack
from tests.test_quiz_attempts import FAILING, RIGHT, WRONG, attempt_url, form, learner_in, quiz_course, submitted

FEEDBACK_MARKERS = ("FEEDBACK-Q1-A", "FEEDBACK-Q3-FALSE", "FEEDBACK-Q4", "question-result")
ANSWER_MARKERS = ("EXPLANATION-Q1", "correct answer", "tag-right", "Accepted answers", "Correct place")


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def shows(page: str, markers) -> bool:
    found = [marker in page for marker in markers]
    assert all(found) or not any(found), dict(zip(markers, found, strict=True))  # all or nothing, never half
    return all(found)


def test_an_attempt_in_progress_shows_no_answer_feedback_or_explanation(client):
    # The most open rules, and an earlier attempt whose results show everything: the form still shows none of it.
    course = quiz_course(feedback="after_submission", answers="after_submission", max_attempts=0)
    learner = learner_in(course)
    log_in(client, learner)
    first = submitted(course, learner, RIGHT)
    assert shows(page_of(client, attempt_url(first, "/results")), FEEDBACK_MARKERS + ANSWER_MARKERS)
    attempt = services.start_attempt(learner, course, "check")
    client.post(attempt_url(attempt), data=form(RIGHT, "save"))
    page = page_of(client, attempt_url(attempt))
    assert not any(marker in page for marker in FEEDBACK_MARKERS + ANSWER_MARKERS)
    for hidden in ("FEEDBACK", "EXPLANATION", "correct", "credit", "Right", "testing effect"):
        assert hidden not in page, hidden
    assert "Think of week one." in page  # hints are for the attempt
    # The view-model given to the template has nothing to leak either.
    views = question_views(services.definition_of(attempt), attempt, queries.NOTHING)
    for view in views:
        assert view.result is None and not view.feedback_html and view.explanation_html is None
        assert not view.accepted and all(c.correct is None and not c.feedback_html for c in view.choices)
        assert all(i.correct_position is None for i in view.items)
        assert all(p.correct_html is None for p in view.pairs)


# After a passing first attempt (1 of 2 used), then after a failing second one (none left).
RULES = {
    "after_submission": (True, True),
    "after_passing": (True, True),
    "after_last_attempt": (False, True),
    "never": (False, False),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_feedback_rules(client, rule):
    course = quiz_course(feedback=rule, answers="never", max_attempts=2)
    learner = learner_in(course)
    log_in(client, learner)
    first = submitted(course, learner, RIGHT)
    page = page_of(client, attempt_url(first, "/results"))
    assert shows(page, FEEDBACK_MARKERS) is RULES[rule][0]
    assert not any(marker in page for marker in ANSWER_MARKERS)
    second = submitted(course, learner, {**RIGHT, "q1": "b", "q2": [], "q3": "true", "q4": "2"})
    page = page_of(client, attempt_url(second, "/results"))
    assert shows(page, ("FEEDBACK-Q1-B", "FEEDBACK-Q3-TRUE", "question-result")) is RULES[rule][1]
    if not RULES[rule][1]:
        assert "Feedback on each answer is shown not at all in this quiz." in page


@pytest.mark.parametrize("rule", sorted(RULES))
def test_answers_rules(client, rule):
    course = quiz_course(feedback="never", answers=rule, max_attempts=2)
    learner = learner_in(course)
    log_in(client, learner)
    first = submitted(course, learner, RIGHT)
    page = page_of(client, attempt_url(first, "/results"))
    assert shows(page, ANSWER_MARKERS) is RULES[rule][0]
    assert not any(marker in page for marker in FEEDBACK_MARKERS)
    second = submitted(course, learner, FAILING)
    assert shows(page_of(client, attempt_url(second, "/results")), ANSWER_MARKERS) is RULES[rule][1]
    # An earlier attempt follows the same rule once it allows.
    assert shows(page_of(client, attempt_url(first, "/results")), ANSWER_MARKERS) is RULES[rule][1]


def test_rules_that_wait_also_wait_while_another_attempt_is_in_progress(client):
    course = quiz_course(feedback="after_submission", answers="after_passing", max_attempts=3)
    learner = learner_in(course)
    log_in(client, learner)
    first = submitted(course, learner, RIGHT)
    assert shows(page_of(client, attempt_url(first, "/results")), ANSWER_MARKERS)
    services.start_attempt(learner, course, "check")
    page = page_of(client, attempt_url(first, "/results"))
    assert not shows(page, ANSWER_MARKERS) and shows(page, FEEDBACK_MARKERS)


def test_unlimited_attempts_have_no_last_attempt(client):
    course = quiz_course(feedback="never", answers="after_last_attempt", max_attempts=0)
    learner = learner_in(course)
    log_in(client, learner)
    for _ in range(3):
        attempt = submitted(course, learner, FAILING)
    assert not shows(page_of(client, attempt_url(attempt, "/results")), ANSWER_MARKERS)


@pytest.mark.parametrize("rule, counted, passed", [("best", 100.0, True), ("last", pytest.approx(400 / 7), False)])
def test_best_or_last_attempt_counts(client, rule, counted, passed):
    course = quiz_course(score=rule)
    learner = learner_in(course)
    submitted(course, learner, RIGHT)
    submitted(course, learner, FAILING)
    state = queries.learner_state(learner.id, course.id, services.live_definition(course, "check"))
    assert (state.best.score, state.last.score) == (100.0, pytest.approx(400 / 7))
    assert (state.counted.score, state.passed, state.passed_ever) == (counted, passed, True)
    log_in(client, learner)
    page = page_of(client, "/courses/alpha/units/quiz-unit")
    assert "2 of 3 used; 1 left" in page and "best 100%, last 57.1%" in page
    assert ("passed</strong>" in page) is passed
    assert "You completed this unit." in page  # completion stays once an attempt has passed


def test_reflections_follow_the_visibility_rules(client):
    course = quiz_course()
    learner = learner_in(course)
    attempt = submitted(course, learner, {**RIGHT, "q8": "MY-PRIVATE-REFLECTION"})
    path = attempt_url(attempt, "/results")
    viewers = {
        "self": (learner, True),
        "facilitator": (make_user("facilitator", course=course), True),
        "course_team": (make_user("course_team", course=course), False),
        "admin": (make_user("admin"), False),
    }
    for name, (viewer, sees_reflection) in viewers.items():
        log_in(client, viewer)
        page = page_of(client, path)
        assert ("MY-PRIVATE-REFLECTION" in page) is sees_reflection, name
        assert "Score: 100%" in page
    for outsider in (learner_in(course), make_user("facilitator", course=quiz_course("beta")), make_user()):
        log_in(client, outsider)
        assert client.get(path).status_code == 404
    # The attempt form says who may read a reflection, from policy.VISIBILITY["reflections"].
    log_in(client, learner)
    following = services.start_attempt(learner, course, "check")
    assert "Besides you, your facilitators can read this answer." in page_of(client, attempt_url(following))


def test_quiz_panel_for_each_kind_of_visitor(client):
    course = quiz_course(time_limit_minutes=20)
    path = "/courses/alpha/units/quiz-unit"
    assert client.get(path).status_code == 302  # the quiz unit is not a preview: visitors go to the course
    learner = learner_in(course)
    log_in(client, learner)
    page = page_of(client, path)
    assert "Start the quiz" in page and "20 min" in page and "0 of 3 used; 3 left" in page
    assert "Statistics of this quiz" not in page and "Mark as complete" not in page
    log_in(client, make_user("course_team", course=course))
    page = page_of(client, path)
    assert "Statistics of this quiz" in page and "Extra attempts and time" in page and "Start the quiz" not in page
    log_in(client, make_user("facilitator", course=course))
    page = page_of(client, path)
    assert "Statistics of this quiz" not in page and "Enrol in the course to take this quiz." in page


# Statistics ---------------------------------------------------------------------------------------------------

@pytest.fixture()
def known_attempts():
    """Three submitted attempts by two learners (100, 4/7 and 0 percent) and one in progress."""
    course = quiz_course(max_attempts=0)
    first, second, third = learner_in(course), learner_in(course), learner_in(course)
    submitted(course, first, RIGHT)
    submitted(course, second, FAILING)
    submitted(course, second, WRONG)
    services.start_attempt(third, course, "check")
    return course, first, second


def test_statistics_on_a_known_data_set(known_attempts):
    course, first, second = known_attempts
    result = stats.quiz_statistics(course, "check", services.live_definition(course, "check"))
    assert (result.attempts, result.in_progress, result.learners, result.passed, result.learners_passed) == (
        3, 1, 2, 1, 1)
    assert result.pass_rate == pytest.approx(1 / 3)
    assert result.mean_score == pytest.approx((100 + 400 / 7 + 0) / 3)
    assert result.score_bands == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    by_id = {q.id: q for q in result.questions}
    assert [q.id for q in result.questions] == [f"q{n}" for n in range(1, 9)]
    assert (by_id["q1"].shown, by_id["q1"].correct, by_id["q1"].top_wrong) == (3, 2, ("Reread the notes", 1))
    assert by_id["q5"].top_wrong == ("rereading", 2) and by_id["q5"].share_correct == pytest.approx(1 / 3)
    assert by_id["q6"].top_wrong == ("Check → Act → Plan", 2)
    assert by_id["q7"].top_wrong == ("Spacing: Read again; Interleaving: Spread over time", 2)
    assert by_id["q8"].share_correct is None and by_id["q8"].answered == 3
    # Narrowed to a group of learners (a facilitator's cohort, later).
    mine = stats.quiz_statistics(course, "check", services.live_definition(course, "check"), user_ids={first.id})
    assert (mine.attempts, mine.mean_score, mine.in_progress) == (1, 100.0, 0)


def test_statistics_page_and_csv(client, known_attempts):
    course, _first, _second = known_attempts
    log_in(client, make_user("course_team", course=course))
    page = page_of(client, "/courses/alpha/quizzes/check/statistics")
    assert "<svg" in page and 'role="img"' in page and "<title" in page
    assert "Question 5: 33.3% right" in page and "Reread the notes" in page and "33.3%" in page
    svg = page.split("<svg", 1)[1].split("</svg>")[0]
    assert "<script" not in page.split("<main", 1)[1] and "http" not in svg.replace("http://www.w3.org", "")
    response = client.get("/courses/alpha/quizzes/check/statistics.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="alpha-check-statistics.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(stats.CSV_COLUMNS)
    assert rows[1] == ["q1", "1", "single_choice", "Which habit helps memory most?", "3", "3", "2", "66.7",
                       "Reread the notes", "1", ""]
    assert rows[4] == ["q4", "4", "numeric", "Days until the second review?", "3", "3", "2", "66.7", "7", "1", ""]
    assert rows[8] == ["q8", "8", "reflection", "What will you change?", "3", "3", "", "", "", "", ""]
    assert len(rows) == 9


def test_csv_cells_cannot_become_formulas():
    questions = [{"id": "n", "type": "numeric", "prompt": "=1+1", "answers": [{"value": 5}]}]
    course = quiz_course(questions=questions, max_attempts=0)
    learner = learner_in(course)
    submitted(course, learner, {"n": "-3"})
    body = stats.statistics_csv(stats.quiz_statistics(course, "check", services.live_definition(course, "check")))
    assert body.splitlines()[1] == "n,1,numeric,'=1+1,1,1,0,0.0,'-3,1,"


def test_statistics_query_count_does_not_grow_with_attempts(client, count_queries, user_query):
    course = quiz_course(max_attempts=0)
    learner = learner_in(course)
    submitted(course, learner, RIGHT)
    log_in(client, make_user("course_team", course=course))

    def counted() -> int:
        path = "/courses/alpha/quizzes/check/statistics"
        assert client.get(path).status_code == 200
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    small = counted()
    for _ in range(5):
        other = learner_in(course)
        submitted(course, other, WRONG)
        submitted(course, other, FAILING)
    assert counted() == small
    # (user, with the bell's count on its row, unless the worker's copy serves it), course with live version,
    # quiz definition, totals, definitions, attempts
    assert small == 5 + user_query


# Exceptions through the page ------------------------------------------------------------------------------------

def test_grant_an_exception_through_the_page(client):
    course = quiz_course()
    learner = learner_in(course, email="lea@example.org")
    team = make_user("course_team", course=course)
    log_in(client, team)
    path = "/courses/alpha/quizzes/check/exceptions"
    assert "No exceptions yet." in page_of(client, path)
    response = client.post(path, data={"email": " Lea@Example.org ", "extra_attempts": "2", "extra_minutes": "0",
                                       "reason": "Hospital stay"})
    assert response.status_code == 302
    exception = db.session.scalar(sa.select(QuizException))
    assert (exception.user_id, exception.extra_attempts, exception.granted_by_id) == (learner.id, 2, team.id)
    page = page_of(client, path)
    assert "Hospital stay" in page and learner.display_name in page and "lea@example.org" not in page
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "quiz.exception"))
    for data, message in (
        ({"email": "nobody@example.org", "extra_attempts": "1", "reason": "x"}, "No learner with that address"),
        ({"email": "lea@example.org", "extra_attempts": "many", "reason": "x"}, "Not a valid integer"),
        ({"email": "lea@example.org", "extra_attempts": "1", "reason": ""}, "This field is required"),
        ({"email": "lea@example.org", "extra_attempts": "0", "extra_minutes": "0", "reason": "x"}, "at least one"),
    ):
        response = client.post(path, data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizException)) == 1


def _questions_with(q1_prompt: str, *, without: str | None = None) -> list[dict]:
    questions = [dict(q) for q in sample_quiz()["questions"] if q["id"] != without]
    questions[0]["prompt"] = q1_prompt
    return questions


def test_answers_count_against_the_question_text_of_the_version_they_were_given_under(client, tmp_path):
    course = quiz_course(max_attempts=0)
    before = learner_in(course)
    submitted(course, before, WRONG)
    new_text = "Which habit helps you remember most, a week later?"
    import_pack(None, write_pack(tmp_path, "alpha", version="1.1.0",
                                 quiz=sample_quiz(_questions_with(new_text, without="q8"), max_attempts=0)))
    db.session.refresh(course)
    after = learner_in(course)
    without_q8 = {key: value for key, value in RIGHT.items() if key != "q8"}
    submitted(course, after, without_q8)
    submitted(course, after, without_q8)
    result = stats.quiz_statistics(course, "check", services.live_definition(course, "check"))
    rows = [(q.label, q.prompt, q.shown, q.correct, q.earlier, q.versions) for q in result.questions
            if q.id in ("q1", "q8")]
    assert rows == [
        ("Q1", new_text, 2, 2, False, ["1.1.0"]),
        ("Q1b", "Which habit helps memory most?", 1, 0, True, ["1.0.0"]),
        # A question the live version dropped keeps its figures, under its own text.
        ("Q8", "What will you change?", 1, 0, True, ["1.0.0"]),
    ]
    assert result.questions[1].top_wrong == ("Reread the notes", 1)
    # Questions whose text did not change are one row across versions.
    assert next(q for q in result.questions if q.id == "q2").shown == 3
    log_in(client, make_user("course_team", course=course))
    page = page_of(client, "/courses/alpha/quizzes/check/statistics")
    assert "Q1b" in page and "as asked in version 1.0.0" in page and "Which habit helps memory most?" in page
    rows = list(csv.reader(io.StringIO(client.get("/courses/alpha/quizzes/check/statistics.csv")
                                       .get_data(as_text=True))))
    assert rows[1][0] == "q1" and rows[1][3] == new_text and rows[1][-1] == ""
    assert rows[2][0] == "q1" and rows[2][3] == "Which habit helps memory most?" and rows[2][-1] == "1.0.0"


def test_a_retired_quizs_statistics_stay_reachable_for_staff(client, tmp_path):
    course = quiz_course(max_attempts=0)
    submitted(course, learner_in(course), RIGHT)
    import_pack(None, write_pack(tmp_path, "alpha", version="1.1.0"))  # the same course without its quiz
    db.session.refresh(course)
    learner = learner_in(course)
    log_in(client, learner)
    assert client.get("/courses/alpha/quizzes/check/statistics").status_code == 403
    log_in(client, make_user("course_team", course=course))
    page = page_of(client, "/courses/alpha/quizzes/check/statistics")
    assert "no longer in the live version" in page and "last in version 1.0.0" in page
    assert "Submitted attempts</dt><dd>1<" in page and 'href="/courses/alpha/units/quiz-unit"' not in page
    assert client.get("/courses/alpha/quizzes/check/statistics.csv").status_code == 200
    versions = page_of(client, "/studio/courses/alpha/versions")
    assert "Quizzes no longer in the live version" in versions
    assert 'href="/courses/alpha/quizzes/check/statistics"' in versions
    assert client.get("/courses/alpha/quizzes/nothing/statistics").status_code == 404
