"""The pilot courses as a course team reviews them: quizzes that cannot be passed by test-wiseness or by
elimination, and every stated outcome assessed by at least one question."""
from pathlib import Path

import pytest

from moocplatform.content import load_pack

COURSES = Path(__file__).resolve().parent.parent / "courses"
PILOTS = ["learning-to-learn", "sense-of-initiative", "innovation-and-creativity"]


@pytest.fixture(scope="module", params=PILOTS)
def pack(request):
    return load_pack(COURSES / request.param, video_hosts=("www.youtube-nocookie.com",))


def key_is_longest(question: dict) -> bool:
    key_length = max(len(o["text"]) for o in question["options"] if o.get("correct"))
    return all(key_length > len(o["text"]) for o in question["options"] if not o.get("correct"))


def test_the_key_is_not_usually_the_longest_option(pack):
    # A learner who always picks the longest option should not pass on that habit alone.
    for quiz in pack.quizzes.values():
        single = [q for q in quiz.questions if q["type"] == "single_choice"]
        longest = [q["id"] for q in single if key_is_longest(q)]
        assert 2 * len(longest) <= len(single) + 1, (quiz.path, longest)


def test_every_stated_outcome_has_an_id_and_a_question(pack):
    for module in pack.modules:
        assert all(o["id"] for o in module.outcomes), module.key
    assessed = {q["outcome"] for quiz in pack.quizzes.values() for q in quiz.questions}
    stated = {o["id"] for o in pack.all_outcomes}
    assert stated - assessed == set()


def test_per_option_feedback_waits_until_passing_or_the_last_attempt(pack):
    for quiz in pack.quizzes.values():
        settings = quiz.data["settings"]
        assert settings["feedback"] in {"after_passing", "after_last_attempt"}, quiz.path
        assert settings["answers"] in {"after_passing", "after_last_attempt"}, quiz.path
