"""Generated hostile input at every route of the application and every form on its pages, as each kind of
user: whatever comes in, the answer is never a 5xx. Derandomised, with a fixed number of examples per route
and user, so the run is the same every time and stays short."""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from moocplatform.accounts.models import RoleGrant
from moocplatform.extensions import db
from moocplatform.quizzes import services as quiz_services
from moocplatform.tokens.purposes import PERSONAL_ACCESS
from moocplatform.tokens.services import issue_token
from tests.conftest import log_in
from tests.factories import make_course, make_user
from tests.quiz_helpers import learner_in, quiz_course

EXAMPLES_PER_ROUTE_AND_USER = 5
ROLES = ("anonymous", "learner", "course_team", "admin")
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
FIELD_NAME = re.compile(r'<(?:input|textarea|select|button)\b[^>]*\bname="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ACTION = re.compile(r'\baction="([^"]*)"')

# Percent-encoded pieces of a URL or form body that decode to no UTF-8, or to a NUL.
RAW_BYTES = ["%FF", "%C3%28", "%ED%A0%80", "%F8%88%80%80%80", "%00", "a%00b", "%C0%AF"]
HOSTILE_NUMBERS = ["0", "-1", "01", "2147483647", "2147483648", "4294967296", "9223372036854775807",
                   "9223372036854775808", "1" * 400, "²", "١٢", "𝟙", "1e3", "0x10", "1.5", " 1", "+1", "NaN"]
HOSTILE_TEXT = ["", " ", "\x00", "a\x00", "²", "١", "𝟙", "../../etc/passwd", "<script>alert(1)</script>",
                "' OR 1=1 --", "%", "\\", "\u202e", "\ufeff", "\U0001f600" * 50, "x" * 5000, "é" * 300,
                "a@b.c\x00", "None", "null", "[]", "{}", "true"]
ODD_HOSTS = [None, "evil.example", "evil.example:8080", "learn.test:99999", "[::1", "a" * 300, "xn--e1afmkfd",
             "localhost:abc", "", "évil.test", "learn.test/x", "a..b"]
SPECIAL_PARAMETERS = ["page", "q", "language", "competence", "effort", "role", "status", "action", "next", "cursor",
                      "limit", "_method", "_external", "_anchor", "_scheme", "_external_host", "page[]", "slug"]


@dataclass
class World:
    known: dict[str, str]
    users: dict[str, object]
    fields: dict[str, set[str]] = field(default_factory=dict)  # endpoint -> names of its forms' fields
    failures: list[str] = field(default_factory=list)
    answered: set[tuple[str, str, int]] = field(default_factory=set)  # (role, endpoint, status) seen


def _encoded(text: str) -> str:
    return quote(text, safe="")


def segment(converter: str | None, name: str, known: dict[str, str]) -> st.SearchStrategy[str]:
    hostile = st.sampled_from(HOSTILE_NUMBERS if converter in ("id", "int") else HOSTILE_TEXT).map(_encoded)
    generated = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str),
                          st.text(max_size=12).map(_encoded))
    choices = [hostile, st.sampled_from(RAW_BYTES), generated]
    if name in known:
        choices.insert(0, st.just(known[name]))
    return st.one_of(*choices)


def query_value() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_NUMBERS + HOSTILE_TEXT + ["1", "POST", "evil.example"]).map(_encoded),
                     st.sampled_from(RAW_BYTES), st.text(max_size=8).map(_encoded))


def pairs(names: list[str], max_size: int) -> st.SearchStrategy[str]:
    name = st.one_of(st.sampled_from(names), st.sampled_from(RAW_BYTES), st.text(max_size=6).map(_encoded))
    pair = st.tuples(name, query_value()).map(lambda p: f"{p[0]}={p[1]}" if p[0] else p[1])
    return st.lists(pair, max_size=max_size).map("&".join)


def form_body(names: list[str]) -> st.SearchStrategy[bytes]:
    overlong = st.sampled_from(names or ["field"]).map(lambda n: f"{_encoded(n)}={'x' * 300_000}")
    return st.one_of(pairs(names or ["field"], 6), overlong).map(str.encode)


def request_strategy(rule, world: World):
    parts = ARGUMENT.split(rule.rule)
    pieces = [st.just(parts[0])]
    for i in range(1, len(parts), 3):
        converter, name, rest = parts[i], parts[i + 1], parts[i + 2]
        pieces += [segment(converter, name, world.known), st.just(rest)]
    path = st.tuples(*pieces).map("".join)
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    form_names = sorted(world.fields.get(rule.endpoint, set())) + ["action", "csrf_token"]
    return st.fixed_dictionaries({
        "method": st.sampled_from(methods), "path": path, "query": pairs(SPECIAL_PARAMETERS, 4),
        "host": st.sampled_from(ODD_HOSTS), "body": form_body(form_names),
        "content_type": st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain"]),
    })


def send(app, role: str, world: World, endpoint: str, generated: dict) -> None:
    headers = {"Host": generated["host"]} if generated["host"] is not None else {}
    if role != "anonymous":
        # The test client sends cookies only to the host they came from: send the user's by hand, so that an
        # odd Host header arrives with a logged-in user as it would from a browser.
        signed_in = app.test_client()
        log_in(signed_in, world.users[role])
        names = (app.config["SESSION_COOKIE_NAME"], app.config["REMEMBER_ME_COOKIE_NAME"])
        cookies = [(name, signed_in.get_cookie(name)) for name in names]
        headers["Cookie"] = "; ".join(f"{name}={cookie.value}" for name, cookie in cookies if cookie is not None)
    client = app.test_client(use_cookies=False)
    url = generated["path"] + (f"?{generated['query']}" if generated["query"] else "")
    # As a server hands it over: the path's bytes as latin-1 text (the test client would decode them first).
    raw_path = unquote_to_bytes(generated["path"]).decode("latin-1")
    options = {"headers": headers, "environ_overrides": {"PATH_INFO": raw_path}}
    if generated["method"] not in ("GET", "DELETE"):
        options.update(data=generated["body"], content_type=generated["content_type"])
    try:
        response = client.open(url, method=generated["method"], **options)
        status: int | str = response.status_code
        world.answered.add((role, endpoint, response.status_code))
    except AssertionError as error:  # the test client's check of API answers against the OpenAPI document
        status = f"undocumented: {error}"[:160]
    except Exception as error:  # an exception the application let escape is as bad as a 500
        status = f"{type(error).__name__}: {error}"[:160]
    if not isinstance(status, int) or status >= 500:
        world.failures.append(f"{role:<12} {generated['method']:<5} {url[:160]!r} host={generated['host']!r} "
                              f"-> {status}")


def harvest_fields(app, world: World) -> None:
    """The fields of every form the GET pages show (to these users), by the endpoint the form posts to."""
    adapter = app.url_map.bind("localhost")
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            log_in(client, world.users[role])
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            path = ARGUMENT.sub(lambda m: world.known.get(m.group(2), "1"), rule.rule)
            page = client.get(path)
            if page.mimetype != "text/html":
                continue
            for attributes, inner in FORM.findall(page.get_data(as_text=True)):
                action = ACTION.search(attributes)
                target = (action.group(1) if action else path).split("?")[0] or path
                try:
                    endpoint, _ = adapter.match(target, method="POST")
                except Exception:  # a form that posts elsewhere (or GETs a search)
                    continue
                world.fields.setdefault(endpoint, set()).update(FIELD_NAME.findall(inner))


def probe_route(app, world: World, rule, role: str) -> None:
    def probe(generated):
        send(app, role, world, rule.endpoint, generated)

    # Derandomised, every call of this one inner function would draw the same few examples: a fixed seed per
    # route and user (which takes precedence) gives each its own, the same on every run.
    label = f"{sorted(rule.methods)} {rule.rule} as {role}"
    run = seed(zlib.crc32(label.encode()))(settings(
        max_examples=EXAMPLES_PER_ROUTE_AND_USER, derandomize=True, database=None, deadline=None,
        suppress_health_check=list(HealthCheck))(given(request_strategy(rule, world))(probe)))
    run()


@pytest.fixture()
def world(app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_PAGE_SIZE", 1)  # two courses: the catalogue shows its pager
    course = quiz_course("alpha")
    other = make_course("beta")
    learner = learner_in(course)
    team = make_user("course_team", course=course)
    admin = make_user("admin")
    # What the admin's actions (suspend, revoke, archive) reach, so the users probing stay who they are.
    target = make_user("facilitator", course=other)
    attempt = quiz_services.start_attempt(learner, course, "check")
    token = issue_token(learner, learner, "personal_access", scopes=PERSONAL_ACCESS.scopes, label="generated").token
    grant = db.session.scalar(sa.select(RoleGrant).where(RoleGrant.user_id == target.id))
    db.session.flush()
    known = {"slug": "alpha", "quiz_key": "check", "key": "m1-u1", "user_id": target.id, "course_id": other.id,
             "attempt_id": attempt.id, "version_id": course.live_version_id, "grant_id": grant.id,
             "token_id": token.id, "session_id": 1, "row_id": 1}
    users = {"learner": learner, "course_team": team, "admin": admin}
    built = World({k: str(v) for k, v in known.items()}, users)
    harvest_fields(app, built)
    return built


def test_no_generated_input_gets_a_5xx_on_any_route_as_any_user(app, world):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods)))
    for rule in rules:
        for role in ROLES:
            probe_route(app, world, rule, role)
    # The generated requests reach the views as each user, not only the log-in page and the 404s.
    assert {("anonymous", "catalog.catalogue", 200), ("learner", "learning.dashboard", 200),
            ("learner", "quizzes.attempt_page", 200), ("course_team", "studio.versions", 200),
            ("admin", "admin.users", 200)} <= world.answered
    server_errors = [f for f in world.failures if "-> undocumented" not in f]
    report = "\n".join(world.failures)
    assert not world.failures, (f"{len(server_errors)} generated requests got a 5xx, "
                                f"{len(world.failures) - len(server_errors)} an undocumented API answer:\n{report}")
