"""The access context (one per viewer and course per request), scoped role grants, and `relations_for`."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import IntegrityError

from moocplatform import access, policy
from moocplatform.access import AccessLoader, access_for, register_access_loader
from moocplatform.accounts.models import RoleGrant
from moocplatform.admin.services import grant_role
from moocplatform.errors import InvalidInput
from moocplatform.extensions import db
from moocplatform.learning.services import leave_course
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user


@pytest.fixture()
def course():
    return make_course("alpha")


def test_context_says_who_the_viewer_is(course):
    learner, staff, admin = make_user(), make_user("facilitator", course=course), make_user("admin")
    enrol(learner, course)
    context = access_for(learner, course)
    assert context.signed_in and context.enrolled and context.enrollment_status == "active"
    assert not context.is_admin and context.roles == frozenset()
    assert access_for(staff, course).roles == {"facilitator"} and not access_for(staff, course).enrolled
    assert access_for(admin, course).is_admin
    leave_course(learner, course)
    assert access_for(learner, course).enrollment_status == "left"
    anonymous = access_for(AnonymousUserMixin(), course)
    assert not anonymous.signed_in and not anonymous.enrolled and anonymous.enrollment is None


def test_one_context_per_request_and_one_query(app, course, count_queries):
    learner = make_user()
    enrol(learner, course)
    assert learner.roles == []  # loaded with the user on a request (security.load_user)
    with app.test_request_context("/"):
        with count_queries() as statements:
            assert policy.can_view_course(learner, course)
            assert policy.can_track_progress(learner, course)
            assert policy.can_take_quiz(learner, course)
            assert not policy.is_course_staff(learner, course)
            assert access_for(learner, course) is access_for(learner, course.id)
        assert len(statements) == 1


def test_a_service_that_changes_enrolment_refreshes_the_context(app, course):
    learner = make_user()
    with app.test_request_context("/"):
        assert not policy.is_enrolled(learner, course)
        enrol(learner, course)
        assert policy.is_enrolled(learner, course)
        leave_course(learner, course)
        assert not policy.is_enrolled(learner, course)


def test_contexts_do_not_outlive_their_request(client, course, count_queries):
    learner = make_user()
    log_in(client, learner)
    assert client.get("/courses/alpha").status_code == 200
    enrol(learner, course)
    assert "Leave" in client.get("/courses/alpha").get_data(as_text=True)


# Scoped grants ---------------------------------------------------------------------------------------------

def test_grants_carry_their_scope(course):
    admin = make_user("admin")
    staff = make_user("course_team", course=course)
    assert [(g.role, g.scope_type, g.scope_id) for g in admin.roles] == [("admin", "platform", None)]
    assert [(g.role, g.scope_type, g.scope_id) for g in staff.roles] == [("course_team", "course", course.id)]
    assert staff.has_role("course_team", "course", course.id) and not staff.has_role("course_team")


@pytest.mark.parametrize("scope_type, scope_id", [("galaxy", 1), ("platform", 3), ("course", None)])
def test_the_database_refuses_inconsistent_scopes(scope_type, scope_id):
    user = make_user()
    db.session.execute(sa.text("SAVEPOINT bad_scope"))
    with pytest.raises(IntegrityError):
        db.session.execute(sa.insert(RoleGrant).values(
            user_id=user.id, role="facilitator", scope_type=scope_type, scope_id=scope_id,
            granted_at=user.created_at))
    db.session.execute(sa.text("ROLLBACK TO SAVEPOINT bad_scope"))


@pytest.fixture()
def no_cohort_loader():
    """The cohorts area's loader set aside: the tests below stand in for an area or for none."""
    real = access.registered_loaders().get("cohorts")
    access.unregister_access_loader("cohorts")
    yield
    access.unregister_access_loader("cohorts")
    if real is not None:
        register_access_loader(real)


def test_a_scope_no_area_resolves_cannot_be_granted(course, no_cohort_loader):
    with pytest.raises(InvalidInput) as refused:
        grant_role(None, make_user(), "facilitator", scope_type="cohort", scope_id=7)
    assert refused.value.field == "scope_type"
    with pytest.raises(InvalidInput) as refused:
        grant_role(None, make_user(), "facilitator", scope_type="course", scope_id=987654)
    assert refused.value.field == "course"


@pytest.fixture()
def cohorts(course, no_cohort_loader):
    """A cohorts area in miniature: cohort 1 of course alpha holds the learners listed in MEMBERS."""
    members: dict[int, set[int]] = {1: set(), 2: set()}
    loader = AccessLoader(
        name="cohorts", scope_type="cohort",
        load=lambda viewer, course_id: {c for c, people in members.items() if viewer.id in people},
        scope_courses=lambda ids: {c: {course.id} for c in ids if c in members},
        scope_members=lambda ids, learner_ids: {(learner, course.id) for c in ids for learner in members.get(c, ())
                                                if learner in learner_ids},
    )
    register_access_loader(loader)
    yield members


def test_a_cohort_facilitator_sees_only_their_cohort(course, cohorts):
    mine, other = make_user(), make_user()
    for learner in (mine, other):
        enrol(learner, course)
    cohorts[1].add(mine.id)
    cohorts[2].add(other.id)
    facilitator = make_user()
    grant = grant_role(None, facilitator, "facilitator", scope_type="cohort", scope_id=1)
    assert (grant.scope_type, grant.scope_id) == ("cohort", 1)
    assert policy.is_facilitator(facilitator, course)
    assert access_for(mine, course).fact("cohorts") == {1}
    seen = policy.relations_for(facilitator, [mine.id, other.id], course)
    assert seen == {mine.id: {"facilitator"}, other.id: frozenset()}
    assert policy.can_see(facilitator, mine, "progress", course)
    assert not policy.can_see(facilitator, other, "progress", course)
    course_wide = make_user("facilitator", course=course)
    assert policy.relations_for(course_wide, [mine.id, other.id], course) == {
        mine.id: {"facilitator"}, other.id: {"facilitator"}}


def test_loader_names_and_scopes_are_unique(cohorts):
    with pytest.raises(ValueError):
        register_access_loader(AccessLoader(name="cohorts"))
    with pytest.raises(ValueError):
        register_access_loader(AccessLoader(name="more", scope_type="cohort", scope_courses=dict,
                                            scope_members=lambda ids, people: set()))


# relations_for -------------------------------------------------------------------------------------------------

def test_relations_for_a_list_runs_one_query_whatever_its_length(course, count_queries):
    facilitator = make_user("facilitator", course=course)
    enrol(peer := make_user(), course)
    assert peer.roles == []  # loaded with the user on a request (security.load_user)

    def count(n: int) -> int:
        learners = [make_user() for _ in range(n)]
        for learner in learners:
            enrol(learner, course)
        with count_queries() as statements:
            found = policy.relations_for(facilitator, [p.id for p in learners], course)
        assert all(found[p.id] == {"facilitator"} for p in learners)
        with count_queries() as peer_statements:
            assert all(r == {"co_learner"} for r in policy.relations_for(peer, [p.id for p in learners]).values())
        return len(statements) + len(peer_statements)

    assert count(2) == count(12) == 2


def test_relations_for_matches_the_single_person_rules(course):
    other = make_course("beta")
    learner, peer, outsider, admin = make_user(), make_user(), make_user(), make_user("admin")
    enrol(learner, course)
    enrol(peer, course)
    enrol(outsider, other)
    team = make_user("course_team", course=course)
    ids = [learner.id, peer.id, outsider.id]
    assert policy.relations_for(peer, ids, course) == {
        learner.id: {"co_learner"}, peer.id: {"self"}, outsider.id: frozenset()}
    assert policy.relations_for(team, ids) == {
        learner.id: {"course_team"}, peer.id: {"course_team"}, outsider.id: frozenset()}
    assert all(found == {"admin"} for found in policy.relations_for(admin, ids, course).values())
    assert policy.relations_for(AnonymousUserMixin(), ids) == {i: frozenset() for i in ids}


def test_the_migration_gives_existing_grants_their_scope(tmp_path):
    """Course grants become scope course, the others scope platform (on a database of its own)."""
    from flask_migrate import downgrade, upgrade

    from moocplatform import create_app

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}",
                        "SECRET_KEY": "x", "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})
    with other.app_context():
        upgrade(revision="ba409773aa8b")
        engine = other.extensions["sqlalchemy"].engine
        with engine.begin() as connection:
            run = connection.exec_driver_sql
            run("INSERT INTO users (id, email, password_hash, display_name, full_name, locale, timezone, bio, status,"
                " created_at) VALUES (1, 'a@example.org', '!', 'A', '', 'en', 'UTC', '', 'active', '2026-01-01')")
            run("INSERT INTO courses (id, slug, title, summary, language, status, enrolment_mode,"
                " effort_hours_per_week, duration_weeks, created_at) VALUES"
                " (5, 'c', 'C', '', 'en', 'active', 'open', 1, 1, '2026-01-01')")
            run("INSERT INTO role_grants (user_id, role, course_id, granted_at) VALUES"
                " (1, 'admin', NULL, '2026-01-01'), (1, 'facilitator', 5, '2026-01-01')")
        upgrade()
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT role, scope_type, scope_id FROM role_grants ORDER BY role").all()
        assert [tuple(r) for r in rows] == [("admin", "platform", None), ("facilitator", "course", 5)]
        downgrade(revision="ba409773aa8b")
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT role, course_id FROM role_grants ORDER BY role").all()
        assert [tuple(r) for r in rows] == [("admin", None), ("facilitator", 5)]
        engine.dispose()


def test_a_facilitator_reads_a_results_page_with_one_relations_query(client, count_queries):
    from tests.quiz_helpers import RIGHT, attempt_url, learner_in, quiz_course, submitted

    course = quiz_course()
    learner = learner_in(course)
    attempt = submitted(course, learner, RIGHT)
    log_in(client, make_user("facilitator", course=course))
    path = attempt_url(attempt, "/results")
    assert client.get(path).status_code == 200
    with count_queries() as statements:
        page = client.get(path)
    assert page.status_code == 200
    assert "I will space my practice." in page.get_data(as_text=True)  # facilitators read reflections
    assert sum("FROM enrollments" in s for s in statements) == 1
    log_in(client, make_user("course_team", course=course))
    page = client.get(path).get_data(as_text=True)
    assert "Check yourself" in page and "I will space my practice." not in page
