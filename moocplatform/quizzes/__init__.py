"""Quizzes and assessment.

`grading` holds the pure graders (no Flask, no database): one per question type of docs/quiz-format.md, plus
quiz-level scoring, pool draws and stable shuffles. `gift` converts Moodle GIFT files into that format and `cli`
offers it as `moocplatform quizzes import-gift`.
"""
