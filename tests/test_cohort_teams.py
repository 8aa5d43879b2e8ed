"""Teams inside a cohort: formed balanced by size and time zone (and the same way every time), made and edited by
hand, nobody in two; only the cohort's facilitators manage them; each team's discussion space is its members'
and its facilitators'; the CSV export is safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from moocplatform.audit import AuditEntry
from moocplatform.cohorts import services as cohorts
from moocplatform.cohorts import teams
from moocplatform.cohorts.models import Team, TeamMembership
from moocplatform.cohorts.notices import TEAM_PLACED
from moocplatform.cohorts.spaces import team_space_key
from moocplatform.cohorts.teams import Placed, balanced_groups, utc_offset_minutes
from moocplatform.csv_export import safe_cell, safe_filename
from moocplatform.discussion import moderation
from moocplatform.discussion import services as discussion
from moocplatform.discussion.membership import describe_key, is_member, moderates
from moocplatform.discussion.models import Post
from moocplatform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.notifications.models import Channel, Notification
from moocplatform.notifications.services import set_preferences
from moocplatform.outbox import OutboxMessage
from moocplatform.personal_data import export_user_data
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_user

# Three time zones far apart, two learners in each (offsets in December: +9, +1, -5 hours).
ZONES = ["Asia/Tokyo", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/New_York", "Europe/Berlin"]


@pytest.fixture()
def group():
    course = make_course("teamwork")
    admin = make_user("admin")
    cohort = make_cohort(course, admin, name="Evening group")
    other = make_cohort(course, admin, name="Morning group")
    lead, other_lead = make_user(display_name="Lead"), make_user(display_name="Other lead")
    cohorts.add_facilitator(admin, cohort, lead.email)
    cohorts.add_facilitator(admin, other, other_lead.email)
    learners = [make_user(display_name=f"Learner {n}", timezone=zone) for n, zone in enumerate(ZONES)]
    for learner in learners:
        cohorts.join_cohort(learner, cohort, course)
    elsewhere = make_user(display_name="Elsewhere")
    cohorts.join_cohort(elsewhere, other, course)
    outsider = make_user(display_name="Outsider")
    enrol(outsider, course)
    db.session.flush()
    return {"course": course, "cohort": cohort, "other": other, "lead": lead, "other_lead": other_lead,
            "learners": learners, "elsewhere": elsewhere, "outsider": outsider, "admin": admin,
            "course_facilitator": make_user("facilitator", course=course)}


def members_by_team(cohort) -> dict[str, set[int]]:
    rows = db.session.execute(sa.select(Team.name, TeamMembership.user_id).join(
        TeamMembership, TeamMembership.team_id == Team.id).where(Team.cohort_id == cohort.id)).tuples()
    found: dict[str, set[int]] = {}
    for name, user_id in rows:
        found.setdefault(name, set()).add(user_id)
    return found


def test_balanced_groups_put_close_offsets_together_with_sizes_one_apart():
    people = [Placed(user_id, offset) for user_id, offset in
              [(1, 540), (2, -300), (3, 60), (4, 540), (5, -300), (6, 60), (7, 0)]]
    groups = balanced_groups(people, 3)
    assert [len(g) for g in groups] == [3, 2, 2]  # as few as keep to 3, sizes one apart at most
    assert [[p.user_id for p in g] for g in groups] == [[2, 5, 7], [3, 6], [1, 4]]
    assert balanced_groups(list(reversed(people)), 3) == groups  # the order given changes nothing
    assert [len(g) for g in balanced_groups(people[:6], 4)] == [3, 3]
    assert balanced_groups([], 4) == []


def test_an_unknown_time_zone_counts_as_the_fallback():
    winter = datetime(2026, 12, 3, 12, tzinfo=UTC)
    assert utc_offset_minutes("Asia/Kolkata", winter) == 330
    assert utc_offset_minutes("Not/AZone", winter, "Europe/Berlin") == 60
    assert utc_offset_minutes("", winter, "Nowhere") == 0


def test_forming_is_balanced_by_time_zone_and_deterministic(group):
    cohort, learners = group["cohort"], group["learners"]
    made = teams.form_teams(group["lead"], cohort, 2)
    assert [t.name for t in made] == ["Team 1", "Team 2", "Team 3"]
    by_zone = {zone: {u.id for u in learners if u.timezone == zone} for zone in set(ZONES)}
    formed = members_by_team(cohort)
    # New York (-5) first, then Berlin (+1), then Tokyo (+9)
    assert formed == {"Team 1": by_zone["America/New_York"], "Team 2": by_zone["Europe/Berlin"],
                      "Team 3": by_zone["Asia/Tokyo"]}
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "cohort.form_teams")).one()
    assert entry.details == {"size": 2, "teams": 3, "learners": 6, "replaced": 0}

    with pytest.raises(Conflict):  # teams exist: re-forming asks for confirmation
        teams.form_teams(group["lead"], cohort, 4)
    teams.form_teams(group["lead"], cohort, 4, replace=True)
    reformed = members_by_team(cohort)
    assert sorted(len(ids) for ids in reformed.values()) == [3, 3]
    assert set().union(*reformed.values()) == {u.id for u in learners}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team).where(Team.cohort_id == cohort.id)) == 2
    teams.form_teams(group["lead"], cohort, 2, replace=True)
    assert members_by_team(cohort) == formed  # the same cohort forms the same teams


def test_forming_refuses_bad_sizes_and_an_empty_cohort(group):
    for size in (1, 51, "3", True):
        with pytest.raises(InvalidInput) as refused:
            teams.form_teams(group["lead"], group["cohort"], size)
        assert refused.value.field == "size"
    empty = make_cohort(group["course"], group["admin"], name="Empty")
    with pytest.raises(InvalidInput):
        teams.form_teams(group["admin"], empty, 3)


def test_teams_by_hand_and_moving_learners(group):
    cohort, lead, (a, b, *_rest) = group["cohort"], group["lead"], group["learners"]
    red = teams.create_team(lead, cohort, "  Red ")
    assert red.name == "Red"
    with pytest.raises(InvalidInput) as twice:  # a double submit makes one team
        teams.create_team(lead, cohort, "red")
    assert twice.value.field == "name"
    blue = teams.create_team(lead, cohort, "Blue")
    teams.move_to_team(lead, cohort, a.id, red.id)
    teams.move_to_team(lead, cohort, b.id, red.id)
    teams.move_to_team(lead, cohort, a.id, blue.id)  # moved, not added twice
    assert members_by_team(cohort) == {"Red": {b.id}, "Blue": {a.id}}
    teams.move_to_team(lead, cohort, b.id, None)
    assert members_by_team(cohort) == {"Blue": {a.id}}

    with pytest.raises(InvalidInput):  # a learner of another cohort, or someone in none
        teams.move_to_team(lead, cohort, group["elsewhere"].id, red.id)
    with pytest.raises(InvalidInput):
        teams.move_to_team(lead, cohort, group["outsider"].id, red.id)
    foreign = teams.create_team(group["other_lead"], group["other"], "Green")
    with pytest.raises(NotFound):  # another cohort's team is no team of this one
        teams.move_to_team(lead, cohort, a.id, foreign.id)
    with pytest.raises(InvalidInput):
        teams.rename_team(lead, cohort, red.id, "Blue")
    teams.rename_team(lead, cohort, red.id, "Crimson")
    teams.delete_team(lead, cohort, blue.id)
    assert members_by_team(cohort) == {}
    assert db.session.get(Team, red.id).name == "Crimson"
    assert cohorts.membership_of(cohort, a.id) is not None  # still in the cohort


def test_the_database_keeps_a_learner_in_one_team_of_the_cohort(group):
    cohort, a = group["cohort"], group["learners"][0]
    red, blue = teams.create_team(group["lead"], cohort, "Red"), teams.create_team(group["lead"], cohort, "Blue")
    teams.move_to_team(group["lead"], cohort, a.id, red.id)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(TeamMembership(team_id=blue.id, cohort_id=cohort.id, user_id=a.id, added_at=red.created_at))
    foreign = teams.create_team(group["other_lead"], group["other"], "Green")
    with pytest.raises(IntegrityError), db.session.begin_nested():  # the team must be the cohort's
        db.session.add(TeamMembership(team_id=foreign.id, cohort_id=cohort.id, user_id=group["learners"][1].id,
                                      added_at=red.created_at))


def test_leaving_the_cohort_leaves_the_team(group):
    cohort, (a, b, *_rest) = group["cohort"], group["learners"]
    red = teams.create_team(group["lead"], cohort, "Red")
    teams.move_to_team(group["lead"], cohort, a.id, red.id)
    teams.move_to_team(group["lead"], cohort, b.id, red.id)
    cohorts.leave_cohort(a, cohort)
    cohorts.remove_learner(group["lead"], cohort, b.id)
    assert members_by_team(cohort) == {}


def test_only_the_cohorts_facilitators_and_administrators_manage_teams(group):
    cohort = group["cohort"]
    for who in ("other_lead", "outsider", "course_facilitator", "elsewhere"):
        with pytest.raises(PermissionDenied):
            teams.create_team(group[who], cohort, "Mine")
        with pytest.raises(PermissionDenied):
            teams.form_teams(group[who], cohort, 3)
    with pytest.raises(PermissionDenied):
        teams.form_teams(group["learners"][0], cohort, 3)
    assert teams.form_teams(group["admin"], cohort, 3)


def test_a_team_space_is_its_members_and_its_facilitators(group):
    cohort, (a, b, c, *_rest) = group["cohort"], group["learners"]
    red, blue = teams.create_team(group["lead"], cohort, "Red"), teams.create_team(group["lead"], cohort, "Blue")
    teams.move_to_team(group["lead"], cohort, a.id, red.id)
    teams.move_to_team(group["lead"], cohort, b.id, red.id)
    teams.move_to_team(group["lead"], cohort, c.id, blue.id)
    ref = describe_key(team_space_key(red.id))
    assert ref is not None and ref.membership == "team" and ref.title == "Evening group: Red"
    stand_in = ref.stand_in()
    assert [is_member(group[w] if isinstance(w, str) else w, stand_in) for w in
            (a, b, "lead", c, "other_lead", "elsewhere", "outsider", "course_facilitator", "admin")] == [
        True, True, True, False, False, False, False, False, False]
    assert moderates(group["lead"], stand_in) and not moderates(a, stand_in)
    assert not moderates(group["other_lead"], stand_in)

    space = discussion.group_space_for_writing(a, ref.key)
    thread = discussion.start_thread(a, space, None, "Our plan", "Shall we meet on Friday?")
    with pytest.raises(NotFound):
        discussion.group_space_for_writing(c, ref.key)
    teams.move_to_team(group["lead"], cohort, a.id, blue.id)  # moved out: the old team's space is closed to them
    assert not is_member(a, space)
    teams.delete_team(group["lead"], cohort, red.id)
    assert describe_key(ref.key) is None and not is_member(b, space)
    assert thread.id  # the thread was written while they were members


def test_the_team_pages(client, group):
    cohort, lead, (a, b, c, *_rest) = group["cohort"], group["lead"], group["learners"]
    red = teams.create_team(lead, cohort, "Red")
    teams.move_to_team(lead, cohort, a.id, red.id)
    teams.move_to_team(lead, cohort, b.id, red.id)
    db.session.commit()
    log_in(client, a)
    page = client.get(f"/cohorts/{cohort.id}/teams")
    assert page.status_code == 200 and "Your team: Red" in page.text and b.display_name in page.text
    assert b.email not in page.text and f"/discussion/groups/team/{red.id}" in page.text
    assert client.get(f"/discussion/groups/team/{red.id}").status_code == 200
    assert client.post(f"/cohorts/{cohort.id}/teams", data={"new-name": "Mine"}).status_code == 403
    assert client.get(f"/cohorts/{cohort.id}/teams.csv").status_code == 403
    log_in(client, c)
    assert "no team of this cohort yet" in client.get(f"/cohorts/{cohort.id}/teams").text
    assert client.get(f"/discussion/groups/team/{red.id}").status_code == 404
    log_in(client, group["elsewhere"])
    assert client.get(f"/cohorts/{cohort.id}/teams").status_code == 404
    log_in(client, group["other_lead"])
    assert client.get(f"/cohorts/{cohort.id}/teams").status_code == 404
    assert client.get(f"/discussion/groups/team/{red.id}").status_code == 404
    assert client.post(f"/cohorts/{cohort.id}/teams/form", data={"size": "2"}).status_code == 403

    log_in(client, lead)
    page = client.get(f"/cohorts/{cohort.id}/teams").text
    assert "Red" in page and b.email in page and "Replace the current teams" in page
    assert client.post(f"/cohorts/{cohort.id}/teams", data={"new-name": ""}).status_code == 302  # flashed
    assert client.post(f"/cohorts/{cohort.id}/teams", data={"new-name": "Blue"}).status_code == 302
    assert client.post(f"/cohorts/{cohort.id}/teams", data={"new-name": "Blue"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team).where(Team.name == "Blue")) == 1
    blue = db.session.scalars(sa.select(Team).where(Team.name == "Blue")).one()
    client.post(f"/cohorts/{cohort.id}/teams/learners/{c.id}", data={"team": str(blue.id)})
    client.post(f"/cohorts/{cohort.id}/teams/{red.id}/rename", data={f"team-{red.id}-name": "Crimson"})
    assert members_by_team(cohort) == {"Crimson": {a.id, b.id}, "Blue": {c.id}}
    refused = client.post(f"/cohorts/{cohort.id}/teams/form", data={"size": "3"}, follow_redirects=True)
    assert "confirm" in refused.text and members_by_team(cohort)["Blue"] == {c.id}
    assert client.post(f"/cohorts/{cohort.id}/teams/form", data={"size": "x"}).status_code == 302
    client.post(f"/cohorts/{cohort.id}/teams/form", data={"size": "3", "replace": "y"})
    assert set(members_by_team(cohort)) == {"Team 1", "Team 2"}
    team_one = db.session.scalars(sa.select(Team).where(Team.name == "Team 1")).one()
    client.post(f"/cohorts/{cohort.id}/teams/{team_one.id}/delete")
    assert set(members_by_team(cohort)) == {"Team 2"}


def test_the_csv_export_is_safe_in_a_spreadsheet(client, group):
    cohort, lead, (a, *_rest) = group["cohort"], group["lead"], group["learners"]
    a.display_name = "=HYPERLINK(\"http://evil.example\")"
    cohort.name = 'Grupo "Añil" / 2'
    team = teams.create_team(lead, cohort, "+Team")
    teams.move_to_team(lead, cohort, a.id, team.id)
    db.session.commit()
    log_in(client, lead)
    response = client.get(f"/cohorts/{cohort.id}/teams.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="cohort-{cohort.id}-grupo-anil-2-teams.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["team", "learner", "email", "time_zone"],
                    ["'+Team", "'=HYPERLINK(\"http://evil.example\")", a.email, a.timezone]]


def test_the_shared_csv_helpers():
    assert [safe_cell(v) for v in ("=1+1", "-2", "@x", "plain", 3, None)] == ["'=1+1", "'-2", "'@x", "plain", 3, None]
    assert safe_filename("cohort", 7, "../\r\nÉté") == "cohort-7-ete.csv"
    assert safe_filename("", "§§") == "export.csv"


def test_a_learners_team_is_in_their_personal_data(group):
    cohort, a = group["cohort"], group["learners"][0]
    red = teams.create_team(group["lead"], cohort, "Red")
    teams.move_to_team(group["lead"], cohort, a.id, red.id)
    exported = export_user_data(a)
    assert [row["team_id"] for row in exported["cohort_team_memberships"]] == [red.id]


def test_a_report_in_a_team_space_reaches_its_facilitators_queue(client, group):
    cohort, (a, b, *_rest) = group["cohort"], group["learners"]
    red = teams.create_team(group["lead"], cohort, "Red")
    teams.move_to_team(group["lead"], cohort, a.id, red.id)
    teams.move_to_team(group["lead"], cohort, b.id, red.id)
    space = discussion.group_space_for_writing(a, team_space_key(red.id))
    thread = discussion.start_thread(a, space, None, "Rude", "Something unkind")
    post = db.session.scalars(sa.select(Post).where(Post.thread_id == thread.id)).one()
    moderation.report_post(b, post.id, "unkind")
    db.session.commit()
    log_in(client, group["lead"])
    assert "Something unkind" in client.get(f"/courses/{group['course'].slug}/discussion/moderation").text
    with pytest.raises(NotFound):  # a member, not a moderator: no such thing to hide
        moderation.hide_post(b, post.id, "me too")
    with pytest.raises(NotFound):  # to another cohort's facilitator the space does not exist
        moderation.hide_post(group["other_lead"], post.id, "not theirs")
    assert moderation.hide_post(group["lead"], post.id, "unkind").hidden_at is not None


def test_the_teams_pages_cost_the_same_queries_however_many_teams(client, count_queries, group):
    from tests.test_query_counts import queries_for

    cohort, lead, a = group["cohort"], group["lead"], group["learners"][0]
    teams.form_teams(lead, cohort, 6)
    db.session.commit()
    log_in(client, lead)
    few = queries_for(client, count_queries, f"/cohorts/{cohort.id}/teams")
    log_in(client, a)
    mine_few = queries_for(client, count_queries, f"/cohorts/{cohort.id}/teams")
    for n in range(12):
        cohorts.join_cohort(make_user(timezone=ZONES[n % 3]), cohort, group["course"])
    teams.form_teams(lead, cohort, 2, replace=True)
    db.session.commit()
    log_in(client, lead)
    assert queries_for(client, count_queries, f"/cohorts/{cohort.id}/teams") == few
    log_in(client, a)
    assert queries_for(client, count_queries, f"/cohorts/{cohort.id}/teams") == mine_few


# Learners are told when they are put in a team ---------------------------------------------------------------

def placed_notices(user_id: int) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user_id, Notification.kind == TEAM_PLACED.name).order_by(Notification.id)))


def tell_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == teams.TELL_PLACED)) or 0


def test_forming_tells_each_learner_once_of_their_team_after_the_commit(group, run_outbox):
    cohort, learners = group["cohort"], group["learners"]
    made = teams.form_teams(group["lead"], cohort, 2)
    assert tell_rows() == 1  # one row for the operation, not one per learner or team
    assert all(placed_notices(learner.id) == [] for learner in learners)  # nothing before the worker runs
    run_outbox()
    names = {member: name for name, members in members_by_team(cohort).items() for member in members}
    for learner in learners:
        rows = placed_notices(learner.id)
        assert len(rows) == 1 and rows[0].params == {"cohort": "Evening group", "team": names[learner.id]}
        assert rows[0].link.endswith(f"/cohorts/{cohort.id}/teams")
    assert len(made) == 3 and placed_notices(group["lead"].id) == [] and placed_notices(group["elsewhere"].id) == []
    run_outbox()
    assert all(len(placed_notices(learner.id)) == 1 for learner in learners)  # nobody told twice


def test_forming_again_tells_only_those_whose_team_changed(group, run_outbox):
    cohort, learners = group["cohort"], group["learners"]
    teams.form_teams(group["lead"], cohort, 2)
    run_outbox()
    teams.form_teams(group["lead"], cohort, 2, replace=True)  # the same result
    run_outbox()
    assert all(len(placed_notices(learner.id)) == 1 for learner in learners)
    teams.form_teams(group["lead"], cohort, 3, replace=True)  # two teams of three: everybody's team changed
    run_outbox()
    assert all(len(placed_notices(learner.id)) == 2 for learner in learners)


def test_moving_tells_the_learner_moved_only(group, run_outbox):
    cohort, lead = group["cohort"], group["lead"]
    first, second = teams.create_team(lead, cohort, "Owls"), teams.create_team(lead, cohort, "Larks")
    a, b = group["learners"][:2]
    teams.move_to_team(lead, cohort, a.id, first.id)
    teams.move_to_team(lead, cohort, b.id, first.id)
    run_outbox()
    assert [n.params["team"] for n in placed_notices(a.id)] == ["Owls"]
    teams.move_to_team(lead, cohort, a.id, first.id)  # where they are already
    teams.move_to_team(lead, cohort, b.id, None)  # out of every team
    run_outbox()
    assert len(placed_notices(a.id)) == 1 and len(placed_notices(b.id)) == 1
    teams.move_to_team(lead, cohort, a.id, second.id)
    run_outbox()
    assert [n.params["team"] for n in placed_notices(a.id)] == ["Owls", "Larks"]
    assert len(placed_notices(b.id)) == 1


def test_a_learner_moved_again_before_the_worker_runs_hears_of_where_they_are(group, run_outbox):
    cohort, lead = group["cohort"], group["lead"]
    first, second = teams.create_team(lead, cohort, "Owls"), teams.create_team(lead, cohort, "Larks")
    a, b = group["learners"][:2]
    teams.move_to_team(lead, cohort, a.id, first.id)
    teams.move_to_team(lead, cohort, a.id, second.id)
    teams.move_to_team(lead, cohort, b.id, first.id)
    cohorts.leave_cohort(b, cohort)
    run_outbox()
    assert [n.params["team"] for n in placed_notices(a.id)] == ["Larks"]  # not told of a team they left
    assert placed_notices(b.id) == []


def test_a_learner_turns_the_team_notice_off_in_their_preferences(group, client, run_outbox):
    a = group["learners"][0]
    log_in(client, a)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert TEAM_PLACED.name in page and "Being put in a team of your cohort" in page
    set_preferences(a, a, {TEAM_PLACED.name: Channel.off.value})
    teams.form_teams(group["lead"], group["cohort"], 2)
    run_outbox()
    assert placed_notices(a.id) == [] and len(placed_notices(group["learners"][1].id)) == 1


def test_a_rolled_back_forming_tells_nobody(group, run_outbox):
    with pytest.raises(RuntimeError), db.session.begin_nested():
        teams.form_teams(group["lead"], group["cohort"], 2)
        raise RuntimeError("the request failed")
    run_outbox()
    assert tell_rows() == 0 and all(placed_notices(learner.id) == [] for learner in group["learners"])
