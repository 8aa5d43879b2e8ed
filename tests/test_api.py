"""The JSON API: bearer tokens, scopes, problem details, cursor pages, rate limits and query counts.

Every response here (and anywhere in the suite) is validated against /api/v1/openapi.json by the client
(tests/openapi_check.py)."""
from __future__ import annotations

import os
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.admin.services import suspend_user
from moocplatform.api import views as api_views
from moocplatform.api.openapi import MAX_QUERY_TEXT, Operation, QueryParameter, registered_operations
from moocplatform.api.problems import Problem
from moocplatform.catalog.services import archive_course
from moocplatform.converters import DEFAULT_SCHEMA, MAX_ID, KeyConverter
from moocplatform.errors import PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.services import leave_course, record_unit_visit, set_unit_completion
from moocplatform.ratelimit import EXTENSION_KEY, MemoryRateLimiter, RedisRateLimiter, rate_limiter
from moocplatform.tokens.purposes import PERSONAL_ACCESS
from moocplatform.tokens.services import issue_token, revoke_token
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user
from tests.openapi_check import api_document
from tests.parallel import redis_test_url

API_REDIS_URL = redis_test_url("api")

ALL_SCOPES = tuple(PERSONAL_ACCESS.scopes)  # every scope a personal access token may carry


def bearer(user, scopes=ALL_SCOPES) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user, user, 'personal_access', scopes=scopes).secret}"}


@pytest.fixture(autouse=True)
def fresh_rate_limiter(app):
    """Each test counts from zero (the limiter lives as long as the app)."""
    app.extensions[EXTENSION_KEY] = MemoryRateLimiter()
    yield
    app.extensions.pop(EXTENSION_KEY, None)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1_and_lists_every_api_route(app, client):
    document = api_document(app)  # openapi-spec-validator has checked it
    assert document["openapi"] == "3.1.0"
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint in registered_operations()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes
    assert document["paths"]["/me/courses"]["get"]["security"] == [{"bearerToken": ["read:courses"]},
                                                                    {"browserSession": []}]
    assert document["servers"] == [{"url": "http://learn.test/api/v1"}]
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_path_parameters_are_documented_as_their_converters_take_them(app):
    document = api_document(app)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint in registered_operations()]
    for rule in rules:
        operation = registered_operations()[rule.endpoint]
        declared = {p["name"]: p["schema"] for p in document["paths"][operation.path][operation.method.lower()]
                    ["parameters"] if p["in"] == "path"}
        assert set(declared) == set(rule.arguments), rule.rule
        for name, converter in rule._converters.items():
            assert declared[name] == getattr(converter, "schema", DEFAULT_SCHEMA), (rule.rule, name)
    slug = document["paths"]["/courses/{slug}/progress"]["get"]["parameters"][0]["schema"]
    assert slug == {"type": "string", "pattern": f"^{KeyConverter.regex}$", "maxLength": 64}


@pytest.mark.parametrize("slug, routed", [("a" * 64, True), ("a" * 65, False), ("a.b_c-1", True), ("-a", False),
                                          ("a/b", False), (f"{MAX_ID}", True)])
def test_a_slug_the_document_allows_is_routed_and_one_it_refuses_is_not(client, slug, routed):
    schema = KeyConverter.schema
    allowed = len(slug) <= schema["maxLength"] and re.fullmatch(schema["pattern"].strip("^$"), slug) is not None
    assert allowed is routed
    body = problem(client.get(f"/api/v1/courses/{slug}/progress", headers=bearer(make_user())), 404)
    # The view answers "no such course"; routing answers a bare 404.
    assert ("detail" in body) is routed


def test_a_write_operation_documents_the_errors_of_its_body_and_its_service():
    declaration = Operation("/things/<id:thing_id>", "PUT", "putThing", "A thing.", "Me",
                            path_descriptions={"thing_id": "The thing."})
    document = declaration.document()
    assert {"409", "413", "415", "422"} <= set(document["responses"])
    assert document["parameters"][0]["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    read = Operation("/things", "GET", "listThings", "Things.", "Me").document()
    assert not {"404", "409", "413", "415", "422"} & set(read["responses"])
    with pytest.raises(ValueError, match="describe each path parameter"):
        Operation("/things/<id:thing_id>", "GET", "getThing", "A thing.", "Me").document()


def test_a_permission_refused_by_a_service_is_a_403_problem_without_a_challenge(client, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionDenied("Not yours.")

    monkeypatch.setattr(api_views, "enrolments_page", refused)
    response = client.get("/api/v1/me/courses", headers=bearer(make_user()))  # the document allows it
    assert problem(response, 403)["detail"] == "Not yours."
    assert "WWW-Authenticate" not in response.headers


def test_me_answers_the_tokens_owner(client):
    user = make_user(display_name="Api User")
    response = client.get("/api/v1/me", headers=bearer(user))
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "Api User"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["RateLimit-Remaining"] == "299"
    assert "Set-Cookie" not in response.headers  # the API keeps no session


@pytest.mark.parametrize("authorization", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer mpat_unknown",
                                           "Bearer mpcal_notthekind"])
def test_a_request_without_a_valid_token_is_401_with_a_challenge(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    body = problem(client.get("/api/v1/me", headers=headers), 401)
    assert body["type"].endswith("/api/v1/problems/invalid-token") and body["instance"] == "/api/v1/me"


def test_a_cookie_session_without_the_csrf_header_does_not_authenticate_the_api(client):
    user = make_user()
    log_in(client, user)
    for method in ("GET", "PUT"):
        response = client.open("/api/v1/me" if method == "GET" else "/api/v1/notes/units/x/y", method=method,
                               json={"body": "forged", "version": 0})
        problem(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="moocplatform"'


def page_csrf_token(client, path: str = "/my-learning") -> str:
    """The CSRF token a page gives its scripts (<meta name="csrf-token">)."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert match, "the page has no csrf-token meta element"
    return match.group(1)


def test_a_signed_in_browser_with_its_csrf_token_acts_as_its_user(client):
    user = make_user(display_name="Browser User")
    log_in(client, user)
    headers = {"X-CSRFToken": page_csrf_token(client)}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200 and response.get_json()["display_name"] == "Browser User"
    assert response.headers["RateLimit-Remaining"] == "299"


def test_a_browser_session_writes_with_put(client):
    user = make_user()
    course = make_course("session-notes")
    enrol(user, course)
    log_in(client, user)
    headers = {"X-CSRFToken": page_csrf_token(client)}
    response = client.put("/api/v1/notes/units/session-notes/m1-u2", json={"body": "From the page", "version": 0},
                          headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["version"] == 1
    assert client.get("/api/v1/notes/units/session-notes/m1-u2", headers=headers).get_json()["body"] == "From the page"


@pytest.mark.parametrize("value", ["", "not-a-token", "IjEyMzQ1Ig.forged.signature"])
def test_a_browser_session_with_a_bad_csrf_token_is_refused(client, value):
    user = make_user()
    log_in(client, user)
    page_csrf_token(client)  # the session has a token: the one sent is not it
    response = client.get("/api/v1/me", headers={"X-CSRFToken": value})
    assert problem(response, 403)["type"].endswith("/invalid-csrf-token")


def test_another_sessions_csrf_token_does_not_work(client, app):
    first, second = make_user(), make_user()
    log_in(client, first)
    token = page_csrf_token(client)
    other = app.test_client()
    log_in(other, second)
    page_csrf_token(other)
    problem(other.get("/api/v1/me", headers={"X-CSRFToken": token}), 403)


def test_the_csrf_header_without_a_session_is_401(client):
    problem(client.get("/api/v1/me", headers={"X-CSRFToken": "anything"}), 401)


def test_a_browser_session_holds_the_learner_scopes_and_counts_per_account(client, app, monkeypatch):
    from moocplatform.api.auth import session_scopes

    assert session_scopes() == set(ALL_SCOPES)
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 2)
    user = make_user()
    log_in(client, user)
    headers = {"X-CSRFToken": page_csrf_token(client)}
    assert [client.get("/api/v1/me", headers=headers).status_code for _ in range(2)] == [200, 200]
    body = problem(client.get("/api/v1/me", headers=headers), 429)
    assert "per account" in body["detail"]
    assert client.get("/api/v1/me", headers=bearer(user)).status_code == 200  # a token counts on its own


def test_revoked_expired_and_suspended_tokens_stop_at_once(client):
    user, admin = make_user(), make_user("admin")
    issued = issue_token(user, user, "personal_access", scopes=ALL_SCOPES, lifetime=timedelta(days=1))
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    suspend_user(admin, user, "test")
    db.session.flush()
    problem(client.get("/api/v1/me", headers=headers), 401)
    other = make_user()
    issued = issue_token(other, other, "personal_access", scopes=ALL_SCOPES, lifetime=timedelta(days=1))
    headers = {"Authorization": f"Bearer {issued.secret}"}
    clock.advance(timedelta(days=1))
    assert 'error="invalid_token"' in client.get("/api/v1/me", headers=headers).headers["WWW-Authenticate"]
    revoked = issue_token(other, other, "personal_access", scopes=ALL_SCOPES)
    headers = {"Authorization": f"Bearer {revoked.secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    revoke_token(other, revoked.token.id)
    problem(client.get("/api/v1/me", headers=headers), 401)


def test_a_token_without_the_scope_is_403(client):
    user = make_user()
    response = client.get("/api/v1/me/courses", headers=bearer(user, scopes=["read:profile"]))
    body = problem(response, 403)
    assert body["type"].endswith("/insufficient-scope")
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="moocplatform", error="insufficient_scope", scope="read:courses"')


def test_the_last_use_is_kept(client):
    user = make_user()
    issued = issue_token(user, user, "personal_access", scopes=ALL_SCOPES)
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    db.session.refresh(issued.token)
    assert issued.token.last_used_at == clock.now()


def test_my_courses_pages_with_an_opaque_cursor(client):
    user = make_user()
    courses = [make_course(f"api-{n}") for n in range(3)]
    for course in courses:
        enrol(user, course)
    set_unit_completion(user, courses[0], "m1-u1", complete=True)
    headers = bearer(user)
    first = client.get("/api/v1/me/courses?limit=2", headers=headers).get_json()
    assert [item["course"]["slug"] for item in first["items"]] == ["api-0", "api-1"]
    assert first["items"][0]["units_completed"] == 1 and first["items"][0]["percent"] == round(100 / 6)
    assert first["items"][0]["course"]["url"] == "http://localhost/courses/api-0"
    link = urlsplit(first["next"])
    cursor_schema = api_views.CURSOR.schema
    assert re.fullmatch(cursor_schema["pattern"].strip("^$"), parse_qs(link.query)["cursor"][0])
    second = client.get(f"{link.path}?{link.query}", headers=headers).get_json()
    assert [item["course"]["slug"] for item in second["items"]] == ["api-2"] and second["next"] is None


def test_my_courses_leaves_out_courses_the_pages_hide(client):
    user, admin = make_user(), make_user("admin")
    kept, gone = make_course("kept"), make_course("gone")
    enrol(user, kept)
    enrol(user, gone)
    leave_course(user, gone)
    archive_course(admin, gone)
    items = client.get("/api/v1/me/courses", headers=bearer(user)).get_json()["items"]
    assert [item["course"]["slug"] for item in items] == ["kept"]


@pytest.mark.parametrize("query, parameter", [("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"),
                                              ("cursor=forged", "cursor"), ("cursor=" + "x" * 501, "cursor")])
def test_bad_parameters_are_a_validation_problem_naming_them(client, query, parameter):
    user = make_user()
    body = problem(client.get(f"/api/v1/me/courses?{query}", headers=bearer(user)), 400)
    assert body["type"].endswith("/validation-error")
    assert [error["parameter"] for error in body["errors"]] == [parameter]


@pytest.mark.parametrize("schema, raw, detail", [
    ({"type": "integer", "minimum": 1}, "0", "must be at least 1"),  # one bound only: no KeyError (a 500)
    ({"type": "integer", "maximum": 5}, "6", "must be at most 5"),
    ({"type": "string", "pattern": "^[a-z]+$"}, "aB", "holds characters it does not take"),
    ({"type": "string", "enum": ["job", "internship"]}, "jobs", "must be one of job, internship"),
    ({"type": "string", "minLength": 2}, "a", "is too short"),
    ({"type": "string"}, "x" * (MAX_QUERY_TEXT + 1), "is too long"),
])
def test_a_query_parameter_is_held_to_its_whole_schema(schema, raw, detail):
    parameter = QueryParameter("p", schema, "A parameter.")
    with pytest.raises(Problem) as refused:
        parameter.parse(raw)
    assert refused.value.status == 400 and refused.value.errors == [{"parameter": "p", "detail": detail}]


def test_a_text_parameter_documents_the_length_it_is_held_to():
    assert QueryParameter("q", {"type": "string"}, "Text.").document()["schema"]["maxLength"] == MAX_QUERY_TEXT
    assert QueryParameter("q", {"type": "string"}, "Text.").parse("x" * MAX_QUERY_TEXT) == "x" * MAX_QUERY_TEXT
    assert api_views.CURSOR.document()["schema"]["maxLength"] == 500


def test_course_progress_per_unit(client):
    user = make_user()
    course = make_course("progress")
    enrollment = enrol(user, course)
    set_unit_completion(user, course, "m1-u1", complete=True)
    record_unit_visit(user, enrollment, "m1-u2", {"m1-u1"})
    db.session.flush()
    body = client.get("/api/v1/courses/progress/progress", headers=bearer(user)).get_json()
    statuses = {unit["key"]: unit["status"] for unit in body["units"]}
    assert statuses["m1-u1"] == "completed" and statuses["m1-u2"] == "viewed"
    assert statuses["m2-u3"] == "not_started" and body["percent"] == round(100 / 6)


def test_course_progress_is_404_for_unknown_courses_and_courses_i_am_not_in(client):
    user = make_user()
    make_course("elsewhere")
    headers = bearer(user)
    assert problem(client.get("/api/v1/courses/nope/progress", headers=headers), 404)["detail"] == "No such course."
    body = problem(client.get("/api/v1/courses/elsewhere/progress", headers=headers), 404)
    assert body["type"].endswith("/not-enrolled")


@pytest.mark.parametrize("sent, instance", [
    ("/api/v1/courses/a%23b%20c/progress", "/api/v1/courses/a%23b%20c/progress"),
    ("/api/v1/courses/%C3%A4%0A/progress", "/api/v1/courses/%C3%A4%0A/progress"),
    ("/api/v1/nothing-here/%25", "/api/v1/nothing-here/%25"),
])
def test_a_problems_instance_is_a_uri_reference_even_for_a_path_sent_encoded(client, sent, instance):
    # Werkzeug decodes the path: "#", spaces, control characters and letters beyond ASCII are encoded again.
    assert problem(client.get(sent, headers=bearer(make_user())), 404)["instance"] == instance


def test_unknown_paths_and_methods_are_problems(client, csrf_enabled):
    user = make_user()
    problem(client.get("/api/v1/nothing-here"), 404)
    # A bearer request is not a form post: no CSRF token is asked for, only the method is wrong.
    response = client.post("/api/v1/me", headers=bearer(user))
    problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_is_a_500_problem_that_says_nothing_of_its_cause(client, monkeypatch, app):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_views, "enrolments_page", broken)
    user = make_user()
    response = client.get("/api/v1/me/courses", headers=bearer(user))
    body = problem(response, 500)
    assert "secret" not in response.get_data(as_text=True) and "detail" not in body


def test_the_rate_limit_is_per_token_and_answers_429_with_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 2)
    user = make_user()
    first, second = bearer(user), bearer(user)
    assert [client.get("/api/v1/me", headers=first).status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/me", headers=first)
    body = problem(response, 429)
    assert body["type"].endswith("/rate-limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/me", headers=second).status_code == 200
    clock.advance(timedelta(seconds=int(response.headers["Retry-After"])))
    assert client.get("/api/v1/me", headers=first).status_code == 200


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(API_REDIS_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis at 127.0.0.1:6379 is not running")
    return client


def test_the_redis_limiter_shares_its_count_between_limiters(client, app, monkeypatch):
    connection = _redis_or_skip()
    prefix = f"moocplatform-test:{id(object())}:"
    try:
        one, two = RedisRateLimiter(connection, prefix), RedisRateLimiter(connection, prefix)
        assert one.hit("direct", 3, 60).remaining == 2
        assert two.hit("direct", 3, 60).remaining == 1  # another worker sees the same counter
        assert one.hit("direct", 3, 60).allowed and not two.hit("direct", 3, 60).allowed
        assert 0 < connection.ttl(next(iter(connection.scan_iter(prefix + "*")))) <= 61
        # And through the app, configured by REDIS_URL.
        monkeypatch.setitem(app.config, "REDIS_URL", API_REDIS_URL)
        monkeypatch.setitem(app.config, "API_RATE_LIMIT", 1)
        app.extensions.pop(EXTENSION_KEY)
        user = make_user()
        headers = bearer(user)
        with app.app_context():
            limiter = rate_limiter()
        assert isinstance(limiter, RedisRateLimiter)
        limiter.prefix = prefix
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        problem(client.get("/api/v1/me", headers=headers), 429)
    finally:
        for key in connection.scan_iter(prefix + "*"):
            connection.delete(key)


# Query counts: the token with its owner and roles (1), then the read-model's own.

def test_query_counts_are_fixed(client, count_queries):
    user = make_user()
    courses = [make_course(f"count-{n}") for n in range(3)]
    for course in courses:
        enrol(user, course)
        set_unit_completion(user, course, "m1-u1", complete=True)
    headers = bearer(user)
    client.get("/api/v1/me", headers=headers)  # the token's last use is written now, not below
    client.get("/api/v1/courses/count-0/progress", headers=headers)  # the outline is cached from here on
    client.get("/api/v1/courses/count-0/units/m1-u2", headers=headers)  # and the unit's body
    with count_queries() as statements:
        client.get("/api/v1/me", headers=headers)
    assert len(statements) == 1
    with count_queries() as statements:
        page = client.get("/api/v1/me/courses?limit=2", headers=headers).get_json()
    assert len(statements) == 2
    with count_queries() as statements:
        client.get(page["next"], headers=headers)
    assert len(statements) == 2
    with count_queries() as statements:
        client.get("/api/v1/me/courses?limit=100", headers=headers)
    assert len(statements) == 2
    with count_queries() as statements:
        client.get("/api/v1/courses/count-0/progress", headers=headers)
    assert len(statements) == 3
    with count_queries() as statements:
        client.get("/api/v1/courses/count-0/units/m1-u2", headers=headers)
    assert len(statements) == 2


# The permission matrix of the API, with bearer tokens (tests/test_policy.py covers cookie sessions).
# endpoint: (method, path, JSON body, {role: status}); {bookmark} is the enrolled learner's bookmark of m1-u2,
# on which they also have a note (version 1): nobody else reaches either.

ROLES = ("learner", "enrolled", "facilitator", "course_team", "admin")
OK = 200
NOBODY_ELSE = {"learner": 404, "facilitator": 404, "course_team": 404, "admin": 404}
MEMBERS = {"learner": 404, "enrolled": OK, "facilitator": OK, "course_team": OK, "admin": OK}
MEMBERS_CREATE = {**MEMBERS, "enrolled": 201, "facilitator": 201, "course_team": 201, "admin": 201}
API_CASES = {
    "api.openapi_json": ("GET", "/api/v1/openapi.json", None, {role: OK for role in ROLES}),
    "api.me": ("GET", "/api/v1/me", None, {role: OK for role in ROLES}),
    "api.my_courses": ("GET", "/api/v1/me/courses", None, {role: OK for role in ROLES}),
    # My own progress: staff see learners' progress on the pages, not through "my progress".
    "api.course_progress": ("GET", "/api/v1/courses/alpha/progress", None, {
        "learner": 404, "enrolled": OK, "facilitator": 404, "course_team": 404, "admin": 404}),
    "notes_api.list_notes": ("GET", "/api/v1/notes", None, {role: OK for role in ROLES}),
    "notes_api.get_note": ("GET", "/api/v1/notes/units/alpha/m1-u2", None, {**NOBODY_ELSE, "enrolled": OK}),
    # Staff who read the unit write their own note: they have none, so an edit of version 1 is a conflict.
    "notes_api.put_note": ("PUT", "/api/v1/notes/units/alpha/m1-u2", {"body": "Changed", "version": 1}, {
        "learner": 404, "enrolled": OK, "facilitator": 409, "course_team": 409, "admin": 409}),
    "notes_api.delete_note": ("DELETE", "/api/v1/notes/units/alpha/m1-u2", None, {**NOBODY_ELSE, "enrolled": 204}),
    "notes_api.list_bookmarks": ("GET", "/api/v1/notes/bookmarks", None, {role: OK for role in ROLES}),
    "notes_api.create_bookmark": ("POST", "/api/v1/notes/bookmarks", {"kind": "unit", "course": "alpha",
                                                                      "unit": "m1-u2"}, {
        "learner": 404, "enrolled": 201, "facilitator": 201, "course_team": 201, "admin": 201}),
    "notes_api.delete_bookmark": ("DELETE", "/api/v1/notes/bookmarks/{bookmark}", None,
                                  {**NOBODY_ELSE, "enrolled": 204}),
    # A unit as its page shows it: enrolled learners and the course's staff read it; the preview unit m1-u1 any
    # signed-in reader, m1-u2 not.
    "api.unit": ("GET", "/api/v1/courses/alpha/units/m1-u2", None, {
        "learner": 404, "enrolled": OK, "facilitator": OK, "course_team": OK, "admin": OK}),
    # The portfolio: {entry} is the enrolled learner's; nobody else's token reaches it, an administrator's neither.
    "portfolio_api.list_entries": ("GET", "/api/v1/portfolio/entries", None, {role: OK for role in ROLES}),
    "portfolio_api.get_entry": ("GET", "/api/v1/portfolio/entries/{entry}", None, {**NOBODY_ELSE, "enrolled": OK}),
    "portfolio_api.create_entry": ("POST", "/api/v1/portfolio/entries",
                                   {"title": "From the API", "text": "Written *elsewhere*."},
                                   {role: 201 for role in ROLES}),
    "portfolio_api.delete_entry": ("DELETE", "/api/v1/portfolio/entries/{entry}", None,
                                   {**NOBODY_ELSE, "enrolled": OK}),
    "portfolio_api.public_link": ("GET", "/api/v1/portfolio/public-link", None, {role: OK for role in ROLES}),
    # {opportunity} is open, {draft} a draft (which administrators see, to moderate): no one here belongs to the
    # posting organisation, so everyone may apply to the open one (tests/test_opportunities.py has the rest).
    "opportunities_api.list_opportunities": ("GET", "/api/v1/opportunities", None, {role: OK for role in ROLES}),
    "opportunities_api.get_opportunity": ("GET", "/api/v1/opportunities/{draft}", None, {
        "learner": 404, "enrolled": 404, "facilitator": 404, "course_team": 404, "admin": OK}),
    "opportunities_api.apply": ("POST", "/api/v1/opportunities/{opportunity}/applications", {"message": "Hello"},
                                {role: OK for role in ROLES}),
    "opportunities_api.my_applications": ("GET", "/api/v1/me/applications", None, {role: OK for role in ROLES}),
    # The course's forum: its members (enrolled learners and its staff) read and post; to anyone else it does not
    # exist. {thread} is the enrolled learner's thread in {category}.
    "discussion_api.list_categories": ("GET", "/api/v1/discussion/courses/alpha/categories", None, MEMBERS),
    "discussion_api.list_threads": ("GET", "/api/v1/discussion/courses/alpha/threads?category={category}", None,
                                    MEMBERS),
    "discussion_api.start_thread": ("POST", "/api/v1/discussion/courses/alpha/threads",
                                    {"category": "{category}", "title": "From a client", "body": "Hello **all**"},
                                    MEMBERS_CREATE),
    "discussion_api.get_thread": ("GET", "/api/v1/discussion/threads/{thread}", None, MEMBERS),
    "discussion_api.reply": ("POST", "/api/v1/discussion/threads/{thread}/posts", {"body": "A reply"},
                             MEMBERS_CREATE),
    "discussion_api.comment_on_unit": ("POST", "/api/v1/discussion/courses/alpha/units/m1-u2/comments",
                                       {"body": "On this unit"}, MEMBERS_CREATE),
    # My notifications: {notification} is the enrolled learner's (a reply in their thread).
    "notifications_api.list_notifications": ("GET", "/api/v1/notifications", None, {role: OK for role in ROLES}),
    "notifications_api.mark_all_read": ("POST", "/api/v1/notifications/read", None, {role: OK for role in ROLES}),
    "notifications_api.mark_read": ("POST", "/api/v1/notifications/{notification}/read", None,
                                    {**NOBODY_ELSE, "enrolled": OK}),
    # Assignments: each person's own only (tests/test_assignments_api.py has what each one sees).
    "assignments_api.my_assignments": ("GET", "/api/v1/me/assignments", None, {role: OK for role in ROLES}),
    "assignments_api.my_submissions": ("GET", "/api/v1/me/submissions", None, {role: OK for role in ROLES}),
    "assignments_api.my_peer_reviews": ("GET", "/api/v1/me/peer-reviews", None, {role: OK for role in ROLES}),
    # Reminders: each person's own cohorts' (tests/test_people_api.py has what each one sees).
    "cohorts_api.my_reminders": ("GET", "/api/v1/me/reminders", None, {role: OK for role in ROLES}),
    # Cohorts: my own; a cohort's plan and sessions to its learners and those who manage it (its facilitators and
    # administrators, not the course team); {cohort_item} is an external item only its seated learners mark done
    # (tests/test_cohorts_api.py has the rest).
    "cohorts_api.my_cohorts": ("GET", "/api/v1/me/cohorts", None, {role: OK for role in ROLES}),
    "cohorts_api.cohort_plan": ("GET", "/api/v1/cohorts/{cohort}/plan", None, {
        "learner": 404, "enrolled": OK, "facilitator": OK, "course_team": 404, "admin": OK}),
    "cohorts_api.cohort_sessions": ("GET", "/api/v1/cohorts/{cohort}/sessions", None, {
        "learner": 404, "enrolled": OK, "facilitator": OK, "course_team": 404, "admin": OK}),
    "cohorts_api.mark_item_done": ("POST", "/api/v1/cohorts/{cohort}/items/{cohort_item}/done", None, {
        "learner": 404, "enrolled": OK, "facilitator": 403, "course_team": 404, "admin": 403}),
    "cohorts_api.unmark_item_done": ("DELETE", "/api/v1/cohorts/{cohort}/items/{cohort_item}/done", None, {
        "learner": 404, "enrolled": OK, "facilitator": 403, "course_team": 404, "admin": 403}),
    # People as their pages show them: a course's to its members, a cohort's to its members and those who
    # manage it (its facilitators and administrators, not the course team); {person} is the enrolled learner,
    # whose hidden profile only their courses' staff see.
    "people_api.course_people": ("GET", "/api/v1/courses/alpha/people", None, MEMBERS),
    "people_api.cohort_people": ("GET", "/api/v1/cohorts/{cohort}/people", None, {
        "learner": 404, "enrolled": OK, "facilitator": OK, "course_team": 404, "admin": OK}),
    "people_api.person": ("GET", "/api/v1/people/{person}", None, {**MEMBERS}),
}


def test_every_api_endpoint_has_a_bearer_permission_case(app):
    assert set(registered_operations()) == set(API_CASES)
    assert {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")} == set(API_CASES)


@pytest.fixture()
def api_world():
    from moocplatform.catalog import queries as catalog_queries
    from moocplatform.cohorts.plan import add_external_item
    from moocplatform.cohorts.services import join_cohort
    from moocplatform.discussion import queries as discussion_queries
    from moocplatform.discussion import services as discussion
    from moocplatform.notes import services as notes
    from moocplatform.notifications.models import Notification
    from tests.opportunities_helpers import make_opportunity
    from tests.portfolio_helpers import written

    course = make_course("alpha")
    people = {"learner": make_user(), "enrolled": make_user(),
              "facilitator": make_user("facilitator", course=course),
              "course_team": make_user("course_team", course=course), "admin": make_user("admin")}
    enrol(people["enrolled"], course)
    unit = catalog_queries.outline_for(catalog_queries.live_version_of(course)).by_key["m1-u2"]
    notes.save_note(people["enrolled"], course, unit, "My own note", base_version=0)
    bookmark = notes.bookmark_unit(people["enrolled"], course, unit)
    entry = written(people["enrolled"])
    space = discussion_queries.course_space(course.id)
    category = discussion_queries.forum_index(space, None).categories[0]
    thread = discussion.start_thread(people["enrolled"], space, category.id, "Mine", "My first post")
    discussion.reply(people["facilitator"], thread, "Welcome")  # tells the thread's author
    db.session.flush()
    notification = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == people["enrolled"].id)).one()
    cohort = make_cohort(course, people["facilitator"])
    join_cohort(people["enrolled"], cohort, course)
    cohort_item = add_external_item(people["facilitator"], cohort, title="Read", url="https://example.org/read")
    return people, {"bookmark": bookmark.id, "entry": entry.id, "opportunity": make_opportunity().id,
                    "draft": make_opportunity(publish=False).id, "category": category.id, "thread": thread.id,
                    "notification": notification.id, "cohort": cohort.id, "person": people["enrolled"].id,
                    "cohort_item": cohort_item.id}


def filled(body, values):
    """A case's body with the world's ids in place of its "{name}" values."""
    if body is None:
        return None
    return {k: int(v.format(**values)) if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(API_CASES))
def test_api_permissions(client, api_world, endpoint, role):
    people, values = api_world
    method, path, body, expected = API_CASES[endpoint]
    response = client.open(path.format(**values), method=method, json=filled(body, values),
                           headers=bearer(people[role]))
    assert response.status_code == expected[role], response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", sorted(e for e in API_CASES if e != "api.openapi_json"))
def test_every_api_endpoint_refuses_a_token_without_its_scope(client, app, api_world, endpoint):
    people, values = api_world
    method, path, body, _ = API_CASES[endpoint]
    operation = next(o for e, o in registered_operations().items() if e == endpoint)
    others = [s for s in ALL_SCOPES if s not in operation.scopes]
    response = client.open(path.format(**values), method=method, json=filled(body, values),
                           headers=bearer(people["enrolled"], scopes=others))
    assert response.status_code == 403


def test_a_unit_comes_as_its_page_shows_it_with_its_neighbours(client):
    course = make_course("reader", modules=1, units_per_module=3)
    learner = make_user()
    enrol(learner, course)
    body = client.get("/api/v1/courses/reader/units/m1-u2", headers=bearer(learner)).get_json()
    assert (body["key"], body["previous"], body["next"]) == ("m1-u2", "m1-u1", "m1-u3")
    assert body["html"] and body["url"].endswith("/courses/reader/units/m1-u2")
    log_in(client, learner)
    assert body["html"] in client.get("/courses/reader/units/m1-u2").get_data(as_text=True)
    missing = client.get("/api/v1/courses/reader/units/no-such-unit", headers=bearer(learner))
    assert missing.status_code == 404
