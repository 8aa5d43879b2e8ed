"""Learners added to a cohort from a CSV file: accounts added (or put on the waiting list), addresses without an
account invited once with the join link (and let into the closed cohort when they register), every line
reported; a file that cannot be read changes nothing; only the cohort's facilitators import."""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from moocplatform.cohorts import services
from moocplatform.cohorts.models import CohortInvitation, CohortMembership, MembershipStatus
from moocplatform.cohorts.roster_import import Outcome, add_learners_from_csv
from moocplatform.errors import Conflict, InvalidInput
from moocplatform.extensions import db
from moocplatform.personal_data import export_user_data
from tests.conftest import log_in
from tests.factories import make_cohort, make_course, make_user


@pytest.fixture()
def world():
    course = make_course("alpha")
    lead = make_user("facilitator", course=course)
    cohort = make_cohort(course, lead, name="Closed group", starts_on=date(2026, 3, 2), ends_on=date(2026, 5, 1),
                         capacity=3, is_open=False)
    return course, lead, cohort


def members(cohort) -> dict[int, str]:
    return dict(db.session.execute(sa.select(CohortMembership.user_id, CohortMembership.status)
                                   .where(CohortMembership.cohort_id == cohort.id)).tuples().all())


def test_each_line_is_added_invited_or_explained(world, outbox):
    course, lead, cohort = world
    ana, ben, cleo, dan = (make_user(email=f"{n}@example.org") for n in ("ana", "ben", "cleo", "dan"))
    unconfirmed = make_user(email="unconfirmed@example.org", verified=False)
    services.add_learner_by_email(lead, cohort, course, "ben@example.org")
    data = (b"Name,E-mail\n"
            b"Ana,ANA@example.org\n"
            b"Ben,ben@example.org\n"
            b",\n"
            b"Zoe,zoe@example.org\n"
            b"Again,ana@example.org\n"
            b"Typo,not-an-address\n"
            b"Unconfirmed,unconfirmed@example.org\n"
            b"Cleo,cleo@example.org\n"
            b"Dan,dan@example.org\n")
    report = add_learners_from_csv(lead, cohort, course, data)
    assert [(line.number, line.outcome) for line in report.lines] == [
        (2, Outcome.ADDED), (3, Outcome.ALREADY), (5, Outcome.INVITED), (6, Outcome.REPEATED), (7, Outcome.INVALID),
        (8, Outcome.NOT_ADDED), (9, Outcome.ADDED), (10, Outcome.WAITING)]
    assert "not confirmed" in report.lines[5].detail
    assert members(cohort) == {ben.id: MembershipStatus.MEMBER, ana.id: MembershipStatus.MEMBER,
                               cleo.id: MembershipStatus.MEMBER, dan.id: MembershipStatus.WAITING}
    assert unconfirmed.id not in members(cohort)
    invited = [m for m in outbox.messages if m["To"] == "zoe@example.org"]
    assert len(invited) == 1 and "Closed group" in invited[0]["Subject"]
    assert f"/join/{cohort.join_code}" in invited[0].get_content()

    again = add_learners_from_csv(lead, cohort, course, b"zoe@example.org\nana@example.org\n")
    assert [line.outcome for line in again.lines] == [Outcome.INVITED_BEFORE, Outcome.ALREADY]
    assert len([m for m in outbox.messages if m["To"] == "zoe@example.org"]) == 1  # mailed once


def test_an_invited_address_joins_the_closed_cohort_once_it_has_an_account(world):
    course, lead, cohort = world
    add_learners_from_csv(lead, cohort, course, b"zoe@example.org\n")
    zoe = make_user(email="zoe@example.org")
    stranger = make_user()
    assert services.join_cohort(zoe, cohort, course).status == MembershipStatus.MEMBER
    with pytest.raises(Conflict):
        services.join_cohort(stranger, cohort, course)
    exported = export_user_data(zoe)["cohort_invitations"]
    assert [row["cohort_id"] for row in exported] == [cohort.id]


@pytest.mark.parametrize("data, message", [
    (b"", "empty"), (b"\xff\xfe\x00a", "UTF-8"), (b"email\n" + b"x@example.org\n" * 5001, "At most 5000"),
    (b"email\n\n", "no addresses"), (b"a" * 1_000_001, "too large")])
def test_a_file_that_cannot_be_read_changes_nothing(world, data, message):
    course, lead, cohort = world
    with pytest.raises(InvalidInput) as refused:
        add_learners_from_csv(lead, cohort, course, data)
    assert message in refused.value.message
    assert members(cohort) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortInvitation)) == 0


def test_the_page_reports_every_line_and_shows_a_bad_file_on_the_form(world, client):
    course, lead, cohort = world
    make_user(email="ana@example.org")
    log_in(client, lead)
    assert "Add learners from a CSV file" in client.get(f"/cohorts/{cohort.id}").text
    page = client.get(f"/cohorts/{cohort.id}/learners/import")
    assert page.status_code == 200 and 'type="file"' in page.text
    sent = client.post(f"/cohorts/{cohort.id}/learners/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"ana@example.org\nzoe@example.org\nnope\n"), "people.csv")})
    assert sent.status_code == 200
    assert "Added: <strong>1</strong>" in sent.text and "Not an e-mail address" in sent.text
    assert "zoe@example.org" in sent.text and "Invited: no account yet" in sent.text
    bad = client.post(f"/cohorts/{cohort.id}/learners/import", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"\xff\xfe\x00"), "people.csv")})
    assert bad.status_code == 422 and "not UTF-8" in bad.text
    missing = client.post(f"/cohorts/{cohort.id}/learners/import", data={})
    assert missing.status_code == 422 and "Choose a CSV file." in missing.text


def test_only_the_cohorts_facilitators_import(world, client):
    course, _lead, cohort = world
    for who in (make_user(), make_user("facilitator", course=make_course("beta"))):
        log_in(client, who)
        assert client.get(f"/cohorts/{cohort.id}/learners/import").status_code in (403, 404)
        assert client.post(f"/cohorts/{cohort.id}/learners/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"x@example.org\n"), "x.csv")}).status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortInvitation)) == 0
