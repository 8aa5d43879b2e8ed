"""Administration through the web (users, roles, suspension, unlocking, courses, audit log) and the command line."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.accounts.models import LoginFailure, RoleGrant, User
from moocplatform.admin.services import grant_role
from moocplatform.audit import AuditEntry
from moocplatform.catalog.models import Course
from moocplatform.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from moocplatform.extensions import db
from moocplatform.outbox import OutboxMessage, enqueue
from tests.conftest import log_in
from tests.factories import PASSWORD, make_course, make_user, write_pack


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def audit_entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def assert_audited(action: str, actor, target_type: str, target_id, **details) -> AuditEntry:
    entries = [e for e in audit_entries(action)
               if e.target_type == target_type and e.target_id == str(target_id)]
    assert entries, f"no {action} entry on {target_type} {target_id}"
    entry = entries[-1]
    assert entry.actor_id == (actor.id if actor is not None else None)
    assert entry.created_at == clock.now()
    for key, value in details.items():
        assert entry.details.get(key) == value, (key, entry.details)
    return entry


@pytest.fixture()
def admin(client):
    user = make_user("admin", email="root@example.org", display_name="Root Admin")
    log_in(client, user)
    return user


def audit_page_shows(client, action: str, actor_email: str, target: str) -> bool:
    page = text(client.get("/admin/audit", query_string={"action": action}))
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    return any(f"<code>{action}</code>" in row and actor_email in row and target in row for row in rows)


# Access -----------------------------------------------------------------------------------------------------

ADMIN_ROUTES = [
    ("GET", "/admin/"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}/roles"),
    ("GET", "/admin/users/{user}/roles/{grant}/revoke"),
    ("POST", "/admin/users/{user}/roles/{grant}/revoke"),
    ("POST", "/admin/users/{user}/suspend"),
    ("POST", "/admin/users/{user}/unsuspend"),
    ("POST", "/admin/users/{user}/unlock"),
    ("GET", "/admin/users/{user}/second-factor/reset"),
    ("POST", "/admin/users/{user}/second-factor/reset"),
    ("GET", "/admin/courses"),
    ("GET", "/admin/courses/{course}/archive"),
    ("POST", "/admin/courses/{course}/archive"),
    ("POST", "/admin/courses/{course}/unarchive"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/outbox"),
    ("POST", "/admin/outbox/{row}/retry"),
]


def test_access_list_covers_every_admin_route(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            path = re.sub(r"<id:(\w+?)(_id)?>", lambda m: "{" + m.group(1) + "}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((method, path))
    assert routes == set(ADMIN_ROUTES)


@pytest.fixture()
def targets():
    course = make_course("target-course")
    user = make_user(email="target@example.org")
    grant = grant_role(None, user, "facilitator", course)
    db.session.add(LoginFailure(email=user.email, ip="10.0.0.1", failed_at=clock.now()))
    row = enqueue("mail", {"to": user.email, "template": "accounts.verify_email", "args": {}})
    row.status = "dead"
    db.session.flush()
    return {"user": user.id, "grant": grant.id, "course": course.id, "row": row.id}


def _snapshot():
    db.session.expire_all()
    return (
        db.session.execute(sa.select(User.id, User.status).order_by(User.id)).all(),
        db.session.execute(sa.select(RoleGrant.id, RoleGrant.role).order_by(RoleGrant.id)).all(),
        db.session.execute(sa.select(Course.id, Course.status).order_by(Course.id)).all(),
        db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)),
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.status).order_by(OutboxMessage.id)).all(),
    )


@pytest.mark.parametrize("method, path", ADMIN_ROUTES)
def test_anonymous_users_are_sent_to_login(client, targets, method, path):
    before = _snapshot()
    response = client.open(path.format(**targets), method=method, data={"role": "admin", "reason": "x"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert _snapshot() == before


@pytest.mark.parametrize("role", [None, "facilitator", "course_team"])
@pytest.mark.parametrize("method, path", ADMIN_ROUTES)
def test_non_admins_get_403(client, targets, method, path, role):
    course = db.session.get(Course, targets["course"])
    log_in(client, make_user(role, course=course if role else None))
    before = _snapshot()
    response = client.open(path.format(**targets), method=method, data={"role": "admin", "reason": "x"})
    assert response.status_code == 403
    assert _snapshot() == before


def test_suspended_admin_loses_access(client):
    make_user("admin")
    suspended = make_user("admin")
    log_in(client, suspended)
    assert client.get("/admin/").status_code == 200
    suspended.status = "suspended"
    db.session.flush()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/admin/", "/admin/users", "/admin/courses", "/admin/audit", "/admin/outbox"])
def test_admin_pages_render(client, admin, path):
    make_course("some-course", title="Some course")
    assert client.get(path).status_code == 200


def test_unknown_user_and_course_are_404(client, admin):
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/courses/999999/archive").status_code == 404
    user = make_user()
    assert client.post(f"/admin/users/{user.id}/roles/999999/revoke").status_code == 404


# User search ------------------------------------------------------------------------------------------------

def _listed(client, **query) -> set[str]:
    page = text(client.get("/admin/users", query_string=query))
    return set(re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', page))


def test_user_search(client, admin):
    course = make_course("search-course")
    make_user(email="alice.walker@example.org", display_name="Alice")
    make_user("facilitator", course=course, email="bob@example.org", display_name="Bob")
    carol = make_user(email="carol@sample.net", display_name="Carol", full_name="Carol Walker")
    carol.status = "suspended"
    gone = make_user(email="gone@example.org")
    gone.status = "deleted"
    db.session.flush()

    assert _listed(client) == {"root@example.org", "alice.walker@example.org", "bob@example.org",
                               "carol@sample.net"}
    assert _listed(client, q="ALICE") == {"alice.walker@example.org"}
    assert _listed(client, q="sample.net") == {"carol@sample.net"}
    assert _listed(client, q="walker") == {"alice.walker@example.org", "carol@sample.net"}
    assert _listed(client, q="%") == set()
    assert _listed(client, q="_") == set()
    assert _listed(client, role="facilitator") == {"bob@example.org"}
    assert _listed(client, role="admin") == {"root@example.org"}
    assert _listed(client, status="suspended") == {"carol@sample.net"}
    assert _listed(client, status="deleted") == {"gone@example.org"}
    assert _listed(client, status="active", q="example.org") == {"root@example.org", "alice.walker@example.org",
                                                                  "bob@example.org"}
    assert "4 accounts" in text(client.get("/admin/users"))


# Roles ------------------------------------------------------------------------------------------------------

def test_grant_course_role(client, admin):
    course = make_course("role-course", title="Role course")
    user = make_user(email="ann@example.org")
    for role in ("facilitator", "course_team"):
        response = client.post(f"/admin/users/{user.id}/roles", data={"role": role, "course": str(course.id)})
        assert response.status_code == 302
        assert fresh(user).has_role(role, "course", course.id)
        assert_audited("role.grant", admin, "user", user.id, role=role, course="role-course")
        assert audit_page_shows(client, "role.grant", "root@example.org", f"user {user.id}")
    page = text(client.get(f"/admin/users/{user.id}"))
    assert "Facilitator (of one course): Role course" in page
    # Granting again changes nothing and writes no new entry.
    client.post(f"/admin/users/{user.id}/roles", data={"role": "facilitator", "course": str(course.id)})
    assert len([e for e in audit_entries("role.grant") if e.target_id == str(user.id)]) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoleGrant)
                             .where(RoleGrant.user_id == user.id)) == 2


def test_the_user_page_shows_a_pending_email_change(client, admin):
    user = make_user(email="ann@example.org")
    assert "Changing e-mail to" not in text(client.get(f"/admin/users/{user.id}"))
    user.pending_email = "ann.new@example.org"
    db.session.flush()
    page = text(client.get(f"/admin/users/{user.id}"))
    assert "Changing e-mail to" in page and "ann.new@example.org (not confirmed yet)" in page


def test_the_user_page_names_the_organisation_that_gave_a_role(client, admin):
    from moocplatform.organisations.services import add_to_course_team
    from tests.opportunities_helpers import make_member, make_organisation
    uni = make_organisation(kind="university", slug="uni-north", name="University North")
    course = make_course("joint", title="Joint", partners=[{"slug": "uni-north", "name": "Uni"}])
    teacher = make_member(uni)
    grant_role(admin, teacher, "course_team", course)
    add_to_course_team(make_member(uni, "org_admin"), uni, course, teacher.id)
    page = text(client.get(f"/admin/users/{teacher.id}"))
    assert page.count("Course team (of one course): Joint") == 2 and page.count("(given by University North)") == 1


@pytest.mark.parametrize("role", ["facilitator", "course_team"])
def test_course_role_needs_a_course(client, admin, role):
    make_course("role-course")
    user = make_user()
    response = client.post(f"/admin/users/{user.id}/roles", data={"role": role, "course": ""},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "This role is given for one course; choose the course." in text(response)
    assert fresh(user).roles == []
    assert [e for e in audit_entries("role.grant") if e.target_id == str(user.id)] == []


def test_grant_refuses_unknown_role_and_course(client, admin):
    user = make_user()
    response = client.post(f"/admin/users/{user.id}/roles", data={"role": "superuser", "course": ""},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Not a valid choice" in text(response)
    response = client.post(f"/admin/users/{user.id}/roles", data={"role": "facilitator", "course": "424242"},
                           follow_redirects=True)
    assert "Not a valid choice" in text(response)
    assert fresh(user).roles == []


def test_grant_and_revoke_admin(client, admin):
    course = make_course("some-course")
    user = make_user(email="ann@example.org")
    # A course chosen with the admin role is ignored: admin is site-wide.
    client.post(f"/admin/users/{user.id}/roles", data={"role": "admin", "course": str(course.id),
                                                         "confirm_admin": "y"})
    user = fresh(user)
    [grant] = user.roles
    assert (grant.role, grant.scope_type, grant.scope_id, grant.granted_by_id) == ("admin", "platform", None, admin.id)
    assert_audited("role.grant", admin, "user", user.id, role="admin", course=None)

    other = make_user(email="other@example.org")
    log_in(client, other)
    assert client.get("/admin/").status_code == 403
    log_in(client, user)
    assert client.get("/admin/").status_code == 200

    log_in(client, admin)
    response = client.post(f"/admin/users/{user.id}/roles/{grant.id}/revoke")
    assert response.status_code == 302
    assert fresh(user).roles == []
    assert_audited("role.revoke", admin, "user", user.id, role="admin")
    assert audit_page_shows(client, "role.revoke", "root@example.org", f"user {user.id}")
    log_in(client, user)
    assert client.get("/admin/").status_code == 403


def test_revoke_course_role(client, admin):
    course = make_course("some-course")
    user = make_user("facilitator", course=course)
    [grant] = user.roles
    assert client.post(f"/admin/users/{user.id}/roles/{grant.id}/revoke").status_code == 302
    assert fresh(user).roles == []
    assert_audited("role.revoke", admin, "user", user.id, role="facilitator", scope_type="course",
                   scope_id=course.id)


def test_revoke_refuses_another_users_grant(client, admin):
    course = make_course("some-course")
    user = make_user()
    other = make_user("facilitator", course=course)
    [grant] = other.roles
    assert client.post(f"/admin/users/{user.id}/roles/{grant.id}/revoke").status_code == 404
    assert fresh(other).roles != []


def test_cannot_revoke_the_last_admin(client, admin):
    [grant] = admin.roles
    response = client.post(f"/admin/users/{admin.id}/roles/{grant.id}/revoke", follow_redirects=True)
    assert response.status_code in (200, 409)
    assert "This is the last active administrator." in text(response)
    assert fresh(admin).is_admin
    assert audit_entries("role.revoke") == []
    # With a second administrator it works.
    make_user("admin")
    assert client.post(f"/admin/users/{admin.id}/roles/{grant.id}/revoke").status_code == 302
    assert not fresh(admin).is_admin


def test_suspended_admins_do_not_count_as_the_remaining_admin(client, admin):
    other = make_user("admin")
    other.status = "suspended"
    db.session.flush()
    [grant] = admin.roles
    response = client.post(f"/admin/users/{admin.id}/roles/{grant.id}/revoke", follow_redirects=True)
    assert "This is the last active administrator." in text(response)
    assert fresh(admin).is_admin


def test_admin_role_of_a_suspended_admin_can_be_revoked(client, admin):
    """Only active administrators count, so taking the role from a suspended one never leaves none."""
    other = make_user("admin", email="suspended-admin@example.org")
    other.status = "suspended"
    db.session.flush()
    [grant] = other.roles
    response = client.post(f"/admin/users/{other.id}/roles/{grant.id}/revoke", follow_redirects=True)
    assert response.status_code == 200
    assert "This is the last active administrator." not in text(response)
    assert not fresh(other).is_admin
    assert fresh(admin).is_admin
    assert_audited("role.revoke", admin, "user", other.id, role="admin")


# Suspension and unlocking -------------------------------------------------------------------------------------

def test_suspend_and_unsuspend(app, client, admin):
    user = make_user(email="ann@example.org")
    learner_client = app.test_client()
    log_in(learner_client, user)
    assert learner_client.get("/my-learning").status_code == 200

    response = client.post(f"/admin/users/{user.id}/suspend",
                           data={"reason": "spam in the forum", "confirm": "y"}, follow_redirects=True)
    assert "Account suspended." in text(response)
    assert fresh(user).status == "suspended"
    assert_audited("user.suspend", admin, "user", user.id, reason="spam in the forum")
    assert audit_page_shows(client, "user.suspend", "root@example.org", f"user {user.id}")

    # The suspended user's next request finds them logged out, and they cannot log in again.
    refused = learner_client.get("/my-learning")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert learner_client.post("/login", data={"email": "ann@example.org", "password": PASSWORD}).status_code == 422
    assert _listed(client, status="suspended") == {"ann@example.org"}

    response = client.post(f"/admin/users/{user.id}/unsuspend", follow_redirects=True)
    assert "Account reinstated." in text(response)
    assert fresh(user).status == "active"
    assert_audited("user.unsuspend", admin, "user", user.id)
    assert audit_page_shows(client, "user.unsuspend", "root@example.org", f"user {user.id}")
    assert learner_client.post("/login", data={"email": "ann@example.org", "password": PASSWORD}).status_code == 302


def test_admin_cannot_suspend_themselves(client, admin):
    make_user("admin")  # so that the last-admin rule is not what refuses
    response = client.post(f"/admin/users/{admin.id}/suspend", data={"reason": "", "confirm": "y"},
                           follow_redirects=True)
    assert "You cannot suspend yourself." in text(response)
    assert fresh(admin).status == "active"
    assert audit_entries("user.suspend") == []


def test_the_grant_form_chooses_no_role_in_advance(client, admin):
    user = make_user()
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    role_select = page[page.index('name="role"'):page.index("</select>", page.index('name="role"'))]
    assert "selected" not in role_select
    assert '<option value="">— choose a role —</option>' in role_select
    response = client.post(f"/admin/users/{user.id}/roles", data={"course": ""}, follow_redirects=True)
    assert "Choose a role." in text(response)
    assert fresh(user).roles == []


def test_making_an_administrator_asks_for_confirmation(client, admin):
    user = make_user()
    response = client.post(f"/admin/users/{user.id}/roles", data={"role": "admin", "course": ""},
                           follow_redirects=True)
    assert "To make someone an administrator, tick the box that confirms it." in text(response)
    assert fresh(user).roles == []
    client.post(f"/admin/users/{user.id}/roles", data={"role": "admin", "course": "", "confirm_admin": "y"})
    assert fresh(user).has_role("admin")


def test_removing_a_role_and_archiving_a_course_ask_first(client, admin):
    course = make_course("kept-course", title="Kept course")
    user = make_user("facilitator", course=course, display_name="Fay")
    [grant] = user.roles
    detail = text(client.get(f"/admin/users/{user.id}"))
    confirm_url = f"/admin/users/{user.id}/roles/{grant.id}/revoke"
    assert f'href="{confirm_url}"' in detail  # a link to a question, not a button that acts at once
    question = text(client.get(confirm_url))
    assert "Remove the role Facilitator (of one course): Kept course from Fay?" in question
    assert f'action="{confirm_url}"' in question and "Yes, remove the role" in question
    assert fresh(user).roles != []  # asking changed nothing

    assert f'href="/admin/courses/{course.id}/archive"' in text(client.get("/admin/courses"))
    question = text(client.get(f"/admin/courses/{course.id}/archive"))
    assert "Archive Kept course?" in question and "Yes, archive the course" in question
    assert not course.is_archived
    client.post(f"/admin/courses/{course.id}/archive")
    db.session.expire_all()
    assert db.session.get(Course, course.id).is_archived


def test_suspending_asks_for_confirmation(client, admin):
    user = make_user()
    response = client.post(f"/admin/users/{user.id}/suspend", data={"reason": "spam"}, follow_redirects=True)
    assert "Tick the box to confirm the suspension." in text(response)
    assert fresh(user).status == "active"
    assert audit_entries("user.suspend") == []


def test_suspending_twice_writes_one_entry(client, admin):
    user = make_user()
    client.post(f"/admin/users/{user.id}/suspend", data={"reason": "once", "confirm": "y"})
    client.post(f"/admin/users/{user.id}/suspend", data={"reason": "twice", "confirm": "y"})
    assert [e.details["reason"] for e in audit_entries("user.suspend")] == ["once"]


def test_unlock(app, client, admin):
    user = make_user(email="ann@example.org")
    for _ in range(5):
        db.session.add(LoginFailure(email="ann@example.org", ip="127.0.0.1", failed_at=clock.now()))
    db.session.add(LoginFailure(email="other@example.org", ip="10.0.0.1", failed_at=clock.now()))
    db.session.flush()
    ann_client = app.test_client()
    assert ann_client.post("/login", data={"email": "ann@example.org", "password": PASSWORD}).status_code == 429
    response = client.post(f"/admin/users/{user.id}/unlock", follow_redirects=True)
    assert "Log-in unlocked (5 failed attempts cleared)." in text(response)
    remaining = db.session.scalars(sa.select(LoginFailure.email)).all()
    assert remaining == ["other@example.org"]
    assert_audited("user.unlock", admin, "user", user.id, failures_cleared=5)
    assert audit_page_shows(client, "user.unlock", "root@example.org", f"user {user.id}")
    assert ann_client.post("/login", data={"email": "ann@example.org", "password": PASSWORD}).status_code == 302


# Courses ----------------------------------------------------------------------------------------------------

def test_archive_and_unarchive_course(client, admin):
    course = make_course("old-course", title="Old course")
    response = client.post(f"/admin/courses/{course.id}/archive", follow_redirects=True)
    assert "Old course is archived." in text(response)
    assert fresh(course).status == "archived"
    assert_audited("course.archive", admin, "course", course.id)
    assert audit_page_shows(client, "course.archive", "root@example.org", f"course {course.id}")
    assert "Old course" not in text(client.get("/courses"))

    response = client.post(f"/admin/courses/{course.id}/unarchive", follow_redirects=True)
    assert "Old course is back in the catalogue." in text(response)
    assert fresh(course).status == "active"
    assert_audited("course.unarchive", admin, "course", course.id)
    assert "Old course" in text(client.get("/courses"))


def test_audit_log_filter_and_user_history(client, admin):
    user = make_user(email="ann@example.org")
    client.post(f"/admin/users/{user.id}/suspend", data={"reason": "r", "confirm": "y"})
    client.post(f"/admin/users/{user.id}/unlock")
    page = text(client.get("/admin/audit", query_string={"action": "user.unlock"}))
    assert "<code>user.unlock</code>" in page and "<code>user.suspend</code>" not in page
    history = text(client.get(f"/admin/users/{user.id}"))
    assert "<code>user.unlock</code>" in history and "<code>user.suspend</code>" in history
    overview = text(client.get("/admin/"))
    assert "<code>user.unlock</code>" in overview


# Command line -----------------------------------------------------------------------------------------------

@pytest.fixture()
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        # A real command starts from committed data; commit the test's setup (to the test's savepoint) so
        # that a command that fails and rolls back does not also undo it.
        db.session.commit()
        return runner.invoke(args=list(args), input=input)

    return invoke


def user_by_email(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_cli_create_admin_with_password_option(cli):
    result = cli("users", "create-admin", "Boss@Example.org", "--name", "The Boss", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "boss@example.org is an administrator." in result.output
    user = user_by_email("boss@example.org")
    assert user.display_name == "The Boss" and user.is_admin and user.is_verified
    assert_audited("role.grant", None, "user", user.id, role="admin")


def test_cli_create_admin_asks_for_the_password_twice(cli, client):
    result = cli("users", "create-admin", "boss@example.org", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert user_by_email("boss@example.org").display_name == "Administrator"
    assert client.post("/login", data={"email": "boss@example.org", "password": PASSWORD}).status_code == 302


def test_cli_create_admin_refuses_a_weak_password(cli):
    result = cli("users", "create-admin", "boss@example.org", "--password", "password1234")
    assert result.exit_code == 1
    assert "This password is one of the most common ones" in result.output
    assert user_by_email("boss@example.org") is None


def test_cli_create_admin_promotes_an_existing_account(cli):
    user = make_user(email="ann@example.org")
    result = cli("users", "create-admin", "ann@example.org", "--password", "whatever it is here")
    assert result.exit_code == 0, result.output
    assert fresh(user).is_admin


def test_cli_grant_and_revoke(cli):
    course = make_course("cli-course")
    make_user(email="ann@example.org")
    result = cli("users", "grant", "ann@example.org", "facilitator", "--course", "cli-course")
    assert result.exit_code == 0, result.output
    assert "ann@example.org: granted facilitator for cli-course" in result.output
    assert user_by_email("ann@example.org").has_role("facilitator", "course", course.id)

    missing = cli("users", "grant", "ann@example.org", "course_team")
    assert missing.exit_code == 1
    assert "This role is given for one course; choose the course." in missing.output

    unknown_course = cli("users", "grant", "ann@example.org", "course_team", "--course", "nope")
    assert unknown_course.exit_code == 1 and "No such course." in unknown_course.output

    unknown_user = cli("users", "grant", "nobody@example.org", "admin")
    assert unknown_user.exit_code == 1 and "No user with e-mail nobody@example.org." in unknown_user.output

    bad_role = cli("users", "grant", "ann@example.org", "emperor")
    assert bad_role.exit_code == 2

    result = cli("users", "grant", "ann@example.org", "facilitator", "--course", "cli-course", "--revoke")
    assert result.exit_code == 0, result.output
    assert "revoked facilitator" in result.output
    assert not user_by_email("ann@example.org").scopes_of("facilitator")
    assert_audited("role.revoke", None, "user", user_by_email("ann@example.org").id, role="facilitator")

    again = cli("users", "grant", "ann@example.org", "facilitator", "--course", "cli-course", "--revoke")
    assert again.exit_code == 1 and "does not hold that role" in again.output


def test_cli_cannot_revoke_the_last_admin(cli):
    make_user("admin", email="boss@example.org")
    result = cli("users", "grant", "boss@example.org", "admin", "--revoke")
    assert result.exit_code == 1
    assert "This is the last active administrator." in result.output
    assert user_by_email("boss@example.org").is_admin


def test_cli_suspend_and_undo(cli):
    make_user(email="ann@example.org")
    result = cli("users", "suspend", "ann@example.org", "--reason", "testing")
    assert result.exit_code == 0, result.output
    assert "ann@example.org: suspended" in result.output
    user = user_by_email("ann@example.org")
    assert user.status == "suspended"
    assert_audited("user.suspend", None, "user", user.id, reason="testing")
    result = cli("users", "suspend", "ann@example.org", "--undo")
    assert result.exit_code == 0 and "ann@example.org: active" in result.output
    assert user_by_email("ann@example.org").status == "active"
    assert_audited("user.unsuspend", None, "user", user.id)


def test_cli_unlock(cli):
    user = make_user(email="ann@example.org")
    for n in range(3):
        db.session.add(LoginFailure(email="ann@example.org", ip=f"10.0.0.{n}", failed_at=clock.now()))
    db.session.flush()
    result = cli("users", "unlock", "ann@example.org")
    assert result.exit_code == 0, result.output
    assert "ann@example.org: 3 failed attempts cleared" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0
    assert_audited("user.unlock", None, "user", user.id, failures_cleared=3)


def test_cli_find(cli):
    course = make_course("find-course")
    make_user(email="alice@example.org", display_name="Alice")
    bob = make_user("facilitator", course=course, email="bob@example.org", display_name="Bob")
    carol = make_user(email="carol@sample.net", display_name="Carol")
    carol.status = "suspended"
    db.session.flush()

    def emails(*args):
        result = cli("users", "find", *args)
        assert result.exit_code == 0, result.output
        return {line.split("\t")[1] for line in result.output.splitlines() if line}

    assert emails() == {"alice@example.org", "bob@example.org", "carol@sample.net"}
    assert emails("ALI") == {"alice@example.org"}
    assert emails("--role", "facilitator") == {"bob@example.org"}
    assert emails("--status", "suspended") == {"carol@sample.net"}
    assert emails("example.org", "--status", "active") == {"alice@example.org", "bob@example.org"}
    line = [x for x in cli("users", "find", "bob").output.splitlines() if x][0]
    assert line.split("\t") == [str(bob.id), "bob@example.org", "Bob", "active", f"facilitator:{course.id}"]


def test_cli_import_course(cli, tmp_path):
    pack = write_pack(tmp_path, "cli-imported", title="CLI imported")
    result = cli("courses", "import", str(pack))
    assert result.exit_code == 0, result.output
    assert "cli-imported: created 1.0.0" in result.output
    course = db.session.scalar(sa.select(Course).where(Course.slug == "cli-imported"))
    assert course is not None and course.title == "CLI imported"
    assert_audited("course.import", None, "course", course.id, version="1.0.0", outcome="created")
    again = cli("courses", "import", str(pack))
    assert again.exit_code == 0 and "cli-imported: unchanged at version 1.0.0" in again.output
    listing = cli("courses", "list")
    assert "cli-imported\tactive\tCLI imported" in listing.output


def test_cli_import_of_a_broken_pack_names_the_file(cli, tmp_path):
    pack = write_pack(tmp_path, "broken-pack")
    unit = pack / "units" / "m1" / "02-m1-u2.md"
    unit.write_text(unit.read_text().replace("type: text", "type: hologram"))
    result = cli("courses", "import", str(pack))
    assert result.exit_code == 1
    assert "the pack has problems" in result.output
    assert "units/m1/02-m1-u2.md" in result.output
    assert db.session.scalar(sa.select(Course).where(Course.slug == "broken-pack")) is None


def test_cli_import_needs_a_folder(cli, tmp_path):
    assert cli("courses", "import").exit_code == 1
    assert cli("courses", "import", str(tmp_path / "missing")).exit_code == 2
    not_a_pack = cli("courses", "import", str(tmp_path))
    assert not_a_pack.exit_code == 1
    assert "course.yaml is missing" in not_a_pack.output


def test_cli_archive_course(cli):
    course = make_course("cli-archive")
    result = cli("courses", "archive", "cli-archive")
    assert result.exit_code == 0 and "cli-archive: archived" in result.output
    assert fresh(course).status == "archived"
    assert_audited("course.archive", None, "course", course.id)
    result = cli("courses", "archive", "cli-archive", "--undo")
    assert result.exit_code == 0 and "cli-archive: active" in result.output
    assert fresh(course).status == "active"
    unknown = cli("courses", "archive", "nope")
    assert unknown.exit_code == 1 and "No such course." in unknown.output


def test_cli_audit(cli):
    user = make_user(email="ann@example.org")
    cli("users", "suspend", "ann@example.org", "--reason", "why not")
    cli("users", "unlock", "ann@example.org")
    result = cli("audit")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("\t")[2] == "user.unlock"  # newest first
    assert any(f"user.suspend\tuser:{user.id}" in line and "why not" in line for line in lines)
    assert lines[0].startswith(clock.now().strftime("%Y-%m-%d %H:%M:%S") + "Z\tsystem")
    only = cli("audit", "--action", "user.suspend").output.splitlines()
    assert len(only) == 1 and "user.suspend" in only[0]
    assert len(cli("audit", "--limit", "1").output.splitlines()) == 1


def test_cli_jobs(cli, app):
    from datetime import timedelta
    db.session.add(LoginFailure(email="old@example.org", ip="1.1.1.1", failed_at=clock.now()))
    db.session.flush()
    clock.advance(timedelta(seconds=app.config["LOGIN_ACCOUNT_WINDOW_SECONDS"] + 1))
    listing = cli("jobs", "list")
    assert "purge-login-failures" in listing.output
    result = cli("jobs", "run")
    assert result.exit_code == 0, result.output
    assert "purge-login-failures: 1" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0
    assert "purge-login-failures: 0" in cli("jobs", "run", "purge-login-failures").output


def test_cli_seed_demo_is_idempotent(cli):
    course = make_course("learning-to-learn")
    first = cli("seed-demo")
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output

    def state():
        db.session.expire_all()
        users = db.session.execute(sa.select(User.email, User.display_name).order_by(User.email)).all()
        grants = db.session.execute(sa.select(User.email, RoleGrant.role, RoleGrant.scope_type, RoleGrant.scope_id)
                                    .join(RoleGrant, RoleGrant.user_id == User.id).order_by(User.email)).all()
        return users, grants

    after_first = state()
    second = cli("seed-demo")
    assert second.exit_code == 0, second.output
    assert second.output == first.output
    assert state() == after_first
    users, grants = after_first
    assert {email for email, _name in users} == {email for _role, email, _d, _f in DEMO_ACCOUNTS}
    assert ("admin@example.org", "admin", "platform", None) in grants
    assert ("facilitator@example.org", "facilitator", "course", course.id) in grants
    assert ("courseteam@example.org", "course_team", "course", course.id) in grants


# The audit log reads as sentences and filters -------------------------------------------------------------

def test_the_audit_log_reads_as_sentences(client, admin):
    course = make_course("said-course")
    user = make_user(email="ann@example.org")
    client.post(f"/admin/users/{user.id}/roles", data={"role": "facilitator", "course": str(course.id)})
    client.post(f"/admin/users/{user.id}/suspend", data={"reason": "spam", "confirm": "y"})
    page = text(client.get("/admin/audit"))
    assert "granted the role Facilitator (of one course) for said-course" in page
    assert "suspended the account: spam" in page
    assert "{" not in page.split("<main", 1)[1].split("</table>", 1)[0]  # no Python dicts in the log


def test_the_audit_log_filters_by_actor_target_and_day(client, admin):
    from datetime import timedelta

    from moocplatform import clock
    ann, bob = make_user(email="ann@example.org"), make_user(email="bob@example.org")
    other_admin = make_user("admin", email="other-admin@example.org")
    client.post(f"/admin/users/{ann.id}/suspend", data={"reason": "first day", "confirm": "y"})
    clock.advance(timedelta(days=2))
    log_in(client, admin)  # the first session has idled out meanwhile
    client.post(f"/admin/users/{bob.id}/suspend", data={"reason": "third day", "confirm": "y"})
    log_in(client, other_admin)
    client.post(f"/admin/users/{ann.id}/unsuspend")

    def shown(**query) -> list[str]:
        page = text(client.get("/admin/audit", query_string=query))
        return re.findall(r"(suspended the account: [a-z]+(?: [a-z]+)*|reinstated the account)", page)

    assert shown(actor="root@example.org") == ["suspended the account: third day",
                                               "suspended the account: first day"]
    assert shown(actor="other-admin@example.org") == ["reinstated the account"]
    assert shown(target_type="user", target_id=str(ann.id)) == ["reinstated the account",
                                                                "suspended the account: first day"]
    today = clock.now().date()
    assert shown(**{"from": str(today)}) == ["reinstated the account", "suspended the account: third day"]
    assert shown(to=str(today - timedelta(days=2))) == ["suspended the account: first day"]
    assert shown(to="not a day", actor="nobody@example.org") == []
