"""People: opt-in profiles, People lists, who may write to whom, private conversations as discussion's private
spaces (inbox, read markers, notifications), blocks and reports."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from moocplatform import policy
from moocplatform.discussion import moderation
from moocplatform.discussion import queries as discussion_queries
from moocplatform.discussion import services as discussion
from moocplatform.discussion.models import Post, Space, SpaceMember
from moocplatform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.notifications.models import Notification
from moocplatform.people import queries, services
from moocplatform.people.models import Block, ProfileReport
from moocplatform.personal_data import erase_user, export_user_data
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user


def show(user, *, messages=False, links=()):
    services.update_settings(user, user, visibility="course_mates", allow_messages=messages, links=list(links))


@pytest.fixture()
def w():
    course = make_course("alpha")
    ada, bo, cy = make_user(display_name="Ada"), make_user(display_name="Bo"), make_user(display_name="Cy")
    outsider = make_user(display_name="Out")
    for learner in (ada, bo, cy):
        enrol(learner, course)
    enrol(outsider, make_course("beta"))
    creator = make_user("facilitator", course=course)
    cohort = make_cohort(course, creator)
    facilitator = make_user(display_name="Fay")  # leads the cohort only
    from moocplatform.cohorts.services import add_facilitator, join_cohort
    add_facilitator(creator, cohort, facilitator.email)
    db.session.refresh(facilitator)
    join_cohort(ada, cohort, course)
    join_cohort(bo, cohort, course)
    return type("W", (), dict(course=course, ada=ada, bo=bo, cy=cy, outsider=outsider, facilitator=facilitator,
                              cohort=cohort, admin=make_user("admin")))


# Profiles -------------------------------------------------------------------------------------------------------

def test_profiles_are_hidden_until_their_owner_shows_them(client, w):
    log_in(client, w.bo)
    assert client.get(f"/people/{w.ada.id}").status_code == 404
    show(w.ada)
    assert client.get(f"/people/{w.ada.id}").status_code == 200
    log_in(client, w.outsider)  # shares no course with Ada
    assert client.get(f"/people/{w.ada.id}").status_code == 404


def test_staff_and_the_owner_see_a_hidden_profile(client, w):
    for viewer in (w.ada, w.facilitator, w.admin):
        log_in(client, viewer)
        assert client.get(f"/people/{w.ada.id}").status_code == 200


def test_the_profile_shows_links_bio_and_competences_from_valid_certificates(client, w):
    from tests.certificate_helpers import completed_with_certificate

    services.update_settings(w.ada, w.ada, visibility="course_mates", allow_messages=False,
                             links="https://ada.example.org\nhttp://blog.example.org", bio="I <b>build</b> things.")
    completed_with_certificate(w.ada, w.course)
    log_in(client, w.bo)
    page = client.get(f"/people/{w.ada.id}").get_data(as_text=True)
    assert "https://ada.example.org" in page and "Managing learning" in page
    assert "I &lt;b&gt;build&lt;/b&gt; things." in page  # plain text, escaped


SIX_LINKS = "\n".join(f"https://example.org/{n}" for n in range(6))


@pytest.mark.parametrize("links", ["javascript:alert(1)", "data:text/html,x", "ftp://example.org", "https://",
                                   SIX_LINKS, "https://x.org/" + "a" * 300])
def test_only_a_few_web_links_are_kept(w, links):
    with pytest.raises(InvalidInput) as refused:
        services.update_settings(w.ada, w.ada, visibility="course_mates", allow_messages=False, links=links)
    assert refused.value.field == "links"


def test_settings_form_saves_and_shows_field_errors(client, w):
    log_in(client, w.ada)
    assert client.get("/account/public-profile").status_code == 200
    response = client.post("/account/public-profile", data={"visibility": "course_mates", "allow_messages": "y",
                                                            "links": "javascript:alert(1)", "bio": ""})
    assert response.status_code == 422 and "is not a web address" in response.get_data(as_text=True)
    response = client.post("/account/public-profile", data={"visibility": "course_mates", "allow_messages": "y",
                                                            "links": "https://a.example.org", "bio": "Hello"})
    assert response.status_code == 302
    settings = queries.settings_of(w.ada.id)
    assert settings.visible and settings.allow_messages and settings.links == ("https://a.example.org",)


def test_people_list_shows_only_opted_in_members_and_not_those_who_blocked_me(client, w):
    show(w.ada)
    show(w.cy)
    show(w.outsider)
    log_in(client, w.bo)
    page = client.get("/courses/alpha/people").get_data(as_text=True)
    assert "Ada" in page and "Cy" in page and "Out" not in page
    services.block(w.cy, w.bo.id)
    page = client.get("/courses/alpha/people").get_data(as_text=True)
    assert "Ada" in page and ">Cy<" not in page
    cohort_page = client.get(f"/cohorts/{w.cohort.id}/people").get_data(as_text=True)
    assert "Ada" in cohort_page and ">Cy<" not in cohort_page  # Cy is not in the cohort
    log_in(client, w.cy)
    assert client.get(f"/cohorts/{w.cohort.id}/people").status_code == 404
    log_in(client, w.outsider)
    assert client.get("/courses/alpha/people").status_code == 404


def test_people_list_is_paginated(w):
    for n in range(queries.PEOPLE_PER_PAGE + 3):
        person = make_user(display_name=f"Person {n:02d}")
        enrol(person, w.course)
        show(person)
    first = queries.course_people(w.ada, w.course, 1)
    second = queries.course_people(w.ada, w.course, "2")
    assert len(first.items) == queries.PEOPLE_PER_PAGE and len(second.items) == 3 and first.pages == 2


# Who may write to whom ------------------------------------------------------------------------------------------

def test_co_learners_write_only_when_both_allow_it(w):
    assert not queries.may_message(w.ada, w.bo)
    show(w.ada, messages=True)
    assert not queries.may_message(w.ada, w.bo)
    show(w.bo, messages=True)
    assert queries.may_message(w.ada, w.bo) and queries.may_message(w.bo, w.ada)
    show(w.outsider, messages=True)
    assert not queries.may_message(w.ada, w.outsider)


def test_facilitators_and_their_learners_always_reach_each_other(w):
    assert queries.may_message(w.facilitator, w.ada)
    assert queries.may_message(w.ada, w.facilitator)
    assert not queries.may_message(w.facilitator, w.cy)  # not in the facilitator's cohort
    assert not queries.may_message(w.admin, w.ada)  # administrators have no say in private conversations


def test_opening_twice_finds_the_one_conversation(client, w):
    show(w.ada, messages=True)
    show(w.bo, messages=True)
    log_in(client, w.ada)
    first = client.post(f"/messages/with/{w.bo.id}")
    second = client.post(f"/messages/with/{w.bo.id}")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Space).where(
        Space.membership == "private")) == 1
    assert discussion.open_conversation(w.bo, w.ada).key == discussion_queries.pair_space_key(w.ada.id, w.bo.id)


def test_opening_is_refused_without_consent(client, w):
    log_in(client, w.ada)
    assert client.post(f"/messages/with/{w.bo.id}").status_code == 403
    with pytest.raises(PermissionDenied):
        discussion.open_conversation(w.ada, w.bo)
    with pytest.raises(NotFound):
        discussion.open_conversation(w.ada, w.ada)


def test_a_message_notifies_the_other_and_the_inbox_marks_it_unread(client, w):
    space = discussion.open_conversation(w.facilitator, w.ada)
    discussion.send_message(w.facilitator, space, "How is it going?")
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == w.ada.id)).all()
    assert [n.kind for n in told] == ["discussion.message"]
    assert told[0].link.endswith(f"/messages/{space.id}")
    mine = discussion_queries.inbox(w.ada).items
    assert [c.unread for c in mine] == [True] and mine[0].others == ["Fay"]
    assert discussion_queries.inbox(w.facilitator).items[0].unread is False  # the sender read their own
    log_in(client, w.ada)
    assert "How is it going?" in client.get(f"/messages/{space.id}").get_data(as_text=True)
    assert discussion_queries.inbox(w.ada).items[0].unread is False
    response = client.post(f"/messages/{space.id}/posts", data={"body": "Fine, thanks", "request_key": "k1"})
    assert response.status_code == 302
    client.post(f"/messages/{space.id}/posts", data={"body": "Fine, thanks", "request_key": "k1"})  # sent twice
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post).where(Post.space_id == space.id)) == 2


def test_message_rules_are_the_posts_rules(w):
    space = discussion.open_conversation(w.facilitator, w.ada)
    with pytest.raises(InvalidInput) as refused:
        discussion.send_message(w.ada, space, "x" * 10_001)
    assert refused.value.field == "body"
    with pytest.raises(InvalidInput):
        discussion.send_message(w.ada, space, "   ")


def test_nobody_else_reads_a_conversation_not_even_an_administrator(client, w):
    space = discussion.open_conversation(w.facilitator, w.ada)
    post = discussion.send_message(w.facilitator, space, "Private words")
    thread = discussion_queries.conversation_thread(space.id)
    for intruder in (w.bo, w.admin, w.outsider):
        log_in(client, intruder)
        assert client.get(f"/messages/{space.id}").status_code == 404
        assert client.get(f"/discussion/threads/{thread.id}").status_code == 404
        assert client.post(f"/messages/{space.id}/posts", data={"body": "hi"}).status_code == 404
        assert "Private words" not in client.get("/messages").get_data(as_text=True)
        with pytest.raises(NotFound):
            discussion.send_message(intruder, space, "let me in")
        with pytest.raises(NotFound):
            discussion.get_post(intruder, post.id)


# Blocks -----------------------------------------------------------------------------------------------------------

def test_a_block_hides_the_profile_stops_messages_and_makes_the_conversation_read_only(client, w):
    show(w.ada, messages=True)
    show(w.bo, messages=True)
    space = discussion.open_conversation(w.bo, w.ada)
    discussion.send_message(w.bo, space, "Hello Ada")
    log_in(client, w.ada)
    assert client.post(f"/people/{w.bo.id}/block").status_code == 302
    assert client.post(f"/people/{w.bo.id}/block").status_code == 302  # twice: one block
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 1
    log_in(client, w.bo)
    assert client.get(f"/people/{w.ada.id}").status_code == 404
    page = client.get(f"/messages/{space.id}")
    assert page.status_code == 200 and "read-only" in page.get_data(as_text=True)  # what was said stays readable
    assert client.post(f"/messages/{space.id}/posts", data={"body": "Still there?"}).status_code == 422
    with pytest.raises(Conflict):
        discussion.send_message(w.bo, space, "Still there?")
    with pytest.raises(Conflict):  # nor changed
        discussion.edit_post(w.bo, db.session.scalar(sa.select(Post.id).where(Post.space_id == space.id)), "Edited")
    assert not queries.may_message(w.bo, w.ada) and not queries.may_message(w.ada, w.bo)
    services.unblock(w.ada, w.bo.id)
    assert discussion.send_message(w.bo, space, "Back again").id


def test_a_learner_cannot_block_their_facilitator_or_an_administrator(w):
    for target in (w.facilitator, w.admin, w.ada):
        with pytest.raises(Conflict):
            services.block(w.ada, target.id)
    with pytest.raises(Conflict):  # nor the facilitator their learner
        services.block(w.facilitator, w.ada.id)
    with pytest.raises(NotFound):
        services.block(w.ada, 10_000_000)


# Reports -------------------------------------------------------------------------------------------------------------

def test_a_reported_profile_reaches_the_admins_queue_and_can_be_hidden(client, w):
    show(w.bo)
    log_in(client, w.ada)
    assert client.post(f"/people/{w.bo.id}/report", data={"reason": "Insults in the bio"}).status_code == 302
    with pytest.raises(Conflict):
        services.report_profile(w.ada, w.bo.id, "again")
    log_in(client, w.admin)
    queue = client.get("/admin/reports").get_data(as_text=True)
    assert "Insults in the bio" in queue
    decided = client.post(f"/admin/reports/profiles/{w.bo.id}", data={"action": "hide", "reason": "abuse"})
    assert decided.status_code == 302
    assert not queries.settings_of(w.bo.id).visible
    assert db.session.scalar(sa.select(ProfileReport.outcome)) == "profile_hidden"
    log_in(client, w.cy)
    assert client.get(f"/people/{w.bo.id}").status_code == 404


def test_a_reported_message_is_shown_to_admins_only_in_the_queue(client, w):
    space = discussion.open_conversation(w.facilitator, w.ada)
    post = discussion.send_message(w.facilitator, space, "Something rude")
    moderation.report_post(w.ada, post.id, "Rude")
    with pytest.raises(PermissionDenied):
        moderation.decide_private_report(w.bo, post.id, hide=True)
    log_in(client, w.admin)
    assert "Something rude" in client.get("/admin/reports").get_data(as_text=True)
    assert client.get(f"/messages/{space.id}").status_code == 404
    assert client.post(f"/admin/reports/messages/{post.id}", data={"action": "hide"}).status_code == 302
    db.session.refresh(post)
    assert post.hidden_at is not None
    with pytest.raises(NotFound):  # nothing open any more
        moderation.decide_private_report(w.admin, post.id, hide=False)


def test_reports_can_be_dismissed_or_kept_and_an_unknown_decision_is_refused(client, w):
    show(w.bo)
    services.report_profile(w.ada, w.bo.id, "Not sure")
    space = discussion.open_conversation(w.facilitator, w.ada)
    post = discussion.send_message(w.facilitator, space, "Fine after all")
    moderation.report_post(w.ada, post.id, "Hm")
    log_in(client, w.admin)
    assert client.post(f"/admin/reports/profiles/{w.bo.id}", data={"action": "keep"}).status_code == 400
    assert client.post(f"/admin/reports/messages/{post.id}", data={"action": "dismiss"}).status_code == 400
    dismissed = client.post(f"/admin/reports/profiles/{w.bo.id}", data={"action": "dismiss"}, follow_redirects=True)
    assert "The reports are dismissed." in dismissed.get_data(as_text=True)
    assert queries.settings_of(w.bo.id).visible
    kept = client.post(f"/admin/reports/messages/{post.id}", data={"action": "keep"}, follow_redirects=True)
    assert "The message is kept." in kept.get_data(as_text=True)
    db.session.refresh(post)
    assert post.hidden_at is None


# Personal data ---------------------------------------------------------------------------------------------------

def test_profiles_blocks_and_reports_are_exported_and_erased(w):
    show(w.ada, links=["https://ada.example.org"])
    services.block(w.ada, w.bo.id)
    show(w.cy)
    services.report_profile(w.ada, w.cy.id, "Spam")
    space = discussion.open_conversation(w.facilitator, w.ada)
    discussion.send_message(w.facilitator, space, "Hi")
    data = export_user_data(w.ada)
    assert data["people_profile"][0]["links"] == ["https://ada.example.org"]
    assert data["people_blocks"][0]["blocked_id"] == w.bo.id
    assert data["people_profile_reports"][0]["reason"] == "Spam"
    assert any(m["space_id"] == space.id for m in data["discussion_memberships"])
    erase_user(w.ada)
    assert queries.profile_row(w.ada.id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileReport)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpaceMember).where(
        SpaceMember.user_id == w.ada.id)) == 0


def test_policy_predicates():
    assert policy.can_view_profile({"self"}, visible=False, blocked=True)
    assert not policy.can_view_profile({"co_learner"}, visible=False, blocked=False)
    assert policy.can_view_profile({"co_learner"}, visible=True, blocked=False)
    assert not policy.can_view_profile({"co_learner", "facilitator"}, visible=True, blocked=True)
    assert not policy.can_message({"co_learner"}, {"co_learner"}, blocked=False, both_allow=False)
    assert policy.can_message(set(), {"facilitator"}, blocked=False, both_allow=False)
    assert not policy.can_message({"facilitator"}, set(), blocked=True, both_allow=True)


def test_a_learner_finds_their_facilitator_on_the_cohort_page_and_writes_to_them(client, w):
    log_in(client, w.ada)
    page = client.get(f"/cohorts/{w.cohort.id}/people").get_data(as_text=True)
    assert "Fay" in page
    profile = client.get(f"/people/{w.facilitator.id}")
    assert profile.status_code == 200 and ">Message<" in profile.get_data(as_text=True)
    assert client.post(f"/messages/with/{w.facilitator.id}").status_code == 302
    log_in(client, w.cy)  # not in Fay's cohort
    assert client.get(f"/people/{w.facilitator.id}").status_code == 404
