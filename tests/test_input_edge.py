"""Input that no page takes is refused where it comes in: path ids out of range and slugs with odd characters
are a 404 at routing, NUL bytes and bytes that are not UTF-8 a 400 at the edge, query parameters go through
one parser, and the pager never hands client parameters to url_for. Each case here was a 500 once."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask import Blueprint

from moocplatform import create_app, query_args
from moocplatform.accounts.models import User
from moocplatform.converters import MAX_ID
from moocplatform.extensions import db
from moocplatform.quizzes.models import QuizAttempt
from tests.conftest import log_in
from tests.factories import PASSWORD, make_course, make_user
from tests.quiz_helpers import learner_in, quiz_course

ROUTE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


# Path ids and keys ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**400])
@pytest.mark.parametrize("path", ["/people/{n}", "/admin/users/{n}", "/studio/courses/alpha/versions/{n}",
                                  "/courses/alpha/quizzes/check/attempts/{n}/results"])
def test_ids_past_the_database_integer_range_are_not_found(client, path, number):
    make_course("alpha")
    log_in(client, make_user("admin"))
    assert client.get(path.format(n=number)).status_code == 404


@pytest.mark.parametrize("path", ["/account/sessions/{n}/end", "/admin/users/{n}/suspend",
                                  "/account/tokens/{n}/revoke", "/admin/courses/{n}/archive"])
def test_posts_to_ids_past_the_range_are_not_found(client, path):
    log_in(client, make_user("admin"))
    for number in (0, MAX_ID + 1, 2**63):
        assert client.post(path.format(n=number)).status_code == 404, number


def test_the_largest_id_still_routes_to_the_view(client):
    log_in(client, make_user("admin"))
    assert client.get(f"/people/{MAX_ID}").status_code == 404  # the view's own "no such person"
    assert client.get(f"/people/{MAX_ID:011d}").status_code == 404  # leading zeros: no route


@pytest.mark.parametrize("slug", ["al²pha", "alpha%C2%B2", "-alpha", "a" * 65, "al pha", "al%2Fpha"])
def test_slugs_and_keys_outside_their_alphabet_are_not_found(client, slug):
    make_course("alpha")
    assert client.get(f"/courses/{slug}").status_code == 404
    assert client.get(f"/courses/alpha/units/{slug}").status_code == 404


# NUL bytes and bytes that are not UTF-8 ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/courses?q=%00", "/courses?q=caf%C3", "/courses?%FF=1", "/courses/al%00pha",
                                 "/courses/alpha/units/m1%00", "/admin/users?q=a%00"])
def test_nul_bytes_and_bytes_that_are_not_utf8_in_the_address_are_a_400(client, url):
    make_course("alpha")
    log_in(client, make_user("admin"))
    response = client.get(url)
    assert response.status_code == 400
    assert all(header in response.headers for header in SECURITY_HEADERS)


@pytest.mark.parametrize("raw_path", [b"/courses/\xed\xa0\x80", b"/courses/caf\xc3", b"/courses/alpha/units/\xff"])
def test_a_path_that_is_not_utf8_is_a_400(client, raw_path):
    # A server hands the path's bytes over as latin-1 text; the test client would have decoded them first.
    make_course("alpha")
    assert client.get("/", environ_overrides={"PATH_INFO": raw_path.decode("latin-1")}).status_code == 400


def test_a_nul_byte_in_the_log_in_email_is_a_400_and_records_nothing(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email + "\x00", "password": PASSWORD})
    assert response.status_code == 400
    assert "_user_id" not in (client.get_cookie("session") or "")


def test_a_nul_byte_in_profile_fields_is_a_400_and_changes_nothing(client):
    user = make_user(display_name="Ada")
    log_in(client, user)
    response = client.post("/account", data={"display_name": "Ada\x00Lovelace", "timezone": "UTC",
                                             "locale": "en"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "Ada"


def test_a_nul_byte_in_a_reason_or_a_quiz_answer_is_a_400(client):
    course = quiz_course("alpha")
    learner = learner_in(course)
    admin = make_user("admin")
    log_in(client, admin)
    assert client.post(f"/admin/users/{learner.id}/suspend", data={"reason": "spam\x00"}).status_code == 400
    log_in(client, learner)
    client.post("/courses/alpha/quizzes/check/start")
    attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == learner.id))
    response = client.post(f"/courses/alpha/quizzes/check/attempts/{attempt.id}",
                           data={"action": "save", "q.q8": "I will\x00 space"})
    assert response.status_code == 400


def test_form_bodies_that_are_not_utf8_are_a_400(client):
    response = client.post("/login", data=b"email=caf%C3&password=x",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    multipart = client.post("/login", data={"email": "a\x00@example.org", "password": "x"},
                            content_type="multipart/form-data")
    assert multipart.status_code == 400


def test_plain_text_and_real_unicode_still_pass_the_edge(client):
    make_course("alpha")
    assert client.get("/courses?q=caf%C3%A9+%E2%82%AC").status_code == 200
    assert client.post("/login", data={"email": "zoë@example.org", "password": "wrong"}).status_code in (200, 422)


def test_an_overlong_form_field_is_refused_as_too_large(client):
    response = client.post("/login", data={"email": "x" * 300_000, "password": "x"})
    assert response.status_code == 413


def test_an_unreadable_host_header_is_a_400_page(client):
    response = client.get("/courses", headers={"Host": "a" * 300})
    assert response.status_code == 400
    assert all(header in response.headers for header in SECURITY_HEADERS)


# One query-string parser ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["²", "١", "𝟙", "1" * 400, "-1", "0", "1e3", " "])
def test_page_numbers_that_are_not_ascii_digits_give_the_first_page(client, page):
    make_course("alpha")
    log_in(client, make_user("admin"))
    for path in ("/courses", "/admin/users", "/admin/audit", "/admin/outbox"):
        assert client.get(path, query_string={"page": page}).status_code == 200, path


@pytest.mark.parametrize(("text", "expected"), [
    ("7", 7), (" 7 ", 7), ("²", 1), ("٣", 1), ("1" * 400, 1), ("-3", 1), ("0", 1), ("", 1), ("3.0", 1),
])
def test_whole_numbers_are_ascii_digits_within_their_bounds(text, expected):
    assert query_args.parse_whole_number(text, 1, minimum=1, maximum=1000) == expected


def _pager_links(page: str) -> list[str]:
    start = page.index('class="pager"')
    nav = page[start:page.index("</nav>", start)]
    return [html.unescape(chunk.split('"', 1)[0]) for chunk in nav.split('href="')[1:]]


def test_the_pager_keeps_plain_parameters_and_drops_url_for_ones(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_PAGE_SIZE", 1)
    make_course("alpha")
    make_course("beta")
    response = client.get("/courses?q=&_method=POST&_external=1&_anchor=x&_scheme=ftp&language=",
                          headers={"Host": "evil.example"})
    assert response.status_code == 200
    links = _pager_links(response.get_data(as_text=True))
    assert links == ["/courses?language=&page=2&q="]


def test_admin_pager_links_carry_no_url_for_parameters(client):
    admin = make_user("admin")
    for _ in range(50):
        make_user()
    log_in(client, admin)
    response = client.get("/admin/users?_external=1&_method=POST&q=&page=%C2%B2")
    assert response.status_code == 200
    assert _pager_links(response.get_data(as_text=True)) == ["/admin/users?page=2&q="]


# The 500 page after a failed write ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def failing_app(app):
    """The application with a route whose write fails inside the database (the shared application cannot
    take new routes once it has served a request)."""
    probe = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED", "ARGON2_TIME_COST",
        "ARGON2_MEMORY_COST", "MAIL_OUTBOX_DIR", "PUBLIC_BASE_URL")})
    probe.config["PROPAGATE_EXCEPTIONS"] = False  # an unexpected error becomes the 500 page, as in production
    probe.test_client_class = app.test_client_class
    routes = Blueprint("failing", __name__)

    @routes.post("/_probe/duplicate-write")
    def duplicate_write():
        existing = db.session.scalar(sa.select(User).limit(1))
        db.session.add(User(email=existing.email, display_name="Twin", password_hash="x"))
        db.session.flush()  # the unique e-mail fails here, and the session's transaction with it
        return "never"

    probe.register_blueprint(routes)
    return probe


def test_a_500_after_a_failed_write_renders_its_page_with_the_security_headers(failing_app):
    user = make_user()
    client = failing_app.test_client()
    log_in(client, user)
    response = client.post("/_probe/duplicate-write")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert all(header in response.headers for header in SECURITY_HEADERS)


# The mechanism holds for every route ----------------------------------------------------------------------------

def test_every_numeric_id_and_every_slug_or_key_in_a_route_has_its_typed_converter(app):
    """A new route with `<int:...>` or a bare `<slug>` would reach its view with ids past the database's range
    or keys no pack allows; routes declare `<id:...>` and `<key:...>` instead (`<token:...>` for an unguessable
    public id)."""
    untyped = []
    for rule in app.url_map.iter_rules():
        for converter, name in ROUTE_ARGUMENT.findall(rule.rule):
            numeric = name == "id" or name.endswith("_id")
            keyed = name in ("slug", "key") or name.endswith(("_key", "_slug"))
            if (numeric and converter not in ("id", "token")) or (keyed and converter != "key"):
                untyped.append(f"{rule.rule}: {name}")
    assert untyped == []
