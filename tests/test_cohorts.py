"""Cohorts: creating one, joining by code, the waiting list, facilitators' changes, and who sees whom."""
from datetime import date

import pytest

from moocplatform import access, policy
from moocplatform.admin.services import grant_role
from moocplatform.cohorts import queries, services
from moocplatform.cohorts.models import MembershipStatus
from moocplatform.cohorts.services import CohortFields, create_cohort
from moocplatform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from moocplatform.events import CohortCreated, CohortJoined, CohortLeft
from moocplatform.extensions import db
from moocplatform.learning.services import get_enrollment
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user


@pytest.fixture()
def course():
    return make_course("alpha")


def fields(**values):
    return CohortFields(**{"name": "Evening group", "language": "en", "starts_on": date(2026, 3, 2),
                           "ends_on": date(2026, 4, 30), "time_zone": "Europe/Berlin", **values})


# Creating ---------------------------------------------------------------------------------------------------

def test_a_course_facilitator_creates_a_cohort_and_leads_it(course, announced):
    facilitator = make_user("facilitator", course=course)
    cohort = create_cohort(facilitator, course, fields(capacity=20, description="Tuesdays"))
    assert (cohort.name, cohort.capacity, cohort.time_zone, cohort.is_open) == ("Evening group", 20, "Europe/Berlin",
                                                                                 True)
    assert len(cohort.join_code) == services.CODE_LENGTH
    assert set(cohort.join_code) <= set(services.CODE_ALPHABET)
    assert policy.leads_cohort(facilitator, cohort)
    assert CohortCreated(cohort_id=cohort.id, course_id=course.id, actor_id=facilitator.id) in announced


def test_an_admin_creates_a_cohort_without_leading_it(course):
    admin = make_user("admin")
    cohort = create_cohort(admin, course, fields())
    assert not policy.leads_cohort(admin, cohort) and policy.can_manage_cohort(admin, cohort)


@pytest.mark.parametrize("who", ["learner", "course_team", "other_course_facilitator", "cohort_facilitator"])
def test_others_cannot_create_cohorts(course, who):
    other = make_course("beta")
    actor = {"learner": lambda: make_user(), "course_team": lambda: make_user("course_team", course=course),
             "other_course_facilitator": lambda: make_user("facilitator", course=other),
             "cohort_facilitator": lambda: _cohort_facilitator(course)}[who]()
    with pytest.raises(PermissionDenied):
        create_cohort(actor, course, fields())


def _cohort_facilitator(course):
    user = make_user()
    grant_role(None, user, "facilitator", scope_type="cohort", scope_id=make_cohort(course).id)
    return user


@pytest.mark.parametrize("values, field", [
    ({"name": " "}, "name"), ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"ends_on": date(2026, 3, 1)}, "ends_on"), ({"capacity": 0}, "capacity"), ({"starts_on": None}, "starts_on"),
])
def test_cohort_fields_are_validated(course, values, field):
    with pytest.raises(InvalidInput) as refused:
        create_cohort(make_user("facilitator", course=course), course, fields(**values))
    assert refused.value.field == field


# Joining ----------------------------------------------------------------------------------------------------

def test_joining_by_code_enrols_and_announces(course, announced):
    cohort = make_cohort(course)
    learner = make_user()
    found = services.cohort_by_code(cohort.join_code.lower()[:4] + "-" + cohort.join_code.lower()[4:])
    membership = services.join_cohort(learner, found, course)
    assert membership.status == MembershipStatus.MEMBER
    assert get_enrollment(learner, course).status == "active"
    assert CohortJoined(cohort_id=cohort.id, course_id=course.id, user_id=learner.id) in announced
    assert services.join_cohort(learner, cohort, course).id == membership.id  # twice changes nothing


def test_an_unknown_code_finds_nothing():
    with pytest.raises(NotFound):
        services.cohort_by_code("NOPE2345")


def test_a_full_cohort_keeps_a_waiting_list_in_joining_order(course, announced):
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, capacity=1)
    first, second, third = make_user(), make_user(), make_user()
    assert services.join_cohort(first, cohort, course).status == MembershipStatus.MEMBER
    assert services.join_cohort(second, cohort, course).status == MembershipStatus.WAITING
    assert services.join_cohort(third, cohort, course).status == MembershipStatus.WAITING
    assert queries.open_cohorts(course.id, date(2026, 3, 1))[0].seats_left == 0
    services.remove_learner(facilitator, cohort, first.id)
    assert services.membership_of(cohort, second.id).status == MembershipStatus.MEMBER
    assert services.membership_of(cohort, third.id).status == MembershipStatus.WAITING
    assert CohortLeft(cohort_id=cohort.id, course_id=course.id, user_id=first.id) in announced
    assert CohortJoined(cohort_id=cohort.id, course_id=course.id, user_id=second.id,
                        from_waiting_list=True) in announced
    assert get_enrollment(first, course).status == "active"  # out of the cohort, still in the course


def test_raising_the_capacity_seats_the_waiting_and_it_never_drops_below_the_seated(course):
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, capacity=2)
    seated, also_seated, waiting = make_user(), make_user(), make_user()
    for learner in (seated, also_seated, waiting):
        services.join_cohort(learner, cohort, course)
    with pytest.raises(InvalidInput) as refused:
        services.update_cohort(facilitator, cohort, fields(capacity=1))
    assert refused.value.field == "capacity"
    services.update_cohort(facilitator, cohort, fields(capacity=3))
    assert services.membership_of(cohort, waiting.id).status == MembershipStatus.MEMBER


def test_a_closed_cohort_is_joined_only_through_its_facilitators(course):
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, is_open=False)
    learner = make_user(email="sam@example.org")
    with pytest.raises(Conflict):
        services.join_cohort(learner, cohort, course)
    membership = services.add_learner_by_email(facilitator, cohort, course, "Sam@Example.org")
    assert membership.user_id == learner.id and get_enrollment(learner, course).status == "active"
    assert queries.open_cohorts(course.id, date(2026, 3, 1)) == []


def test_adding_by_email_needs_an_account_with_a_confirmed_address(course):
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator)
    with pytest.raises(NotFound) as missing:
        services.add_learner_by_email(facilitator, cohort, course, "nobody@example.org")
    assert missing.value.field == "email"
    make_user(email="new@example.org", verified=False)
    with pytest.raises(Conflict):
        services.add_learner_by_email(facilitator, cohort, course, "new@example.org")


def test_unverified_accounts_cannot_join(course):
    with pytest.raises(PermissionDenied):
        services.join_cohort(make_user(verified=False), make_cohort(course), course)


# Facilitators' changes ---------------------------------------------------------------------------------------

def test_a_facilitator_moves_a_learner_between_cohorts_they_lead(course):
    facilitator = make_user("facilitator", course=course)
    here, there = make_cohort(course, facilitator), make_cohort(course, facilitator, name="Morning group")
    learner = make_user()
    services.join_cohort(learner, here, course)
    services.move_learner(facilitator, here, learner.id, there)
    assert services.membership_of(here, learner.id) is None
    assert services.membership_of(there, learner.id).status == MembershipStatus.MEMBER
    foreign = make_cohort(course)  # another facilitator's
    with pytest.raises(PermissionDenied):
        services.move_learner(facilitator, there, learner.id, foreign)
    with pytest.raises(InvalidInput):
        services.move_learner(make_user("admin"), there, learner.id, make_cohort(make_course("beta")))


def test_only_a_cohorts_facilitators_change_it(course):
    cohort = make_cohort(course)
    learner = make_user()
    services.join_cohort(learner, cohort, course)
    for outsider in (make_user("facilitator", course=course), make_user("course_team", course=course), learner):
        with pytest.raises(PermissionDenied):
            services.remove_learner(outsider, cohort, learner.id)
        with pytest.raises(PermissionDenied):
            services.add_facilitator(outsider, cohort, outsider.email)


def test_a_cohort_has_several_facilitators(course):
    lead = make_user("facilitator", course=course)
    cohort = make_cohort(course, lead)
    mentor = make_user(email="mentor@example.org")
    services.add_facilitator(lead, cohort, "mentor@example.org")
    assert policy.leads_cohort(mentor, cohort) and policy.is_facilitator(mentor, course)
    assert [name for _id, name in queries.cohort_roster(cohort).facilitators] == sorted(
        [lead.display_name, mentor.display_name])
    services.remove_facilitator(lead, cohort, mentor.id)
    assert not policy.leads_cohort(mentor, cohort)


# Visibility ---------------------------------------------------------------------------------------------------

def test_a_cohort_facilitator_sees_the_learners_of_their_cohort_only(course):
    mentor = make_user()
    cohort = make_cohort(course)
    services.add_facilitator(make_user("admin"), cohort, mentor.email)
    mine, waiting_one, other_cohorts, no_cohort = make_user(), make_user(), make_user(), make_user()
    services.join_cohort(mine, cohort, course)
    services.update_cohort(make_user("admin"), cohort, fields(capacity=1))
    services.join_cohort(waiting_one, cohort, course)
    services.join_cohort(other_cohorts, make_cohort(course, name="Other"), course)
    enrol(no_cohort, course)
    seen = policy.relations_for(mentor, [mine.id, waiting_one.id, other_cohorts.id, no_cohort.id], course)
    assert seen == {mine.id: {"facilitator"}, waiting_one.id: {"facilitator"}, other_cohorts.id: frozenset(),
                    no_cohort.id: frozenset()}
    assert policy.can_see(mentor, mine, "progress", course) and policy.can_see(mentor, mine, "full_name", course)
    assert not policy.can_see(mentor, no_cohort, "progress", course)
    assert not policy.can_see(mentor, mine, "email", course)


def test_a_cohort_facilitator_reaches_nobody_in_another_course(course):
    other = make_course("beta")
    mentor = make_user()
    services.add_facilitator(make_user("admin"), make_cohort(course), mentor.email)
    learner = make_user()
    services.join_cohort(learner, make_cohort(other), other)
    assert policy.relations_for(mentor, [learner.id], other) == {learner.id: frozenset()}
    assert not policy.is_facilitator(mentor, other)


def test_leaving_the_cohort_ends_the_facilitators_reach(course):
    mentor = make_user()
    cohort = make_cohort(course)
    services.add_facilitator(make_user("admin"), cohort, mentor.email)
    learner = make_user()
    services.join_cohort(learner, cohort, course)
    services.leave_cohort(learner, cohort)
    assert policy.relations_for(mentor, [learner.id], course) == {learner.id: frozenset()}


def test_the_access_context_knows_the_viewers_cohorts(course):
    cohort = make_cohort(course)
    learner = make_user()
    services.join_cohort(learner, cohort, course)
    assert access.access_for(learner, course).fact("cohorts") == {cohort.id}
    assert access.access_for(learner, make_course("beta")).fact("cohorts") == frozenset()


# Pages --------------------------------------------------------------------------------------------------------

def test_the_course_page_lists_open_cohorts_with_seats_left(client, course):
    cohort = make_cohort(course, capacity=12, name="Tuesday evenings")
    services.join_cohort(make_user(), cohort, course)
    make_cohort(course, name="Private group", is_open=False)
    page = client.get("/courses/alpha").get_data(as_text=True)
    assert "Tuesday evenings" in page and "11 seats left" in page and "starts Mar 2, 2026" in page
    assert "Private group" not in page


def test_a_learner_joins_through_the_link(client, course):
    cohort = make_cohort(course)
    learner = make_user()
    log_in(client, learner)
    assert "Join the cohort" in client.get(f"/join/{cohort.join_code}").get_data(as_text=True)
    response = client.post(f"/join/{cohort.join_code}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert services.membership_of(cohort, learner.id) is not None
    typed = client.post("/join", data={"code": cohort.join_code.lower()})
    assert typed.headers["Location"].endswith(f"/join/{cohort.join_code}")


def test_a_facilitator_creates_a_cohort_and_adds_a_learner_on_its_pages(client, course):
    facilitator = make_user("facilitator", course=course)
    learner = make_user(email="kim@example.org", display_name="Kim")
    log_in(client, facilitator)
    response = client.post("/courses/alpha/cohorts/new", data={
        "name": "Autumn group", "language": "en", "starts_on": "2026-09-01", "ends_on": "2026-10-31",
        "time_zone": "Europe/Vienna", "capacity": "30", "is_open": "y"})
    assert response.status_code == 302
    db.session.expire(facilitator)  # the request granted the role on its own copy of the account
    cohort = queries.cohorts_led_by(facilitator)[0]
    assert (cohort.name, cohort.capacity, cohort.time_zone) == ("Autumn group", 30, "Europe/Vienna")
    client.post(f"/cohorts/{cohort.id}/learners", data={"email": "kim@example.org"})
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Kim" in page and cohort.join_code in page
    bad = client.post("/courses/alpha/cohorts/new", data={
        "name": "Broken", "language": "en", "starts_on": "2026-09-01", "ends_on": "2026-08-01",
        "time_zone": "UTC"})
    assert bad.status_code == 422 and "cannot end before it starts" in bad.get_data(as_text=True)
    assert services.membership_of(cohort, learner.id) is not None


def test_a_cohort_page_is_hidden_from_those_outside_it(client, course):
    cohort = make_cohort(course)
    log_in(client, make_user("facilitator", course=course))
    assert client.get(f"/cohorts/{cohort.id}").status_code == 404
    assert client.get(f"/cohorts/{cohort.id}/edit").status_code == 403
