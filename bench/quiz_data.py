"""Data for the quiz benchmark (bench/quiz.py): a course with one 20-question quiz, 5,000 learners with
100,000 submitted attempts, 16 measured learners with attempts in progress, and in-process query counts.

The pack goes through the platform's import service and attempts are made as the services make them (seed,
drawn questions, option orders; submitted ones graded by the real graders); rows are bulk-inserted with
SQLAlchemy Core, as bench/seed.py does, because the services would take many minutes for 100,000 attempts.
"""
from __future__ import annotations

import random
import tempfile
import textwrap
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from .seed import OUT, PG_ADMIN_URL
from .server import BenchError

DB_PATH = OUT / "quiz.sqlite3"
PG_DATABASE = "moocplatform_quiz_bench"
DB_URLS = {"sqlite": f"sqlite:///{DB_PATH}", "postgres": f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"}
DB_URL = DB_URLS["sqlite"]  # use_database() switches it


def use_database(kind: str) -> None:
    global DB_URL
    DB_URL = DB_URLS[kind]
COURSE, QUIZ, UNIT = "quiz-bench", "bench-quiz", "bench-quiz-unit"
PAST_LEARNERS, PAST_ATTEMPTS = 5_000, 100_000
MEASURED_LEARNERS, OPEN_ATTEMPTS_EACH = 16, 1_500
PASSWORD = "bench-quiz-password-2026"
RANDOM_SEED = 2026


# The quiz: 20 questions of every type ------------------------------------------------------------------------

def quiz_definition() -> dict[str, Any]:
    questions: list[dict[str, Any]] = []
    for n in range(1, 7):
        questions.append({"id": f"sc{n}", "type": "single_choice", "prompt": f"Single choice question {n}?",
                          "explanation": "Because.", "options": [
                              {"id": "a", "text": "The right one", "correct": True, "feedback": "Yes."},
                              {"id": "b", "text": "A wrong one", "feedback": "No."},
                              {"id": "c", "text": "Another wrong one"}, {"id": "d", "text": "Not this"}]})
    for n in range(1, 5):
        questions.append({"id": f"mr{n}", "type": "multiple_response", "prompt": f"Pick all that apply ({n})",
                          "scoring": "partial", "options": [
                              {"id": "a", "text": "Right A", "correct": True},
                              {"id": "b", "text": "Right B", "correct": True},
                              {"id": "c", "text": "Wrong C", "correct": False},
                              {"id": "d", "text": "Wrong D", "correct": False}]})
    for n in range(1, 4):
        questions.append({"id": f"tf{n}", "type": "true_false", "prompt": f"Statement {n} is true.",
                          "answer": n % 2 == 1, "feedback_true": "You said true.", "feedback_false": "You said false."})
    questions += [
        {"id": "nu1", "type": "numeric", "prompt": "Days in a week?", "answers": [{"value": 7}]},
        {"id": "nu2", "type": "numeric", "prompt": "Half of 7?", "answers": [{"value": 3.5, "tolerance": 0.05}]},
        {"id": "st1", "type": "short_text", "prompt": "The effect of testing?",
         "answers": [{"text": "testing effect"}]},
        {"id": "st2", "type": "short_text", "prompt": "Spread practice is called?",
         "answers": [{"regex": "spac(ed|ing)( practice)?"}]},
        {"id": "or1", "type": "ordering", "prompt": "Order the steps.", "scoring": "partial",
         "items": [{"id": "plan", "text": "Plan"}, {"id": "do", "text": "Do"}, {"id": "check", "text": "Check"},
                   {"id": "act", "text": "Act"}]},
        {"id": "ma1", "type": "matching", "prompt": "Match.", "scoring": "partial",
         "pairs": [{"id": "p1", "prompt": "Spacing", "match": "Spread over time"},
                   {"id": "p2", "prompt": "Interleaving", "match": "Mix problems"}],
         "distractors": ["Read again"]},
        {"id": "re1", "type": "reflection", "prompt": "What will you do differently?"},
    ]
    return {"id": QUIZ, "title": "Bench quiz", "settings": {
        "pass_mark": 60, "max_attempts": 0, "score": "best", "feedback": "after_submission",
        "answers": "after_last_attempt", "time_limit_minutes": 0, "shuffle_questions": False, "shuffle_options": True,
    }, "questions": questions}


def write_pack(root: Path) -> Path:
    pack = root / COURSE
    (pack / "units" / "m1").mkdir(parents=True)
    (pack / "quizzes").mkdir()
    (pack / "quizzes" / "bench.yaml").write_text(yaml.safe_dump(quiz_definition(), sort_keys=False))
    (pack / "units" / "m1" / "01-intro.md").write_text(textwrap.dedent("""\
        ---
        id: bench-intro
        title: Introduction
        type: text
        minutes: 5
        preview: true
        ---
        Read this first.
        """))
    (pack / "units" / "m1" / "02-quiz.md").write_text(textwrap.dedent(f"""\
        ---
        id: {UNIT}
        title: The quiz
        type: quiz
        minutes: 20
        quiz: quizzes/bench.yaml
        ---
        Twenty questions.
        """))
    (pack / "course.yaml").write_text(yaml.safe_dump({
        "id": COURSE, "title": "Quiz bench", "version": "1.0.0", "language": "en", "summary": "For the benchmark.",
        "description": "A course with one quiz.", "outcomes": ["Answer twenty questions."],
        "competences": [{"framework": "LifeComp", "code": "L3", "name": "Managing learning"}],
        "effort_hours_per_week": 1, "duration_weeks": 1, "licence": "CC-BY-SA-4.0",
        "modules": [{"id": "m1", "title": "Week 1", "units": ["units/m1/01-intro.md", "units/m1/02-quiz.md"]}],
    }, sort_keys=False))
    return pack


def random_responses(rng: random.Random, questions: list[dict]) -> dict[str, Any]:
    """Answers as the attempt form stores them, right about two times in three."""
    responses: dict[str, Any] = {}
    for q in questions:
        right = rng.random() < 0.66
        kind = q["type"]
        if kind == "single_choice":
            responses[q["id"]] = "a" if right else rng.choice("bcd")
        elif kind == "multiple_response":
            responses[q["id"]] = ["a", "b"] if right else rng.sample("abcd", rng.randint(0, 3))
        elif kind == "true_false":
            responses[q["id"]] = str(q["answer"] if right else not q["answer"]).lower()
        elif kind == "numeric":
            responses[q["id"]] = str(q["answers"][0]["value"]) if right else str(rng.randint(0, 20))
        elif kind == "short_text":
            responses[q["id"]] = ("testing effect" if q["id"] == "st1" else "spacing") if right else "rereading"
        elif kind == "ordering":
            items = [i["id"] for i in q["items"]]
            order = items if right else rng.sample(items, len(items))
            responses[q["id"]] = {item: order.index(item) + 1 for item in items}
        elif kind == "matching":
            responses[q["id"]] = ({"p1": "Spread over time", "p2": "Mix problems"} if right
                                  else {"p1": "Read again", "p2": "Spread over time"})
        else:
            responses[q["id"]] = "I will spread my practice over the week. " * rng.randint(1, 4)
    return responses


def form_body(responses: dict[str, Any], csrf: str) -> str:
    fields: list[tuple[str, str]] = [("csrf_token", csrf), ("action", "submit")]
    for qid, value in responses.items():
        if isinstance(value, dict):
            fields += [(f"q.{qid}.{sub}", str(v)) for sub, v in value.items()]
        elif isinstance(value, list):
            fields += [(f"q.{qid}.shown", "1")] + [(f"q.{qid}", v) for v in value]
        else:
            fields.append((f"q.{qid}", value))
    return urllib.parse.urlencode(fields)


# Seeding -----------------------------------------------------------------------------------------------------

def make_app(**config):
    from moocplatform import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": DB_URL, "SECRET_KEY": "bench-quiz-seed",
                       "ASSET_STORE_DIR": str(OUT / "assets"), "MAIL_OUTBOX_DIR": str(OUT / "outbox"), **config})


def seed() -> dict[str, Any]:
    from flask_migrate import upgrade

    from moocplatform.accounts.models import User
    from moocplatform.accounts.passwords import hash_password
    from moocplatform.catalog.services import import_pack
    from moocplatform.extensions import db
    from moocplatform.learning.models import Enrollment

    started = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    if DB_URL.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    else:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
                connection.exec_driver_sql(f'CREATE DATABASE "{PG_DATABASE}"')
        finally:
            admin.dispose()
    app = make_app()
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        upgrade()
        with tempfile.TemporaryDirectory() as root:
            course = import_pack(None, write_pack(Path(root))).course
        db.session.commit()
        password_hash = hash_password(PASSWORD)
        users = [{"email": f"quiz.learner{n:02d}@bench.example.org", "display_name": f"Quiz learner {n}"}
                 for n in range(1, MEASURED_LEARNERS + 1)]
        users += [{"email": f"past{n:05d}@bench.example.org", "display_name": f"Past learner {n}"}
                  for n in range(PAST_LEARNERS)]
        for row in users:
            row.update(password_hash=password_hash, full_name="", locale="en", timezone="UTC", bio="",
                       status="active", created_at=now - timedelta(days=60), email_verified_at=now - timedelta(days=60),
                       password_changed_at=now - timedelta(days=60))
        db.session.execute(sa.insert(User.__table__), users)
        ids = dict(db.session.execute(sa.select(User.email, User.id)).tuples().all())
        db.session.execute(sa.insert(Enrollment.__table__), [
            {"user_id": user_id, "course_id": course.id, "status": "active", "enrolled_at": now - timedelta(days=30)}
            for user_id in ids.values()])
        db.session.commit()
        info = {"course_id": course.id, "version_id": course.live_version_id,
                "measured": [ids[u["email"]] for u in users[:MEASURED_LEARNERS]],
                "past": [ids[u["email"]] for u in users[MEASURED_LEARNERS:]]}
    return {**info, "app": app, "now": now, "started": started}


def attempt_rows(definition, course_id: int, user_ids: list[int], per_user: int, rng: random.Random,
                 now: datetime, *, submitted: bool, first_number: int = 1) -> list[dict[str, Any]]:
    """Attempts as start_attempt would make them (seed, drawn questions, orders) and, when submitted, as
    submit_attempt would record them; a few hundred graded answer sets are reused."""
    from moocplatform.quizzes.grading import draw_questions, grade_quiz, option_order
    from moocplatform.quizzes.services import grader_response, quiz_data

    quiz = quiz_data(definition)
    by_id = {q["id"]: q for q in definition.questions}
    graded = []
    for _ in range(300 if submitted else 0):
        responses = random_responses(rng, definition.questions)
        result = grade_quiz(quiz, {k: grader_response(by_id[k], v) for k, v in responses.items()}, list(by_id))
        results = {qid: {"score": g.score, "correct": g.correct, "valid": g.valid, "reason": g.reason,
                         "graded": g.graded, "feedback": list(g.feedback), "points": 1.0}
                   for qid, g in result.grades.items()}
        graded.append((responses, result.percent, result.passed, results))
    rows = []
    for user_id in user_ids:
        for number in range(first_number, first_number + per_user):
            seed = rng.randrange(2**31)
            question_ids = draw_questions(quiz, seed)
            orders = {qid: option_order(by_id[qid], seed) for qid in question_ids
                      if by_id[qid]["type"] in ("single_choice", "multiple_response", "ordering", "matching")}
            started = now - timedelta(days=rng.uniform(1, 28)) if submitted else now - timedelta(minutes=1)
            row = {"user_id": user_id, "course_id": course_id, "quiz_key": QUIZ,
                   "version_id": definition.version_id, "number": number, "seed": seed,
                   "question_ids": question_ids, "option_orders": orders, "status": "in_progress",
                   "started_at": started, "deadline": None, "responses": {}, "saved_at": None,
                   "submitted_at": None, "late": False, "score": None, "passed": None, "results": None}
            if submitted:
                responses, percent, passed, results = graded[rng.randrange(len(graded))]
                row.update(status="submitted", responses=responses, score=percent, passed=passed, results=results,
                           submitted_at=started + timedelta(minutes=rng.uniform(3, 25)))
            rows.append(row)
    return rows


def insert(rows: list[dict[str, Any]]) -> None:
    from moocplatform.extensions import db
    from moocplatform.quizzes.models import QuizAttempt

    for start in range(0, len(rows), 10_000):
        db.session.execute(sa.insert(QuizAttempt.__table__), rows[start:start + 10_000])
    db.session.commit()


# Query counts in-process --------------------------------------------------------------------------------------

def query_counts(app, user_id: int, attempt_ids: list[int], responses: dict[str, Any]) -> dict[str, int]:
    """SQL statements run by the quiz unit page, the attempt page and one (passing) submission, for one
    learner; each page is counted on its second request, when caches are warm."""
    from moocplatform.extensions import db

    app.config.update(WTF_CSRF_ENABLED=False, TESTING=True)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    counts: dict[str, int] = {}
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        # Counted as tests/conftest.py counts: transaction control is not a query.
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    first, second = attempt_ids
    base = f"/courses/{COURSE}/quizzes/{QUIZ}/attempts"
    pages = {"quiz unit page": f"/courses/{COURSE}/units/{UNIT}", "attempt page (20 questions)": f"{base}/{second}"}
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        for name, path in pages.items():
            client.get(path)
            statements.clear()
            response = client.get(path)
            if response.status_code != 200:
                raise BenchError(f"{path} answered {response.status_code} in-process")
            counts[name] = len(statements)
        body = form_body(responses, "")
        for attempt_id in (first, second):
            statements.clear()
            response = client.post(f"{base}/{attempt_id}", data=body,
                                   content_type="application/x-www-form-urlencoded")
            if response.status_code != 302 or "/results" not in response.headers.get("Location", ""):
                raise BenchError(f"the submission answered {response.status_code} in-process")
        counts["submission (POST)"] = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return counts


class _AlwaysRight(random.Random):
    """random_responses with this generator gives the right answer to every question."""

    def random(self) -> float:
        return 0.0


def prepare() -> dict[str, Any]:
    """Seed, count the queries before and after the 100,000 attempts, and list the attempts to submit."""
    from moocplatform.catalog.models import Course
    from moocplatform.extensions import db
    from moocplatform.quizzes.services import live_definition

    print(f"Seeding {DB_URL} ...", flush=True)
    info = seed()
    app, now, rng = info["app"], info["now"], random.Random(RANDOM_SEED)
    with app.app_context():
        course = db.session.get(Course, info["course_id"])
        definition = live_definition(course, QUIZ)
        right = random_responses(_AlwaysRight(), definition.questions)  # a passing submission: the longest path
        probe_user = info["past"][0]
        # Counting before the bulk insert: the probe learner has two attempts in progress and nothing else.
        insert(attempt_rows(definition, course.id, [probe_user], 2, rng, now, submitted=False))
        probe = in_progress(probe_user)
    counts_before = query_counts(app, probe_user, probe, right)
    print(f"  query counts, no past attempts: {counts_before}", flush=True)
    with app.app_context():
        per_learner = PAST_ATTEMPTS // PAST_LEARNERS
        past = attempt_rows(definition, course.id, info["past"], per_learner, rng, now, submitted=True,
                            first_number=3)
        insert(past)
        print(f"  {len(past):,} submitted attempts inserted", flush=True)
        insert(attempt_rows(definition, course.id, [probe_user], 2, rng, now, submitted=False,
                            first_number=3 + per_learner))
        probe = in_progress(probe_user)
        insert(attempt_rows(definition, course.id, info["measured"], OPEN_ATTEMPTS_EACH, rng, now, submitted=False))
        open_attempts: dict[int, list[int]] = {}
        for user_id in info["measured"]:
            open_attempts[user_id] = in_progress(user_id)
        total = db.session.scalar(sa.text("SELECT count(*) FROM quiz_attempts"))
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        db.session.remove()
    counts_after = query_counts(app, probe_user, probe, right)
    print(f"  query counts, {PAST_ATTEMPTS:,} past attempts ({total:,} rows): {counts_after}", flush=True)
    if counts_after != counts_before:
        raise BenchError(f"Query counts grew with the data: {counts_before} -> {counts_after}")
    with app.app_context():
        db.engine.dispose()
    return {"measured": info["measured"], "seconds": time.perf_counter() - info["started"],
            "counts_before": counts_before, "counts_after": counts_after, "open_attempts": open_attempts}


def in_progress(user_id: int) -> list[int]:
    from moocplatform.extensions import db

    return list(db.session.scalars(sa.text(
        "SELECT id FROM quiz_attempts WHERE user_id = :u AND status = 'in_progress' ORDER BY number"),
        {"u": user_id}))
