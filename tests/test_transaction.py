"""The transaction boundary: one commit per request, command and job; rollback on any error (before an error page
renders); domain errors as statuses or form errors; work kept on purpose in a separate unit; after-commit hooks;
and no module but the boundary that commits or rolls back."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import click
import pytest
import sqlalchemy as sa
from flask import Blueprint, template_rendered
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

import moocplatform
from moocplatform import cli, create_app, transaction
from moocplatform.accounts.models import User
from moocplatform.accounts.services import create_verified_user
from moocplatform.errors import Conflict, DomainError, InvalidInput
from moocplatform.extensions import db
from moocplatform.forms import apply_form

from .conftest import log_in
from .factories import PASSWORD, make_user


def exists(email: str) -> bool:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == email)) == 1


def new_user(email: str) -> User:
    user = create_verified_user(email, "Someone", PASSWORD)
    db.session.flush()
    return user


@pytest.fixture(scope="module")
def boundary_app(app):
    """The application with a few routes and a command that write and then fail in the ways the boundary
    handles (the shared application cannot take new routes once it has served a request)."""
    probe = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED", "ARGON2_TIME_COST",
        "ARGON2_MEMORY_COST", "MAIL_OUTBOX_DIR", "PUBLIC_BASE_URL")})
    probe.config["PROPAGATE_EXCEPTIONS"] = False  # an unexpected error becomes the 500 page, as in production
    probe.test_client_class = app.test_client_class
    routes = Blueprint("probe", __name__)
    probe.extensions["calls"] = calls = []

    @routes.post("/_probe/write")
    def write():
        new_user("kept@example.org")
        transaction.after_commit(lambda: calls.append("committed"))
        return "ok"

    @routes.post("/_probe/write-then-crash")
    def write_then_crash():
        new_user("crash@example.org")
        transaction.after_commit(lambda: calls.append("committed"))
        raise RuntimeError("boom")

    @routes.post("/_probe/write-then-refuse")
    def write_then_refuse():
        new_user("refused@example.org")
        raise Conflict("That has been done already.")

    @routes.post("/_probe/form")
    def form():
        probe_form = FlaskForm()

        def service():
            new_user("form@example.org")
            raise InvalidInput("Nothing may be saved today.")

        if not apply_form(probe_form, service)[0]:
            assert not exists("form@example.org")  # rolled back before the form is shown again
            return f"{probe_form.form_errors}", 422
        return "saved"

    @routes.post("/_probe/keep-despite")
    def keep_despite():
        try:
            with transaction.unit_of_work("counted failure", keep_despite=(DomainError,)):
                new_user("counted@example.org")
                raise InvalidInput("Refused, but counted.")
        except InvalidInput:
            return "refused", 422

    probe.register_blueprint(routes)

    @click.command("probe-fail")
    def probe_fail():
        new_user("cli@example.org")
        cli.fail("The command gives up.")

    @click.command("probe-write")
    def probe_write():
        new_user("cli-kept@example.org")

    cli.add_command(probe, probe_fail)
    cli.add_command(probe, probe_write)
    return probe


@pytest.fixture()
def probe_client(boundary_app):
    boundary_app.extensions["calls"].clear()
    return boundary_app.test_client()


@pytest.fixture()
def commits():
    counted: list[Session] = []

    def listener(session: Session) -> None:
        if not session.in_nested_transaction():  # a savepoint released (e.g. a unique handle taken) is no commit
            counted.append(session)

    sa.event.listen(Session, "after_commit", listener)
    yield counted
    sa.event.remove(Session, "after_commit", listener)


def test_a_request_commits_once_and_then_runs_its_after_commit_hooks(probe_client, boundary_app, commits):
    response = probe_client.post("/_probe/write")
    assert response.status_code == 200
    assert len(commits) == 1
    assert boundary_app.extensions["calls"] == ["committed"]
    assert exists("kept@example.org")


def test_an_unexpected_error_rolls_back_and_drops_the_hooks(probe_client, boundary_app, commits):
    response = probe_client.post("/_probe/write-then-crash")
    assert response.status_code == 500
    assert commits == []
    assert boundary_app.extensions["calls"] == []
    assert not exists("crash@example.org")


def test_the_error_page_renders_after_the_rollback(probe_client, boundary_app):
    seen = []

    def rendered(_app, template, context):
        if template.name == "errors/error.html":
            seen.append(exists("crash@example.org"))

    template_rendered.connect(rendered, boundary_app)
    try:
        probe_client.post("/_probe/write-then-crash")
    finally:
        template_rendered.disconnect(rendered, boundary_app)
    assert seen == [False]


def test_a_domain_error_becomes_its_status_and_keeps_nothing(probe_client):
    response = probe_client.post("/_probe/write-then-refuse")
    assert response.status_code == 409
    assert "That has been done already." in response.get_data(as_text=True)
    assert not exists("refused@example.org")


def test_a_domain_error_on_a_form_is_shown_on_it_and_rolled_back(probe_client):
    response = probe_client.post("/_probe/form")
    assert response.status_code == 422
    assert response.get_data(as_text=True) == "['Nothing may be saved today.']"
    assert not exists("form@example.org")


def test_a_separate_unit_keeps_its_work_when_the_request_then_fails(probe_client):
    response = probe_client.post("/_probe/keep-despite")
    assert response.status_code == 422
    assert exists("counted@example.org")


def test_a_failing_command_leaves_nothing_and_a_finished_one_commits(boundary_app, commits):
    runner = boundary_app.test_cli_runner()
    failed = runner.invoke(args=["probe-fail"])
    assert failed.exit_code == 1
    assert "The command gives up." in failed.output
    assert not exists("cli@example.org")
    assert commits == []
    done = runner.invoke(args=["probe-write"])
    assert done.exit_code == 0, done.output
    assert len(commits) == 1
    assert exists("cli-kept@example.org")


def test_units_of_work_outside_requests(app):
    with app.app_context():
        calls = []
        with pytest.raises(RuntimeError), transaction.unit_of_work("a job"):
            new_user("job@example.org")
            transaction.after_commit(lambda: calls.append("sent"))
            raise RuntimeError("the job fails")
        assert not exists("job@example.org") and calls == []

        with transaction.unit_of_work("a job"):
            new_user("job@example.org")
            transaction.after_commit(lambda: calls.append("sent"))
        assert exists("job@example.org") and calls == ["sent"]


def test_a_separate_unit_must_come_before_the_enclosing_one_writes(app):
    with app.app_context():
        with pytest.raises(RuntimeError, match="must come before"), transaction.unit_of_work("outer"):
            new_user("outer@example.org")
            with transaction.unit_of_work("inner"):
                pass
        assert not exists("outer@example.org")


def test_a_best_effort_unit_gives_way_to_a_busy_database(app):
    busy = sa.exc.OperationalError("UPDATE enrollment", {}, sqlite3.OperationalError("database is locked"))
    with app.app_context(), transaction.unit_of_work("page"):
        with transaction.unit_of_work("visit record", best_effort=True):
            new_user("visit@example.org")
            raise busy
        assert not exists("visit@example.org")
        with pytest.raises(sa.exc.OperationalError), transaction.unit_of_work("not best effort"):
            raise busy


def test_a_field_less_error_on_a_form_is_shown_once(client):
    """The last administrator cannot delete their account: the reason appears once, above the form (it was
    shown twice, flashed and on the form)."""
    admin = make_user("admin")
    log_in(client, admin)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("This is the last active administrator.") == 1
    assert db.session.get(User, admin.id).status == "active"


def test_a_failed_log_in_is_counted_although_the_request_fails(client):
    from moocplatform.accounts.models import LoginFailure
    make_user(email="ann@example.org")
    response = client.post("/login", data={"email": "ann@example.org", "password": "not the password"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1


SESSION_END = re.compile(r"\.\s*(commit|rollback)\(\s*\)")


def test_only_the_boundary_commits_or_rolls_back():
    root = Path(moocplatform.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py")) if path.name != "transaction.py"
        for number, line in enumerate(path.read_text().splitlines(), 1) if SESSION_END.search(line)
    ]
    assert offenders == []
