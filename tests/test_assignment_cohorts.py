"""Assignments and cohorts: peers review within their cohort (self-paced learners among themselves), a small
cohort is not stuck, a cohort's facilitators review their cohort's work only, the course team sees aggregate
results, a cohort may name the reviewers to the reviewed learner, and the API tells each learner their cohort's
due date."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.assignments import peers, queries, schedule, services
from moocplatform.assignments.models import (
    PeerAllocation,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    SubmissionVersion,
)
from moocplatform.cohorts import plan
from moocplatform.cohorts.models import Cohort
from moocplatform.cohorts.services import add_facilitator, join_cohort
from moocplatform.errors import PermissionDenied
from moocplatform.extensions import db
from tests.assignment_helpers import PDF, PNG
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user, sample_assignment
from tests.test_api import bearer

FULL = {"goal": 3, "evidence": 2}
SLUG = "cohort-work"


def _course(slug=SLUG, **changes):
    return make_course(slug, modules=1, units_per_module=1, assignment=sample_assignment(
        **{"assessed_by": ["peers", "self"], "peer_count": 2, "pass_mark": 3, **changes}))


def _cohort(course, admin, name, **fields):
    """A cohort an administrator made, led by a facilitator granted on it alone (not on the course)."""
    cohort = make_cohort(course, admin, name=name, **fields)
    lead = make_user(display_name=f"Lead of {name}")
    add_facilitator(admin, cohort, lead.email)
    return cohort, lead


def _learner(course, cohort=None, name=None):
    user = make_user(display_name=name)
    enrol(user, course)
    if cohort is not None:
        join_cohort(user, cohort, course)
    return user


def _hand_in(user, course, files=()):
    services.save_draft(user, course, "task", text="My work, as the assignment asks.")
    for name, data in files:
        services.add_file(user, course, "task", name, data)
    services.submit(user, course, "task")
    return queries.submission_of(user.id, course.id, "task")


def _author_of(allocation: PeerAllocation) -> int:
    return db.session.scalar(sa.select(Submission.user_id).join(
        SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .where(SubmissionVersion.id == allocation.version_id))


def _allocations() -> list[tuple[int, int]]:
    """(reviewer, author) of every review given and not taken back."""
    return [(a.reviewer_id, _author_of(a)) for a in db.session.scalars(
        sa.select(PeerAllocation).where(PeerAllocation.released_at.is_(None)))]


def _status(user, course):
    return db.session.scalar(sa.select(Submission.status).where(Submission.user_id == user.id,
                                                                Submission.course_id == course.id))


@pytest.fixture()
def world():
    """Two cohorts of three (North, South), each led by its own facilitator, and three self-paced learners,
    who hand in in turns so that a course-wide allocation would mix them."""
    course = _course()
    admin = make_user("admin")
    north, north_lead = _cohort(course, admin, "North")
    south, south_lead = _cohort(course, admin, "South")
    groups = {"north": [], "south": [], "alone": []}
    for n in range(3):
        for group, cohort in (("alone", None), ("south", south), ("north", north)):
            groups[group].append(_learner(course, cohort, name=f"{group.title()} learner {n}"))
    for n in range(3):
        for group in ("alone", "south", "north"):
            _hand_in(groups[group][n], course)
    return SimpleNamespace(course=course, admin=admin, north_cohort=north, south_cohort=south, north_lead=north_lead,
                           south_lead=south_lead, **groups)


def _group_of(world, user_id):
    return next(g for g in ("north", "south", "alone") if user_id in {u.id for u in getattr(world, g)})


# Allocation -------------------------------------------------------------------------------------------------

def test_peers_review_within_their_cohort_and_self_paced_learners_among_themselves(world):
    given = _allocations()
    assert given  # everyone who handed in after two of their group was given work
    for reviewer, author in given:
        assert reviewer != author and _group_of(world, reviewer) == _group_of(world, author)
    for group in ("north", "south", "alone"):
        last = getattr(world, group)[-1]
        authors = {a for r, a in given if r == last.id}
        assert authors == {u.id for u in getattr(world, group)[:2]}  # the peer count, from their own group


def test_a_review_not_opened_in_time_goes_to_someone_of_the_same_cohort(world):
    clock.advance(timedelta(days=peers.START_DAYS + 1))
    reassigned, _kept = schedule.reassign_unstarted_reviews()
    assert reassigned
    for reviewer, author in _allocations():
        assert _group_of(world, reviewer) == _group_of(world, author)


def test_a_learner_waiting_for_a_seat_reviews_with_the_self_paced_learners():
    course = _course("waiting-work", peer_count=1)
    full = make_cohort(course, make_user("admin"), name="Full", capacity=1)
    seated, waiting, alone = _learner(course, full), _learner(course, full), _learner(course)
    for user in (seated, alone, waiting):
        _hand_in(user, course)
    assert queries.in_a_cohort(seated.id, course.id) and not queries.in_a_cohort(waiting.id, course.id)
    assert (waiting.id, alone.id) in _allocations() and all(seated.id not in pair for pair in _allocations())


@pytest.mark.parametrize("size", [2, 1])
def test_a_small_cohort_is_not_stuck_the_self_assessment_completes_it_after_the_due_time(size):
    course = _course("small-cohort", peer_count=3)
    pair, _lead = _cohort(course, make_user("admin"), "Pair")
    outside = [_learner(course) for _ in range(3)]
    for user in outside:
        _hand_in(user, course)
    members = [_learner(course, pair) for _ in range(size)]
    for user in members:
        _hand_in(user, course)
    for user in members:
        allocations = peers.allocate_peer_reviews(user, course, "task")
        assert {_author_of(a) for a in allocations} == {m.id for m in members if m.id != user.id}
        for allocation in allocations:
            peers.submit_peer_review(user, course, allocation.id, FULL, "Clear and checkable.")
        # no more work waits in the cohort: the learner sees their reviews without the peer count of them
        assert peers.reviews_visible(peers.allocations_of(user.id, course.id, "task"), 3, user.id, course.id, "task")
        services.self_assess(user, course, "task", FULL)
        assert _status(user, course) == SubmissionStatus.submitted  # the peers may still come: not yet
    clock.advance(timedelta(days=peers.REVIEW_DAYS + 1))
    schedule.run_peer_review_deadlines()
    assert [_status(user, course) for user in members] == [SubmissionStatus.accepted] * size


def test_in_a_small_cohort_its_facilitator_decides_where_staff_assess(client):
    course = _course("small-staffed", assessed_by=["facilitator", "peers", "self"], peer_count=3)
    pair, lead = _cohort(course, make_user("admin"), "Pair")
    first, second = _learner(course, pair, "First of two"), _learner(course, pair, "Second of two")
    for user in (first, second):
        _hand_in(user, course)
    clock.advance(timedelta(days=peers.REVIEW_DAYS + 1))
    schedule.run_peer_review_deadlines()
    assert _status(first, course) == SubmissionStatus.submitted  # waits for the facilitator, who sees it
    log_in(client, lead)
    page = client.get("/courses/small-staffed/submissions").get_data(as_text=True)
    assert "First of two" in page and "Second of two" in page
    services.review(lead, course, queries.submission_of(first.id, course.id, "task"), FULL, "", "accepted")
    assert _status(first, course) == SubmissionStatus.accepted


# Who sees what ----------------------------------------------------------------------------------------------

def test_a_cohorts_facilitator_sees_and_reviews_their_cohorts_work_only(client, world):
    log_in(client, world.north_lead)
    page = client.get(f"/courses/{SLUG}/submissions?status=all").get_data(as_text=True)
    assert all(u.display_name in page for u in world.north)
    assert not any(u.display_name in page for u in world.south + world.alone)
    assert "Self-paced learners" not in page and "South" not in page  # nor a filter that shows others
    assert "Nothing to show" in client.get(
        f"/courses/{SLUG}/submissions?status=all&cohort={world.south_cohort.id}").get_data(as_text=True)
    south_work = queries.submission_of(world.south[0].id, world.course.id, "task")
    north_work = queries.submission_of(world.north[0].id, world.course.id, "task")
    assert client.get(f"/courses/{SLUG}/submissions/{south_work.id}").status_code == 404
    assert client.get(f"/courses/{SLUG}/submissions/{north_work.id}").status_code == 200
    with pytest.raises(PermissionDenied):
        services.review(world.north_lead, world.course, south_work, FULL, "", "accepted")
    services.review(world.north_lead, world.course, north_work, FULL, "", "accepted")
    assert _status(world.north[0], world.course) == SubmissionStatus.accepted


def test_a_cohorts_facilitator_opens_their_learners_files_only(client):
    course = _course("cohort-files")
    admin = make_user("admin")
    north, north_lead = _cohort(course, admin, "North")
    south, south_lead = _cohort(course, admin, "South")
    author = _learner(course, north)
    _hand_in(author, course, files=[("plan.txt", b"My plan.\n")])
    file_id = db.session.scalar(sa.select(SubmissionFile.id))
    for lead, status in ((south_lead, 404), (north_lead, 200)):
        log_in(client, lead)
        response = client.get(f"/courses/cohort-files/assignments/files/{file_id}")
        response.close()
        assert response.status_code == status


def test_reviewers_see_images_and_pdfs_inline_sandboxed_and_everything_else_downloads(client):
    course = _course("inline-files")
    author = _learner(course)
    _hand_in(author, course, files=[("photo.png", PNG), ("plan.pdf", PDF), ("notes.txt", b"My notes.\n")])
    ids = {f.name: f.id for f in db.session.scalars(sa.select(SubmissionFile))}
    log_in(client, make_user("facilitator", course=course))
    work = queries.submission_of(author.id, course.id, "task")
    page = client.get(f"/courses/inline-files/submissions/{work.id}").get_data(as_text=True)
    assert f'src="/courses/inline-files/assignments/files/{ids["photo.png"]}?inline=1"' in page
    for name, asked, disposition in (("photo.png", "?inline=1", "inline"), ("plan.pdf", "?inline=1", "inline"),
                                     ("notes.txt", "?inline=1", "attachment"), ("photo.png", "", "attachment")):
        response = client.get(f"/courses/inline-files/assignments/files/{ids[name]}{asked}")
        response.close()
        assert response.headers["Content-Disposition"].split(";")[0] == disposition
        assert response.headers["Content-Security-Policy"].startswith("sandbox")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_course_wide_reviewers_filter_the_queue_by_cohort_and_self_paced(client, world):
    log_in(client, make_user("facilitator", course=world.course))
    everyone = client.get(f"/courses/{SLUG}/submissions?status=all").get_data(as_text=True)
    assert all(u.display_name in everyone for u in world.north + world.south + world.alone)
    alone = client.get(f"/courses/{SLUG}/submissions?status=all&cohort=self-paced").get_data(as_text=True)
    assert all(u.display_name in alone for u in world.alone)
    assert not any(u.display_name in alone for u in world.north + world.south)
    south = queries.review_queue(world.course, queries.QueueFilters(status="all", cohort=str(world.south_cohort.id)))
    assert [r.learner_name for r in south.page.items] == [u.display_name for u in world.south]  # oldest first
    assert [name for _value, name in south.cohorts] == ["North", "South", ""]


def test_the_course_team_sees_aggregate_results_and_no_learners_work(client, world):
    team = make_user("course_team", course=world.course)
    work = queries.submission_of(world.north[0].id, world.course.id, "task")
    services.review(world.north_lead, world.course, work, FULL, "", "accepted")
    log_in(client, team)
    assert client.get(f"/courses/{SLUG}/submissions").status_code == 403
    assert client.get(f"/courses/{SLUG}/submissions/{work.id}").status_code == 404
    results = client.get(f"/courses/{SLUG}/submissions/results")
    page = results.get_data(as_text=True)
    assert results.status_code == 200
    assert not any(u.display_name in page for u in world.north + world.south + world.alone)
    (row,) = queries.assignment_results(world.course)
    assert (row.handed_in, row.waiting, row.accepted, row.needs_revision) == (9, 8, 1, 0)
    assert (row.mean_points, row.max_points) == (5.0, 5)
    with pytest.raises(PermissionDenied):
        services.review(team, world.course, work, FULL, "", "accepted")


def test_the_results_take_the_same_queries_for_few_or_many(world, count_queries):
    with count_queries() as few:
        queries.assignment_results(world.course)
    for n in range(5):
        _hand_in(_learner(world.course, world.north_cohort, name=f"Late joiner {n}"), world.course)
    with count_queries() as many:
        queries.assignment_results(world.course)
    assert len(few) == len(many) == 3


# Anonymous unless the cohort chooses otherwise ----------------------------------------------------------------

@pytest.mark.parametrize("named", [False, True])
def test_reviews_are_anonymous_unless_the_cohort_names_the_reviewers(client, named):
    course = _course("named-reviews", peer_count=1)
    cohort, _lead = _cohort(course, make_user("admin"), "Pair", names_peer_reviewers=named)
    author, reviewer = _learner(course, cohort, "Ada Author"), _learner(course, cohort, "Rita Reviewer")
    _hand_in(author, course)
    _hand_in(reviewer, course)
    (given,) = peers.allocate_peer_reviews(reviewer, course, "task")
    log_in(client, reviewer)
    page = client.get(f"/courses/named-reviews/assignments/peer-reviews/{given.id}").get_data(as_text=True)
    assert "Ada Author" not in page  # the reviewer never learns whose work it is
    assert ("Your cohort shows the author your name" in page) == named
    peers.submit_peer_review(reviewer, course, given.id, FULL, "Clear and checkable.")
    (own,) = peers.allocate_peer_reviews(author, course, "task")
    peers.submit_peer_review(author, course, own.id, FULL, "Good.")
    log_in(client, author)
    unit = client.get("/courses/named-reviews/units/task").get_data(as_text=True)
    assert "Clear and checkable." in unit
    assert ("Review by Rita Reviewer" in unit) == named and ("Review by peer 1" in unit) != named


def test_a_facilitator_sets_the_cohorts_choice_on_its_form(client):
    course = _course("named-form")
    cohort, lead = _cohort(course, make_user("admin"), "Pair")
    log_in(client, lead)
    form = {"name": "Pair", "language": "en", "starts_on": "2026-03-02", "ends_on": "2026-05-01",
            "time_zone": "Europe/Berlin", "is_open": "y", "names_peer_reviewers": "y", "risk_inactive_days": "7",
            "risk_modules_behind": "1", "risk_failed_attempts": "2"}
    assert client.post(f"/cohorts/{cohort.id}/edit", data=form).status_code == 302
    assert db.session.scalar(sa.select(Cohort.names_peer_reviewers).where(Cohort.id == cohort.id)) is True
    assert "Learners see who reviewed their work" in client.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)


# The API: my cohort's due date ------------------------------------------------------------------------------

def test_my_assignments_carry_my_cohorts_due_date_and_whether_the_work_is_late(client):
    course = make_course("due-work", assignment=True, modules=1, units_per_module=1)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator)  # from Monday 2 March 2026, Europe/Berlin
    plan.fill_plan_from_pack(facilitator, cohort)
    on_time, late, alone = _learner(course, cohort), _learner(course, cohort), _learner(course)
    _hand_in(on_time, course)

    def mine(user):
        (item,) = [i for i in client.get("/api/v1/me/assignments", headers=bearer(user)).get_json()["items"]
                   if i["course"] == "due-work"]
        return item

    assert mine(on_time)["due_at"] == "2026-03-08T22:59:00+00:00" and mine(on_time)["late"] is False
    assert mine(alone)["due_at"] is None and mine(alone)["late"] is False
    for user, shown in ((on_time, True), (alone, False)):  # the unit page says so too
        log_in(client, user)
        page = client.get("/courses/due-work/units/task").get_data(as_text=True)
        assert ("as your cohort&#39;s plan sets it" in page or "as your cohort's plan sets it" in page) == shown
    clock.advance(timedelta(days=7))  # the week is over
    assert mine(late)["late"] is True  # nothing handed in, the date passed: a hand-in now is late
    assert mine(on_time)["late"] is False  # handed in in time
    _hand_in(late, course)
    assert mine(late) | {"status": "submitted", "late": True} == mine(late)
    _hand_in(alone, course)
    assert mine(alone)["late"] is False  # self-paced work is never late
