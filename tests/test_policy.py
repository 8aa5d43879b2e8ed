"""Who may do what: every URL of the application against every kind of user, and the visibility rules."""
import pytest

from moocplatform import policy
from moocplatform.extensions import db
from moocplatform.outbox import OutboxStatus, enqueue
from moocplatform.tokens.services import issue_token
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user

ROLES = ("anonymous", "learner", "enrolled", "facilitator", "course_team", "admin")
OK, LOGIN, FORBIDDEN, NOT_FOUND, PREVIEW_ONLY = "ok", "login", 403, 404, "redirect-to-course"

# endpoint: (method, path, {role: expected}); paths use the course "alpha", the people ids are filled in.
EVERYONE = {role: OK for role in ROLES}
SIGNED_IN = {"anonymous": LOGIN, **{role: OK for role in ROLES[1:]}}
ADMIN_ONLY = {"anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": FORBIDDEN,
              "course_team": FORBIDDEN, "admin": OK}
TEAM_ONLY = {"anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": FORBIDDEN,
             "course_team": OK, "admin": OK}
CASES = {
    "catalog.catalogue": ("GET", "/courses", EVERYONE),
    "catalog.course_page": ("GET", "/courses/alpha", EVERYONE),
    "catalog.references": ("GET", "/courses/alpha/references", EVERYONE),
    "catalog.pack_asset": ("GET", "{asset}", EVERYONE),
    "learning.unit_page": ("GET", "/courses/alpha/units/m1-u2", {
        "anonymous": PREVIEW_ONLY, "learner": PREVIEW_ONLY, "enrolled": OK, "facilitator": OK,
        "course_team": OK, "admin": OK}),
    "learning.set_completion": ("POST", "/courses/alpha/units/m1-u2/complete", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    "learning.enrol": ("POST", "/courses/alpha/enrol", SIGNED_IN),
    "learning.leave": ("POST", "/courses/alpha/leave", SIGNED_IN),
    "learning.dashboard": ("GET", "/my-learning", SIGNED_IN),
    "learning.invitations": ("GET", "/courses/alpha/invitations", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": FORBIDDEN,
        "course_team": OK, "admin": OK}),
    "accounts.register": ("GET", "/register", EVERYONE),
    "accounts.check_email": ("GET", "/register/check-email", EVERYONE),
    "accounts.verify_email": ("GET", "/verify/not-a-token", {role: 400 for role in ROLES}),
    "accounts.resend_verification": ("POST", "/verify/resend", SIGNED_IN),
    "accounts.login": ("GET", "/login", EVERYONE),
    "accounts.logout": ("POST", "/logout", EVERYONE),
    "accounts.forgot_password": ("GET", "/forgot-password", EVERYONE),
    "accounts.reset_password": ("GET", "/reset-password/not-a-token", {role: 400 for role in ROLES}),
    "accounts.profile": ("GET", "/account", SIGNED_IN),
    "accounts.change_password": ("GET", "/account/password", SIGNED_IN),
    "accounts.my_data": ("GET", "/account/data", SIGNED_IN),
    "accounts.export_data": ("GET", "/account/data/export.json", SIGNED_IN),
    "accounts.delete_account": ("POST", "/account/delete", {"anonymous": LOGIN, **{r: 422 for r in ROLES[1:]}}),
    # {peer_session}: a session of another learner, which no one else may end
    "accounts.end_session": ("POST", "/account/sessions/{peer_session}/end", {
        "anonymous": LOGIN, **{r: NOT_FOUND for r in ROLES[1:]}}),
    "accounts.end_other_sessions": ("POST", "/account/sessions/end-others", SIGNED_IN),
    "accounts.person": ("GET", "/people/{enrolled_peer}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": OK,
        "admin": OK}),
    "accounts.terms": ("GET", "/terms", EVERYONE),
    "accounts.privacy": ("GET", "/privacy", EVERYONE),
    "admin.index": ("GET", "/admin/", ADMIN_ONLY),
    "admin.users": ("GET", "/admin/users", ADMIN_ONLY),
    "admin.user_detail": ("GET", "/admin/users/{enrolled_peer}", ADMIN_ONLY),
    "admin.grant_role": ("POST", "/admin/users/{enrolled_peer}/roles", ADMIN_ONLY),
    "admin.revoke_role": ("POST", "/admin/users/{team_member}/roles/{team_grant}/revoke", ADMIN_ONLY),
    "admin.suspend": ("POST", "/admin/users/{enrolled_peer}/suspend", ADMIN_ONLY),
    "admin.unsuspend": ("POST", "/admin/users/{enrolled_peer}/unsuspend", ADMIN_ONLY),
    "admin.unlock": ("POST", "/admin/users/{enrolled_peer}/unlock", ADMIN_ONLY),
    "admin.courses": ("GET", "/admin/courses", ADMIN_ONLY),
    "admin.archive_course": ("POST", "/admin/courses/{course}/archive", ADMIN_ONLY),
    "admin.unarchive_course": ("POST", "/admin/courses/{course}/unarchive", ADMIN_ONLY),
    "admin.audit_log": ("GET", "/admin/audit", ADMIN_ONLY),
    "admin.outbox_failures": ("GET", "/admin/outbox", ADMIN_ONLY),
    "admin.retry_outbox_row": ("POST", "/admin/outbox/{dead_row}/retry", ADMIN_ONLY),
    "ops.healthz": ("GET", "/healthz", EVERYONE),
    "studio.versions": ("GET", "/studio/courses/alpha/versions", TEAM_ONLY),
    "studio.preview_course": ("GET", "/studio/courses/alpha/versions/{version}", TEAM_ONLY),
    "studio.preview_unit": ("GET", "/studio/courses/alpha/versions/{version}/units/m1-u2", TEAM_ONLY),
    "studio.publish": ("POST", "/studio/courses/alpha/versions/{version}/publish", TEAM_ONLY),
    "studio.discard": ("POST", "/studio/courses/alpha/versions/{version}/discard",
                       {**TEAM_ONLY, "course_team": 409, "admin": 409}),
    "studio.export": ("GET", "/studio/courses/alpha/versions/{version}/export.zip", TEAM_ONLY),
    "studio.upload": ("GET", "/studio/courses/alpha/upload", TEAM_ONLY),
    # quizzes: {attempt} is the enrolled learner's attempt in progress, {done} their submitted one
    "quizzes.start": ("POST", "/courses/alpha/quizzes/check/start", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    "quizzes.attempt_page": ("GET", "/courses/alpha/quizzes/check/attempts/{attempt}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
        "course_team": NOT_FOUND, "admin": NOT_FOUND}),
    "quizzes.answer": ("POST", "/courses/alpha/quizzes/check/attempts/{attempt}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
        "course_team": NOT_FOUND, "admin": NOT_FOUND}),
    "quizzes.results": ("GET", "/courses/alpha/quizzes/check/attempts/{done}/results", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": OK,
        "admin": OK}),
    "quizzes.statistics": ("GET", "/courses/alpha/quizzes/check/statistics", TEAM_ONLY),
    "quizzes.statistics_csv": ("GET", "/courses/alpha/quizzes/check/statistics.csv", TEAM_ONLY),
    "quizzes.exceptions": ("GET", "/courses/alpha/quizzes/check/exceptions", TEAM_ONLY),
    # personal access tokens: {token} is the enrolled learner's
    "tokens.personal_access_tokens": ("GET", "/account/tokens", SIGNED_IN),
    "tokens.create_personal_access_token": ("POST", "/account/tokens", {"anonymous": LOGIN,
                                                                          **{r: 422 for r in ROLES[1:]}}),
    "tokens.revoke_personal_access_token": ("POST", "/account/tokens/{token}/revoke", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
        "course_team": NOT_FOUND, "admin": OK}),
    # The API: a cookie session authenticates nobody (tests/test_api.py has the matrix with bearer tokens).
    "api.openapi_json": ("GET", "/api/v1/openapi.json", EVERYONE),
    "api.me": ("GET", "/api/v1/me", {role: 401 for role in ROLES}),
    "api.my_courses": ("GET", "/api/v1/me/courses", {role: 401 for role in ROLES}),
    "api.course_progress": ("GET", "/api/v1/courses/alpha/progress", {role: 401 for role in ROLES}),
    # certificates: {certificate} is the enrolled learner's; verification and the signed credential are public
    "certificates.verification_page": ("GET", "/certificates/{certificate}", EVERYONE),
    "certificates.verification_json": ("GET", "/certificates/{certificate}/verification.json", EVERYONE),
    "certificates.credential": ("GET", "/certificates/{certificate}/credential.jwt", EVERYONE),
    "certificates.pdf": ("GET", "/certificates/{certificate}/certificate.pdf", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": OK}),
    "certificates.status_list": ("GET", "/certificates/status/revocation", EVERYONE),
    "certificates.issuer": ("GET", "/certificates/issuer.json", EVERYONE),
    "certificates.jwks": ("GET", "/.well-known/jwks.json", EVERYONE),
    "certificates.did_document": ("GET", "/.well-known/did-key.json", EVERYONE),
    "certificates.my_certificates": ("GET", "/account/certificates", SIGNED_IN),
    "certificates.request_participation_statement": ("POST", "/courses/alpha/statement-of-participation", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    "certificates.course_certificates": ("GET", "/courses/alpha/certificates", TEAM_ONLY),
    # without a reason the course team's request is refused with a message (a redirect)
    "certificates.revoke": ("POST", "/certificates/{certificate}/revoke", TEAM_ONLY),
    "certificates.reissue": ("POST", "/certificates/{certificate}/reissue", TEAM_ONLY),
}


def test_every_endpoint_has_a_permission_case(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(CASES) == set(), "add these endpoints to CASES in tests/test_policy.py"
    assert set(CASES) - endpoints == set()


def certificate_of(learner, course):
    from tests.certificate_helpers import completed_with_certificate

    return completed_with_certificate(learner, course)


@pytest.fixture()
def world():
    course = make_course("alpha", quiz=True)
    people = {
        "learner": make_user(),
        "enrolled": make_user(),
        "facilitator": make_user("facilitator", course=course),
        "course_team": make_user("course_team", course=course),
        "admin": make_user("admin"),
    }
    enrol(people["enrolled"], course)
    peer = make_user(display_name="Peer Learner")
    enrol(peer, course)
    team_member = make_user("course_team", course=course)
    import sqlalchemy as sa

    from moocplatform.catalog.models import PackFile
    asset = db.session.scalar(sa.select(PackFile).where(PackFile.path.startswith("assets/")).limit(1))
    from moocplatform.quizzes.services import start_attempt, submit_attempt
    done = submit_attempt(people["enrolled"], start_attempt(people["enrolled"], course, "check"), {}).attempt
    attempt = start_attempt(people["enrolled"], course, "check")
    dead_row = enqueue("mail", {"to": "nobody@example.org", "template": "gone", "args": {}})
    dead_row.status = OutboxStatus.DEAD.value
    db.session.flush()
    from moocplatform.accounts.sessions import start_session
    peer_session = start_session(peer, device="Firefox on Linux").row.id
    values = {"peer_session": peer_session, "attempt": attempt.id, "done": done.id, "enrolled_peer": peer.id,
              "team_member": team_member.id, "team_grant": team_member.roles[0].id, "course": course.id,
              "asset": f"/assets/{asset.sha256}/square.svg", "version": course.live_version_id,
              "dead_row": dead_row.id, "certificate": certificate_of(people["enrolled"], course).public_id,
              "token": issue_token(people["enrolled"], people["enrolled"], "personal_access",
                                   scopes=["read:courses"]).token.id}
    return people, values


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_permissions(client, world, endpoint, role):
    people, values = world
    method, path, expected = CASES[endpoint]
    if role != "anonymous":
        log_in(client, people[role])
    response = client.open(path.format(**values), method=method)
    response.close()  # file responses hold the file open until closed
    outcome = expected[role]
    if outcome == OK:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login" not in response.headers["Location"]
    elif outcome == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif outcome == PREVIEW_ONLY:
        assert response.status_code == 302 and response.headers["Location"].endswith("/courses/alpha")
    else:
        assert response.status_code == outcome


# Visibility of a learner's data ------------------------------------------------------------------------

@pytest.fixture()
def cohort():
    course = make_course("alpha")
    other_course = make_course("beta")
    learner = make_user()
    enrol(learner, course)
    peer = make_user()
    enrol(peer, course)
    outsider = make_user()
    enrol(outsider, other_course)
    return {
        "course": course, "learner": learner, "self": learner, "co_learner": peer, "outsider": outsider,
        "facilitator": make_user("facilitator", course=course),
        "other_facilitator": make_user("facilitator", course=other_course),
        "course_team": make_user("course_team", course=course),
        "admin": make_user("admin"),
    }


VISIBLE = {
    # viewer: parts of the learner's data they may see
    "self": {"display_name", "bio", "posts", "full_name", "email", "preferences", "progress", "reflections", "notes"},
    "co_learner": {"display_name", "bio", "posts"},
    "facilitator": {"display_name", "bio", "posts", "full_name", "progress", "reflections"},
    "course_team": {"display_name", "bio", "posts", "progress"},
    "admin": {"display_name", "bio", "posts", "full_name", "email", "preferences", "progress"},
    "outsider": set(),
    "other_facilitator": set(),
}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
@pytest.mark.parametrize("what", sorted(policy.VISIBILITY))
def test_visibility_rules(cohort, viewer, what):
    allowed = what in VISIBLE[viewer]
    assert policy.can_see(cohort[viewer], cohort["learner"], what, cohort["course"]) is allowed


def test_nobody_sees_anything_of_a_learner_who_left(cohort):
    from moocplatform.learning.services import leave_course

    leave_course(cohort["learner"], cohort["course"])
    assert not policy.can_see(cohort["facilitator"], cohort["learner"], "progress", cohort["course"])
    assert not policy.can_see(cohort["co_learner"], cohort["learner"], "display_name")
    assert policy.can_see(cohort["learner"], cohort["learner"], "notes")


def test_anonymous_sees_nothing(cohort):
    from flask_login import AnonymousUserMixin

    for what in policy.VISIBILITY:
        assert not policy.can_see(AnonymousUserMixin(), cohort["learner"], what)


def test_person_page_shows_only_permitted_fields(client, cohort):
    learner = cohort["learner"]
    learner.full_name = "Full Name For Certificates"
    learner.bio = "I like learning."
    db.session.flush()
    log_in(client, cohort["co_learner"])
    page = client.get(f"/people/{learner.id}").get_data(as_text=True)
    assert "I like learning." in page
    assert "Full Name For Certificates" not in page and learner.email not in page
    log_in(client, cohort["facilitator"])
    page = client.get(f"/people/{learner.id}").get_data(as_text=True)
    assert "Full Name For Certificates" in page and learner.email not in page
    log_in(client, cohort["admin"])
    assert learner.email in client.get(f"/people/{learner.id}").get_data(as_text=True)
    log_in(client, cohort["outsider"])
    assert client.get(f"/people/{learner.id}").status_code == 404


def test_suspended_user_is_logged_out(client, cohort):
    from moocplatform.admin.services import suspend_user

    log_in(client, cohort["learner"])
    assert client.get("/my-learning").status_code == 200
    suspend_user(None, cohort["learner"])
    response = client.get("/my-learning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
