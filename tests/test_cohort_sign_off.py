"""Facilitator sign-off: a cohort may require it for completion; its facilitators sign learners off (and
withdraw a sign-off before the course is completed), audited and told to the learner; signing off completes
the course through the usual path; a learner cannot sign themselves off."""
from datetime import date

import pytest
import sqlalchemy as sa

from moocplatform.audit import AuditEntry
from moocplatform.cohorts import services
from moocplatform.cohorts.models import SignOff
from moocplatform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.completion import has_completed
from moocplatform.learning.queries import learner_progress_by_rule
from moocplatform.learning.services import set_unit_completion
from moocplatform.notifications.models import Notification
from tests.conftest import log_in
from tests.factories import make_cohort, make_course, make_user
from tests.test_query_counts import queries_for

UNITS = [f"m{m}-u{u}" for m in (1, 2) for u in (1, 2, 3)]


@pytest.fixture()
def world():
    course = make_course("alpha")
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, starts_on=date(2026, 2, 2), ends_on=date(2026, 4, 30),
                         requires_sign_off=True)
    return course, facilitator, cohort


def join(course, cohort, name="Ada"):
    learner = make_user(display_name=name)
    services.join_cohort(learner, cohort, course)
    return learner


def finish_units(learner, course):
    for key in UNITS:
        set_unit_completion(learner, course, key, complete=True)


def rule(learner, course):
    return next((r for r in learner_progress_by_rule(learner.id, course) if r.kind == "cohort_sign_off"), None)


def test_the_units_alone_do_not_complete_the_course_until_the_facilitator_signs_off(world):
    course, facilitator, cohort = world
    learner = join(course, cohort)
    finish_units(learner, course)
    assert not has_completed(learner.id, course.id)
    assert rule(learner, course).label == "Waiting for your facilitator's sign-off"
    services.sign_off_learner(facilitator, cohort, learner.id, "Fine work on the reflections.")
    assert has_completed(learner.id, course.id)  # checked again at once: the certificate follows from here
    signed = rule(learner, course)
    assert signed.met and signed.asked and signed.label == "Signed off by your facilitator"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "cohort.sign_off")).one()
    assert entry.actor_id == facilitator.id
    notice = db.session.scalars(sa.select(Notification).where(Notification.user_id == learner.id,
                                                              Notification.kind == "cohorts.sign_off")).one()
    assert notice.link == f"/cohorts/{cohort.id}"


def test_learners_outside_a_cohort_that_requires_it_have_nothing_asked(world):
    course, _facilitator, _cohort = world
    free = make_cohort(course, name="Free group")
    learner = join(course, free)
    finish_units(learner, course)
    assert has_completed(learner.id, course.id)
    free_rule = rule(learner, course)
    assert free_rule.met and not free_rule.asked and (free_rule.done, free_rule.total) == (0, 0)
    assert free_rule.label == "Facilitator's sign-off: not required in your cohort"


def test_the_rule_is_not_shown_while_no_cohort_requires_it():
    course = make_course("plain")
    learner = join(course, make_cohort(course))
    assert rule(learner, course) is None


def test_the_rule_is_measured_in_a_fixed_number_of_queries(world, count_queries):
    from moocplatform.cohorts.criteria import CohortSignOff
    from moocplatform.learning.completion import completion_context
    course, facilitator, cohort = world
    context = completion_context(course)
    few = [join(course, cohort, f"L{n}").id for n in range(2)]
    with count_queries() as small:
        CohortSignOff().measure(context, few)
    many = few + [join(course, cohort, f"M{n}").id for n in range(20)]
    services.sign_off_learner(facilitator, cohort, many[-1])
    with count_queries() as large:
        measured = CohortSignOff().measure(context, many)
    assert len(large) == len(small)
    assert measured.total_for(many[-1]) == 1 and measured.done[many[-1]] == 1 and measured.done[few[0]] == 0
    outsider = make_user().id
    assert CohortSignOff().measure(context, [outsider]).total_for(outsider) == 0  # nothing asked of them


def test_a_sign_off_is_withdrawn_with_a_reason_only_before_completion(world):
    course, facilitator, cohort = world
    learner = join(course, cohort)
    services.sign_off_learner(facilitator, cohort, learner.id)
    with pytest.raises(InvalidInput) as missing:
        services.withdraw_sign_off(facilitator, cohort, learner.id, "  ")
    assert missing.value.field == "reason"
    services.withdraw_sign_off(facilitator, cohort, learner.id, "Signed the wrong person off.")
    assert services.sign_off_of(cohort, learner.id) is None
    assert db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "cohort.withdraw_sign_off")).one().details["reason"] == "Signed the wrong person off."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind == "cohorts.sign_off_withdrawn", Notification.user_id == learner.id)) == 1
    with pytest.raises(NotFound):
        services.withdraw_sign_off(facilitator, cohort, learner.id, "Again")
    services.sign_off_learner(facilitator, cohort, learner.id)
    finish_units(learner, course)
    assert has_completed(learner.id, course.id)
    with pytest.raises(Conflict):
        services.withdraw_sign_off(facilitator, cohort, learner.id, "Too late")


def test_only_the_cohorts_facilitators_sign_off(world):
    course, facilitator, cohort = world
    learner = join(course, cohort)
    peer = join(course, cohort, "Bea")
    course_facilitator = make_user("facilitator", course=course)  # a course-wide grant: not this cohort's
    other = make_cohort(course, facilitator, name="Other")
    for actor in (learner, peer, course_facilitator, make_user("facilitator", course=make_course("beta"))):
        with pytest.raises(PermissionDenied):
            services.sign_off_learner(actor, cohort, learner.id)
    with pytest.raises(NotFound):
        services.sign_off_learner(facilitator, cohort, make_user().id)  # not in the cohort
    with pytest.raises(Conflict):
        services.sign_off_learner(facilitator, other, learner.id)  # does not require it
    with pytest.raises(InvalidInput):
        services.sign_off_learner(facilitator, cohort, learner.id, "x" * 2001)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignOff)) == 0


def test_a_learner_cannot_forge_a_sign_off_by_posting(client, world):
    course, _facilitator, cohort = world
    learner = join(course, cohort)
    finish_units(learner, course)
    db.session.commit()
    log_in(client, learner)
    response = client.post(f"/cohorts/{cohort.id}/learners/{learner.id}/sign-off", data={"note": "me"})
    assert response.status_code == 403
    assert services.sign_off_of(cohort, learner.id) is None and not has_completed(learner.id, course.id)


def test_turning_the_requirement_off_grants_what_it_held_back(world):
    course, facilitator, cohort = world
    learner = join(course, cohort)
    finish_units(learner, course)
    assert not has_completed(learner.id, course.id)
    services.update_cohort(facilitator, cohort, services.CohortFields(
        name=cohort.name, language="en", starts_on=cohort.starts_on, ends_on=cohort.ends_on,
        time_zone=cohort.time_zone, requires_sign_off=False))
    assert has_completed(learner.id, course.id)


def test_the_dashboard_signs_off_and_withdraws_in_a_constant_number_of_queries(client, count_queries, world):
    course, facilitator, cohort = world
    learners = [join(course, cohort, f"Learner {n:02d}") for n in range(3)]
    db.session.commit()
    log_in(client, facilitator)
    small = queries_for(client, count_queries, f"/cohorts/{cohort.id}/dashboard")
    for n in range(3, 30):
        join(course, cohort, f"Learner {n:02d}")
    db.session.commit()
    page = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert "Sign off Learner 00" in page
    client.post(f"/cohorts/{cohort.id}/learners/{learners[0].id}/sign-off", data={"note": "Well done"})
    assert services.sign_off_of(cohort, learners[0].id).note == "Well done"
    assert queries_for(client, count_queries, f"/cohorts/{cohort.id}/dashboard") == small
    client.post(f"/cohorts/{cohort.id}/learners/{learners[0].id}/sign-off/withdraw", data={"reason": ""})
    assert services.sign_off_of(cohort, learners[0].id) is not None  # a reason is asked
    client.post(f"/cohorts/{cohort.id}/learners/{learners[0].id}/sign-off/withdraw", data={"reason": "Early"})
    assert services.sign_off_of(cohort, learners[0].id) is None


def test_the_cohort_form_sets_the_requirement(client, world):
    course, facilitator, cohort = world
    db.session.commit()
    log_in(client, facilitator)
    assert "Completion requires a facilitator" in client.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)


# The course page: every declared rule with its figure --------------------------------------------------------

def every_rule_course(tmp_path):
    import textwrap

    import yaml

    from moocplatform.catalog.services import import_pack
    from tests.factories import write_pack
    folder = write_pack(tmp_path, "every", quiz=True, assignment=True)
    manifest = yaml.safe_load((folder / "course.yaml").read_text())
    (folder / "units/m2/91-talk.md").write_text(textwrap.dedent("""\
        ---
        id: talk
        title: Talk
        type: discussion
        minutes: 10
        participation: {posts: 1, replies: 0}
        ---
        Share one thing you tried this week.
        """))
    manifest["modules"][-1]["units"].append("units/m2/91-talk.md")
    manifest.setdefault("outcomes", [{"id": "o1", "text": "Do one thing well."}])
    manifest["completion"] = {"required_units": ["m1-u1", "m1-u2"], "quizzes_to_pass": ["check"],
                              "discussions": "all"}  # the assignment counts by its own declaration
    quiz = yaml.safe_load((folder / "quizzes/check.yaml").read_text())
    for question in quiz["questions"]:
        question["outcome"] = manifest["outcomes"][0]["id"]
    (folder / "quizzes/check.yaml").write_text(yaml.safe_dump(quiz, sort_keys=False))
    (folder / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return import_pack(None, folder).course


def test_the_course_page_lists_every_declared_rule_with_its_figure(client, tmp_path):
    course = every_rule_course(tmp_path)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, requires_sign_off=True)
    learner = join(course, cohort)
    set_unit_completion(learner, course, "m1-u1", complete=True)
    db.session.commit()
    log_in(client, learner)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    for kind, label in [("required_units", "1 of 2 units completed"), ("quizzes_to_pass", "0 of 1 quiz passed"),
                        ("assignments", "0 of 1 assignment accepted"),
                        ("discussions", "0 of 1 discussion taken part in"),
                        ("cohort_sign_off", "Waiting for your facilitator&#39;s sign-off")]:
        assert f'data-rule="{kind}">{label}</li>' in page, kind
    services.sign_off_learner(facilitator, cohort, learner.id)
    db.session.commit()
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert 'class="rule-met" data-rule="cohort_sign_off">Signed off by your facilitator</li>' in page
    # In a cohort that does not require it, the rule says so instead of counting as given.
    free = join(course, make_cohort(course, facilitator, name="Free group"), "Bo")
    db.session.commit()
    log_in(client, free)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert ('class="rule-not-asked" data-rule="cohort_sign_off">Facilitator&#39;s sign-off: not required in your '
            'cohort</li>') in page
