"""Every service that changes data checks who asks and what they give it, whoever calls it (a form, the CLI,
the API): an outsider is refused and bad input is rejected with the field it concerns."""
from __future__ import annotations

import importlib
import inspect
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from moocplatform.accounts import services as accounts
from moocplatform.accounts.sessions import start_session
from moocplatform.accounts.throttling import LoginSource
from moocplatform.admin import services as admin
from moocplatform.catalog import services as catalog
from moocplatform.catalog.models import CourseVersion
from moocplatform.content import PackError
from moocplatform.errors import InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning import services as learning
from moocplatform.quizzes import services as quizzes
from moocplatform.studio import uploads as studio
from tests.factories import PASSWORD, enrol, make_course, make_user, write_pack

ANONYMOUS = AnonymousUserMixin()
LONG = "x" * 500


@pytest.fixture()
def w(tmp_path):
    """A course with a quiz, its enrolled learner with an attempt, staff, and an outsider to all of it."""
    course = make_course("alpha", quiz=True)
    other = make_course("beta")
    learner, outsider = make_user(), make_user()
    enrol(learner, course)
    attempt = quizzes.start_attempt(learner, course, "check")
    draft = catalog.import_pack(None, write_pack(tmp_path, "alpha", version="2.0.0"), publish=False).version
    world = SimpleNamespace(
        course=course, other=other, learner=learner, outsider=outsider, attempt=attempt, draft=draft,
        admin=make_user("admin"), team=make_user("course_team", course=course),
        enrollment=learning.get_enrollment(learner, course), tmp=tmp_path,
        other_version=db.session.get(CourseVersion, other.live_version_id),
    )
    return world


def registration(**changes):
    values = dict(email="new@example.org", password=PASSWORD, display_name="New Learner", accepted_terms=True,
                  accepted_privacy=True, confirmed_age=True, timezone="Europe/Paris", locale="en")
    return accounts.Registration(**{**values, **changes})


class Upload:
    """What the upload form hands over (a werkzeug FileStorage): a name and a way to save it."""

    filename = "pack.zip"

    def save(self, path):
        raise AssertionError("an upload refused up front is never saved")

SOURCE = LoginSource("127.0.0.1")


# service: (how an outsider calls it, refused with) -------------------------------------------------------------
REFUSED = {
    "accounts.register_user": (lambda w: accounts.register_user(registration(accepted_terms=False)), InvalidInput),
    "accounts.create_verified_user": (
        lambda w: accounts.create_verified_user("x@example.org", "Someone", PASSWORD, actor=w.outsider),
        PermissionDenied),
    "accounts.verify_email": (lambda w: accounts.verify_email("forged-token"), InvalidInput),
    "accounts.reset_password": (lambda w: accounts.reset_password("forged-token", PASSWORD + "!"), InvalidInput),
    "accounts.change_password": (
        lambda w: accounts.change_password(ANONYMOUS, PASSWORD, "another passphrase 1", SOURCE), PermissionDenied),
    "accounts.confirm_password": (lambda w: accounts.confirm_password(w.learner, None, PASSWORD, SOURCE),
                                  PermissionDenied),
    "accounts.update_profile": (lambda w: accounts.update_profile(w.outsider, w.learner, bio="mine now"),
                                PermissionDenied),
    "accounts.delete_account": (lambda w: accounts.delete_account(ANONYMOUS, PASSWORD, SOURCE), PermissionDenied),
    "admin.grant_role": (lambda w: admin.grant_role(w.team, w.outsider, "admin"), PermissionDenied),
    "admin.revoke_role": (lambda w: admin.revoke_role(w.team, w.team, w.team.roles[0]), PermissionDenied),
    "admin.suspend_user": (lambda w: admin.suspend_user(w.learner, w.outsider), PermissionDenied),
    "admin.unsuspend_user": (lambda w: admin.unsuspend_user(w.learner, w.outsider), PermissionDenied),
    "admin.unlock_user": (lambda w: admin.unlock_user(w.learner, w.outsider), PermissionDenied),
    "catalog.import_pack": (lambda w: catalog.import_pack(w.learner, write_pack(w.tmp, "alpha", version="3.0.0")),
                            PermissionDenied),
    "catalog.publish_version": (lambda w: catalog.publish_version(w.learner, w.course, w.draft), PermissionDenied),
    "catalog.discard_draft": (lambda w: catalog.discard_draft(w.learner, w.course, w.draft), PermissionDenied),
    "catalog.archive_course": (lambda w: catalog.archive_course(w.learner, w.course), PermissionDenied),
    "catalog.unarchive_course": (lambda w: catalog.unarchive_course(w.team, w.course), PermissionDenied),
    "learning.enrol_learner": (lambda w: learning.enrol_learner(ANONYMOUS, w.course), PermissionDenied),
    "learning.leave_course": (lambda w: learning.leave_course(ANONYMOUS, w.course), PermissionDenied),
    "learning.record_unit_visit": (lambda w: learning.record_unit_visit(w.outsider, w.enrollment, "m1-u1", set()),
                                   PermissionDenied),
    "learning.set_unit_completion": (
        lambda w: learning.set_unit_completion(w.outsider, w.course, "m1-u1", complete=True), PermissionDenied),
    "learning.invite_learners": (lambda w: learning.invite_learners(w.learner, w.course, ["a@example.org"]),
                                 PermissionDenied),
    "quizzes.start_attempt": (lambda w: quizzes.start_attempt(w.outsider, w.course, "check"), PermissionDenied),
    # Someone else's attempt does not exist for the outsider (as on the pages: 404, not 403).
    "quizzes.save_responses": (lambda w: quizzes.save_responses(w.outsider, w.attempt, {}), NotFound),
    "quizzes.submit_attempt": (lambda w: quizzes.submit_attempt(w.outsider, w.attempt, {}), NotFound),
    "quizzes.close_expired_attempt": (lambda w: quizzes.close_expired_attempt(w.outsider, w.attempt), NotFound),
    "quizzes.grant_exception": (
        lambda w: quizzes.grant_exception(w.learner, w.learner, w.course, "check", 1, 0, "why not"),
        PermissionDenied),
    "studio.receive_pack": (lambda w: studio.receive_pack(w.learner, Upload(), "alpha"), PermissionDenied),
}

# service: [(how an entitled actor calls it with bad input, the field named)] -------------------------------------
REJECTED = {
    "accounts.register_user": [
        (lambda w: accounts.register_user(registration(display_name=LONG)), "display_name"),
        (lambda w: accounts.register_user(registration(timezone="Mars/Olympus_Mons")), "timezone"),
        (lambda w: accounts.register_user(registration(locale="xx")), "locale"),
        (lambda w: accounts.register_user(registration(email="not an address")), "email"),
    ],
    "accounts.create_verified_user": [
        (lambda w: accounts.create_verified_user("y@example.org", LONG, PASSWORD, actor=w.admin), "display_name"),
        (lambda w: accounts.create_verified_user("y@example.org", "Why", PASSWORD, timezone="Nowhere"), "timezone"),
    ],
    "accounts.change_password": [
        (lambda w: accounts.change_password(w.learner, "wrong password", "another passphrase 1", SOURCE),
         "current_password"),
        (lambda w: accounts.change_password(w.learner, PASSWORD, "short", SOURCE), "password"),
    ],
    "accounts.confirm_password": [
        (lambda w: accounts.confirm_password(w.learner, start_session(w.learner, device="Test").row, "wrong one",
                                             SOURCE), "password"),
    ],
    "accounts.update_profile": [
        (lambda w: accounts.update_profile(w.learner, w.learner, display_name=LONG), "display_name"),
        (lambda w: accounts.update_profile(w.learner, w.learner, display_name=" a "), "display_name"),
        (lambda w: accounts.update_profile(w.learner, w.learner, timezone="Mars/Olympus_Mons"), "timezone"),
        (lambda w: accounts.update_profile(w.learner, w.learner, full_name="x" * 201), "full_name"),
        (lambda w: accounts.update_profile(w.admin, w.learner, bio="x" * 1001), "bio"),
        (lambda w: accounts.update_profile(w.learner, w.learner, locale="xx"), "locale"),
        (lambda w: accounts.update_profile(w.learner, w.learner, email="a@b.c"), "email"),
    ],
    "accounts.delete_account": [(lambda w: accounts.delete_account(w.learner, "wrong password", SOURCE), "password")],
    "admin.grant_role": [
        (lambda w: admin.grant_role(w.admin, w.outsider, "emperor"), "role"),
        (lambda w: admin.grant_role(w.admin, w.outsider, "facilitator"), "course"),
        (lambda w: admin.grant_role(w.admin, w.outsider, "facilitator", scope_type="galaxy", scope_id=1),
         "scope_type"),
    ],
    "admin.revoke_role": [(lambda w: admin.revoke_role(w.admin, w.outsider, w.team.roles[0]), "grant")],
    "admin.suspend_user": [(lambda w: admin.suspend_user(w.admin, w.outsider, "x" * 301), "reason")],
    "catalog.publish_version": [
        (lambda w: catalog.publish_version(w.team, w.course, w.other_version), "version")],
    "catalog.discard_draft": [(lambda w: catalog.discard_draft(w.team, w.course, w.other_version), "version")],
    "learning.record_unit_visit": [
        (lambda w: learning.record_unit_visit(w.learner, w.enrollment, "../../etc", set()), "unit_key")],
    "learning.set_unit_completion": [
        (lambda w: learning.set_unit_completion(w.learner, w.course, "x" * 65, complete=True), "unit_key")],
    "learning.invite_learners": [
        (lambda w: learning.invite_learners(w.team, w.course, ["not-an-address"]), "emails"),
        (lambda w: learning.invite_learners(w.team, w.course, []), "emails"),
    ],
    "quizzes.start_attempt": [(lambda w: quizzes.start_attempt(w.learner, w.course, "../check"), "quiz_key")],
    "quizzes.save_responses": [
        (lambda w: quizzes.save_responses(w.learner, w.attempt, {"not-a-question": "a"}), "responses"),
        (lambda w: quizzes.save_responses(w.learner, w.attempt, {"q5": "x" * 20_001}), "responses"),
    ],
    "quizzes.submit_attempt": [
        (lambda w: quizzes.submit_attempt(w.learner, w.attempt, {"not-a-question": "a"}), "responses")],
    "quizzes.grant_exception": [
        (lambda w: quizzes.grant_exception(w.team, w.learner, w.course, "check", 1000, 0, "why"), "extra_attempts"),
        (lambda w: quizzes.grant_exception(w.team, w.learner, w.course, "check", 0, -5, "why"), "extra_minutes"),
        (lambda w: quizzes.grant_exception(w.team, w.learner, w.course, "check", 1, 0, "x" * 501), "reason"),
        (lambda w: quizzes.grant_exception(w.team, w.outsider, w.course, "check", 1, 0, "why"), "email"),
    ],
    "studio.receive_pack": [(lambda w: studio.receive_pack(w.team, None, "alpha"), "pack")],
}

# Services that change data but have no bad input to give: their only input is who and which course.
NO_FREE_INPUT = {"accounts.verify_email", "accounts.reset_password", "admin.unsuspend_user", "admin.unlock_user",
                 "catalog.archive_course", "catalog.unarchive_course", "catalog.import_pack",
                 "learning.enrol_learner", "learning.leave_course", "quizzes.close_expired_attempt"}

# Public functions of */services.py that are not covered above, and why.
NOT_ACTOR_SERVICES = {
    # reads
    "accounts.normalise_email", "accounts.get_user_by_email", "accounts.find_grant",
    "accounts.require_user", "accounts.user_for_reset_token", "accounts.ensure_not_last_admin",
    "accounts.grant_of", "quizzes.expired_attempts_to_close", "catalog.get_course", "catalog.get_version",
    "catalog.read_pack",
    "catalog.change_set", "catalog.version_history", "catalog.pack_folders", "learning.get_enrollment",
    "learning.enrolment_blocker", "learning.ensure_unit_exists", "quizzes.settings_of", "quizzes.quiz_data",
    "quizzes.live_definition", "quizzes.definition_of", "quizzes.current_definition", "quizzes.extras_for",
    "quizzes.attempts_allowed", "quizzes.is_expired", "quizzes.clean_responses", "quizzes.grader_response",
    # the log-in itself (credentials are its check); mails that change nothing
    "accounts.authenticate", "accounts.send_verification_email", "accounts.request_password_reset",
    # steps of audited services above (admin.unlock_user, accounts.reset_password), and scheduled jobs
    "accounts.check_current_password", "quizzes.close_expired_attempt_by_id",
    # accounts' and learning's rows, written for the audited services of other areas that check the policy
    # (admin.grant_role, admin.revoke_role, admin.suspend_user; quizzes' attempts lock the enrolment)
    "accounts.add_role_grant", "accounts.remove_role_grant", "accounts.set_account_status",
    "learning.lock_enrolment", "accounts.lock_user",
}


def test_every_public_service_is_covered():
    found = set()
    for area in ("accounts", "admin", "catalog", "learning", "quizzes"):
        module = importlib.import_module(f"moocplatform.{area}.services")
        found |= {f"{area}.{name}" for name, obj in vars(module).items()
                  if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_")}
    found.add("studio.receive_pack")
    assert found - set(REFUSED) - NOT_ACTOR_SERVICES == set(), "add the new service to the cases here"
    assert set(REJECTED) | NO_FREE_INPUT == set(REFUSED)


@pytest.mark.parametrize("service", sorted(REFUSED))
def test_an_outsider_is_refused(w, service):
    call, error = REFUSED[service]
    with pytest.raises(error):
        call(w)


CASES = [(service, index) for service, cases in sorted(REJECTED.items()) for index in range(len(cases))]


@pytest.mark.parametrize("service, index", CASES)
def test_bad_input_is_rejected_with_its_field(w, service, index):
    call, field = REJECTED[service][index]
    with pytest.raises(InvalidInput) as rejected:
        call(w)
    assert rejected.value.field == field


def test_a_learner_cannot_archive_a_course(w):
    with pytest.raises(PermissionDenied):
        catalog.archive_course(w.learner, w.course)
    assert not w.course.is_archived
    catalog.archive_course(w.admin, w.course)
    assert w.course.is_archived


def test_a_broken_pack_is_rejected_by_file(w):
    (w.tmp / "broken").mkdir()
    (w.tmp / "broken" / "course.yaml").write_text("id: [\n")
    with pytest.raises(PackError):
        catalog.import_pack(w.admin, w.tmp / "broken")


def test_a_profile_with_a_bad_time_zone_is_refused_and_pages_keep_working(client, w):
    from tests.conftest import log_in

    log_in(client, w.learner)
    response = client.post("/account", data={"display_name": "Lea", "full_name": "", "locale": "en",
                                              "timezone": "Mars/Olympus_Mons", "bio": ""})
    assert response.status_code == 422
    db.session.expire_all()
    stored = db.session.scalar(sa.select(accounts.User.timezone).where(accounts.User.id == w.learner.id))
    assert stored != "Mars/Olympus_Mons"
    assert client.get("/my-learning").status_code == 200
