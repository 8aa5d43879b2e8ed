"""Questions as GIFT conversion writes them (partial credit on a choice, wildcards, a numeric catch-all) go
through an attempt and its results page with the answers shown."""
from __future__ import annotations

from tests.conftest import log_in
from tests.test_quiz_attempts import attempt_url, learner_in, quiz_course, submitted

QUESTIONS = [
    {"id": "colour", "type": "single_choice", "prompt": "Between orange and green?", "options": [
        {"id": "a", "text": "yellow", "correct": True}, {"id": "b", "text": "lime", "credit": 50},
        {"id": "c", "text": "red", "credit": -50, "feedback": "FEEDBACK-RED"}]},
    {"id": "name", "type": "short_text", "prompt": "Name it.",
     "answers": [{"wildcard": "*test*effect*"}, {"wildcard": "*", "credit": 0, "feedback": "FEEDBACK-ANY"}]},
    {"id": "number", "type": "numeric", "prompt": "From 1 to 5?",
     "answers": [{"value": 3, "tolerance": 2}, {"credit": 0, "feedback": "FEEDBACK-FAR"}]},
    {"id": "anything", "type": "numeric", "prompt": "Any number?", "answers": [{"credit": 100}]},
]


def test_moodle_style_questions_grade_and_show_their_answers(client):
    course = quiz_course(questions=QUESTIONS, answers="after_submission", feedback="after_submission")
    learner = learner_in(course)
    log_in(client, learner)
    attempt = submitted(course, learner, {"colour": "b", "name": "The TESTING effect", "number": "1 000",
                                          "anything": "3x10^8"})
    assert attempt.score == 62.5  # 0.5 + 1 + 0 (1 000 is not from 1 to 5) + 1, of 4
    response = client.get(attempt_url(attempt, "/results"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "*test*effect*" in page and "any number" in page and "FEEDBACK-FAR" in page
    wrong = submitted(course, learner, {"colour": "c", "name": "x", "number": "9", "anything": "1"})
    assert wrong.score == 25.0
    assert client.get(attempt_url(wrong, "/results")).status_code == 200
