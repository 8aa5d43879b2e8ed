"""Every service that changes data checks who asks and what they give it, whoever calls it (a form, the CLI,
the API): an outsider is refused and bad input is rejected with the field it concerns."""
from __future__ import annotations

import importlib
import inspect
from datetime import date, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from moocplatform import clock
from moocplatform.accounts import email_change, second_factor, security_keys
from moocplatform.accounts import services as accounts
from moocplatform.accounts.sessions import start_session
from moocplatform.accounts.throttling import LoginSource
from moocplatform.admin import services as admin
from moocplatform.announcements import services as announcements
from moocplatform.catalog import services as catalog
from moocplatform.catalog.models import CourseVersion
from moocplatform.cohorts import due_extensions, programmes, teams
from moocplatform.cohorts import plan as cohort_plan
from moocplatform.cohorts import services as cohorts
from moocplatform.content import PackError
from moocplatform.errors import InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning import services as learning
from moocplatform.notes import services as notes
from moocplatform.opportunities import services as opportunities
from moocplatform.organisations import services as organisations
from moocplatform.organisations.services import OrganisationFields
from moocplatform.people import services as people
from moocplatform.portfolio import services as portfolio
from moocplatform.push import services as push
from moocplatform.quizzes import services as quizzes
from moocplatform.studio import uploads as studio
from tests.factories import PASSWORD, enrol, make_cohort, make_course, make_user, write_pack
from tests.opportunities_helpers import make_member, make_opportunity, make_organisation, posting_fields
from tests.portfolio_helpers import written
from tests.second_factor_helpers import set_up_app
from tests.software_authenticator import SoftwareKey

ANONYMOUS = AnonymousUserMixin()
LONG = "x" * 500


@pytest.fixture()
def w(tmp_path):
    """A course with a quiz, its enrolled learner with an attempt, staff, and an outsider to all of it."""
    course = make_course("alpha", quiz=True)
    other = make_course("beta")
    learner, outsider = make_user(), make_user()
    enrol(learner, course)
    attempt = quizzes.start_attempt(learner, course, "check")
    draft = catalog.import_pack(None, write_pack(tmp_path, "alpha", version="2.0.0"), publish=False).version
    world = SimpleNamespace(
        course=course, other=other, learner=learner, outsider=outsider, attempt=attempt, draft=draft,
        admin=make_user("admin"), team=make_user("course_team", course=course),
        enrollment=learning.get_enrollment(learner, course), tmp=tmp_path,
        other_version=db.session.get(CourseVersion, other.live_version_id),
    )
    return world


def registration(**changes):
    values = dict(email="new@example.org", password=PASSWORD, display_name="New Learner", accepted_terms=True,
                  accepted_privacy=True, confirmed_age=True, timezone="Europe/Paris", locale="en")
    return accounts.Registration(**{**values, **changes})


class Upload:
    """What the upload form hands over (a werkzeug FileStorage): a name and a way to save it."""

    filename = "pack.zip"

    def save(self, path):
        raise AssertionError("an upload refused up front is never saved")

SOURCE = LoginSource("127.0.0.1")
# A browser's push subscription as its script hands it over (a P-256 point and a 16-byte secret, base64url).
PUSH_SUBSCRIPTION = {"endpoint": "https://push.example.org/send/abc", "keys": {
    "p256dh": "BP0O1xHTOBw1D8T9NxOcIeHCpsBgdt6LV_EzwG9fImSruUmaqitkczQ8gmtVIrKEerJe__3sMMtpKQx8p1GAzY0",
    "auth": "q1dXpw3UpT5VOmu_cf_v6w"}}


def unit_of(w, key="m1-u2"):
    from moocplatform.catalog import queries as catalog_queries

    return catalog_queries.outline_for(catalog_queries.live_version_of(w.course)).by_key[key]


def learners_note(w):
    return notes.save_note(w.learner, w.course, unit_of(w), "Mine", base_version=0)


def emp(w):
    """An approved employer with a member, its open posting and draft, an application to the posting from the
    world's learner, and a cohort of the course (made once per test, on first use)."""
    if not hasattr(w, "org"):
        w.org = make_organisation(admin=w.admin)
        w.member = make_member(w.org)
        w.posting = make_opportunity(w.org, w.member)
        w.draft = make_opportunity(w.org, w.member, publish=False)
        w.application = opportunities.apply_to_opportunity(w.learner, w.posting, "Hello")
        w.cohort = make_cohort(w.course)
    return w


def programme_fields(**changes):
    return programmes.ProgrammeFields(**{"title": "Open lessons", "language": "en", **changes})


def programme_cohort_fields(**changes):
    return cohorts.CohortFields(**{"name": "Evening group", "language": "en", "starts_on": date(2026, 3, 2),
                                   "ends_on": date(2026, 5, 1), "time_zone": "Europe/Berlin", **changes})


def prog(w):
    """A programme of the world's administrator (made once per test, on first use)."""
    if not hasattr(w, "programme"):
        w.programme = programmes.create_programme(w.admin, "open-lessons", programme_fields())
    return w


def red_team(w):
    """emp(w), with a team "Red" of its cohort (made once per test, on first use)."""
    emp(w)
    if not hasattr(w, "red"):
        w.red = teams.create_team(w.admin, w.cohort, "Red")
    return w.red


def partnered(w):
    """emp(w), with an admin of its organisation and a course that names the organisation as a partner."""
    emp(w)
    if not hasattr(w, "partner_course"):
        w.org_admin = make_member(w.org, "org_admin")
        w.partner_course = make_course("gamma", partners=[{"slug": w.org.slug, "name": w.org.name}])
    return w


def extendable(w):
    """An external item of the world's cohort due tomorrow, with the world's learner seated in the cohort."""
    cohort = emp(w).cohort
    if cohorts.membership_of(cohort, w.learner.id) is None:
        cohorts.join_cohort(w.learner, cohort, w.course)
    tomorrow = clock.now().astimezone(ZoneInfo(cohort.time_zone)).replace(tzinfo=None) + timedelta(days=1)
    return cohort_plan.add_external_item(w.admin, cohort, title="Read", url="https://example.org/a",
                                         due_local=tomorrow)


def later_than(item, **days):
    return item.due_at.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None) + timedelta(**days)


def begun_session(w):
    """A live session of the world's cohort that began an hour ago."""
    starts = clock.now().astimezone(ZoneInfo(emp(w).cohort.time_zone)).replace(tzinfo=None) - timedelta(hours=1)
    return cohort_plan.add_live_session(w.admin, w.cohort, title="Kick-off", starts_local=starts, minutes=60)


def peer_reviewed(w):
    """A peer-reviewed assignment: the world's learner's work with a review by another learner (once per test)."""
    if not hasattr(w, "review"):
        from moocplatform.assignments import peers as assignment_peers
        from moocplatform.assignments import services as assignments
        from tests.factories import sample_assignment
        w.tasks = make_course("reviewed", modules=1, units_per_module=1,
                              assignment=sample_assignment(assessed_by=["peers", "self"], peer_count=1))
        reviewer = make_user()
        for user in (w.learner, reviewer):
            enrol(user, w.tasks)
            assignments.save_draft(user, w.tasks, "task", text="My work")
            assignments.submit(user, w.tasks, "task")
        (allocation,) = assignment_peers.allocations_of(reviewer.id, w.tasks.id, "task")
        w.review = assignment_peers.submit_peer_review(reviewer, w.tasks, allocation.id, {"goal": 0, "evidence": 0},
                                                       "Too short.")
        (w.allocation,) = assignment_peers.allocate_peer_reviews(w.learner, w.tasks, "task")  # the reviewer's work
    return w


def handed(w):
    """An assignment its facilitators and the learner assess: the world's learner's work handed in with a file,
    a learner of the course still writing, and a facilitator of the course (once per test)."""
    if not hasattr(w, "work"):
        from moocplatform.assignments import queries as assignment_queries
        from moocplatform.assignments import services as assignments
        w.hand = make_course("handed", modules=1, units_per_module=1, assignment=True)
        w.writer, w.hand_staff = make_user(), make_user("facilitator", course=w.hand)
        for user in (w.learner, w.writer):
            enrol(user, w.hand)
        assignments.save_draft(w.learner, w.hand, "task", text="My plan")
        w.file = assignments.add_file(w.learner, w.hand, "task", "plan.txt", b"My plan.\n")
        assignments.submit(w.learner, w.hand, "task")
        w.work = assignment_queries.submission_of(w.learner.id, w.hand.id, "task")
    return w


def _assign(name):
    from moocplatform.assignments import services as assignments
    return getattr(assignments, name)


def _peers(name):
    from moocplatform.assignments import peers as assignment_peers
    return getattr(assignment_peers, name)


def _flag(w, who, reason="It ignores my evidence."):
    from moocplatform.assignments import peers as assignment_peers
    peer_reviewed(w)
    return assignment_peers.flag_review(getattr(w, who), w.tasks, w.review.id, reason)


def org_fields(**changes):
    return OrganisationFields(**{**dict(name="Acme", legal_name="Acme Ltd", kind="employer", country="DE"),
                                 **changes})


def software_key(user):
    """A security key registered for the account through the services, by a software authenticator."""
    registration = security_keys.begin_registration(user, user, "Key")
    key = SoftwareKey(origin="http://learn.test", rp_id="learn.test")
    row, _codes = security_keys.finish_registration(
        user, user, challenge=registration.challenge, name="Key", expires_at=registration.expires_at,
        credential=key.register(registration.options_json))
    return row


# service: (how an outsider calls it, refused with) -------------------------------------------------------------
REFUSED = {
    "announcements.post_announcement": (
        lambda w: announcements.post_announcement(w.learner, w.course, "Hi", "To all"), PermissionDenied),
    # the reviewed learner flags a peer's review of their work; nobody else learns that it exists
    "assignments.flag_review": (lambda w: _flag(w, "outsider"), NotFound),
    # handing in is for the course's enrolled learners; another's file or peer review does not exist for them
    "assignments.save_draft": (lambda w: _assign("save_draft")(w.outsider, handed(w).hand, "task", text="x"),
                               PermissionDenied),
    "assignments.add_files": (lambda w: _assign("add_files")(w.outsider, handed(w).hand, "task", [("a.txt", b"a")]),
                              PermissionDenied),
    "assignments.add_file": (lambda w: _assign("add_file")(w.outsider, handed(w).hand, "task", "a.txt", b"a"),
                             PermissionDenied),
    "assignments.remove_file": (lambda w: _assign("remove_file")(w.outsider, handed(w).file), NotFound),
    "assignments.submit": (lambda w: _assign("submit")(w.outsider, handed(w).hand, "task"), PermissionDenied),
    "assignments.self_assess": (lambda w: _assign("self_assess")(w.outsider, handed(w).hand, "task", {}),
                                PermissionDenied),
    # only the learner's facilitators (of the course, or of their cohort) review; the course team does not
    "assignments.review": (lambda w: _assign("review")(make_user("course_team", course=handed(w).hand), w.hand,
                                                       w.work, {"goal": 3, "evidence": 2}, "", "accepted"),
                           PermissionDenied),
    "assignments.allocate_peer_reviews": (
        lambda w: _peers("allocate_peer_reviews")(w.outsider, peer_reviewed(w).tasks, "task"), PermissionDenied),
    "assignments.submit_peer_review": (
        lambda w: _peers("submit_peer_review")(w.outsider, peer_reviewed(w).tasks, w.allocation.id, {}, "x"),
        NotFound),
    "assignments.start_peer_review": (
        lambda w: _peers("start_peer_review")(w.outsider, peer_reviewed(w).allocation), NotFound),
    "accounts.register_user": (lambda w: accounts.register_user(registration(accepted_terms=False)), InvalidInput),
    "accounts.create_verified_user": (
        lambda w: accounts.create_verified_user("x@example.org", "Someone", PASSWORD, actor=w.outsider),
        PermissionDenied),
    "accounts.verify_email": (lambda w: accounts.verify_email("forged-token"), InvalidInput),
    "accounts.reset_password": (lambda w: accounts.reset_password("forged-token", PASSWORD + "!"), InvalidInput),
    "accounts.change_password": (
        lambda w: accounts.change_password(ANONYMOUS, PASSWORD, "another passphrase 1", SOURCE), PermissionDenied),
    "accounts.confirm_password": (lambda w: accounts.confirm_password(w.learner, None, PASSWORD, SOURCE),
                                  PermissionDenied),
    "accounts.update_profile": (lambda w: accounts.update_profile(w.outsider, w.learner, bio="mine now"),
                                PermissionDenied),
    "accounts.delete_account": (lambda w: accounts.delete_account(ANONYMOUS, PASSWORD, SOURCE), PermissionDenied),
    "email_change.request_email_change": (
        lambda w: email_change.request_email_change(ANONYMOUS, "new@example.org", PASSWORD, SOURCE), PermissionDenied),
    "email_change.cancel_email_change": (lambda w: email_change.cancel_email_change(ANONYMOUS), PermissionDenied),
    "email_change.confirm_email_change": (lambda w: email_change.confirm_email_change(ANONYMOUS, "mpem_forged"),
                                          PermissionDenied),
    "second_factor.begin_enrolment": (lambda w: second_factor.begin_enrolment(w.outsider, w.learner),
                                      PermissionDenied),
    "second_factor.confirm_enrolment": (lambda w: second_factor.confirm_enrolment(ANONYMOUS, w.learner, "123456"),
                                        PermissionDenied),
    "second_factor.regenerate_recovery_codes": (
        lambda w: second_factor.regenerate_recovery_codes(w.outsider, w.learner), PermissionDenied),
    "second_factor.disable_second_factor": (lambda w: second_factor.disable_second_factor(w.admin, w.learner),
                                            PermissionDenied),
    # the second step of a log-in nobody began: the password first
    "second_factor.complete_login": (lambda w: second_factor.complete_login("forged-key", "123456", SOURCE),
                                     second_factor.LoginChallengeEnded),
    "admin.reset_second_factor": (lambda w: admin.reset_second_factor(w.learner, w.outsider), PermissionDenied),
    "security_keys.begin_registration": (lambda w: security_keys.begin_registration(w.outsider, w.learner, "Key"),
                                         PermissionDenied),
    "security_keys.finish_registration": (lambda w: security_keys.finish_registration(
        ANONYMOUS, w.learner, challenge="AAAA", name="Key", expires_at=clock.now(), credential="{}"),
        PermissionDenied),
    "security_keys.rename_key": (lambda w: security_keys.rename_key(w.outsider, w.learner, 1, "Mine"),
                                 PermissionDenied),
    "security_keys.remove_key": (lambda w: security_keys.remove_key(w.admin, w.learner, 1), PermissionDenied),
    "security_keys.complete_login": (lambda w: security_keys.complete_login("forged-key", "{}", SOURCE),
                                     second_factor.LoginChallengeEnded),
    "admin.grant_role": (lambda w: admin.grant_role(w.team, w.outsider, "admin"), PermissionDenied),
    "admin.revoke_role": (lambda w: admin.revoke_role(w.team, w.team, w.team.roles[0]), PermissionDenied),
    "admin.suspend_user": (lambda w: admin.suspend_user(w.learner, w.outsider), PermissionDenied),
    "admin.unsuspend_user": (lambda w: admin.unsuspend_user(w.learner, w.outsider), PermissionDenied),
    "admin.unlock_user": (lambda w: admin.unlock_user(w.learner, w.outsider), PermissionDenied),
    "catalog.import_pack": (lambda w: catalog.import_pack(w.learner, write_pack(w.tmp, "alpha", version="3.0.0")),
                            PermissionDenied),
    "catalog.publish_version": (lambda w: catalog.publish_version(w.learner, w.course, w.draft), PermissionDenied),
    "catalog.discard_draft": (lambda w: catalog.discard_draft(w.learner, w.course, w.draft), PermissionDenied),
    "catalog.archive_course": (lambda w: catalog.archive_course(w.learner, w.course), PermissionDenied),
    "catalog.unarchive_course": (lambda w: catalog.unarchive_course(w.team, w.course), PermissionDenied),
    "learning.enrol_learner": (lambda w: learning.enrol_learner(ANONYMOUS, w.course), PermissionDenied),
    "learning.leave_course": (lambda w: learning.leave_course(ANONYMOUS, w.course), PermissionDenied),
    "learning.record_unit_visit": (lambda w: learning.record_unit_visit(w.outsider, w.enrollment, "m1-u1", set()),
                                   PermissionDenied),
    "learning.set_unit_completion": (
        lambda w: learning.set_unit_completion(w.outsider, w.course, "m1-u1", complete=True), PermissionDenied),
    "learning.invite_learners": (lambda w: learning.invite_learners(w.learner, w.course, ["a@example.org"]),
                                 PermissionDenied),
    "quizzes.start_attempt": (lambda w: quizzes.start_attempt(w.outsider, w.course, "check"), PermissionDenied),
    # Someone else's attempt does not exist for the outsider (as on the pages: 404, not 403).
    "quizzes.save_responses": (lambda w: quizzes.save_responses(w.outsider, w.attempt, {}), NotFound),
    "quizzes.submit_attempt": (lambda w: quizzes.submit_attempt(w.outsider, w.attempt, {}), NotFound),
    "quizzes.close_expired_attempt": (lambda w: quizzes.close_expired_attempt(w.outsider, w.attempt), NotFound),
    "quizzes.grant_exception": (
        lambda w: quizzes.grant_exception(w.learner, w.learner, w.course, "check", 1, 0, "why not"),
        PermissionDenied),
    "studio.receive_pack": (lambda w: studio.receive_pack(w.learner, Upload(), "alpha"), PermissionDenied),
    # Notes and bookmarks: a unit one may not read, and another's note or bookmark, do not exist for them.
    "notes.save_note": (lambda w: notes.save_note(w.outsider, w.course, unit_of(w), "x", base_version=0), NotFound),
    "notes.delete_note": (lambda w: notes.delete_note(w.outsider, learners_note(w)), NotFound),
    "notes.bookmark_unit": (lambda w: notes.bookmark_unit(w.outsider, w.course, unit_of(w)), NotFound),
    "notes.bookmark_link": (lambda w: notes.bookmark_link(ANONYMOUS, "https://example.org", "A page"), NotFound),
    "notes.delete_bookmark": (
        lambda w: notes.delete_bookmark(w.outsider, notes.bookmark_unit(w.learner, w.course, unit_of(w))), NotFound),
    # Nobody but its owner writes a portfolio; someone else's entry does not exist for them.
    "portfolio.write_entry": (lambda w: portfolio.write_entry(w.admin, w.learner, title="t", body=""),
                              PermissionDenied),
    "portfolio.upload_file": (lambda w: portfolio.upload_file(w.outsider, w.learner, name="a.txt", data=b"a"),
                              PermissionDenied),
    "portfolio.add_evidence": (lambda w: portfolio.add_evidence(w.outsider, w.learner, "certificate", "x"),
                               PermissionDenied),
    "portfolio.update_entry": (lambda w: portfolio.update_entry(w.admin, written(w.learner), title="t", body=""),
                               NotFound),
    "portfolio.move_entry": (lambda w: portfolio.move_entry(w.outsider, written(w.learner), "up"), NotFound),
    "portfolio.delete_entry": (lambda w: portfolio.delete_entry(w.team, written(w.learner)), NotFound),
    "portfolio.set_public_page": (
        lambda w: portfolio.set_public_page(w.outsider, w.learner, headline="", intro="", public_entry_ids=[]),
        PermissionDenied),
    "portfolio.publish_link": (lambda w: portfolio.publish_link(w.admin, w.learner), PermissionDenied),
    "portfolio.revoke_link": (lambda w: portfolio.revoke_link(ANONYMOUS, w.learner), PermissionDenied),
    "organisations.create_organisation": (
        lambda w: organisations.create_organisation(w.learner, "acme", org_fields()), PermissionDenied),
    "organisations.update_organisation": (
        lambda w: organisations.update_organisation(w.learner, emp(w).org, org_fields()), PermissionDenied),
    "organisations.approve_organisation": (
        lambda w: organisations.approve_organisation(w.team, emp(w).org), PermissionDenied),
    "organisations.withdraw_approval": (
        lambda w: organisations.withdraw_approval(emp(w).member, w.org), PermissionDenied),
    "organisations.add_member": (
        lambda w: organisations.add_member(emp(w).member, w.org, w.outsider.email), PermissionDenied),
    "organisations.remove_member": (
        lambda w: organisations.remove_member(w.outsider, emp(w).org, w.member.id), PermissionDenied),
    # a member (not an admin) of a partner; an admin of an organisation that is no partner of the course
    "organisations.add_to_course_team": (
        lambda w: organisations.add_to_course_team(partnered(w).member, w.org, w.partner_course, w.member.id),
        PermissionDenied),
    "organisations.remove_from_course_team": (
        lambda w: organisations.remove_from_course_team(partnered(w).org_admin, w.org, w.course, w.member.id),
        PermissionDenied),
    "opportunities.create_opportunity": (
        lambda w: opportunities.create_opportunity(w.outsider, emp(w).org, posting_fields()), PermissionDenied),
    "opportunities.update_opportunity": (
        lambda w: opportunities.update_opportunity(w.outsider, emp(w).posting, posting_fields()), PermissionDenied),
    "opportunities.publish_opportunity": (
        lambda w: opportunities.publish_opportunity(w.outsider, emp(w).draft), PermissionDenied),
    "opportunities.close_opportunity": (
        lambda w: opportunities.close_opportunity(w.outsider, emp(w).posting), PermissionDenied),
    "opportunities.withdraw_opportunity": (
        lambda w: opportunities.withdraw_opportunity(w.outsider, emp(w).posting), PermissionDenied),
    "opportunities.apply_to_opportunity": (
        lambda w: opportunities.apply_to_opportunity(ANONYMOUS, emp(w).posting, "Hi"), PermissionDenied),
    # Another's application does not exist for the outsider.
    "opportunities.set_application_status": (
        lambda w: opportunities.set_application_status(w.outsider, emp(w).application, "declined"), NotFound),
    "opportunities.report_opportunity": (
        lambda w: opportunities.report_opportunity(ANONYMOUS, emp(w).posting), PermissionDenied),
    "opportunities.remove_opportunity": (
        lambda w: opportunities.remove_opportunity(emp(w).member, w.posting), PermissionDenied),
    "opportunities.restore_opportunity": (
        lambda w: opportunities.restore_opportunity(w.outsider, emp(w).posting), PermissionDenied),
    "opportunities.dismiss_reports": (
        lambda w: opportunities.dismiss_reports(w.outsider, emp(w).posting), PermissionDenied),
    "opportunities.recommend_to_cohort": (
        lambda w: opportunities.recommend_to_cohort(w.learner, emp(w).posting, w.cohort), PermissionDenied),
    "programmes.create_programme": (
        lambda w: programmes.create_programme(w.learner, "mine", programme_fields()), PermissionDenied),
    "programmes.update_programme": (
        lambda w: programmes.update_programme(w.learner, prog(w).programme, programme_fields()), PermissionDenied),
    "programmes.create_programme_cohort": (
        lambda w: programmes.create_programme_cohort(w.learner, prog(w).programme, programme_cohort_fields()),
        PermissionDenied),
    # a cohort's teams: only its facilitators and administrators (a course-wide staff member is no facilitator of it)
    "teams.create_team": (lambda w: teams.create_team(w.team, emp(w).cohort, "Red"), PermissionDenied),
    "teams.rename_team": (lambda w: teams.rename_team(w.learner, emp(w).cohort, red_team(w).id, "Blue"),
                          PermissionDenied),
    "teams.delete_team": (lambda w: teams.delete_team(w.outsider, emp(w).cohort, red_team(w).id), PermissionDenied),
    "teams.move_to_team": (lambda w: teams.move_to_team(w.learner, emp(w).cohort, w.learner.id, red_team(w).id),
                           PermissionDenied),
    "teams.form_teams": (lambda w: teams.form_teams(w.team, emp(w).cohort, 3), PermissionDenied),
    # a learner cannot sign themselves off, nor withdraw a sign-off
    "cohorts.sign_off_learner": (
        lambda w: cohorts.sign_off_learner(w.learner, emp(w).cohort, w.learner.id, "me"), PermissionDenied),
    "cohorts.withdraw_sign_off": (
        lambda w: cohorts.withdraw_sign_off(w.learner, emp(w).cohort, w.learner.id, "x"), PermissionDenied),
    # nor give themselves more time, nor take it back
    "cohorts.extend_due_date": (
        lambda w: (item := extendable(w)) and due_extensions.extend_due_date(
            w.learner, emp(w).cohort, item.id, w.learner.id, later_than(item, days=3), "me"), PermissionDenied),
    "cohorts.withdraw_extension": (
        lambda w: due_extensions.withdraw_extension(w.learner, emp(w).cohort, extendable(w).id, w.learner.id),
        PermissionDenied),
    # nor record who attended a live session
    "cohorts.record_attendance": (
        lambda w: cohort_plan.record_attendance(w.learner, emp(w).cohort, begun_session(w).id, {w.learner.id}),
        PermissionDenied),
    "people.update_settings": (lambda w: people.update_settings(w.outsider, w.learner, visibility="hidden",
                                                                allow_messages=False, links=[]), PermissionDenied),
    "people.block": (lambda w: people.block(ANONYMOUS, w.learner.id), PermissionDenied),
    "people.unblock": (lambda w: people.unblock(ANONYMOUS, w.learner.id), PermissionDenied),
    # a hidden profile of someone sharing no course does not exist for the outsider
    "people.report_profile": (lambda w: people.report_profile(w.outsider, w.learner.id, "spam"), NotFound),
    "people.resolve_profile_reports": (lambda w: people.resolve_profile_reports(w.learner, w.outsider.id, hide=True),
                                       PermissionDenied),
    "push.subscribe": (lambda w: push.subscribe(ANONYMOUS, None, PUSH_SUBSCRIPTION), PermissionDenied),
    # Another person's subscription, like none at all, is not found.
    "push.unsubscribe": (lambda w: push.unsubscribe(w.outsider, PUSH_SUBSCRIPTION["endpoint"]), NotFound),
}

# service: [(how an entitled actor calls it with bad input, the field named)] -------------------------------------
REJECTED = {
    "programmes.create_programme": [
        (lambda w: programmes.create_programme(w.admin, "Bad slug", programme_fields()), "slug"),
        (lambda w: programmes.create_programme(w.admin, "fine", programme_fields(title="  ")), "title"),
        (lambda w: programmes.create_programme(w.admin, "fine", programme_fields(language="")), "language"),
        (lambda w: programmes.create_programme(w.admin, "fine", programme_fields(organisation_id=999_999)),
         "organisation_id"),
    ],
    "programmes.update_programme": [
        (lambda w: programmes.update_programme(w.admin, prog(w).programme, programme_fields(competences=["x"])),
         "competences"),
        (lambda w: programmes.update_programme(w.admin, prog(w).programme, programme_fields(description=LONG * 21)),
         "description"),
    ],
    "programmes.create_programme_cohort": [
        (lambda w: programmes.create_programme_cohort(w.admin, prog(w).programme,
                                                      programme_cohort_fields(time_zone="Mars/Base")), "time_zone"),
        (lambda w: programmes.create_programme_cohort(w.admin, prog(w).programme,
                                                      programme_cohort_fields(capacity=0)), "capacity"),
    ],
    "announcements.post_announcement": [
        (lambda w: announcements.post_announcement(w.team, w.course, "  ", "Body"), "title"),
        (lambda w: announcements.post_announcement(w.team, w.course, LONG, "Body"), "title"),
        (lambda w: announcements.post_announcement(w.team, w.course, "Title", " \n "), "body"),
        (lambda w: announcements.post_announcement(w.team, w.course, "Title", "x" * 20_001), "body"),
        (lambda w: announcements.post_announcement(w.team, w.course, "Title", "Body",
                                                   cohort_id=make_cohort(w.other).id), "audience"),
    ],
    "assignments.save_draft": [
        (lambda w: _assign("save_draft")(handed(w).writer, w.hand, "task", text="x" * 50_001), "text"),
        (lambda w: _assign("save_draft")(handed(w).writer, w.hand, "task", link="javascript:alert(1)"), "link"),
        (lambda w: _assign("save_draft")(handed(w).writer, w.hand, "task", link="https://exa mple.org"), "link"),
    ],
    "assignments.add_files": [
        (lambda w: _assign("add_files")(handed(w).writer, w.hand, "task", [("plan.pdf", b"MZ\x90\x00" * 16)]),
         "files"),
        (lambda w: _assign("add_files")(handed(w).writer, w.hand, "task", [("../plan.txt", b"plan")]), "files"),
    ],
    "assignments.add_file": [
        (lambda w: _assign("add_file")(handed(w).writer, w.hand, "task", "x.svg", b"<svg><script/></svg>"),
         "files")],
    "assignments.self_assess": [
        (lambda w: _assign("self_assess")(handed(w).learner, w.hand, "task", {"goal": 1, "evidence": 2}),
         "criterion-goal")],
    "assignments.review": [
        (lambda w: _assign("review")(handed(w).hand_staff, w.hand, w.work, {"goal": 3, "evidence": 2}, "", "maybe"),
         "decision"),
        (lambda w: _assign("review")(handed(w).hand_staff, w.hand, w.work, {"goal": 3}, "", "accepted"),
         "criterion-evidence"),
        (lambda w: _assign("review")(handed(w).hand_staff, w.hand, w.work, {"goal": 0, "evidence": 0}, " ",
                                     "needs_revision"), "feedback"),
    ],
    "assignments.submit_peer_review": [
        (lambda w: _peers("submit_peer_review")(peer_reviewed(w).learner, w.tasks, w.allocation.id,
                                                {"goal": 3, "evidence": 2}, "  "), "feedback")],
    "assignments.flag_review": [
        (lambda w: _flag(w, "learner", reason="  "), "reason"),
        (lambda w: _flag(w, "learner", reason="x" * 2001), "reason"),
    ],
    "notes.save_note": [
        (lambda w: notes.save_note(w.learner, w.course, unit_of(w), "x" * 20_001, base_version=0), "body"),
        (lambda w: notes.save_note(w.learner, w.course, unit_of(w), ["a list"], base_version=0), "body"),
        (lambda w: notes.save_note(w.learner, w.course, unit_of(w), "ok", base_version=-1), "version"),
        (lambda w: notes.save_note(w.learner, w.course, unit_of(w), "ok", base_version="1"), "version"),
    ],
    "notes.bookmark_link": [
        (lambda w: notes.bookmark_link(w.learner, "javascript:alert(1)", "A page"), "url"),
        (lambda w: notes.bookmark_link(w.learner, "ftp://example.org/file", "A page"), "url"),
        (lambda w: notes.bookmark_link(w.learner, "https://", "A page"), "url"),
        (lambda w: notes.bookmark_link(w.learner, "https://exa mple.org", "A page"), "url"),
        (lambda w: notes.bookmark_link(w.learner, "https://example.org:99999/", "A page"), "url"),
        (lambda w: notes.bookmark_link(w.learner, "https://example.org", " "), "title"),
        (lambda w: notes.bookmark_link(w.learner, "https://example.org", "A page", LONG * 3), "note"),
    ],
    "accounts.register_user": [
        (lambda w: accounts.register_user(registration(display_name=LONG)), "display_name"),
        (lambda w: accounts.register_user(registration(timezone="Mars/Olympus_Mons")), "timezone"),
        (lambda w: accounts.register_user(registration(locale="xx")), "locale"),
        (lambda w: accounts.register_user(registration(email="not an address")), "email"),
    ],
    "accounts.create_verified_user": [
        (lambda w: accounts.create_verified_user("y@example.org", LONG, PASSWORD, actor=w.admin), "display_name"),
        (lambda w: accounts.create_verified_user("y@example.org", "Why", PASSWORD, timezone="Nowhere"), "timezone"),
    ],
    "accounts.change_password": [
        (lambda w: accounts.change_password(w.learner, "wrong password", "another passphrase 1", SOURCE),
         "current_password"),
        (lambda w: accounts.change_password(w.learner, PASSWORD, "short", SOURCE), "password"),
    ],
    "email_change.request_email_change": [
        (lambda w: email_change.request_email_change(w.learner, "not an address", PASSWORD, SOURCE), "new_email"),
        (lambda w: email_change.request_email_change(w.learner, "new@example.org", "wrong password", SOURCE),
         "current_password"),
        (lambda w: email_change.request_email_change(w.learner, w.learner.email.upper(), PASSWORD, SOURCE),
         "new_email"),
    ],
    "accounts.confirm_password": [
        (lambda w: accounts.confirm_password(w.learner, start_session(w.learner, device="Test").row, "wrong one",
                                             SOURCE), "password"),
    ],
    "accounts.update_profile": [
        (lambda w: accounts.update_profile(w.learner, w.learner, display_name=LONG), "display_name"),
        (lambda w: accounts.update_profile(w.learner, w.learner, display_name=" a "), "display_name"),
        (lambda w: accounts.update_profile(w.learner, w.learner, timezone="Mars/Olympus_Mons"), "timezone"),
        (lambda w: accounts.update_profile(w.learner, w.learner, full_name="x" * 201), "full_name"),
        (lambda w: accounts.update_profile(w.admin, w.learner, bio="x" * 1001), "bio"),
        (lambda w: accounts.update_profile(w.learner, w.learner, locale="xx"), "locale"),
        (lambda w: accounts.update_profile(w.learner, w.learner, email="a@b.c"), "email"),
    ],
    "accounts.delete_account": [(lambda w: accounts.delete_account(w.learner, "wrong password", SOURCE), "password")],
    "second_factor.confirm_enrolment": [
        (lambda w: second_factor.confirm_enrolment(w.learner, w.learner, "123456"), "code"),  # none begun
        (lambda w: (second_factor.begin_enrolment(w.learner, w.learner),
                    second_factor.confirm_enrolment(w.learner, w.learner, "12345x")), "code"),
    ],
    "second_factor.complete_login": [
        (lambda w: (set_up_app(w.learner), second_factor.complete_login(
            second_factor.start_challenge(w.learner), "not a code", SOURCE)), "code"),
    ],
    "security_keys.begin_registration": [
        (lambda w: security_keys.begin_registration(w.learner, w.learner, " "), "name"),
        (lambda w: security_keys.begin_registration(w.learner, w.learner, "x" * 61), "name"),
    ],
    "security_keys.finish_registration": [
        (lambda w: security_keys.finish_registration(w.learner, w.learner, challenge="AAAA", name="Key",
                                                     expires_at=clock.now(), credential="not JSON"), "credential"),
    ],
    "security_keys.rename_key": [
        (lambda w: security_keys.rename_key(w.learner, w.learner, software_key(w.learner).id, " "), "name"),
    ],
    "security_keys.complete_login": [
        (lambda w: (software_key(w.learner), security_keys.complete_login(
            second_factor.start_challenge(w.learner), '{"id": "forged"}', SOURCE)), "credential"),
    ],
    "admin.grant_role": [
        (lambda w: admin.grant_role(w.admin, w.outsider, "emperor"), "role"),
        (lambda w: admin.grant_role(w.admin, w.outsider, "facilitator"), "course"),
        (lambda w: admin.grant_role(w.admin, w.outsider, "facilitator", scope_type="galaxy", scope_id=1),
         "scope_type"),
    ],
    "admin.revoke_role": [(lambda w: admin.revoke_role(w.admin, w.outsider, w.team.roles[0]), "grant")],
    "admin.suspend_user": [(lambda w: admin.suspend_user(w.admin, w.outsider, "x" * 301), "reason")],
    "catalog.publish_version": [
        (lambda w: catalog.publish_version(w.team, w.course, w.other_version), "version")],
    "catalog.discard_draft": [(lambda w: catalog.discard_draft(w.team, w.course, w.other_version), "version")],
    "learning.record_unit_visit": [
        (lambda w: learning.record_unit_visit(w.learner, w.enrollment, "../../etc", set()), "unit_key")],
    "learning.set_unit_completion": [
        (lambda w: learning.set_unit_completion(w.learner, w.course, "x" * 65, complete=True), "unit_key")],
    "learning.invite_learners": [
        (lambda w: learning.invite_learners(w.team, w.course, ["not-an-address"]), "emails"),
        (lambda w: learning.invite_learners(w.team, w.course, []), "emails"),
    ],
    "quizzes.start_attempt": [(lambda w: quizzes.start_attempt(w.learner, w.course, "../check"), "quiz_key")],
    "quizzes.save_responses": [
        (lambda w: quizzes.save_responses(w.learner, w.attempt, {"not-a-question": "a"}), "responses"),
        (lambda w: quizzes.save_responses(w.learner, w.attempt, {"q5": "x" * 20_001}), "responses"),
    ],
    "quizzes.submit_attempt": [
        (lambda w: quizzes.submit_attempt(w.learner, w.attempt, {"not-a-question": "a"}), "responses")],
    "quizzes.grant_exception": [
        (lambda w: quizzes.grant_exception(w.team, w.learner, w.course, "check", 1000, 0, "why"), "extra_attempts"),
        (lambda w: quizzes.grant_exception(w.team, w.learner, w.course, "check", 0, -5, "why"), "extra_minutes"),
        (lambda w: quizzes.grant_exception(w.team, w.learner, w.course, "check", 1, 0, "x" * 501), "reason"),
        (lambda w: quizzes.grant_exception(w.team, w.outsider, w.course, "check", 1, 0, "why"), "email"),
    ],
    "studio.receive_pack": [(lambda w: studio.receive_pack(w.team, None, "alpha"), "pack")],
    "portfolio.write_entry": [
        (lambda w: portfolio.write_entry(w.learner, w.learner, title=LONG, body=""), "title"),
        (lambda w: portfolio.write_entry(w.learner, w.learner, title="  ", body=""), "title"),
        (lambda w: portfolio.write_entry(w.learner, w.learner, title="t", body="x" * 20_001), "body"),
        (lambda w: portfolio.write_entry(w.learner, w.learner, title="t", body="", request_key=LONG), "request_key"),
    ],
    "portfolio.upload_file": [
        (lambda w: portfolio.upload_file(w.learner, w.learner, name="cv.pdf", data=b"MZ\x90\x00" + b"\x00" * 64),
         "file"),
        (lambda w: portfolio.upload_file(w.learner, w.learner, name="cv.txt", data=b"cv", title=LONG), "title"),
    ],
    "portfolio.add_evidence": [
        (lambda w: portfolio.add_evidence(w.learner, w.learner, "horoscope", "1"), "source"),
        (lambda w: portfolio.add_evidence(w.learner, w.learner, "certificate", "no-such-certificate"), "ref"),
    ],
    "portfolio.update_entry": [
        (lambda w: portfolio.update_entry(w.learner, written(w.learner), title="", body=""), "title")],
    "portfolio.move_entry": [
        (lambda w: portfolio.move_entry(w.learner, written(w.learner), "sideways"), "direction")],
    "portfolio.set_public_page": [
        (lambda w: portfolio.set_public_page(w.learner, w.learner, headline=LONG, intro="", public_entry_ids=[]),
         "headline"),
        (lambda w: portfolio.set_public_page(w.learner, w.learner, headline="", intro="",
                                             public_entry_ids=[written(w.outsider).id]), "entries"),
    ],


    "organisations.create_organisation": [
        (lambda w: organisations.create_organisation(w.admin, "Not a slug!", org_fields()), "slug"),
        (lambda w: organisations.create_organisation(w.admin, "acme", org_fields(country="ZZ")), "country"),
        (lambda w: organisations.create_organisation(w.admin, "acme", org_fields(kind="club")), "kind"),
        (lambda w: organisations.create_organisation(w.admin, "acme", org_fields(name=LONG)), "name"),
    ],
    "organisations.update_organisation": [
        (lambda w: organisations.update_organisation(w.admin, emp(w).org, org_fields(legal_name=LONG)), "legal_name")],
    "organisations.withdraw_approval": [
        (lambda w: organisations.withdraw_approval(w.admin, emp(w).org, "x" * 301), "reason")],
    # someone who is not the organisation's own member
    "organisations.add_to_course_team": [
        (lambda w: organisations.add_to_course_team(partnered(w).org_admin, w.org, w.partner_course, w.outsider.id),
         "user_id")],
    "organisations.remove_from_course_team": [
        (lambda w: organisations.remove_from_course_team(partnered(w).org_admin, w.org, w.partner_course,
                                                         w.team.id), "user_id")],
    "organisations.add_member": [
        (lambda w: organisations.add_member(w.admin, emp(w).org, "not-an-address"), "email"),
        (lambda w: organisations.add_member(w.admin, emp(w).org, w.outsider.email, "owner"), "role"),
    ],
    "opportunities.create_opportunity": [
        (lambda w: opportunities.create_opportunity(emp(w).member, w.org, posting_fields(title=LONG)), "title"),
        (lambda w: opportunities.create_opportunity(emp(w).member, w.org, posting_fields(place="")), "place"),
        (lambda w: opportunities.create_opportunity(emp(w).member, w.org, posting_fields(kind="gig")), "kind"),
    ],
    "opportunities.update_opportunity": [
        (lambda w: opportunities.update_opportunity(emp(w).member, w.posting, posting_fields(
            closes_on=date(2020, 1, 1))), "closes_on")],
    "opportunities.apply_to_opportunity": [
        (lambda w: opportunities.apply_to_opportunity(w.outsider, emp(w).posting, ""), "message"),
        (lambda w: opportunities.apply_to_opportunity(w.outsider, emp(w).posting, "Hi", "file:///etc"),
         "shared_link"),
    ],
    "opportunities.set_application_status": [
        (lambda w: opportunities.set_application_status(emp(w).member, w.application, "hired"), "status")],
    "opportunities.report_opportunity": [
        (lambda w: opportunities.report_opportunity(w.outsider, emp(w).posting, "x" * 501), "reason")],
    "opportunities.remove_opportunity": [
        (lambda w: opportunities.remove_opportunity(w.admin, emp(w).posting, "x" * 301), "reason")],
    "people.update_settings": [
        (lambda w: people.update_settings(w.learner, w.learner, visibility="everyone", allow_messages=False,
                                          links=[]), "visibility"),
        (lambda w: people.update_settings(w.learner, w.learner, visibility="hidden", allow_messages="yes",
                                          links=[]), "allow_messages"),
        (lambda w: people.update_settings(w.learner, w.learner, visibility="hidden", allow_messages=False,
                                          links=["javascript:alert(1)"]), "links"),
        (lambda w: people.update_settings(w.learner, w.learner, visibility="hidden", allow_messages=False,
                                          links=[], bio="x" * 1001), "bio"),
    ],
    "people.report_profile": [
        (lambda w: people.report_profile(w.admin, w.learner.id, "  "), "reason"),
        (lambda w: people.report_profile(w.admin, w.learner.id, LONG * 2), "reason"),
    ],
    "people.resolve_profile_reports": [
        (lambda w: people.resolve_profile_reports(w.admin, w.learner.id, hide=False, reason=LONG * 2), "reason")],
    "teams.create_team": [(lambda w: teams.create_team(w.admin, emp(w).cohort, " "), "name"),
                          (lambda w: teams.create_team(w.admin, emp(w).cohort, "x" * 81), "name"),
                          (lambda w: teams.create_team(w.admin, emp(w).cohort, red_team(w).name.upper()), "name")],
    "teams.rename_team": [(lambda w: teams.rename_team(w.admin, emp(w).cohort, red_team(w).id, ""), "name")],
    # only the cohort's seated learners are in its teams
    "teams.move_to_team": [(lambda w: teams.move_to_team(w.admin, emp(w).cohort, w.outsider.id, red_team(w).id),
                            "user_id")],
    "teams.form_teams": [(lambda w: teams.form_teams(w.admin, emp(w).cohort, 1), "size"),
                         (lambda w: teams.form_teams(w.admin, emp(w).cohort, "4"), "size")],
    "cohorts.sign_off_learner": [
        (lambda w: cohorts.sign_off_learner(w.admin, emp(w).cohort, w.learner.id, "x" * 2001), "note")],
    "cohorts.withdraw_sign_off": [
        (lambda w: cohorts.withdraw_sign_off(w.admin, emp(w).cohort, w.learner.id, " "), "reason")],
    "cohorts.extend_due_date": [
        (lambda w: (item := extendable(w)) and due_extensions.extend_due_date(
            w.admin, emp(w).cohort, item.id, w.learner.id, later_than(item, days=3), " "), "reason"),
        (lambda w: (item := extendable(w)) and due_extensions.extend_due_date(
            w.admin, emp(w).cohort, item.id, w.learner.id, later_than(item, days=-1), "Ill"), "due_at")],
    # only the cohort's learners are present
    "cohorts.record_attendance": [
        (lambda w: cohort_plan.record_attendance(w.admin, emp(w).cohort, begun_session(w).id, {w.outsider.id}),
         "present")],
    "push.subscribe": [
        (lambda w: push.subscribe(w.learner, 1, {**PUSH_SUBSCRIPTION, "endpoint": "javascript:alert(1)"}), "endpoint"),
        (lambda w: push.subscribe(w.learner, 1, {**PUSH_SUBSCRIPTION, "keys": {"auth": "AAAA"}}), "p256dh"),
        (lambda w: push.subscribe(w.learner, 1, {**PUSH_SUBSCRIPTION, "keys": {
            "p256dh": PUSH_SUBSCRIPTION["keys"]["p256dh"], "auth": LONG}}), "auth"),
    ],
}

# Services that change data but have no bad input to give: their only input is who and which course.
NO_FREE_INPUT = {"cohorts.withdraw_extension",
                 "email_change.cancel_email_change", "email_change.confirm_email_change",
                 "second_factor.begin_enrolment", "second_factor.regenerate_recovery_codes",
                 "second_factor.disable_second_factor", "admin.reset_second_factor", "security_keys.remove_key",
                 "notes.delete_note", "notes.bookmark_unit", "notes.delete_bookmark",
                 "accounts.verify_email", "accounts.reset_password", "admin.unsuspend_user", "admin.unlock_user",
                 "catalog.archive_course", "catalog.unarchive_course", "catalog.import_pack",
                 "learning.enrol_learner", "learning.leave_course", "quizzes.close_expired_attempt",
                 "portfolio.delete_entry", "portfolio.publish_link", "portfolio.revoke_link",
                 "organisations.approve_organisation", "organisations.remove_member",
                 "opportunities.publish_opportunity", "opportunities.close_opportunity",
                 "opportunities.withdraw_opportunity", "opportunities.restore_opportunity",
                 "opportunities.dismiss_reports", "opportunities.recommend_to_cohort",
                 "people.block", "people.unblock", "push.unsubscribe",
                 "assignments.remove_file", "assignments.submit", "assignments.allocate_peer_reviews",
                 "assignments.start_peer_review", "teams.delete_team"}

# Public functions of */services.py that are not covered above, and why.
NOT_ACTOR_SERVICES = {
    # the grants an organisation gave (a read), and the system's taking back of former partners' grants (the
    # event of a version published without them and its repair job); the outbox's telling of team placements
    "accounts.grants_via_organisation", "organisations.drop_former_partner_grants", "teams.tell_placed",
    # reads
    "accounts.normalise_email", "accounts.get_user_by_email", "accounts.find_grant",
    "accounts.require_user", "accounts.user_for_reset_token", "accounts.ensure_not_last_admin",
    "accounts.grant_of", "quizzes.expired_attempts_to_close", "catalog.get_course", "catalog.get_version",
    "catalog.read_pack", "catalog.partner_slugs",
    "catalog.change_set", "catalog.version_history", "catalog.pack_folders", "learning.get_enrollment",
    "learning.enrolment_blocker", "learning.ensure_unit_exists", "quizzes.settings_of", "quizzes.quiz_data",
    "quizzes.live_definition", "quizzes.definition_of", "quizzes.current_definition", "quizzes.extras_for",
    "quizzes.attempts_allowed", "quizzes.is_expired", "quizzes.clean_responses", "quizzes.grader_response",
    # the second factor's reads, the log-in step that follows a correct password (authenticate), the rows
    # that audited services remove (disable_second_factor, admin.reset_second_factor) and their mail, a job
    "second_factor.factor_of", "second_factor.has_second_factor", "second_factor.recovery_codes_left",
    "second_factor.pending_enrolment", "second_factor.pending_challenge", "second_factor.start_challenge",
    "second_factor.remove_second_factor", "second_factor.tell_of_reset", "second_factor.purge_expired_challenges",
    # the factors' reads and the steps the audited services share (the holder's check, the codes, the mail,
    # the pending log-ins; the log-in's attempt, throttled, refused or accepted)
    "second_factor.has_authenticator_app", "second_factor.has_security_key", "second_factor.require_account_holder",
    "second_factor.replace_recovery_codes", "second_factor.tell_the_account_holder", "second_factor.end_challenges",
    "second_factor.attempt_second_step", "second_factor.refuse_attempt", "second_factor.accept_attempt",
    # security keys' reads and checks: the relying party, the account's handle and keys, a name's cleaning, the
    # log-in's options and the check of an answer (steps of complete_login, whose cases are above)
    "security_keys.relying_party", "security_keys.user_handle", "security_keys.keys_of", "security_keys.key_of",
    "security_keys.clean_name", "security_keys.login_options", "security_keys.check_assertion",
    # the e-mail change's reads: the address a link leads to (confirm_email_change's check), and helpers
    "email_change.address_of_link", "email_change.masked", "email_change.email_change_lifetime_hours",
    # the log-in itself (credentials are its check); mails that change nothing
    "accounts.authenticate", "accounts.send_verification_email", "accounts.request_password_reset",
    # steps of audited services above (admin.unlock_user, accounts.reset_password), and scheduled jobs
    "accounts.check_current_password", "quizzes.close_expired_attempt_by_id",
    # accounts' and learning's rows, written for the audited services of other areas that check the policy
    # (admin.grant_role, admin.revoke_role, admin.suspend_user; quizzes' attempts lock the enrolment)
    "accounts.add_role_grant", "accounts.remove_role_grant", "accounts.set_account_status",
    "learning.lock_enrolment", "accounts.lock_user",
    # the bell's count on the user row, moved by the notifications area in the transaction that changes them
    "accounts.change_unread_notifications",
    # the key a form carries
    "portfolio.new_request_key", "announcements.new_request_key",
    # the outbox handler that tells an announcement's audience (the worker; post_announcement checked the policy)
    "announcements.deliver_batch",
    # teams' reads and pure rules: a team of the cohort, the UTC offset forming uses, the balanced split
    "teams.get_team", "teams.utc_offset_minutes", "teams.balanced_groups",


    # organisations' and opportunities' reads and helpers, and the jobs (no actor: the worker)
    "organisations.get_organisation", "opportunities.get_opportunity", "opportunities.organisation_of",
    "opportunities.competence_tags", "opportunities.get_application_for_employer", "opportunities.retention_days",
    "opportunities.resolve_competences",
    "opportunities.close_due_opportunities", "opportunities.delete_expired_applications",
    # the links check update_settings runs (its cases are above)
    "people.clean_links",
    # push: the message a device shows, the notifications channel's delivery (notify's callers check
    # the policy; it only queues rows) and the outbox handler that sends them
    "push.message_for", "push.deliver", "push.send_push",
    # assignments: reads (the live assignment, a reviewer's allocations and whether more work waits, the
    # review's due date, one's own allocation or NotFound), and the peers' decision and the settling of flags,
    # steps of submit_peer_review, review and the deadlines job (no actor: the worker)
    "assignments.live_assignment", "assignments.allocations_of", "assignments.work_waiting_for",
    "assignments.reviews_visible", "assignments.review_due_at", "assignments.allocation_for",
    "assignments.decide_by_peers", "assignments.resolve_flags",
}


def test_every_public_service_is_covered():
    found = set()
    for area in ("announcements", "accounts", "admin", "catalog", "learning", "quizzes", "people", "notes", "portfolio",
                 "organisations", "opportunities", "push"):
        module = importlib.import_module(f"moocplatform.{area}.services")
        found |= {f"{area}.{name}" for name, obj in vars(module).items()
                  if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_")}
    for module_name in ("services", "peers"):  # assignments' services, and those of peer review
        module = importlib.import_module(f"moocplatform.assignments.{module_name}")
        found |= {f"assignments.{name}" for name, obj in vars(module).items()
                  if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_")}
    found |= {f"teams.{name}" for name, obj in vars(teams).items()
              if inspect.isfunction(obj) and obj.__module__ == teams.__name__ and not name.startswith("_")}
    found.add("studio.receive_pack")
    for prefix, module in (("second_factor", second_factor), ("email_change", email_change),
                           ("security_keys", security_keys)):
        found |= {f"{prefix}.{name}" for name, obj in vars(module).items()
                  if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_")}
    assert found - set(REFUSED) - NOT_ACTOR_SERVICES == set(), "add the new service to the cases here"
    assert set(REJECTED) | NO_FREE_INPUT == set(REFUSED)


@pytest.mark.parametrize("service", sorted(REFUSED))
def test_an_outsider_is_refused(w, service):
    call, error = REFUSED[service]
    with pytest.raises(error):
        call(w)


CASES = [(service, index) for service, cases in sorted(REJECTED.items()) for index in range(len(cases))]


@pytest.mark.parametrize("service, index", CASES)
def test_bad_input_is_rejected_with_its_field(w, service, index):
    call, field = REJECTED[service][index]
    with pytest.raises(InvalidInput) as rejected:
        call(w)
    assert rejected.value.field == field


def test_a_learner_cannot_archive_a_course(w):
    with pytest.raises(PermissionDenied):
        catalog.archive_course(w.learner, w.course)
    assert not w.course.is_archived
    catalog.archive_course(w.admin, w.course)
    assert w.course.is_archived


def test_a_broken_pack_is_rejected_by_file(w):
    (w.tmp / "broken").mkdir()
    (w.tmp / "broken" / "course.yaml").write_text("id: [\n")
    with pytest.raises(PackError):
        catalog.import_pack(w.admin, w.tmp / "broken")


def test_a_profile_with_a_bad_time_zone_is_refused_and_pages_keep_working(client, w):
    from tests.conftest import log_in

    log_in(client, w.learner)
    response = client.post("/account", data={"display_name": "Lea", "full_name": "", "locale": "en",
                                              "timezone": "Mars/Olympus_Mons", "bio": ""})
    assert response.status_code == 422
    db.session.expire_all()
    stored = db.session.scalar(sa.select(accounts.User.timezone).where(accounts.User.id == w.learner.id))
    assert stored != "Mars/Olympus_Mons"
    assert client.get("/my-learning").status_code == 200


def test_private_conversations_check_who_may_write(w):
    from moocplatform.discussion import services as discussion

    with pytest.raises(PermissionDenied):
        discussion.open_conversation(ANONYMOUS, w.learner)
    with pytest.raises(PermissionDenied):  # no shared course, no consent
        discussion.open_conversation(w.outsider, w.learner)
    with pytest.raises(NotFound):
        discussion.open_conversation(w.learner, w.learner)
    facilitator = make_user("facilitator", course=w.course)
    space = discussion.open_conversation(facilitator, w.learner)
    with pytest.raises(NotFound):
        discussion.send_message(w.outsider, space, "let me in")
    with pytest.raises(InvalidInput) as refused:
        discussion.send_message(w.learner, space, "")
    assert refused.value.field == "body"


def test_cohort_spaces_check_who_writes_in_them(w):
    from moocplatform.cohorts.spaces import space_key
    from moocplatform.discussion import services as discussion

    cohort = make_cohort(w.course, make_user("admin"))
    cohorts.join_cohort(w.learner, cohort, w.course)
    enrol(w.outsider, w.course)  # in the course, not in the cohort
    with pytest.raises(NotFound):
        discussion.group_space_for_writing(w.outsider, space_key(cohort.id))
    with pytest.raises(NotFound):
        discussion.group_space_for_writing(w.learner, "cohort:999999")
    with pytest.raises(NotFound):  # a cohort not theirs does not exist for them (a 404 in the API)
        discussion.comment_on_unit(w.outsider, w.course, "m1-u2", "Let me in", audience=space_key(cohort.id))
    space = discussion.group_space_for_writing(w.learner, space_key(cohort.id))
    with pytest.raises(NotFound):
        discussion.start_thread(w.outsider, space, None, "Hi", "Let me in")
    with pytest.raises(InvalidInput) as refused:
        discussion.start_thread(w.learner, space, None, "", "No title")
    assert refused.value.field == "title"


def test_review_mutes_and_moves_check_who_asks(w):
    from moocplatform.discussion import moderation, mutes
    from moocplatform.discussion import queries as discussion_queries
    from moocplatform.discussion import services as discussion
    from moocplatform.errors import Conflict

    post = discussion.comment_on_unit(w.learner, w.course, "m1-u2", "A comment")
    space = discussion_queries.course_space(w.course.id)
    category = discussion_queries.forum_categories(space)[0]
    thread = discussion.start_thread(w.team, space, category.id, "Hello", "A thread")
    for call in (lambda who: moderation.approve_post(who, post.id), lambda who: moderation.reject_post(who, post.id),
                 lambda who: moderation.move_thread(who, thread.id, category.id)):
        for outsider in (ANONYMOUS, w.outsider, w.learner):
            with pytest.raises(NotFound):
                call(outsider)
    with pytest.raises(Conflict):  # not held
        moderation.approve_post(w.team, post.id)
    for who in (ANONYMOUS, w.outsider, w.learner):
        with pytest.raises(PermissionDenied):
            mutes.mute_learner(who, w.course.id, w.learner, 1, "spam")
    with pytest.raises(InvalidInput) as refused:
        mutes.mute_learner(w.team, w.course.id, w.learner, 2, "spam")
    assert refused.value.field == "days"
    with pytest.raises(InvalidInput) as refused:
        mutes.mute_learner(w.team, w.course.id, w.learner, 1, " ")
    assert refused.value.field == "reason"
    with pytest.raises(Conflict):  # staff are never muted
        mutes.mute_learner(w.team, w.course.id, w.admin, 1, "spam")
    mute = mutes.mute_learner(w.team, w.course.id, w.learner, 1, "spam")
    for who in (ANONYMOUS, w.outsider, w.learner):
        with pytest.raises(NotFound):
            mutes.lift_mute(who, mute.id)
    with pytest.raises(InvalidInput) as refused:
        moderation.move_thread(w.team, thread.id, 10**9)
    assert refused.value.field == "category"


def test_likes_follows_and_answers_check_who_asks(w):
    from moocplatform.discussion import follows, reactions
    from moocplatform.discussion import services as discussion
    from moocplatform.errors import Conflict

    post = discussion.comment_on_unit(w.learner, w.course, "m1-u2", "A comment")
    for call in (lambda who: reactions.like_post(who, post.id), lambda who: reactions.unlike_post(who, post.id),
                 lambda who: follows.set_following(who, post.thread_id, True),
                 lambda who: reactions.accept_answer(who, post.id),
                 lambda who: reactions.clear_answer(who, post.thread_id)):
        for outsider in (ANONYMOUS, w.outsider):
            with pytest.raises(NotFound):
                call(outsider)
    with pytest.raises(Conflict):  # nobody likes their own post
        reactions.like_post(w.learner, post.id)
    with pytest.raises(NotFound):  # a unit's comments are no help thread
        reactions.accept_answer(w.team, post.id)
    with pytest.raises(NotFound):
        reactions.like_post(w.learner, 10**9)
