"""What the quiz tests share: answers to tests.factories.sample_quiz and ways to post them."""
from __future__ import annotations

from moocplatform.catalog.models import Course
from moocplatform.extensions import db
from moocplatform.quizzes import services
from tests.factories import enrol, make_course, make_user, sample_quiz

# Answers to tests.factories.sample_quiz, in the stored shape (services) ...
RIGHT = {"q1": "a", "q2": ["a", "b"], "q3": "false", "q4": "3", "q5": "Testing  effect",
         "q6": {"plan": 1, "act": 2, "check": 3}, "q7": {"p1": "Spread over time", "p2": "Mix problems"},
         "q8": "I will space my practice."}
WRONG = {"q1": "b", "q2": ["c"], "q3": "true", "q4": "7", "q5": "rereading",
         "q6": {"plan": 3, "act": 2, "check": 1}, "q7": {"p1": "Read again", "p2": "Spread over time"},
         "q8": "Nothing."}
# 4 of the 7 graded questions right: 57%, below the pass mark of 60.
FAILING = {**WRONG, "q1": "a", "q2": ["a", "b"], "q3": "false", "q4": "3"}


def form(responses: dict, action: str = "submit") -> dict:
    """... and as the attempt form posts them."""
    data: dict = {"action": action}
    for question_id, value in responses.items():
        if isinstance(value, dict):
            data.update({f"q.{question_id}.{sub}": str(v) for sub, v in value.items()})
        elif isinstance(value, list):
            data[f"q.{question_id}"] = value
            data[f"q.{question_id}.shown"] = "1"
        else:
            data[f"q.{question_id}"] = value
    return data


def quiz_course(slug: str = "alpha", questions=None, **settings):
    return make_course(slug, quiz=sample_quiz(questions, **settings))


def learner_in(course, **kwargs):
    learner = make_user(**kwargs)
    enrol(learner, course)
    return learner


def attempt_url(attempt, suffix: str = "") -> str:
    return f"/courses/{attempt_course_slug(attempt)}/quizzes/{attempt.quiz_key}/attempts/{attempt.id}{suffix}"


def attempt_course_slug(attempt) -> str:
    return db.session.get(Course, attempt.course_id).slug


def quiz_form(response) -> str:
    """The attempt form of a page (the rest holds CSRF tokens, which carry the time)."""
    page = response.get_data(as_text=True)
    start = page.index('<form method="post" action="/courses/')
    return page[start:page.index("</form>", page.index('class="quiz-form"'))]


def submitted(course, learner, responses):
    attempt = services.start_attempt(learner, course, "check")
    return services.submit_attempt(learner, attempt, responses).attempt
