"""Status, mode and kind columns hold only the values their StrEnum lists: the database itself refuses any
other (a CHECK constraint), on SQLite and PostgreSQL alike, and the stored strings are the enums' values."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from moocplatform import clock, create_app
from moocplatform.accounts.models import Consent, ConsentKind, User, UserStatus
from moocplatform.catalog.models import Course, CourseStatus, CourseVersion, EnrolmentMode, VersionStatus
from moocplatform.extensions import db
from moocplatform.learning.models import Enrollment, EnrollmentStatus
from moocplatform.quizzes.models import AttemptStatus, QuizAttempt
from moocplatform.quizzes.services import start_attempt
from tests.factories import make_course, make_user, sample_quiz
from tests.quiz_helpers import learner_in

ENUM_COLUMNS = [
    (User.status, UserStatus),
    (Consent.kind, ConsentKind),
    (Course.status, CourseStatus),
    (Course.enrolment_mode, EnrolmentMode),
    (CourseVersion.status, VersionStatus),
    (Enrollment.status, EnrollmentStatus),
    (QuizAttempt.status, AttemptStatus),
]


def _check_constraint_names(table: sa.Table) -> set[str]:
    return {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint) and c.name}


def _one_row_of_each() -> dict[str, int]:
    """The id of one valid row in every table that has such a column."""
    course = make_course("checked", quiz=sample_quiz())
    learner = learner_in(course)
    attempt = start_attempt(learner, course, "check")
    consent = Consent(user_id=learner.id, kind=ConsentKind.terms, version="1", given_at=clock.now())
    db.session.add(consent)
    db.session.flush()
    enrollment = db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id == learner.id)).one()
    return {"users": learner.id, "consents": consent.id, "courses": course.id,
            "course_versions": course.live_version_id, "enrollments": enrollment.id, "quiz_attempts": attempt.id}


def test_every_enum_column_is_declared_with_a_named_check_constraint():
    for column, enum_class in ENUM_COLUMNS:
        table = column.property.columns[0].table
        assert f"ck_{table.name}_{column.key}" in _check_constraint_names(table)
        assert list(column.type.enums) == [member.value for member in enum_class]


@pytest.mark.parametrize(("column", "enum_class"), ENUM_COLUMNS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_the_database_refuses_an_unknown_value(column, enum_class):
    ids = _one_row_of_each()
    table = column.property.columns[0].table
    statement = sa.text(f"UPDATE {table.name} SET {column.key} = 'bogus' WHERE id = :id")
    with pytest.raises(sa.exc.IntegrityError, match=f"ck_{table.name}_{column.key}"), db.session.begin_nested():
        db.session.execute(statement, {"id": ids[table.name]})
    # Every listed value is accepted, and stored as that very string.
    for member in enum_class:
        db.session.execute(sa.text(f"UPDATE {table.name} SET {column.key} = :value WHERE id = :id"),
                           {"value": member.value, "id": ids[table.name]})
    stored = db.session.execute(sa.text(f"SELECT {column.key} FROM {table.name} WHERE id = :id"),
                                {"id": ids[table.name]}).scalar_one()
    assert stored == list(enum_class)[-1].value and type(stored) is str


def test_the_orm_refuses_an_unknown_value_before_it_reaches_the_database():
    user = make_user()
    user.status = "bogus"  # type: ignore[assignment]  # what a caller passing an unchecked string would do
    with pytest.raises(sa.exc.StatementError, match="not among the defined enum values"):
        db.session.flush()
    db.session.rollback()


def test_values_come_back_as_enum_members_that_equal_their_strings():
    user = make_user()
    db.session.expire(user)
    assert user.status is UserStatus.active and user.status == "active"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.status == "active")) == 1


def test_the_sqlite_migration_keeps_the_rows_of_child_tables(tmp_path):
    """Batch mode rebuilds users, courses and course_versions on SQLite; with foreign keys enforced, dropping the
    old copy would cascade into every child table. The rows must survive the upgrade and the downgrade."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'upgrade.sqlite3'}",
                      "SECRET_KEY": "test", "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})
    with app.app_context():
        upgrade(revision="ba409773aa8b")
        now = "2026-03-02 09:00:00"
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, email, password_hash, display_name, full_name, locale, timezone, bio, "
                f"status, created_at) VALUES (1, 'a@example.org', '!', 'A', '', 'en', 'UTC', '', 'active', '{now}')")
            connection.exec_driver_sql(
                "INSERT INTO courses (id, slug, status, created_at, title, summary, language, "
                "effort_hours_per_week, duration_weeks, enrolment_mode) "
                f"VALUES (1, 'c', 'active', '{now}', 'C', '', 'en', 1, 1, 'open')")
            connection.exec_driver_sql(
                f"INSERT INTO enrollments (user_id, course_id, status, enrolled_at) VALUES (1, 1, 'active', '{now}')")
            connection.exec_driver_sql(
                f"INSERT INTO consents (user_id, kind, version, given_at) VALUES (1, 'terms', '1', '{now}')")
        upgrade()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM enrollments").scalar_one() == 1
            assert connection.exec_driver_sql("SELECT count(*) FROM consents").scalar_one() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            with pytest.raises(sa.exc.IntegrityError, match="ck_users_status"):
                connection.exec_driver_sql("UPDATE users SET status = 'bogus'")
        from flask_migrate import downgrade
        downgrade(revision="ba409773aa8b")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM enrollments").scalar_one() == 1
            assert sa.inspect(connection).get_check_constraints("users") == []
        db.engine.dispose()
