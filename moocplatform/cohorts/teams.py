"""Teams inside a cohort: its facilitators make them by hand, or form them of a size, balanced by time zone.

Forming looks at nothing but who is seated and the time zone each learner set on their account (never their
progress, scores or activity): learners are ordered by their UTC offset now, then split into runs whose sizes
differ by at most one, so a team's members are as close in time as the cohort allows and the same cohort forms
the same teams. A learner is in at most one team of a cohort; leaving the cohort takes them out of it.

A learner put in a team (by hand, moved, or by forming) is told once per operation, after the commit, through
the outbox; forming again with the same result (the same team name and the same teammates) tells nobody."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, outbox, policy, validation
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..notifications.services import notify, site_path
from . import queries
from .models import Cohort, CohortMembership, MembershipStatus, Team, TeamMembership
from .notices import TEAM_PLACED

NAME_LENGTH = 80
MIN_SIZE, MAX_SIZE = 2, 50
TELL_PLACED = "cohorts.tell_team_placed"


@dataclass(frozen=True)
class Placed:
    """A learner as forming sees them: who, and their UTC offset in minutes now."""

    user_id: int
    offset_minutes: int


def utc_offset_minutes(zone: str, at: datetime, fallback: str = "UTC") -> int:
    """The zone's offset from UTC at that moment, in minutes (an unknown zone counts as the fallback)."""
    for name in (zone, fallback, "UTC"):
        try:
            offset = at.astimezone(ZoneInfo(name)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return int(offset.total_seconds() // 60) if offset is not None else 0
    return 0


def balanced_groups(people: Sequence[Placed], size: int) -> list[list[Placed]]:
    """As few groups as keep each to at most `size`, their sizes differing by at most one, of people adjacent
    by UTC offset (then by id, so that the result never depends on the order given)."""
    if not people:
        return []
    ordered = sorted(people, key=lambda p: (p.offset_minutes, p.user_id))
    count = math.ceil(len(ordered) / size)
    small, larger = divmod(len(ordered), count)
    groups, start = [], 0
    for index in range(count):
        end = start + small + (1 if index < larger else 0)
        groups.append(ordered[start:end])
        start = end
    return groups


def _require_manager(actor, cohort: Cohort) -> None:
    if not policy.can_manage_teams(actor, cohort):
        raise PermissionDenied(_("Only the cohort's facilitators manage its teams."))


def _lock(cohort: Cohort) -> None:
    """Two facilitators forming or editing teams at once take turns."""
    db.session.execute(sa.select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def _name(value) -> str:
    return validation.text(value, "name", min_length=1, max_length=NAME_LENGTH)


def get_team(cohort: Cohort, team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or team.cohort_id != cohort.id:
        raise NotFound(_("No such team."))
    return team


def _taken(cohort: Cohort, name: str, but: int | None = None) -> bool:
    query = sa.select(Team.id).where(Team.cohort_id == cohort.id, sa.func.lower(Team.name) == name.lower())
    if but is not None:
        query = query.where(Team.id != but)
    return db.session.scalar(query) is not None


def _name_taken() -> InvalidInput:
    return InvalidInput(_("Another team of this cohort has this name."), field="name")


def create_team(actor, cohort: Cohort, name: str) -> Team:
    """An empty team; the same name twice (a double submit) makes one team."""
    _require_manager(actor, cohort)
    name = _name(name)
    _lock(cohort)
    if _taken(cohort, name):
        raise _name_taken()
    team = Team(cohort_id=cohort.id, name=name, created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(team)
    except IntegrityError:
        raise _name_taken() from None
    audit.record(actor, "cohort.create_team", cohort, team_id=team.id, name=name)
    return team


def rename_team(actor, cohort: Cohort, team_id: int, name: str) -> Team:
    _require_manager(actor, cohort)
    team = get_team(cohort, team_id)
    name = _name(name)
    _lock(cohort)
    if _taken(cohort, name, but=team.id):
        raise _name_taken()
    before, team.name = team.name, name
    db.session.flush()
    audit.record(actor, "cohort.rename_team", cohort, team_id=team.id, name=name, was=before)
    return team


def delete_team(actor, cohort: Cohort, team_id: int) -> None:
    """The team goes; its learners stay in the cohort, in no team."""
    _require_manager(actor, cohort)
    team = get_team(cohort, team_id)
    _lock(cohort)
    db.session.execute(sa.delete(TeamMembership).where(TeamMembership.team_id == team.id))
    db.session.delete(team)
    db.session.flush()
    audit.record(actor, "cohort.delete_team", cohort, team_id=team_id, name=team.name)


def move_to_team(actor, cohort: Cohort, learner_id: int, team_id: int | None) -> TeamMembership | None:
    """Put a seated learner of the cohort in one of its teams (out of any other), or in none (team_id None)."""
    _require_manager(actor, cohort)
    team = get_team(cohort, team_id) if team_id is not None else None
    seated = db.session.scalar(sa.select(CohortMembership.id).where(
        CohortMembership.cohort_id == cohort.id, CohortMembership.user_id == learner_id,
        CohortMembership.status == MembershipStatus.MEMBER))
    if seated is None:
        raise InvalidInput(_("Only the cohort's seated learners are in its teams."), field="user_id")
    _lock(cohort)
    current = db.session.scalar(sa.select(TeamMembership).where(
        TeamMembership.cohort_id == cohort.id, TeamMembership.user_id == learner_id))
    was = current.team_id if current is not None else None
    if team is None:
        if current is not None:
            db.session.delete(current)
    elif current is None:
        current = TeamMembership(team_id=team.id, cohort_id=cohort.id, user_id=learner_id, added_at=clock.now())
        db.session.add(current)
    else:
        current.team_id, current.added_at = team.id, clock.now()
    db.session.flush()
    audit.record(actor, "cohort.move_to_team", cohort, user_id=learner_id, team_id=team_id, was=was)
    if team is not None and was != team.id:
        _queue_placed(cohort, [(learner_id, team.id)])
    return current if team is not None else None


def form_teams(actor, cohort: Cohort, size: int, *, replace: bool = False) -> list[Team]:
    """Teams of at most `size` of every seated learner, balanced by time zone ("Team 1", "Team 2", ...). Teams
    the cohort has already are replaced only when `replace` says the facilitator confirmed it."""
    _require_manager(actor, cohort)
    size = validation.whole_number(size, "size", minimum=MIN_SIZE, maximum=MAX_SIZE)
    _lock(cohort)
    existing = db.session.scalar(sa.select(sa.func.count()).where(Team.cohort_id == cohort.id)) or 0
    if existing and not replace:
        raise Conflict(_("The cohort has teams already: confirm that they are to be replaced."), field="replace")
    now = clock.now()
    rows = queries.seated_time_zones(cohort.id)
    if not rows:
        raise InvalidInput(_("The cohort has no learners to form teams of yet."), field="size")
    people = [Placed(user_id, utc_offset_minutes(zone or "", now, cohort.time_zone)) for user_id, zone in rows]
    before = _teams_by_learner(cohort.id)
    db.session.execute(sa.delete(TeamMembership).where(TeamMembership.cohort_id == cohort.id))
    db.session.execute(sa.delete(Team).where(Team.cohort_id == cohort.id))
    teams, placed = [], []
    for number, group in enumerate(balanced_groups(people, size), start=1):
        team = Team(cohort_id=cohort.id, name=_("Team %(number)d", number=number), created_at=now)
        db.session.add(team)
        db.session.flush()
        db.session.add_all(TeamMembership(team_id=team.id, cohort_id=cohort.id, user_id=p.user_id, added_at=now)
                           for p in group)
        teams.append(team)
        mates = frozenset(p.user_id for p in group)
        placed += [(p.user_id, team.id) for p in group if before.get(p.user_id) != (team.name, mates)]
    db.session.flush()
    audit.record(actor, "cohort.form_teams", cohort, size=size, teams=len(teams), learners=len(people),
                 replaced=existing)
    _queue_placed(cohort, placed)
    return teams


def _teams_by_learner(cohort_id: int) -> dict[int, tuple[str, frozenset[int]]]:
    """Each learner in a team of the cohort: the team's name and its members (them included)."""
    rows = queries.team_placements(cohort_id)
    members: dict[int, set[int]] = {}
    for user_id, team_id, _team_name in rows:
        members.setdefault(team_id, set()).add(user_id)
    return {user_id: (name, frozenset(members[team_id])) for user_id, team_id, name in rows}


def _queue_placed(cohort: Cohort, placed: list[tuple[int, int]]) -> None:
    """One outbox row for the operation, whatever the number of learners and teams."""
    if placed:
        outbox.enqueue(TELL_PLACED, {"cohort": cohort.id, "placed": [[user, team] for user, team in placed]})


def tell_placed(payload: dict[str, Any], _row: object = None) -> int:
    """The outbox kind TELL_PLACED (transactional): each learner placed is told of their team, if they are in it
    still and seated in the cohort (moved or gone meanwhile: not told of a team they are not in). Returns how
    many were told."""
    cohort = db.session.get(Cohort, int(payload["cohort"]))
    if cohort is None:
        return 0
    now_in = {user_id: (team_id, name) for user_id, team_id, name in queries.team_placements(cohort.id)}
    wanted = {int(user): int(team) for user, team in payload.get("placed") or []}
    link = site_path("cohorts.teams_page", cohort_id=cohort.id)
    told = 0
    for user in queries.seated_users(cohort.id, [u for u, t in wanted.items() if now_in.get(u, (None,))[0] == t]):
        params = {"cohort": cohort.name, "team": now_in[user.id][1]}
        told += notify(user, TEAM_PLACED.name, params, link=link) is not None
    return told

