"""Each page runs a fixed number of SQL queries, whatever the number of units, learners or enrolments."""
import pytest

from moocplatform.audit import record
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning.services import set_unit_completion
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack


def queries_for(client, count_queries, path: str) -> int:
    assert client.get(path).status_code == 200  # warm caches (the outline of a stored version)
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def grow(learner, courses: int, units_per_module: int, others: int):
    """Courses with many units, all with progress, and many other learners in them."""
    made = []
    for _ in range(courses):
        course = make_course(modules=3, units_per_module=units_per_module)
        enrol(learner, course)
        for m in range(1, 4):
            for u in range(1, units_per_module + 1):
                set_unit_completion(learner, course, f"m{m}-u{u}", complete=True)
        for _ in range(others):
            enrol(make_user(), course)
        made.append(course)
    db.session.flush()
    return made


PAGES = ["/courses", "/courses/{slug}", "/courses/{slug}/units/m1-u1", "/my-learning"]


@pytest.mark.parametrize("page", PAGES)
def test_learner_pages_do_not_grow_with_data(client, count_queries, page):
    learner = make_user()
    small, = grow(learner, courses=1, units_per_module=1, others=0)
    log_in(client, learner)
    small_count = queries_for(client, count_queries, page.format(slug=small.slug))
    big = grow(learner, courses=3, units_per_module=6, others=5)
    big_count = queries_for(client, count_queries, page.format(slug=big[-1].slug))
    assert big_count == small_count
    assert small_count <= 8


def test_unit_page_query_budget(client, count_queries):
    learner = make_user()
    course, = grow(learner, courses=1, units_per_module=2, others=0)
    log_in(client, learner)
    # user, course with live version, enrolment with progress (the unit itself comes from memory)
    assert queries_for(client, count_queries, f"/courses/{course.slug}/units/m1-u2") == 3


@pytest.mark.parametrize("page", ["/admin/users", "/admin/audit", "/admin/", "/admin/courses"])
def test_admin_pages_do_not_grow_with_data(client, count_queries, page):
    admin = make_user("admin")
    record(admin, "test.event", admin, note="x")
    make_course("first")
    log_in(client, admin)
    small_count = queries_for(client, count_queries, page)
    course = make_course("alpha")
    for _ in range(8):
        user = make_user("course_team", course=course)
        record(admin, "test.event", user, note="x")
    db.session.flush()
    assert queries_for(client, count_queries, page) == small_count


def test_course_page_with_completion_rules_query_budget(client, count_queries, tmp_path):
    folder = write_pack(tmp_path, "ruled", modules=2, units_per_module=3, quiz=True)
    (folder / "course.yaml").write_text((folder / "course.yaml").read_text()
                                        + "completion:\n  required_units: all\n  quizzes_to_pass: [check]\n")
    course = import_pack(None, folder).course
    learner = make_user()
    enrol(learner, course)
    for key in ("m1-u1", "m1-u2", "m2-u1"):
        set_unit_completion(learner, course, key, complete=True)
    log_in(client, learner)
    # user, course with live version, enrolment with progress; then one query per rule kind for its figure
    # (units completed; the quizzes the version has, attempts passed); whether a cohort plan of the course
    # has external items (the cohort_plan_items rule); the course-page panels (cohorts: one)
    assert queries_for(client, count_queries, f"/courses/{course.slug}") == 8
