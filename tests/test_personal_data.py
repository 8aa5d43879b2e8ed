"""Personal data: the JSON export, account deletion, and the completeness of the personal-data registry."""
from __future__ import annotations

import html
import json

import pytest
import sqlalchemy as sa

from moocplatform import clock, personal_data
from moocplatform.accounts import services
from moocplatform.accounts.models import Consent, LoginFailure, RoleGrant, User
from moocplatform.accounts.throttling import LoginSource
from moocplatform.admin.services import grant_role
from moocplatform.audit import AuditEntry
from moocplatform.extensions import db
from moocplatform.learning.models import Enrollment, Invitation, UnitProgress
from moocplatform.learning.services import invite_learners, set_unit_completion
from tests.conftest import log_in
from tests.factories import PASSWORD, enrol, make_course, make_user


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model, *criteria) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*criteria))


def registered_learner() -> User:
    """A learner who registered through the service (so consents exist) and confirmed the address."""
    user = services.register_user(services.Registration(
        email="learner@example.org", password=PASSWORD, display_name="Lea Learner", accepted_terms=True,
        accepted_privacy=True, confirmed_age=True, timezone="Europe/Vienna"))
    user.email_verified_at = clock.now()
    user.full_name = "Lea Example"
    db.session.flush()
    return user


@pytest.fixture()
def learner_with_data(outbox):
    """A learner with consents, an enrolment, progress, a role, an invitation, a failed log-in and audit
    entries; plus another user whose data must survive the learner's deletion."""
    course = make_course("data-course", modules=1, units_per_module=3)
    other_course = make_course("invite-course", enrolment={"mode": "invitation"})
    admin = make_user("admin", email="admin@example.org")
    learner = registered_learner()
    enrol(learner, course)
    set_unit_completion(learner, course, "m1-u1", complete=True)
    set_unit_completion(learner, course, "m1-u2", complete=False)
    grant_role(admin, learner, "facilitator", other_course)
    invite_learners(admin, other_course, ["learner@example.org", "friend@example.org"])
    services.change_password(learner, PASSWORD, "a brand new passphrase", LoginSource("127.0.0.1"))
    db.session.add(LoginFailure(email="learner@example.org", ip="10.0.0.1", failed_at=clock.now()))
    # Someone else's data, which must not be touched.
    other = make_user(email="other@example.org")
    enrol(other, course)
    set_unit_completion(other, course, "m1-u1", complete=True)
    db.session.add(LoginFailure(email="other@example.org", ip="10.0.0.1", failed_at=clock.now()))
    db.session.flush()
    return {"learner": learner, "course": course, "other_course": other_course, "admin": admin, "other": other,
            "password": "a brand new passphrase"}


# Export -----------------------------------------------------------------------------------------------------

def test_export_requires_login(client):
    response = client.get("/account/data/export.json")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_export_contains_the_users_data_and_no_password_hash(client, learner_with_data):
    learner = learner_with_data["learner"]
    course = learner_with_data["course"]
    log_in(client, learner)
    response = client.get("/account/data/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="moocplatform-data-{learner.id}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "password_hash" not in body
    assert learner.password_hash not in body
    data = json.loads(body)

    assert data["user_id"] == learner.id
    assert data["exported_at"] == clock.now().isoformat()
    [account] = data["account"]
    assert account["id"] == learner.id
    assert account["email"] == "learner@example.org"
    assert account["display_name"] == "Lea Learner"
    assert account["full_name"] == "Lea Example"
    assert account["timezone"] == "Europe/Vienna"
    assert account["status"] == "active"
    assert account["created_at"] == clock.now().isoformat()

    assert sorted((c["kind"], c["version"]) for c in data["consents"]) == [
        ("minimum_age", "16"), ("privacy", "2026-11"), ("terms", "2026-11")]
    assert all(c["user_id"] == learner.id for c in data["consents"])

    [enrolment] = data["enrolments"]
    assert enrolment["course_id"] == course.id and enrolment["status"] == "active"
    progress = {p["unit_key"]: p["completed_at"] for p in data["progress"]}
    assert progress == {"m1-u1": clock.now().isoformat(), "m1-u2": None}

    assert [(r["role"], r["scope_type"], r["scope_id"]) for r in data["roles"]] == [
        ("facilitator", "course", learner_with_data["other_course"].id)]
    assert [i["email"] for i in data["invitations"]] == ["learner@example.org"]
    assert [(f["email"], f["ip"]) for f in data["login_failures"]] == [("learner@example.org", "10.0.0.1")]
    assert "account.change_password" in [e["action"] for e in data["audit_log"]]

    # Nothing of the other user leaks into the export.
    assert "other@example.org" not in body
    assert "friend@example.org" not in body


def test_export_has_a_section_for_every_registered_model(client):
    user = make_user()
    log_in(client, user)
    data = client.get("/account/data/export.json").get_json()
    sections = {entry.section for entry in personal_data.registered_models().values()}
    assert sections <= set(data)


def test_my_data_page_lists_every_rule(client):
    user = make_user()
    log_in(client, user)
    page = text(client.get("/account/data"))
    for entry in personal_data.registered_models().values():
        assert entry.reason in page


# Deletion ---------------------------------------------------------------------------------------------------

def test_delete_account_depersonalises_and_erases(client, learner_with_data):
    learner = learner_with_data["learner"]
    learner_id = learner.id
    other = learner_with_data["other"]
    audit_before = count(AuditEntry, AuditEntry.actor_id == learner_id)
    assert audit_before >= 1
    log_in(client, learner)

    response = client.post("/account/delete", data={"password": learner_with_data["password"], "confirm": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/courses")
    assert "Your account and personal data are deleted." in text(client.get("/courses"))

    db.session.expire_all()
    row = db.session.get(User, learner_id)
    assert row is not None, "the row stays, de-personalised"
    assert row.email == f"deleted-{learner_id}@deleted.invalid"
    assert row.display_name == "Deleted user"
    assert row.full_name == ""
    assert row.bio == ""
    assert row.status == "deleted"
    assert row.email_verified_at is None
    assert "$argon2" not in row.password_hash

    assert count(Enrollment, Enrollment.user_id == learner_id) == 0
    assert count(UnitProgress, UnitProgress.user_id == learner_id) == 0
    assert count(Consent, Consent.user_id == learner_id) == 0
    assert count(RoleGrant, RoleGrant.user_id == learner_id) == 0
    assert count(LoginFailure, LoginFailure.email == "learner@example.org") == 0
    assert count(Invitation, Invitation.email == "learner@example.org") == 0
    assert count(User, User.email == "learner@example.org") == 0

    # The audit log keeps its entries (with the de-personalised id) and records the deletion.
    assert count(AuditEntry, AuditEntry.actor_id == learner_id) == audit_before + 1  # the deletion itself
    deletion = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert deletion is not None and deletion.target_id == str(learner_id)
    assert deletion.actor_id == learner_id  # logged with its real actor, not as the system
    assert "account: anonymise" in deletion.details["erased"]

    # The other user's data is untouched.
    assert count(Enrollment, Enrollment.user_id == other.id) == 1
    assert count(UnitProgress, UnitProgress.user_id == other.id) == 1
    assert count(LoginFailure, LoginFailure.email == "other@example.org") == 1
    assert count(Invitation, Invitation.email == "friend@example.org") == 1
    assert db.session.get(User, other.id).status == "active"

    # The session is over and neither address nor password opens the account again.
    assert client.get("/my-learning").status_code == 302
    for email in ("learner@example.org", f"deleted-{learner_id}@deleted.invalid"):
        refused = client.post("/login", data={"email": email, "password": learner_with_data["password"]})
        assert refused.status_code == 422
    assert client.get("/my-learning").status_code == 302


def test_deleted_users_address_is_left_in_no_table(client, learner_with_data):
    learner = learner_with_data["learner"]
    log_in(client, learner)
    client.post("/account/delete", data={"password": learner_with_data["password"], "confirm": "y"})
    db.session.expire_all()
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).mappings():
            for column, value in row.items():
                if "learner@example.org" in json.dumps(value, default=str):
                    found.append(f"{table.name}.{column}")
    assert found == []


def test_deleted_user_is_logged_out_in_other_sessions(app, client, learner_with_data):
    learner = learner_with_data["learner"]
    other_device = app.test_client()
    log_in(other_device, learner)
    log_in(client, learner)
    assert other_device.get("/my-learning").status_code == 200
    assert client.post("/account/delete", data={"password": learner_with_data["password"],
                                                "confirm": "y"}).status_code == 302
    assert other_device.get("/my-learning").status_code == 302


def test_wrong_password_deletes_nothing(client, learner_with_data):
    learner = learner_with_data["learner"]
    learner_id = learner.id
    before = {model: count(model) for model in (User, Enrollment, UnitProgress, Consent, RoleGrant, LoginFailure,
                                                 Invitation, AuditEntry)}
    log_in(client, learner)
    response = client.post("/account/delete", data={"password": "not my password", "confirm": "y"})
    assert response.status_code == 422
    assert 'id="password-error">Your password is not right.' in text(response)
    db.session.expire_all()
    # Nothing is deleted; the failed check is recorded, for throttling.
    assert {model: count(model) for model in before} == {**before, LoginFailure: before[LoginFailure] + 1}
    row = db.session.get(User, learner_id)
    assert row.email == "learner@example.org" and row.status == "active"
    assert client.get("/my-learning").status_code == 200


def test_delete_needs_the_confirmation_box(client, learner_with_data):
    learner = learner_with_data["learner"]
    log_in(client, learner)
    response = client.post("/account/delete", data={"password": learner_with_data["password"]})
    assert response.status_code == 422
    assert "Tick the box to confirm." in text(response)
    db.session.expire_all()
    assert db.session.get(User, learner.id).status == "active"


def test_delete_is_post_only(client):
    log_in(client, make_user())
    assert client.get("/account/delete").status_code == 405


# Registry completeness --------------------------------------------------------------------------------------

def _models_holding_personal_data() -> dict[type, list[str]]:
    """Every mapped model with a column that refers to users.id or is named email, and those columns."""
    users_id = User.__table__.c.id
    found: dict[type, list[str]] = {}
    for mapper in db.Model.registry.mappers:
        for column in mapper.columns:
            refers_to_user = any(fk.column is users_id for fk in getattr(column, "foreign_keys", ()))
            if refers_to_user or column.key == "email":
                found.setdefault(mapper.class_, []).append(column.key)
    return found


def test_every_model_with_personal_data_is_registered():
    registered = personal_data.registered_models()
    candidates = _models_holding_personal_data()
    # The scan itself must find what we know is there, or it proves nothing.
    for known in (User, RoleGrant, Consent, LoginFailure, Enrollment, UnitProgress, Invitation, AuditEntry):
        assert known in candidates, f"the scan missed {known.__name__}"
    missing = sorted(f"{model.__module__}.{model.__name__} ({', '.join(columns)})"
                     for model, columns in candidates.items() if model not in registered)
    assert not missing, ("models with personal data that are not registered in moocplatform.personal_data: "
                         + "; ".join(missing))


def test_registry_entries_are_well_formed():
    for model, entry in personal_data.registered_models().items():
        assert entry.model is model
        assert entry.rule in personal_data.ERASE_RULES, model.__name__
        assert entry.section and entry.reason, model.__name__
        if entry.rule == "keep":
            assert len(entry.reason) > 20, f"{model.__name__} is kept without a reason"


def test_register_refuses_an_unknown_rule():
    with pytest.raises(ValueError, match="unknown erase rule"):
        personal_data.register(User, section="x", rule="shred", export=lambda u: [], erase=lambda u: None,
                               reason="")
    assert personal_data.registered_models()[User].rule == "anonymise"


def test_the_last_administrator_cannot_delete_their_account(client):
    admin = make_user("admin")
    log_in(client, admin)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 422
    assert "last active administrator" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.status).where(User.id == admin.id)) == "active"
    make_user("admin")  # with a second administrator the first may leave
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
