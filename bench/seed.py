"""Seed a benchmark database: the schema by the migrations, the three course packs, 10,000 learners, their
enrolments and 200,000+ progress rows, and 100,000 posts in the measured course's forum (one thread of 50
posts is measured; a rare word is in 20 posts, a common one in about a third). Other sizes (`Size`: more
learners, progress rows and submitted quiz attempts, in databases of their own) are for bench/scale.py.

The packs go through the platform's own import service; the learner data is bulk-inserted with SQLAlchemy
Core (the services would take many minutes for 200,000 rows). Every learner shares one real argon2 hash, so
the account that wrk logs in as (and any other) can log in through the real form.

    python -m bench.seed --db sqlite|postgres|both
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
DATABASES = ("sqlite", "postgres")

SQLITE_PATH = OUT / "bench.sqlite3"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "moocplatform_bench"

LEARNERS = 10_000
MIN_PROGRESS_ROWS = 200_000
RANDOM_SEED = 2026
CHUNK = 20_000

# The learner whose pages are measured, and where.
BENCH_EMAIL = "bench.learner@example.org"
BENCH_PASSWORD = "bench-learner-password-2026"
BENCH_COURSE = "learning-to-learn"
BENCH_UNIT = "l2l-m2-spacing-interleaving"  # a text unit that is not a preview: only enrolled learners see it

POSTS = 100_000
POSTS_PER_THREAD = 50
RARE_WORD, COMMON_WORD = "quokka", "practice"  # the two searches measured
WORDS = ("recall", "spacing", "notes", "week", "plan", "goal", "habit", "test", "reading", "group", "time",
         "memory", "question", "example", "idea", "review", "method", "evening", "focus", "progress")

TIMEZONES = ("UTC", "Europe/Vienna", "Europe/Berlin", "Europe/Madrid", "Europe/Warsaw", "Europe/London")


@dataclass(frozen=True)
class Size:
    """How much the seed holds, and the name suffix of its databases ("" for bench.run's own)."""

    learners: int = LEARNERS
    progress_rows: int | None = None  # about this many (learners read less); None: as far as learners go
    quiz_attempts: int = 0  # submitted attempts, exactly this many
    suffix: str = ""

    @property
    def min_progress_rows(self) -> int:
        return int(0.9 * self.progress_rows) if self.progress_rows else MIN_PROGRESS_ROWS * self.learners // LEARNERS

    @property
    def sqlite_path(self) -> Path:
        return OUT / f"bench-{self.suffix}.sqlite3" if self.suffix else SQLITE_PATH

    @property
    def pg_database(self) -> str:
        return f"{PG_DATABASE}_{self.suffix}" if self.suffix else PG_DATABASE


DEFAULT_SIZE = Size()


def database_url(kind: str, size: Size = DEFAULT_SIZE) -> str:
    if kind == "sqlite":
        return f"sqlite:///{size.sqlite_path}"
    if kind == "postgres":
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{size.pg_database}"
    raise ValueError(kind)


def info_path(kind: str, size: Size = DEFAULT_SIZE) -> Path:
    return OUT / (f"seed-{kind}-{size.suffix}.json" if size.suffix else f"seed-{kind}.json")


def load_info(kind: str, size: Size = DEFAULT_SIZE) -> dict[str, Any]:
    path = info_path(kind, size)
    if not path.exists():
        raise SystemExit(f"--skip-seed: {path} is missing; run once without --skip-seed to seed {kind}.")
    return json.loads(path.read_text())


def reset_database(kind: str, size: Size = DEFAULT_SIZE) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{size.sqlite_path}{suffix}").unlink(missing_ok=True)
        return
    name = size.pg_database
    try:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        raise SystemExit(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {error}") from error


def pg_admin(*statements: str) -> None:
    """Statements on databases (drop, create, rename) through the server's `test` database, outside a
    transaction."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        admin.dispose()


def seed(kind: str, size: Size = DEFAULT_SIZE) -> dict[str, Any]:
    """Recreate the database of this kind and size, fill it, and save what the run needs in
    bench/out/seed-KIND[-SUFFIX].json."""
    # Imported here so that `bench.run --help` and the report code need no application.
    from flask_migrate import upgrade

    from moocplatform import create_app
    from moocplatform.accounts.passwords import hash_password
    from moocplatform.catalog.models import Course, Unit
    from moocplatform.catalog.services import import_pack, pack_folders
    from moocplatform.extensions import db

    started = time.perf_counter()
    reset_database(kind, size)
    url = database_url(kind, size)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-seed-only",
        "ASSET_STORE_DIR": str(OUT / "assets"),
        "MAIL_OUTBOX_DIR": str(OUT / "outbox"),
    })
    with app.app_context():
        upgrade()
        for folder in pack_folders(ROOT / "courses"):
            print(f"  {import_pack(None, folder).describe()}", flush=True)
        db.session.commit()

        courses = []
        for course in db.session.scalars(sa.select(Course).order_by(Course.slug)):
            units = db.session.execute(
                sa.select(Unit.key, Unit.title, Unit.preview)
                .where(Unit.version_id == course.live_version_id).order_by(Unit.position)
            ).all()
            courses.append({"id": course.id, "slug": course.slug, "title": course.title,
                            "units": [(u.key, u.title, u.preview) for u in units]})
        bench_course = next((c for c in courses if c["slug"] == BENCH_COURSE), None)
        if bench_course is None:
            raise SystemExit(f"The course {BENCH_COURSE} is not among the packs in courses/.")
        bench_keys = [u[0] for u in bench_course["units"]]
        bench_unit = BENCH_UNIT if BENCH_UNIT in bench_keys else next(
            (key for key, _title, preview in bench_course["units"] if not preview), bench_keys[0])
        bench_unit_title = next(title for key, title, _p in bench_course["units"] if key == bench_unit)

        now = datetime.now(UTC).replace(microsecond=0)
        password_hash = hash_password(BENCH_PASSWORD)  # real argon2id, at the application's cost
        rng = random.Random(RANDOM_SEED)

        from moocplatform.accounts.models import User
        from moocplatform.learning.models import Enrollment, UnitProgress
        from moocplatform.quizzes.models import QuizAttempt
        learners = _insert_stream(db, User.__table__, _user_rows(rng, now, password_hash, size.learners))
        user_ids = dict(db.session.execute(sa.select(User.email, User.id)).all())
        # Generated and inserted a chunk at a time, so that a seed of any size fits in memory.
        # At bench.scale's sizes, what the measured learner sees does not depend on how many learners came first:
        # the learning and discussion rows start from random generators of their own, and the forum's authors
        # are the first 1,000 learners.
        same_at_every_size = size != DEFAULT_SIZE
        if same_at_every_size:
            rng = random.Random(RANDOM_SEED + 2)
        quiz_units = _quiz_units(db, courses) if size.quiz_attempts else {}
        reached: list[tuple[int, int, str]] = []  # (learner, course, quiz) of quiz units learners reached
        tables = {"enrollment": Enrollment.__table__, "progress": UnitProgress.__table__}
        pending: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
        counts = dict.fromkeys(tables, 0)
        share = min(1.0, size.progress_rows / _expected_progress(courses, size.learners)) if size.progress_rows else 1.0
        for name, row in _learning_rows(rng, now, courses, user_ids, bench_course, bench_unit, share):
            pending[name].append(row)
            counts[name] += 1
            if name == "progress" and row["user_id"] != user_ids[BENCH_EMAIL]:
                quiz_key = quiz_units.get((row["course_id"], row["unit_key"]))
                if quiz_key:
                    reached.append((row["user_id"], row["course_id"], quiz_key))
            if len(pending[name]) >= CHUNK:
                _bulk_insert(db, tables[name], pending[name])
                pending[name] = []
        for name, rows in pending.items():
            _bulk_insert(db, tables[name], rows)
        enrollments, progress = counts["enrollment"], counts["progress"]
        attempts = _insert_stream(db, QuizAttempt.__table__, _attempt_rows(
            db, courses, reached, size.quiz_attempts, now)) if size.quiz_attempts else 0
        db.session.commit()

        from moocplatform import dialect
        from moocplatform.discussion.models import Category, Post, Space, Thread
        space_id = db.session.scalar(sa.select(Space.id).where(Space.key == f"course:{bench_course['id']}"))
        categories = list(db.session.scalars(sa.select(Category.id).where(Category.space_id == space_id)
                                             .order_by(Category.position)))
        authors = sorted(user_ids.values())
        if same_at_every_size:
            rng, authors = random.Random(RANDOM_SEED + 3), authors[:SAME_AUTHORS]
        threads, posts = _discussion_rows(rng, now, space_id, categories, authors)
        _bulk_insert(db, Thread.__table__, threads)
        _bulk_insert(db, Post.__table__, posts)
        for category_id in categories:
            mine = [t for t in threads if t["category_id"] == category_id]
            db.session.execute(sa.update(Category).where(Category.id == category_id).values(
                thread_count=len(mine), post_count=len(mine) * POSTS_PER_THREAD))
        social = _unit_social_rows(rng, now, space_id, len(threads) + 1, bench_course, bench_unit, bench_unit_title,
                                   user_ids, authors)
        _bulk_insert(db, Thread.__table__, [social["thread"]])
        _bulk_insert(db, Post.__table__, social["posts"])
        from moocplatform.notes.models import Note
        from moocplatform.notifications.models import Notification
        _bulk_insert(db, Note.__table__, [social["note"]])
        _bulk_insert(db, Notification.__table__, social["notifications"])
        db.session.execute(sa.update(User).where(User.id == user_ids[BENCH_EMAIL]).values(
            unread_notifications=len(social["notifications"])))  # the bell's count, kept on the row
        dialect.continue_sequences(db.session.connection(), [Thread.__table__])
        db.session.commit()
        if progress < size.min_progress_rows:
            raise SystemExit(f"Only {progress} progress rows were generated (at least {size.min_progress_rows}).")
        db.session.remove()
        engine = db.engine
        _analyze(engine)
        engine.dispose()

    info = {
        "kind": kind,
        "database_url": url,
        "seeded_at": now.isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
        "courses": len(courses),
        "units": sum(len(c["units"]) for c in courses),
        "learners": learners,
        "enrollments": enrollments,
        "unit_progress": progress,
        "quiz_attempts": attempts,
        "course_titles": [c["title"] for c in courses],
        "bench_email": BENCH_EMAIL,
        "bench_password": BENCH_PASSWORD,
        "bench_course": BENCH_COURSE,
        "bench_course_title": bench_course["title"],
        "bench_unit": bench_unit,
        "bench_unit_title": bench_unit_title,
        "posts": len(posts),
        "unit_comments": len(social["posts"]),
        "unread_notifications": len(social["notifications"]),
        "bench_thread": threads[0]["id"],
        "bench_thread_title": threads[0]["title"],
        "bench_category": categories[0],
        "rare_word": RARE_WORD,
        "common_word": COMMON_WORD,
    }
    info_path(kind, size).write_text(json.dumps(info, indent=2) + "\n")
    return info


def _user_rows(rng: random.Random, now: datetime, password_hash: str, learners: int) -> Iterator[dict[str, Any]]:
    for n in range(learners):
        created = now - timedelta(days=rng.uniform(30, 400))
        email, name = (BENCH_EMAIL, "Bench Learner") if n == 0 else (
            f"learner{n:05d}@bench.example.org", f"Learner {n}")
        yield {
            "email": email, "password_hash": password_hash, "display_name": name, "full_name": "",
            "locale": "en", "timezone": "Europe/Vienna" if n == 0 else rng.choice(TIMEZONES), "bio": "",
            "status": "active", "created_at": created, "email_verified_at": created + timedelta(minutes=5),
            "password_changed_at": created, "last_login_at": now - timedelta(hours=rng.uniform(1, 500)),
        }


# How learners enrol and advance (_learning_rows): 1, 2 or 3 courses; 35% read a course to its end, 5% never
# start it, the others stop at a random unit.
COURSES_TAKEN, COURSES_WEIGHTS = (1, 2, 3), (25, 40, 35)


def _expected_progress(courses: list[dict[str, Any]], learners: int) -> float:
    """The progress rows _learning_rows gives on average, for `share` to aim at a number of rows."""
    taken = sum(n * w for n, w in zip(COURSES_TAKEN, COURSES_WEIGHTS, strict=True)) / sum(COURSES_WEIGHTS)
    units = sum(len(c["units"]) for c in courses) / len(courses)
    return learners * taken * (0.35 * units + 0.60 * units / 2)


def _learning_rows(rng, now, courses, user_ids, bench_course, bench_unit,
                   share: float = 1.0) -> Iterator[tuple[str, dict[str, Any]]]:
    """Enrolments (1-3 courses each) and progress along each course's unit order, as learners advance:
    ("progress", row) and ("enrollment", row) pairs, a learner at a time. With `share` below 1 the other
    learners stop after that share of the units they would have read (the measured learner does not)."""

    def enrol(user_id, course, viewed: int, completed: int, *, status="active", last_key=None):
        keys = [u[0] for u in course["units"]]
        enrolled_at = now - timedelta(days=rng.uniform(10, 180))
        seen_at = enrolled_at
        for i, key in enumerate(keys[:viewed]):
            seen_at = min(seen_at + timedelta(hours=rng.uniform(0.2, 60)), now - timedelta(minutes=5))
            yield "progress", {
                "user_id": user_id, "course_id": course["id"], "unit_key": key, "first_viewed_at": seen_at,
                "completed_at": seen_at + timedelta(minutes=rng.uniform(3, 40)) if i < completed else None,
            }
        last = last_key or (keys[viewed - 1] if viewed else None)
        yield "enrollment", {
            "user_id": user_id, "course_id": course["id"], "status": status, "enrolled_at": enrolled_at,
            "left_at": now - timedelta(days=rng.uniform(0, 9)) if status == "left" else None,
            "last_unit_key": last, "last_visited_at": seen_at if last else None,
        }

    for email, user_id in sorted(user_ids.items(), key=lambda item: item[1]):
        if email == BENCH_EMAIL:
            # Enrolled in every course; in the measured one, has read past the measured unit and is back on it,
            # so the measured page writes nothing (as when a learner re-reads a unit).
            for course in courses:
                if course is bench_course:
                    keys = [u[0] for u in course["units"]]
                    position = keys.index(bench_unit)
                    yield from enrol(user_id, course, viewed=min(len(keys), position + 3), completed=position,
                          last_key=bench_unit)
                else:
                    yield from enrol(user_id, course, viewed=4, completed=3)
            continue
        chosen = rng.sample(courses, rng.choices(COURSES_TAKEN, weights=COURSES_WEIGHTS)[0])
        for course in chosen:
            count = len(course["units"])
            draw = rng.random()
            viewed = count if draw < 0.35 else 0 if draw < 0.40 else rng.randint(1, max(1, count - 1))
            completed = viewed if viewed == count and rng.random() < 0.8 else max(0, viewed - rng.randint(0, 2))
            if share < 1:
                viewed = round(viewed * share)
                completed = min(completed, viewed)
            yield from enrol(user_id, course, viewed, completed, status="left" if rng.random() < 0.05 else "active")


def _discussion_rows(rng, now, space_id: int, categories: list[int], user_ids: list[int]):
    """Threads of POSTS_PER_THREAD posts in the course forum's categories; posts of a few sentences each."""
    threads: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    rare_left = 20
    for n in range(POSTS // POSTS_PER_THREAD):
        started = now - timedelta(days=rng.uniform(1, 300))
        threads.append({"id": n + 1, "space_id": space_id, "category_id": categories[n % len(categories)],
                        "title": f"Thread {n + 1} about {rng.choice(WORDS)}", "author_id": rng.choice(user_ids),
                        "created_at": started, "last_post_at": started + timedelta(hours=POSTS_PER_THREAD),
                        "post_count": POSTS_PER_THREAD, "pinned": False, "locked": False})
        for k in range(POSTS_PER_THREAD):
            words = [rng.choice(WORDS) for _ in range(rng.randint(15, 60))]
            if rng.random() < 0.33:
                words.insert(rng.randrange(len(words)), COMMON_WORD)
            if rare_left and rng.random() < 0.0005:
                words.insert(rng.randrange(len(words)), RARE_WORD)
                rare_left -= 1
            text = " ".join(words).capitalize() + "."
            posts.append({"thread_id": n + 1, "space_id": space_id, "parent_id": None,
                          "author_id": rng.choice(user_ids), "body_source": text, "body_html": f"<p>{text}</p>",
                          "created_at": started + timedelta(hours=k)})
    for _ in range(rare_left):  # the rare word in exactly 20 posts
        post = rng.choice(posts)
        post["body_source"] += f" {RARE_WORD}."
        post["body_html"] = f"<p>{post['body_source']}</p>"
    return threads, posts


UNIT_COMMENTS = 30  # the unit's panel shows the newest 20
UNREAD_NOTIFICATIONS = 5


def _unit_social_rows(rng, now, space_id: int, thread_id: int, course: dict[str, Any], unit_key: str,
                      unit_title: str, user_ids: dict[str, int], authors: list[int]) -> dict[str, Any]:
    """The measured unit as learners see it with the social areas: comments under it, the learner's own note
    on it and unread notifications in the bell."""
    learner = user_ids[BENCH_EMAIL]
    others = [author for author in authors if author != learner]
    started = now - timedelta(days=20)
    thread = {"id": thread_id, "space_id": space_id, "category_id": None, "unit_key": unit_key,
              "title": unit_title, "author_id": None, "created_at": started,
              "last_post_at": started + timedelta(hours=UNIT_COMMENTS), "post_count": UNIT_COMMENTS,
              "pinned": False, "locked": False}
    posts = []
    for k in range(UNIT_COMMENTS):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 60))).capitalize() + "."
        posts.append({"thread_id": thread_id, "space_id": space_id, "parent_id": None,
                      "author_id": learner if k % 10 == 3 else rng.choice(others), "body_source": text,
                      "body_html": f"<p>{text}</p>", "created_at": started + timedelta(hours=k)})
    note_text = "Spacing: review on day 1, 3 and 7. Interleave topics in one session."
    note = {"user_id": learner, "course_id": course["id"], "unit_key": unit_key, "unit_title": unit_title,
            "body": note_text, "body_html": f"<p>{note_text}</p>", "version": 1, "created_at": started,
            "updated_at": started}
    notifications = [{"user_id": learner, "kind": "discussion.reply", "created_at": now - timedelta(hours=n),
                      "read_at": None, "params": {"name": f"Learner {n + 1}", "thread": unit_title},
                      "link": f"/discussion/threads/{thread_id}", "digest_pending": False}
                     for n in range(UNREAD_NOTIFICATIONS)]
    return {"thread": thread, "posts": posts, "note": note, "notifications": notifications}


def _bulk_insert(db, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])


def _insert_stream(db, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows as they are generated, a chunk at a time; returns how many."""
    chunk: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            _bulk_insert(db, table, chunk)
            count += len(chunk)
            chunk = []
    _bulk_insert(db, table, chunk)
    return count + len(chunk)


def _quiz_units(db, courses: list[dict[str, Any]]) -> dict[tuple[int, str], str]:
    """(course, unit key) -> quiz key, of the live versions' quizzes."""
    from moocplatform.catalog.models import Course
    from moocplatform.quizzes.models import QuizDefinition

    rows = db.session.execute(sa.select(Course.id, QuizDefinition.unit_key, QuizDefinition.key)
                              .join(QuizDefinition, QuizDefinition.version_id == Course.live_version_id)
                              .where(Course.id.in_([c["id"] for c in courses])))
    return {(course_id, unit_key): key for course_id, unit_key, key in rows}


SAME_AUTHORS = 1_000  # at bench.scale's sizes, the forum's authors
ATTEMPT_TEMPLATES = 40  # per quiz: made and graded as the services do, then reused


def _attempt_rows(db, courses: list[dict[str, Any]], reached: list[tuple[int, int, str]], total: int,
                  now: datetime) -> Iterator[dict[str, Any]]:
    """Exactly `total` submitted attempts, spread evenly over the quizzes learners reached (numbered 1, 2, ...
    per learner and quiz), with a random generator of their own so that the rest of the seed does not change."""
    from moocplatform.catalog.models import Course
    from moocplatform.quizzes.models import QuizDefinition

    from .quiz_data import attempt_rows

    if not reached:
        raise SystemExit(f"{total} quiz attempts were asked for, but no learner reached a quiz unit.")
    rng = random.Random(RANDOM_SEED + 1)
    templates: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for course_id, definition in db.session.execute(
            sa.select(Course.id, QuizDefinition)
            .join(QuizDefinition, QuizDefinition.version_id == Course.live_version_id)
            .where(Course.id.in_([c["id"] for c in courses]))).tuples():
        templates[(course_id, definition.key)] = attempt_rows(definition, course_id, [0], ATTEMPT_TEMPLATES, rng,
                                                              now, submitted=True)
    each, extra = divmod(total, len(reached))
    for n, (user_id, course_id, quiz_key) in enumerate(reached):
        for number in range(1, each + (n < extra) + 1):
            started = now - timedelta(days=rng.uniform(1, 300))
            yield {**rng.choice(templates[(course_id, quiz_key)]), "user_id": user_id, "quiz_key": quiz_key,
                   "number": number, "started_at": started,
                   "submitted_at": started + timedelta(minutes=rng.uniform(3, 25))}


def _analyze(engine: sa.Engine) -> None:
    """Fresh planner statistics, as a database that has been in use would have."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def describe(info: dict[str, Any]) -> str:
    return (f"{info['learners']:,} learners, {info['enrollments']:,} enrolments, "
            f"{info['unit_progress']:,} unit_progress rows"
            + (f", {info['quiz_attempts']:,} quiz attempts" if info.get("quiz_attempts") else "")
            + f", {info['courses']} courses / {info['units']} units")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=(*DATABASES, "both"), default="both")
    args = parser.parse_args(argv)
    for kind in DATABASES if args.db == "both" else (args.db,):
        print(f"Seeding {kind} ...", flush=True)
        info = seed(kind)
        print(f"  {describe(info)} in {info['seconds']} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
