"""One record under every race: twenty identical requests at the same moment, each with its own browser,
connection and transaction, on PostgreSQL (SQLite runs one writer at a time, so its requests cannot overlap).
Each create is guarded by a unique constraint or a row lock, so the losers get the normal answer, never a 500,
and nothing is recorded or mailed twice."""
from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from moocplatform import clock, transaction
from moocplatform.accounts.models import LoginFailure, RoleGrant, User
from moocplatform.audit import AuditEntry
from moocplatform.catalog.models import CourseVersion
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning.models import Invitation
from moocplatform.outbox import OutboxMessage
from moocplatform.quizzes.models import QuizException
from tests.concurrency import only_on_postgres
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, sample_quiz, write_pack
from tests.quiz_helpers import learner_in, quiz_course

PARALLEL = 20

only_on_postgres = only_on_postgres("parallel requests cannot overlap there")


@pytest.fixture()
def live_data(app):
    """Sessions per application context on the engine, committing for real (the per-test transaction is
    invisible to other connections); every table is emptied afterwards, as the other tests expect."""
    test_session = db.session
    db.session = scoped_session(sessionmaker(bind=db.engine, expire_on_commit=False), scopefunc=_app_ctx_id)
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session = test_session


def browsers(app, user) -> list:
    """PARALLEL test clients signed in as user, each with a session of its own."""
    clients = []
    for _ in range(PARALLEL):
        client = app.test_client()
        log_in(client, user)
        clients.append(client)
    return clients


def all_at_once(clients, method: str, url: str, data: dict) -> list[int]:
    """Each client sends the request in its own thread, released together; the statuses they got."""
    barrier = threading.Barrier(len(clients), timeout=30)
    statuses: list[int] = []

    def send(client):
        barrier.wait()
        statuses.append(client.open(url, method=method, data=data).status_code)

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == len(clients)
    return statuses


def count(model, *where) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def mails_to(email: str) -> int:
    with db.engine.connect() as connection:
        payloads = connection.scalars(sa.select(OutboxMessage.payload)).all()
    return sum(1 for payload in payloads if isinstance(payload, dict) and payload.get("to") == email)


@only_on_postgres
def test_twenty_registrations_of_one_address_make_one_account_and_one_mail(app, live_data):
    clients = [app.test_client() for _ in range(PARALLEL)]
    form = {"email": "racer@example.org", "display_name": "Racer", "password": "a fine long passphrase",
            "confirm": "a fine long passphrase", "timezone": "UTC", "accept_terms": "y", "accept_privacy": "y",
            "confirm_age": "y"}
    statuses = all_at_once(clients, "POST", "/register", form)
    assert statuses == [302] * PARALLEL
    assert count(User, User.email == "racer@example.org") == 1
    assert mails_to("racer@example.org") == 1


def guesses_at_once(app, email: str, addresses: list[str]) -> list[int]:
    """One wrong log-in for email from each address, all released together; the statuses they got."""
    barrier = threading.Barrier(len(addresses), timeout=30)
    statuses: list[int] = []

    def guess(address: str) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/login", data={"email": email, "password": "a wrong guess"},
                                    environ_base={"REMOTE_ADDR": address}).status_code)

    threads = [threading.Thread(target=guess, args=(address,)) for address in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == len(addresses)
    return statuses


@only_on_postgres
def test_twenty_guesses_at_the_same_instant_are_each_counted_before_the_next_is_judged(app, live_data):
    with app.app_context():
        make_user(email="ann@example.org")
        db.session.commit()
    statuses = guesses_at_once(app, "ann@example.org", ["198.51.100.66"] * PARALLEL)
    # As one after the other: two failures cost nothing, the third starts the delay the rest must wait for.
    assert sorted(statuses) == [422] * 3 + [429] * (PARALLEL - 3)
    assert count(LoginFailure) == 3


@only_on_postgres
def test_the_account_ceiling_holds_for_guesses_from_many_addresses_at_once(app, live_data, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_MAX_FAILURES", 5)
    with app.app_context():
        make_user(email="ann@example.org")
        db.session.commit()
    statuses = guesses_at_once(app, "ann@example.org", [f"203.0.113.{n}" for n in range(PARALLEL)])
    assert sorted(statuses) == [422] * 5 + [429] * (PARALLEL - 5)
    assert count(LoginFailure) == 5


@only_on_postgres
def test_twenty_invitations_of_one_address_make_one_invitation_and_one_mail(app, live_data):
    with app.app_context():
        course = make_course("invite-only", enrolment={"mode": "invitation"})
        team = make_user("course_team", course=course)
        db.session.commit()
        clients = browsers(app, team)
        db.session.commit()
        slug, course_id = course.slug, course.id
    statuses = all_at_once(clients, "POST", f"/courses/{slug}/invitations", {"emails": "guest@example.org"})
    assert all(status < 500 for status in statuses), statuses
    assert count(Invitation, Invitation.course_id == course_id) == 1
    assert mails_to("guest@example.org") == 1


@only_on_postgres
def test_twenty_grants_of_one_role_make_one_grant_and_one_audit_entry(app, live_data):
    with app.app_context():
        admin = make_user("admin")
        target = make_user(email="target@example.org")
        db.session.commit()
        clients = browsers(app, admin)
        db.session.commit()
        target_id = target.id
    statuses = all_at_once(clients, "POST", f"/admin/users/{target_id}/roles",
                           {"role": "admin", "course": "", "confirm_admin": "y"})
    assert all(status < 500 for status in statuses), statuses
    assert count(RoleGrant, RoleGrant.user_id == target_id) == 1
    assert count(AuditEntry, AuditEntry.action == "role.grant", AuditEntry.target_id == str(target_id)) == 1


@only_on_postgres
def test_twenty_publishes_of_one_draft_write_one_audit_entry(app, live_data):
    with app.app_context():
        course = make_course("drafted")
        draft = import_pack(None, write_pack(Path(tempfile.mkdtemp(prefix="pack-")), "drafted", version="2.0.0"),
                            publish=False).version
        team = make_user("course_team", course=course)
        db.session.commit()
        clients = browsers(app, team)
        db.session.commit()
        url = f"/studio/courses/{course.slug}/versions/{draft.id}/publish"
        course_id = course.id
    statuses = all_at_once(clients, "POST", url, {})
    assert all(status < 500 for status in statuses), statuses
    assert count(AuditEntry, AuditEntry.action == "course.publish", AuditEntry.target_id == str(course_id)) == 2
    # (one for the first version's import-and-publish, one for the draft)


@only_on_postgres
def test_twenty_identical_extra_attempt_posts_make_one_grant(app, live_data):
    with app.app_context():
        course = make_course("quizzed", quiz=sample_quiz())
        learner = learner_in(course, email="learner@example.org")
        team = make_user("course_team", course=course)
        db.session.commit()
        clients = browsers(app, team)
        db.session.commit()
        slug, learner_id = course.slug, learner.id
    form = {"email": "learner@example.org", "extra_attempts": "1", "extra_minutes": "0", "reason": "Ill on Monday"}
    statuses = all_at_once(clients, "POST", f"/courses/{slug}/quizzes/check/exceptions", form)
    assert all(status < 500 for status in statuses), statuses
    assert count(QuizException, QuizException.user_id == learner_id) == 1


def count_in_test(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_a_double_clicked_extra_attempt_is_one_grant_and_a_new_one_later_is_another(client):
    """On either database: the same grant posted twice within a minute is one grant."""
    course = quiz_course()
    learner_in(course, email="learner@example.org")
    log_in(client, make_user("course_team", course=course))
    form = {"email": "learner@example.org", "extra_attempts": "1", "extra_minutes": "0", "reason": "Ill on Monday"}
    for _ in range(2):
        assert client.post(f"/courses/{course.slug}/quizzes/check/exceptions", data=form).status_code < 400
    assert count_in_test(QuizException) == 1
    clock.advance(timedelta(minutes=2))
    client.post(f"/courses/{course.slug}/quizzes/check/exceptions", data=form)
    assert count_in_test(QuizException) == 2


def test_a_row_that_exists_already_is_an_answer_not_an_error():
    make_user(email="taken@example.org")
    now = clock.now()
    duplicate = User(email="taken@example.org", password_hash="x", display_name="Dup", created_at=now,
                     password_changed_at=now)
    assert transaction.add_unless_present(duplicate) is False
    assert count_in_test(User) == 1  # the unit of work goes on, its earlier rows intact
    fresh = User(email="fresh@example.org", password_hash="x", display_name="Fresh", created_at=now,
                 password_changed_at=now)
    assert transaction.add_unless_present(fresh) is True
    assert count_in_test(User) == 2


@only_on_postgres
def test_twenty_uploads_of_one_pack_store_one_draft(app, live_data, tmp_path):
    folder = write_pack(tmp_path, "uploaded", version="2.0.0")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    data = buffer.getvalue()
    with app.app_context():
        course = make_course("uploaded")
        team = make_user("course_team", course=course)
        db.session.commit()
        clients = browsers(app, team)
        db.session.commit()
        course_id = course.id
    barrier = threading.Barrier(PARALLEL, timeout=30)
    statuses: list[int] = []

    def send(client):
        barrier.wait()
        statuses.append(client.post("/studio/courses/uploaded/upload",
                                    data={"pack": (io.BytesIO(data), "uploaded.zip")},
                                    content_type="multipart/form-data").status_code)

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == PARALLEL and all(status < 500 for status in statuses), statuses
    assert count(CourseVersion, CourseVersion.course_id == course_id, CourseVersion.version == "2.0.0") == 1


@only_on_postgres
def test_twenty_likes_of_one_post_at_once_make_one_like(app, live_data):
    from moocplatform.discussion import services as discussion
    from moocplatform.discussion.models import Like, Thread
    from tests.discussion_helpers import make_discussion_course

    with app.app_context():
        course = make_discussion_course("liked-at-once")
        author, fan = make_user(), make_user()
        for person in (author, fan):
            enrol(person, course)
        post = discussion.comment_on_unit(author, course, "m1-u1", "Worth a like")
        db.session.commit()
        clients = browsers(app, fan)
        db.session.commit()
        post_id, thread_id = post.id, post.thread_id
    statuses = all_at_once(clients, "POST", f"/discussion/posts/{post_id}/like", {})
    assert statuses == [302] * PARALLEL
    assert count(Like, Like.post_id == post_id) == 1
    with db.engine.connect() as connection:
        assert connection.scalar(sa.select(Thread.like_count).where(Thread.id == thread_id)) == 1


@only_on_postgres
def test_twenty_accounts_of_one_name_at_once_get_twenty_handles(app, live_data):
    from moocplatform.accounts.services import create_verified_user
    from tests.factories import PASSWORD

    barrier = threading.Barrier(PARALLEL, timeout=30)
    failures: list[BaseException] = []

    def create(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                with transaction.unit_of_work(f"account {n}"):
                    create_verified_user(f"same{n}@example.org", "Sam Same", PASSWORD)
            except BaseException as error:  # noqa: BLE001 (reported below)
                failures.append(error)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with db.engine.connect() as connection:
        handles = connection.scalars(sa.select(User.handle).where(User.email.like("same%"))).all()
    assert len(handles) == PARALLEL and len(set(handles)) == PARALLEL and "sam_same" in handles
