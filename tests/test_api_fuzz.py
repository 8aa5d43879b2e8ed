"""Schemathesis fuzzes every operation of the API document the application serves: generated requests, valid
and invalid, sent with a token that has every scope, inside the test's rolled-back database.

Each operation is one test; its examples are derandomised (a fixed seed, no example database), so a run is
repeatable and a failure names the request that caused it. The checks: no 5xx, every status, header, media
type and body as the document declares them (problem details for errors), invalid input refused with a 4xx.
Path parameters take the seeded world's values about half the time (so the views reach their real code
paths) and generated ones otherwise (which must 404 cleanly)."""
from __future__ import annotations

import copy

import hypothesis
import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from moocplatform import create_app
from moocplatform.api.openapi import API_PREFIX
from moocplatform.cohorts.plan import add_external_item
from moocplatform.cohorts.services import join_cohort
from moocplatform.discussion import queries as discussion_queries
from moocplatform.discussion import services as discussion
from moocplatform.extensions import db
from moocplatform.learning.services import record_unit_visit, set_unit_completion
from moocplatform.notifications.models import Notification
from moocplatform.tokens.purposes import PERSONAL_ACCESS
from moocplatform.tokens.services import issue_token
from tests.factories import enrol, make_cohort, make_course, make_user
from tests.openapi_check import api_document

EXAMPLES_PER_OPERATION = 25
SEED = 16


def _served_document() -> dict:
    """The document as served. Operations are declared when their areas' modules are imported, so an app
    of its own (never connected to a database) serves the same document as the suite's app; the tests
    themselves send every request to the suite's app."""
    probe = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "SECRET_KEY": "openapi-document-probe", "PUBLIC_BASE_URL": "http://learn.test"})
    response = probe.test_client().get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200, response.status_code
    with probe.app_context():
        db.engine.dispose()
    return response.get_json()


DOCUMENT = _served_document()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=SchemathesisConfig.from_dict({
    "seed": SEED,
    # The token is the world's (with every scope); the checks send the request without it as well.
    # No NUL in generated text: the edge refuses it in any request (edge.py, a documented 400 of every
    # operation), so a schema-valid body holding one would be "rejected" only for that.
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none",
                   "with-security-parameters": False, "allow-x00": False},
}))


class FreshContexts:
    """The suite's app as a WSGI application that gives each request an application context of its own, as
    the suite's client does (tests/conftest.py): the checks that send requests themselves must not end the
    test's own session, which Flask would lend to a request made inside it."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.app(environ, start_response)


class World:
    """The data the operations act on, and values for the path parameters they name (by name: an area whose
    operations name others adds its rows and their values here; a parameter without one is generated)."""

    def __init__(self) -> None:
        self.user = make_user(display_name="Fuzz Learner")
        course = make_course("fuzz-course")
        enrollment = enrol(self.user, course)
        set_unit_completion(self.user, course, "m1-u1", complete=True)
        record_unit_visit(self.user, enrollment, "m1-u2", {"m1-u1"})
        space = discussion_queries.course_space(course.id)
        category = discussion_queries.forum_index(space, None).categories[0]
        thread = discussion.start_thread(self.user, space, category.id, "Fuzzed", "The first post")
        other = make_user()
        enrol(other, course)
        discussion.reply(other, thread, "A reply that tells the learner")
        db.session.flush()
        notification = db.session.scalars(sa.select(Notification.id).where(Notification.user_id == self.user.id)).one()
        lead = make_user("facilitator", course=course)
        cohort = make_cohort(course, lead)
        join_cohort(self.user, cohort, course)
        item = add_external_item(lead, cohort, title="Read", url="https://example.org/read")
        self.path_values: dict[str, object] = {"slug": course.slug, "unit_key": "m1-u2", "key": "m1-u2",
                                               "thread_id": thread.id, "notification_id": notification,
                                               "cohort_id": cohort.id, "user_id": other.id,
                                               "item_id": item.id}
        secret = issue_token(self.user, self.user, PERSONAL_ACCESS.name, scopes=tuple(PERSONAL_ACCESS.scopes)).secret
        self.headers = {"Authorization": f"Bearer {secret}"}


@pytest.fixture()
def world(app, monkeypatch) -> World:
    # Every example of an operation is a request with the same token; the limit has its own tests.
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 100_000)
    return World()


@schema.parametrize()
@schema.given(use_world=st.booleans())
@hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.filter_too_much])
def test_every_operation(case, use_world, app, client, world):
    # Only a case meant to be valid takes the world's values: in one meant to be refused, the path may be the
    # invalid part, and putting a real value there would make a valid request of it.
    if use_world and case.path_parameters and case.meta.generation.mode is GenerationMode.POSITIVE:
        for name in case.path_parameters:
            if name in world.path_values:
                case.path_parameters[name] = world.path_values[name]
    if case.meta.generation.mode is GenerationMode.POSITIVE and case.query and "cursor" in case.query:
        # A cursor is signed: no generated one is valid, however well formed (invalid ones stay in the
        # negative cases, which must be refused).
        del case.query["cursor"]
    # The checks that send requests of their own (the same request without its token) reach this app too.
    application = FreshContexts(app)
    case.operation.schema.app = application
    case.call_and_validate(app=application, session=client, headers=world.headers)


def test_the_fuzzed_document_is_the_one_the_suites_app_serves(app):
    assert api_document(app) == DOCUMENT
