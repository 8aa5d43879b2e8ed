"""Opportunities with employers: organisations and their approval, postings, applications (one per learner),
employers seeing only their own applications, matching certificates, reports and moderation, recommendations
to a cohort, the jobs on the moved clock, and the API."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock, personal_data
from moocplatform.audit import AuditEntry
from moocplatform.cohorts.services import join_cohort
from moocplatform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.jobs import registered_jobs, run_job
from moocplatform.notifications.models import Notification
from moocplatform.opportunities import queries, services
from moocplatform.opportunities.attachments import ApplicationAttachment, attachments, register_application_attachment
from moocplatform.opportunities.models import Application, Opportunity, OpportunityRecommendation
from moocplatform.organisations import services as organisations
from moocplatform.organisations.services import OrganisationFields
from tests.certificate_helpers import completed_with_certificate
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user
from tests.opportunities_helpers import make_member, make_opportunity, make_organisation, posting_fields


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model, *criteria) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*criteria)) or 0


# Organisations -----------------------------------------------------------------------------------------------------

def test_an_administrator_creates_an_organisation_with_a_stable_slug_and_a_checked_country(client):
    admin = make_user("admin")
    log_in(client, admin)
    response = client.post("/admin/organisations/new", data={
        "slug": "acme", "name": "Acme", "legal_name": "Acme Ltd", "kind": "employer", "country": "XK"})
    assert response.status_code == 422 and "Not a valid choice" in text(response)  # XK is not ISO 3166-1
    with pytest.raises(InvalidInput) as refused:
        organisations.create_organisation(admin, "acme", OrganisationFields("Acme", "Acme Ltd", "employer", "EU"))
    assert refused.value.field == "country"
    response = client.post("/admin/organisations/new", data={
        "slug": "acme", "name": "Acme", "legal_name": "Acme Ltd", "kind": "employer", "country": "PT"})
    assert response.status_code == 302
    page = text(client.get("/organisations/acme"))
    assert "Acme" in page and "Employer" in page and "Portugal" in page
    response = client.post("/admin/organisations/new", data={
        "slug": "acme", "name": "Other", "legal_name": "Other Ltd", "kind": "ngo", "country": "PT"})
    assert response.status_code == 422 and "Another organisation has this slug." in text(response)


def test_an_employer_posts_only_once_approved_and_approval_is_audited():
    admin = make_user("admin")
    organisation = make_organisation(approved=False, admin=admin)
    member = make_member(organisation)
    with pytest.raises(PermissionDenied):
        services.create_opportunity(member, organisation, posting_fields())
    organisations.approve_organisation(admin, organisation)
    opportunity = services.create_opportunity(member, organisation, posting_fields(), publish=True)
    assert opportunity.status == "open"
    organisations.withdraw_approval(admin, organisation, "Complaints")
    with pytest.raises(PermissionDenied):
        services.create_opportunity(member, organisation, posting_fields())
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_type == "organisation")))
    assert {"organisation.create", "organisation.approve", "organisation.withdraw_approval"} <= actions
    school = make_organisation(kind="university", admin=admin)
    with pytest.raises(InvalidInput) as refused:
        organisations.approve_organisation(admin, school)
    assert refused.value.field == "kind"


def test_organisation_admins_add_and_remove_members_by_email(client):
    organisation = make_organisation()
    org_admin = make_member(organisation, "org_admin")
    colleague = make_user(email="colleague@example.org")
    log_in(client, org_admin)
    assert client.post(f"/organisations/{organisation.slug}/members",
                       data={"email": "nobody@example.org", "role": "org_member"}).status_code == 302
    assert "No account has this e-mail address." in text(client.get(f"/organisations/{organisation.slug}/members"))
    client.post(f"/organisations/{organisation.slug}/members", data={"email": "Colleague@example.org",
                                                                     "role": "org_member"})
    db.session.expire_all()
    assert colleague.has_role("org_member", "organisation", organisation.id)
    page = text(client.get(f"/organisations/{organisation.slug}/members"))
    assert "colleague@example.org" in page
    client.post(f"/organisations/{organisation.slug}/members/{colleague.id}/remove")
    db.session.expire_all()
    assert not colleague.has_role("org_member", "organisation", organisation.id)
    # A member who is not an admin manages nobody.
    member = make_member(organisation)
    with pytest.raises(PermissionDenied):
        organisations.add_member(member, organisation, colleague.email)


def test_organisation_roles_reach_no_learner_in_any_course():
    from moocplatform import policy
    course = make_course("roles")
    learner = make_user()
    enrol(learner, course)
    organisation = make_organisation()
    member = make_member(organisation, "org_admin")
    enrol(member, make_course("other"))
    assert policy.is_organisation_admin(member, organisation) and policy.is_organisation_member(member, organisation)
    assert policy.relations(member, learner) == frozenset()
    assert not policy.is_course_staff(member, course)


# Postings ----------------------------------------------------------------------------------------------------------

def test_a_posting_is_validated_field_by_field():
    organisation = make_organisation()
    member = make_member(organisation)
    today = clock.now().date()
    for changes, field in [({"title": "x"}, "title"), ({"kind": "gig"}, "kind"),
                           ({"place": "", "remote": False}, "place"),
                           ({"closes_on": today - timedelta(days=1)}, "closes_on"),
                           ({"competences": ["x" * 81]}, "competences"),
                           ({"course_ids": [999_999]}, "course_ids")]:
        with pytest.raises(InvalidInput) as refused:
            services.create_opportunity(member, organisation, posting_fields(**changes))
        assert refused.value.field == field
    opportunity = services.create_opportunity(member, organisation, posting_fields(
        description="<script>alert(1)</script>**Bold**", competences=["Teamwork", "teamwork", "SQL"]))
    assert "<script>" not in opportunity.description_html and "<strong>Bold</strong>" in opportunity.description_html
    assert [c.name for c in opportunity.competences] == ["Teamwork", "SQL"]
    assert opportunity.status == "draft"


def test_drafts_are_the_organisations_own_and_the_browse_list_shows_open_postings(client):
    organisation = make_organisation(name="Acme Analytics")
    member = make_member(organisation)
    draft = make_opportunity(organisation, member, publish=False, title="Secret draft")
    make_opportunity(organisation, member, title="Remote tester", kind="internship", remote=True, place="")
    make_opportunity(organisation, member, title="Welder apprentice", kind="apprenticeship", competences=["Welding"])
    learner = make_user()
    log_in(client, learner)
    assert client.get(f"/opportunities/{draft.id}").status_code == 404
    page = text(client.get("/opportunities"))
    assert "Remote tester" in page and "Welder apprentice" in page and "Secret draft" not in page
    assert "Welder" not in text(client.get("/opportunities?remote=yes"))
    assert "Remote tester" not in text(client.get("/opportunities?competence=welding"))
    assert "Remote tester" not in text(client.get("/opportunities?kind=apprenticeship"))
    assert "Welder" not in text(client.get("/opportunities?q=tester"))
    log_in(client, member)
    assert client.get(f"/opportunities/{draft.id}").status_code == 200
    assert "Secret draft" in text(client.get(f"/organisations/{organisation.slug}/opportunities"))


def test_the_page_shows_which_courses_teach_the_competences_and_which_certificates_match(client):
    course = make_course("learning-skills", competences=[{"framework": "LifeComp", "code": "L3",
                                                          "name": "Managing learning"}])
    unrelated = make_course("unrelated", competences=[{"framework": "DigComp", "code": "1.1", "name": "Browsing"}])
    learner = make_user()
    for c in (course, unrelated):
        enrol(learner, c)
        completed_with_certificate(learner, c)
    opportunity = make_opportunity(competences=["managing learning"])
    log_in(client, learner)
    page = text(client.get(f"/opportunities/{opportunity.id}"))
    assert "taught in" in page and "Learning Skills" in page
    section = page.split("Your certificates")[1]
    assert "Learning Skills" in section and "Unrelated" not in section.split("</section>")[0]
    assert "1 of your certificates matches" in text(client.get("/opportunities"))
    named = make_opportunity(competences=["Forklift"], course_ids=[unrelated.id], title="Named course")
    matches = queries.detail(named, services.organisation_of(named), viewer_id=learner.id).matches
    assert [m.course_title for m in matches] == ["Unrelated"]


def test_competences_asked_link_to_the_courses_frameworks_and_match_certificates_by_framework_and_code(client):
    course = make_course("initiative", competences=[
        {"framework": "EntreComp", "code": "1.10", "name": "Spotting opportunities"},
        {"framework": "EntreComp", "code": "1.2", "name": "Creativity"}])
    make_course("creative", competences=[{"framework": "LifeComp", "code": "C1", "name": "Creativity"}])
    organisation = make_organisation()
    member = make_member(organisation)
    log_in(client, member)
    form = text(client.get(f"/organisations/{organisation.slug}/opportunities/new"))
    select = form.split('name="framework_competences"')[1].split("</select>")[0]
    offered = re.findall(r'<option value="([^"]+)">', select)
    assert offered == ["EntreComp 1.2", "EntreComp 1.10", "LifeComp C1"]  # by framework, codes in number order
    response = client.post(f"/organisations/{organisation.slug}/opportunities/new", data={
        "title": "Venture scout", "kind": "internship", "place": "Graz", "closes_on": "2026-04-30",
        "framework_competences": ["EntreComp 1.10"], "competences": "creativity, entrecomp 1.2, Teamwork",
        "publish": "y"})
    assert response.status_code == 302
    posting = db.session.scalar(sa.select(Opportunity).where(Opportunity.title == "Venture scout"))
    posting = queries.opportunity_with_children(posting.id)
    # "creativity" names competences of two frameworks, so alone it would stay a free tag; "entrecomp 1.2" is a
    # reference to one of them, which takes its place
    assert [(c.name, c.reference) for c in posting.competences] == [
        ("Spotting opportunities", "EntreComp 1.10"), ("Creativity", "EntreComp 1.2"), ("Teamwork", None)]
    with pytest.raises(InvalidInput, match="Two of the competences are called Creativity"):
        services.update_opportunity(member, posting, posting_fields(competences=["EntreComp 1.2", "LifeComp C1"]))
    page = text(client.get(f"/opportunities/{posting.id}"))
    assert "Spotting opportunities (EntreComp 1.10)" in page
    edit = text(client.get(f"/opportunities/{posting.id}/edit"))
    assert '<option selected value="EntreComp 1.10">' in edit

    learner = make_user()
    enrol(learner, course)
    completed_with_certificate(learner, course)
    matches = queries.detail(posting, organisation, viewer_id=learner.id).matches
    assert [m.course_title for m in matches] == ["Initiative"]
    listed = client.get("/api/v1/opportunities", headers=_bearer(learner)).get_json()["items"]
    assert listed[0]["framework_competences"][0] == {"framework": "EntreComp", "code": "1.10",
                                                      "name": "Spotting opportunities"}


def test_a_framework_competence_matches_by_its_code_not_by_a_free_tag_of_the_same_name():
    course = make_course("digital", competences=[{"framework": "DigComp", "code": "2.1", "name": "Interacting"}])
    learner = make_user()
    enrol(learner, course)
    completed_with_certificate(learner, course)
    held = queries.held_certificates(learner.id)
    linked = make_opportunity(competences=["DigComp 2.1"], title="Linked")
    assert [(c.name, c.reference) for c in linked.competences] == [("Interacting", "DigComp 2.1")]
    assert queries.matching(held, linked) == held
    unknown = make_opportunity(competences=["DigComp 9.9"], title="Unknown code")
    assert [(c.name, c.reference) for c in unknown.competences] == [("DigComp 9.9", None)]
    assert queries.matching(held, unknown) == []


# Applications ------------------------------------------------------------------------------------------------------

def test_applying_twice_makes_one_application_and_the_learner_follows_its_status(client):
    opportunity = make_opportunity()
    learner = make_user()
    log_in(client, learner)
    data = {"message": "I would love to.", "shared_link": "https://portfolio.example.org/me"}
    assert client.post(f"/opportunities/{opportunity.id}/apply", data=data).status_code == 302
    assert client.post(f"/opportunities/{opportunity.id}/apply", data=data).status_code == 302
    assert count(Application, Application.opportunity_id == opportunity.id) == 1
    response = client.post(f"/opportunities/{opportunity.id}/apply", data={"message": "x", "shared_link": "ftp://x"})
    assert response.status_code == 302  # the first application stands; the resend changes nothing
    assert count(Application) == 1 and db.session.scalar(sa.select(Application.shared_link)) == data["shared_link"]
    page = text(client.get("/opportunities/my-applications"))
    assert opportunity.title in page and "Received" in page


def test_a_bad_link_or_an_empty_message_is_a_field_error():
    opportunity = make_opportunity()
    learner = make_user()
    with pytest.raises(InvalidInput) as refused:
        services.apply_to_opportunity(learner, opportunity, "Hello", "javascript:alert(1)")
    assert refused.value.field == "shared_link"
    with pytest.raises(InvalidInput) as refused:
        services.apply_to_opportunity(learner, opportunity, "   ")
    assert refused.value.field == "message"
    assert count(Application) == 0


def test_employers_see_and_move_only_their_own_postings_applications(client):
    organisation = make_organisation()
    member = make_member(organisation)
    opportunity = make_opportunity(organisation, member)
    learner = make_user(display_name="Ada Applicant")
    application = services.apply_to_opportunity(learner, opportunity, "Please consider me.")
    rival = make_member(make_organisation())
    log_in(client, rival)
    assert client.get(f"/opportunities/{opportunity.id}/applications").status_code == 403
    assert client.post(f"/opportunities/applications/{application.id}/status",
                       data={"status": "declined"}).status_code == 404
    with pytest.raises(NotFound):
        services.set_application_status(rival, application, "declined")
    log_in(client, member)
    page = text(client.get(f"/opportunities/{opportunity.id}/applications"))
    assert "Ada Applicant" in page and "Please consider me." in page
    assert client.post(f"/opportunities/applications/{application.id}/status",
                       data={"status": "shortlisted"}).status_code == 302
    db.session.refresh(application)
    assert application.status == "shortlisted"
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == learner.id)).all()
    assert [n.kind for n in told] == ["opportunities.application_status"]
    assert told[0].params == {"title": opportunity.title, "status": "shortlisted"}
    services.set_application_status(member, application, "shortlisted")  # no change: nobody told again
    assert count(Notification, Notification.user_id == learner.id) == 1
    with pytest.raises(InvalidInput):
        services.set_application_status(member, application, "hired")


def test_members_of_the_posting_organisation_do_not_apply_and_closed_postings_take_none():
    organisation = make_organisation()
    member = make_member(organisation)
    opportunity = make_opportunity(organisation, member)
    with pytest.raises(PermissionDenied):
        services.apply_to_opportunity(member, opportunity, "Me too")
    services.close_opportunity(member, opportunity)
    with pytest.raises(Conflict):
        services.apply_to_opportunity(make_user(), opportunity, "Too late")


# Reports and moderation --------------------------------------------------------------------------------------------

def test_reports_reach_the_moderation_queue_and_removal_is_audited(client):
    opportunity = make_opportunity(title="Dubious offer")
    reporter = make_user()
    assert services.report_opportunity(reporter, opportunity, "Asks for money")
    assert not services.report_opportunity(reporter, opportunity, "Again")
    assert opportunity.open_reports == 1
    admin = make_user("admin")
    log_in(client, admin)
    page = text(client.get("/admin/opportunities"))
    assert "Dubious offer" in page and "Asks for money" in page
    client.post(f"/opportunities/{opportunity.id}/remove", data={"reason": "Scam"})
    db.session.refresh(opportunity)
    assert opportunity.status == "removed" and opportunity.open_reports == 0
    log_in(client, reporter)
    assert client.get(f"/opportunities/{opportunity.id}").status_code == 404
    services.restore_opportunity(admin, opportunity)
    assert opportunity.status == "open"
    actions = list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.target_type == "opportunity", AuditEntry.target_id == str(opportunity.id))))
    assert "opportunity.remove" in actions and "opportunity.restore" in actions
    with pytest.raises(PermissionDenied):
        services.remove_opportunity(reporter, opportunity)


# Recommendations ---------------------------------------------------------------------------------------------------

def test_a_facilitator_recommends_to_their_cohort_once_per_learner(client):
    course = make_course("cohort-course")
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator)
    learners = [make_user() for _ in range(3)]
    for learner in learners:
        join_cohort(learner, cohort, course)
    opportunity = make_opportunity()
    log_in(client, facilitator)
    assert "Recommend to a cohort" in text(client.get(f"/opportunities/{opportunity.id}"))
    client.post(f"/opportunities/{opportunity.id}/recommend", data={"cohort": cohort.id})
    assert services.recommend_to_cohort(facilitator, opportunity, cohort) == 0
    assert count(OpportunityRecommendation) == 3
    for learner in learners:
        assert count(Notification, Notification.user_id == learner.id,
                     Notification.kind == "opportunities.recommended") == 1
    with pytest.raises(PermissionDenied):
        services.recommend_to_cohort(learners[0], opportunity, cohort)


# The worker --------------------------------------------------------------------------------------------------------

def _job(name):
    return next(job for job in registered_jobs() if job.name == name)


def test_the_worker_closes_postings_after_their_date_and_deletes_applications_after_the_retention(app):
    opportunity = make_opportunity(closes_on=clock.now().date() + timedelta(days=2))
    learner = make_user()
    services.apply_to_opportunity(learner, opportunity, "Hello")
    clock.advance(timedelta(days=2))
    assert services.close_due_opportunities() == 0  # the closing day still takes applications
    clock.advance(timedelta(days=1))
    assert services.close_due_opportunities() == 1
    db.session.refresh(opportunity)
    assert opportunity.status == "closed" and opportunity.ended_at == clock.now()
    assert services.close_due_opportunities() == 0
    days = app.config["OPPORTUNITY_APPLICATION_RETENTION_DAYS"]
    assert days == 180
    clock.advance(timedelta(days=days - 1))
    assert services.delete_expired_applications() == 0
    assert count(Application) == 1
    clock.advance(timedelta(days=1))
    assert services.delete_expired_applications() == 1
    assert count(Application) == 0


def test_the_jobs_are_registered_and_run_in_a_unit_of_work():
    assert {"close-due-opportunities", "delete-expired-applications"} <= {j.name for j in registered_jobs()}
    opportunity = make_opportunity(closes_on=clock.now().date())
    clock.advance(timedelta(days=1))
    assert run_job(_job("close-due-opportunities")) == 1
    db.session.refresh(opportunity)
    assert opportunity.status == "closed"


# Personal data -----------------------------------------------------------------------------------------------------

def test_applications_are_exported_and_erased_with_the_account_and_postings_lose_their_author():
    organisation = make_organisation()
    member = make_member(organisation)
    opportunity = make_opportunity(organisation, member)
    learner = make_user()
    services.apply_to_opportunity(learner, opportunity, "My application")
    services.report_opportunity(learner, opportunity, "Typo")
    exported = personal_data.export_user_data(learner)
    assert exported["opportunity_applications"][0]["message"] == "My application"
    assert exported["opportunity_reports"][0]["reason"] == "Typo"
    assert personal_data.export_user_data(member)["opportunities_posted"][0]["title"] == opportunity.title
    entry = personal_data.registered_models()[Application]
    assert entry.rule == "delete" and "OPPORTUNITY_APPLICATION_RETENTION_DAYS" in entry.reason
    personal_data.erase_user(learner)
    personal_data.erase_user(member)
    assert count(Application) == 0
    db.session.refresh(opportunity)
    assert opportunity.created_by_id is None and count(Opportunity) == 1


# The seam for shared links -----------------------------------------------------------------------------------------

def test_a_registered_attachment_offers_its_links_and_names_them_for_the_employer(app, client):
    learner = make_user()
    attachment = ApplicationAttachment(
        "portfolio-test", label=lambda: "Public portfolio",
        links_of=lambda user: [(f"http://learn.test/p/{user.id}", "My work")],
        recognises=lambda url: url.startswith("http://learn.test/p/"))
    register_application_attachment(app, attachment)
    try:
        organisation = make_organisation()
        member = make_member(organisation)
        opportunity = make_opportunity(organisation, member)
        log_in(client, learner)
        assert f"http://learn.test/p/{learner.id}" in text(client.get(f"/opportunities/{opportunity.id}"))
        services.apply_to_opportunity(learner, opportunity, "See my work", f"http://learn.test/p/{learner.id}")
        log_in(client, member)
        assert "Public portfolio:" in text(client.get(f"/opportunities/{opportunity.id}/applications"))
    finally:
        app.extensions["moocplatform.registries"][attachments].pop("portfolio-test")


# The API --------------------------------------------------------------------------------------------------------

def _bearer(user, *scopes):
    from moocplatform.tokens.services import issue_token
    scopes = scopes or ("read:opportunities", "read:applications", "write:applications")
    return {"Authorization": f"Bearer {issue_token(user, user, 'personal_access', scopes=scopes).secret}"}


def test_the_api_lists_open_opportunities_by_cursor_with_the_filters(client):
    organisation = make_organisation()
    member = make_member(organisation)
    made = [make_opportunity(organisation, member, title=f"Posting {n}", remote=n % 2 == 0) for n in range(5)]
    make_opportunity(organisation, member, publish=False, title="Draft")
    headers = _bearer(make_user())
    first = client.get("/api/v1/opportunities?limit=2", headers=headers).get_json()
    assert [item["id"] for item in first["items"]] == [made[4].id, made[3].id]
    second = client.get(first["next"].replace("http://learn.test", ""), headers=headers).get_json()
    third = client.get(second["next"].replace("http://learn.test", ""), headers=headers).get_json()
    assert [i["title"] for i in second["items"] + third["items"]] == ["Posting 2", "Posting 1", "Posting 0"]
    assert third["next"] is None
    remote = client.get("/api/v1/opportunities?remote=yes", headers=headers).get_json()
    assert {i["title"] for i in remote["items"]} == {"Posting 0", "Posting 2", "Posting 4"}
    assert client.get("/api/v1/opportunities?kind=gig", headers=headers).status_code == 400
    one = client.get(f"/api/v1/opportunities/{made[0].id}", headers=headers).get_json()
    assert one["organisation"]["slug"] == organisation.slug and "<strong>data</strong>" in one["description_html"]


def test_the_api_applies_once_and_lists_only_my_applications(client):
    opportunity = make_opportunity()
    learner, other = make_user(), make_user()
    headers = _bearer(learner)
    path = f"/api/v1/opportunities/{opportunity.id}/applications"
    first = client.post(path, json={"message": "Hello", "shared_link": "https://example.org/me"}, headers=headers)
    again = client.post(path, json={"message": "Hello"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"] and count(Application) == 1
    assert client.post(path, json={"message": 5}, headers=_bearer(other)).status_code == 400
    assert client.post(path, data="not json", headers=_bearer(other)).status_code == 400
    refused = client.post(path, json={"message": "x", "shared_link": "mailto:me@example.org"}, headers=_bearer(other))
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "#/shared_link"
    services.apply_to_opportunity(other, opportunity, "Mine")
    mine = client.get("/api/v1/me/applications", headers=headers).get_json()["items"]
    assert [a["message"] for a in mine] == ["Hello"] and mine[0]["status"] == "received"
    services.close_opportunity(make_member(services.organisation_of(opportunity)), opportunity)
    assert client.post(path, json={"message": "Late"}, headers=_bearer(make_user())).status_code == 409


def test_the_employer_edits_a_posting_with_its_tags_and_courses(client):
    course = make_course("valued")
    organisation = make_organisation()
    member = make_member(organisation)
    opportunity = make_opportunity(organisation, member, competences=["Teamwork", "SQL"], course_ids=[course.id])
    log_in(client, member)
    page = text(client.get(f"/opportunities/{opportunity.id}/edit"))
    assert 'value="Teamwork, SQL"' in page and f'<option selected value="{course.id}">' in page
    response = client.post(f"/opportunities/{opportunity.id}/edit", data={
        "title": "Senior analyst", "kind": "job", "place": "Vienna", "closes_on": "2026-04-30",
        "competences": "SQL, Statistics", "description": "New text"})
    assert response.status_code == 302
    db.session.expire_all()
    opportunity = queries.opportunity_with_children(opportunity.id)
    assert opportunity.title == "Senior analyst" and [c.name for c in opportunity.competences] == ["SQL", "Statistics"]
    assert opportunity.courses == []
    response = client.post(f"/opportunities/{opportunity.id}/edit", data={
        "title": "Senior analyst", "kind": "job", "place": "", "closes_on": "2026-04-30"})
    assert response.status_code == 422 and "Say where the work is" in text(response)
