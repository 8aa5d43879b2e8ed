"""A programme's cohort has a discussion space and team spaces like a course's: its seated learners and its
facilitators are members, whoever edits the programme reads and moderates the cohort's space (not its teams'),
and nobody else reads either; the programme cohort page links to them."""
from __future__ import annotations

import pytest

from moocplatform.cohorts import services as cohorts
from moocplatform.cohorts import teams
from moocplatform.cohorts.spaces import space_key, team_space_key
from moocplatform.discussion import services as discussion
from moocplatform.discussion.membership import describe_key, is_member, moderates
from moocplatform.discussion.models import Space
from moocplatform.errors import NotFound
from moocplatform.extensions import db
from tests.conftest import log_in
from tests.factories import make_course, make_programme, make_programme_cohort, make_user


@pytest.fixture()
def group():
    host = make_course("programme-host")
    owner = make_user("facilitator", course=host, display_name="Owner")
    programme = make_programme(owner)
    lead = make_user("facilitator", course=host, display_name="Lead")
    cohort = make_programme_cohort(programme, lead, name="Evening group")
    other_lead = make_user("facilitator", course=host, display_name="Other lead")
    other = make_programme_cohort(programme, other_lead, name="Morning group")
    learners = [make_user(display_name=f"Learner {n}") for n in range(4)]
    for learner in learners:
        cohorts.join_cohort(learner, cohort, None)
    elsewhere = make_user(display_name="Elsewhere")
    cohorts.join_cohort(elsewhere, other, None)
    db.session.flush()
    return {"programme": programme, "owner": owner, "cohort": cohort, "other": other, "lead": lead,
            "other_lead": other_lead, "learners": learners, "elsewhere": elsewhere,
            "outsider": make_user(display_name="Outsider"), "admin": make_user("admin")}


def test_a_programme_cohort_has_a_space_with_the_same_membership_rules(group):
    ref = describe_key(space_key(group["cohort"].id))
    assert ref is not None and ref.course_id is None and ref.title == "Evening group"
    space = ref.stand_in()
    a, b = group["learners"][:2]
    assert all(is_member(p, space) for p in (a, b, group["lead"], group["owner"], group["admin"]))
    assert not any(is_member(group[k], space) for k in ("outsider", "elsewhere", "other_lead"))
    assert moderates(group["lead"], space) and moderates(group["owner"], space) and moderates(group["admin"], space)
    assert not moderates(a, space) and not moderates(group["other_lead"], space)


def test_members_write_in_it_and_others_cannot_read_it(group, client):
    a = group["learners"][0]
    thread = discussion.start_thread(a, discussion.group_space_for_writing(a, space_key(group["cohort"].id)),
                                     None, "Hello", "Shall we meet on Tuesday?")
    space = db.session.get(Space, thread.space_id)
    assert (space.membership, space.course_id) == ("cohort", None)
    with pytest.raises(NotFound):
        discussion.group_space_for_writing(group["elsewhere"], space_key(group["cohort"].id))
    url = f"/discussion/groups/cohort/{group['cohort'].id}"
    for who in ("outsider", "elsewhere", "other_lead"):
        log_in(client, group[who])
        assert client.get(url).status_code == 404
        assert client.get(f"/discussion/threads/{thread.id}").status_code == 404
    for who in (a, group["lead"], group["owner"]):
        log_in(client, who)
        page = client.get(url)
        assert page.status_code == 200 and "Hello" in page.get_data(as_text=True)
        assert client.get(f"/discussion/threads/{thread.id}").status_code == 200


def test_a_programme_cohorts_teams_have_spaces_of_their_members(group, client):
    lead, cohort = group["lead"], group["cohort"]
    made = teams.form_teams(lead, cohort, 2)
    first, second = made
    ref = describe_key(team_space_key(first.id))
    assert ref is not None and ref.course_id is None and ref.title == "Evening group: Team 1"
    in_first = [p for p in group["learners"] if is_member(p, ref.stand_in())]
    assert len(in_first) == 2 and is_member(lead, ref.stand_in()) and moderates(lead, ref.stand_in())
    # The programme's owner reads the cohort's space, not its teams' (as a course's moderators).
    assert not any(is_member(group[k], ref.stand_in()) for k in ("owner", "elsewhere", "other_lead", "outsider"))
    member = in_first[0]
    log_in(client, member)
    assert client.get(f"/discussion/groups/team/{first.id}").status_code == 200
    assert client.get(f"/discussion/groups/team/{second.id}").status_code == 404
    mine = client.get(f"/cohorts/{cohort.id}/teams").get_data(as_text=True)
    assert "Your team: Team 1" in mine and f"/discussion/groups/team/{first.id}" in mine
    log_in(client, group["other_lead"])
    assert client.get(f"/discussion/groups/team/{first.id}").status_code == 404
    assert client.get(f"/cohorts/{cohort.id}/teams").status_code in (403, 404)


def test_the_programme_cohort_page_links_to_its_spaces(group, client):
    cohort = group["cohort"]
    space_link, teams_link = f"/discussion/groups/cohort/{cohort.id}", f"/cohorts/{cohort.id}/teams"
    for who in (group["lead"], group["learners"][0]):
        log_in(client, who)
        html = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
        assert space_link in html and teams_link in html
    log_in(client, group["lead"])
    assert client.get(teams_link).status_code == 200


def test_reports_and_held_posts_in_a_programme_space_reach_its_moderators_queue(group, client):
    """A programme's cohort belongs to no course, so no course's queue lists its posts: the space's own queue
    does, for its moderators only, and they decide there."""
    from moocplatform.discussion import moderation

    a, b = group["learners"][:2]
    space = discussion.group_space_for_writing(a, space_key(group["cohort"].id))
    rude = discussion.start_thread(a, space, None, "Hello", "Something rude")
    moderation.report_post(b, _first_post_id(rude), "Rude")
    held = discussion.start_thread(b, space, None, "Links", "See https://example.org/a and https://example.org/b")
    assert held.held_at is not None  # a new account's links wait for a moderator
    queue_url = f"/discussion/groups/cohort/{group['cohort'].id}/moderation"
    for who in ("lead", "owner"):
        log_in(client, group[who])
        assert queue_url in client.get(f"/discussion/groups/cohort/{group['cohort'].id}").text
        page = client.get(queue_url)
        assert page.status_code == 200 and "Something rude" in page.text and "Rude" in page.text
        assert "example.org/a" in page.text.split('id="held"')[1].split('id="reported"')[0]
        assert "Muted learners" not in page.text  # a mute is a course's; a programme has none
    assert client.post(f"/discussion/posts/{_first_post_id(rude)}/hide", data={"reason": "rude"}).status_code == 302
    assert "Something rude" not in client.get(queue_url).text.split('id="reported"')[1]
    for who in (a, group["other_lead"], group["outsider"]):
        log_in(client, who)
        assert client.get(queue_url).status_code in (403, 404)
    log_in(client, a)
    assert queue_url not in client.get(f"/discussion/groups/cohort/{group['cohort'].id}").text


def _first_post_id(thread) -> int:
    import sqlalchemy as sa

    from moocplatform.discussion.models import Post
    return db.session.scalar(sa.select(sa.func.min(Post.id)).where(Post.thread_id == thread.id))
