"""A question type is one class in one module: registering one here (a year to estimate) is enough for it to be
read from GIFT, accepted by the pack validator, shown in an attempt, read from the posted form, graded, shown on
the results page and counted in the statistics, with nothing else changed."""
from __future__ import annotations

from typing import Any

import pytest

from moocplatform.content import inspect_pack
from moocplatform.extensions import db
from moocplatform.quizzes import services, stats
from moocplatform.quizzes.gift import convert_gift
from moocplatform.quizzes.gift.questions import GiftAnswer, NotConverted, feedback
from moocplatform.quizzes.grading import GRADERS, Grade, QuizFormatError, grade
from moocplatform.quizzes.types import QUESTION_TYPES, QuestionType, register_type, unregister_type
from tests.conftest import log_in
from tests.factories import sample_quiz, write_pack
from tests.test_quiz_attempts import attempt_url, form, learner_in, quiz_course


class Year(QuestionType):
    """The year something happened, right within `within` years either side."""

    name = "year"
    widget = "text"
    result_widget = "typed_result"
    defaults = {"within": 0}
    schema = {
        "required": ["year"],
        "propertyNames": {"enum": ["id", "type", "prompt", "points", "hint", "explanation", "outcome", "year",
                                   "within", "feedback"]},
        "properties": {"year": {"type": "integer", "minimum": -10000, "maximum": 3000},
                       "within": {"type": "integer", "minimum": 0, "maximum": 1000},
                       "feedback": {"type": "string"}},
    }
    gift_order = 15

    def check(self, question: dict, path: list, problem) -> None:
        if isinstance(question.get("within"), int) and question["within"] > 100:
            problem([*path, "within"], "a window of more than 100 years accepts nearly any answer")

    def grade(self, question: dict, response: Any) -> Grade:
        if not isinstance(question.get("year"), int):
            raise QuizFormatError("a year question needs `year`")
        text = response.strip() if isinstance(response, str) else ""
        if not text:
            return Grade.invalid("no answer")
        if not text.lstrip("-").isdigit() or len(text) > 6:
            return Grade.invalid("expected a year")
        right = abs(int(text) - question["year"]) <= question.get("within", 0)
        return Grade.scored(1.0 if right else 0.0, [] if right else [question.get("feedback", "")])

    def view(self, question: dict, response: Any, order, show: Any, hidden: bool) -> dict:
        view: dict[str, Any] = {"text": response if isinstance(response, str) else ""}
        if show.answers:
            view["accepted"] = [f"{question['year']} ± {question['within']}"]
        return view

    def response_label(self, question: dict, stored: Any) -> str | None:
        return stored.strip() if isinstance(stored, str) else None

    def gift_claims(self, block) -> bool:
        return block.content.startswith("@")  # `{@1969:1}`: a year and its window, a syntax of this test's own

    def from_gift(self, block) -> dict[str, Any]:
        text, _hash, wrong = block.content[1:].partition("#")
        year, _colon, within = text.partition(":")
        if not year.strip().lstrip("-").isdigit() or not (within.strip() or "0").isdigit():
            raise NotConverted(block.start, "a year is written @year or @year:window")
        found: dict[str, Any] = {"year": int(year), "within": int(within or 0)}
        return {**found, **feedback(block, GiftAnswer("~", None, "", wrong, block.start))} if wrong.strip() else found


@pytest.fixture
def year_type():
    register_type(Year)
    yield
    unregister_type("year")


MOON = {"id": "moon", "type": "year", "prompt": "When did people first walk on the Moon?", "year": 1969,
        "within": 1, "feedback": "FEEDBACK-MOON"}


def test_a_registered_type_is_read_from_gift(year_type):
    result = convert_gift("::Moon:: When did people first walk on the Moon? {@1969:1#FEEDBACK-MOON}")
    assert result.problems == []
    assert result.questions == [MOON]
    assert convert_gift("Bad year? {@soon}").problems[0].message == (
        "question not converted: a year is written @year or @year:window")


def test_the_pack_validator_takes_a_registered_type_with_its_schema_and_checks(year_type, tmp_path):
    wide = {**MOON, "within": 500}
    report = inspect_pack(write_pack(tmp_path, "years", quiz=sample_quiz([wide, {**MOON, "id": "m2", "year": "x"},
                                                                          {**MOON, "id": "m3", "colour": 1}])),
                          video_hosts=())
    messages = [(problem.field, problem.message) for problem in report.problems]
    assert ("questions[0].within", "a window of more than 100 years accepts nearly any answer") in messages
    assert any(field == "questions[1].year" for field, _message in messages)
    assert any(field == "questions[2].colour" for field, _message in messages)


def test_a_registered_type_is_asked_graded_shown_and_counted(client, year_type):
    course = quiz_course(questions=[{k: v for k, v in MOON.items() if k != "within"}], max_attempts=0,
                         answers="after_submission")
    learner = learner_in(course)
    log_in(client, learner)
    attempt = services.start_attempt(learner, course, "check")
    page = client.get(attempt_url(attempt)).get_data(as_text=True)
    assert 'name="q.moon"' in page and "When did people first walk on the Moon?" in page
    assert client.post(attempt_url(attempt), data={**form({}), "q.moon.extra": "1"}).status_code == 400
    response = client.post(attempt_url(attempt), data=form({"moon": " 1969 "}))
    assert response.headers["Location"].endswith(attempt_url(attempt, "/results"))
    assert services.live_definition(course, "check").questions[0]["within"] == 0  # the type's default
    results = client.get(attempt_url(attempt, "/results")).get_data(as_text=True)
    assert "Right" in results and "1969 ± 0" in results

    db.session.expire_all()  # the attempt was submitted by the request
    second = services.start_attempt(learner, course, "check")
    client.post(attempt_url(second), data=form({"moon": "1970"}))
    results = client.get(attempt_url(second, "/results")).get_data(as_text=True)
    assert "Not right" in results and "FEEDBACK-MOON" in results
    figures = stats.quiz_statistics(course, "check", services.live_definition(course, "check"))
    [moon] = figures.questions
    assert (moon.shown, moon.correct, moon.top_wrong) == (2, 1, ("1970", 1))


def test_unregistering_removes_the_type_everywhere(year_type):
    assert "year" in QUESTION_TYPES and "year" in GRADERS
    unregister_type("year")
    assert "year" not in QUESTION_TYPES and "year" not in GRADERS
    with pytest.raises(QuizFormatError):
        grade(MOON, "1969")
    register_type(Year)
    with pytest.raises(ValueError, match="already registered"):
        register_type(Year)


def test_every_built_in_type_is_one_registered_class():
    assert sorted(QUESTION_TYPES) == ["matching", "multiple_response", "numeric", "ordering", "reflection",
                                      "short_text", "single_choice", "true_false"]
    for name, question_type in QUESTION_TYPES.items():
        assert type(question_type).__module__ == f"moocplatform.quizzes.types.{name}"
        assert GRADERS[name] == question_type.grade
