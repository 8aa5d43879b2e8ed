"""Pure grading of quiz responses (no Flask, no database), following docs/quiz-format.md.

A registry maps each question type to a grader `(question: dict, response) -> Grade`; `grade()` dispatches.
The graders are the `grade` methods of the question types (moocplatform.quizzes.types), registered with them;
this package keeps what they share (the numeric reader, the regex vetting, wildcards, quiz-level scoring).
`grade_quiz()` scores one attempt, `draw_questions()` applies pools and question shuffling for an attempt's
seed, and `option_order()` gives the stable per-attempt order of a question's choices.

Decisions where docs/quiz-format.md leaves room (the contract itself is unchanged):

- A malformed or missing response is never an exception: it scores 0 with `valid=False` and a `reason`.
  A malformed *question* (an authoring error) raises QuizFormatError.
- Scoring defaults: multiple_response and ordering all_or_nothing; matching partial.
- single_choice: several options may be marked correct; choosing any of them is right. An option with `credit`
  earns that share (a negative one scores 0).
- multiple_response: as soon as one option has `credit`, credits decide (an option without one is worth 0, and
  options with positive credit are the correct set for all_or_nothing). An empty list is a valid answer.
- true_false: `feedback_true` goes to whoever answered true, `feedback_false` to whoever answered false.
- numeric: an answer is `value` (+ optional `tolerance`, default 0) or a range with `min` and/or `max` (a
  missing side is open). Responses may be text or an int/float, read as Moodle reads them (thousands
  separators, 3x10^8; see parse_number), a lone comma being a decimal comma and "1,000" refused as ambiguous;
  exact decimal comparison. Credit is 0..100.
- short_text: like numeric, the first matching answer decides. A `wildcard` answer (Moodle's `*`) compares as a
  text answer does, in linear time. Python's `re` has no timeout, so patterns are
  vetted by `regex_problem()` (no quantifier or alternation inside a repeated group; a budget of at most two
  `*`/`+`/`{n,m}`, fewer with `?` and `|`; see text.py) and responses over 1,000 characters are invalid. An
  unsafe pattern is an authoring error (QuizFormatError); the pack validator refuses it at import.
- reflection: valid needs text, and at least `min_words` words when set; never graded (`graded=False`).
- matching: pairs left unanswered count as wrong; an unknown pair id or a text that was not offered is invalid.
- grade_quiz: a shown question without a response scores 0 (invalid); a response to a question not shown, or a
  shown id the quiz lacks, raises UnknownQuestion. percent is 100 when nothing is scored (only reflections);
  passing is percent >= pass_mark (default 60, as in DEFAULT_SETTINGS).
- draw_questions: questions outside pools always appear; drawn questions keep their file order unless
  shuffle_questions. Draws and shuffles rank ids by SHA-256 of the seed, so they never change between processes
  or Python versions (an attempt only needs to store its seed).
- option_order: option ids for choice questions (call it when shuffle_options is on); item ids for ordering,
  always shuffled and never in the solved order; for matching, the texts to choose from (matches and
  distractors), since a matching response names the chosen text.
"""
from __future__ import annotations

from .. import types  # noqa: E402, F401, I001  (importing registers the types and so their graders)
from .base import GRADERS, Grade, QuizFormatError, UnknownQuestion, grade, register_grader
from .numeric import parse_number
from .quiz import DEFAULT_SETTINGS, QuizResult, draw_questions, grade_quiz, option_order, points_of
from .text import MAX_TEXT_LENGTH, regex_problem

__all__ = [
    "DEFAULT_SETTINGS", "GRADERS", "MAX_TEXT_LENGTH", "Grade", "QuizFormatError", "QuizResult", "UnknownQuestion",
    "draw_questions", "grade", "grade_quiz", "option_order", "parse_number", "points_of", "regex_problem",
    "register_grader",
]
