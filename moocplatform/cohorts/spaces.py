"""A cohort's discussion space, on discussion's one mechanism of spaces: the membership kind "cohort".

Its members are the cohort's seated learners and its facilitators; its facilitators moderate it, and so do
the course's course-wide moderators (the course team, facilitators granted on the course, administrators),
who read it for that reason; a facilitator of another cohort does not. The space's key is "cohort:<id>"; it
holds the cohort's own threads and its cohort-only comments under units, which discussion shows beside the
course's to those who read the space. Each team of a cohort has a space too, the membership kind "team".

A programme's cohort (no course) has both spaces as well, with no course behind them: its seated learners and
its facilitators are members, and whoever edits the programme reads and moderates its cohorts' spaces as a
course's moderators do a course's (not its teams')."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .. import policy
from ..access import access_for
from ..discussion.membership import MembershipKind, SpaceRef, register_membership
from ..organisations.queries import get_organisation
from . import queries

KIND = "cohort"
PREFIX = f"{KIND}:"
SEATS_FACT = "cohort-seats"


def space_key(cohort_id: int) -> str:
    return f"{PREFIX}{cohort_id}"


def cohort_id_of(space: Any) -> int | None:
    ref = space.key[len(PREFIX):] if space.key.startswith(PREFIX) else ""
    return int(ref) if ref.isdigit() else None


def _leads(user: Any, cohort_id: int) -> bool:
    return policy.leads_cohort(user, SimpleNamespace(id=cohort_id))


def _manages_programme(user: Any, cohort_id: int) -> bool:
    """Whoever edits the programme of this (programme) cohort."""
    programme = queries.programme_of_cohort(cohort_id)
    if programme is None:
        return False
    organisation = get_organisation(programme.organisation_id) if programme.organisation_id else None
    return policy.moderates_programme_cohort_spaces(user, programme, organisation)


def _moderates(user: Any, space: Any) -> bool:
    cohort_id = cohort_id_of(space)
    if cohort_id is None:
        return False
    if _leads(user, cohort_id):
        return True
    if space.course_id is None:
        return _manages_programme(user, cohort_id)
    return policy.moderates_every_cohort_space(user, space.course_id)


def _is_member(user: Any, space: Any) -> bool:
    cohort_id = cohort_id_of(space)
    if cohort_id is None:
        return False
    if _leads(user, cohort_id):
        return True
    if space.course_id is None:  # a programme's cohort: no course, so no access context to ask for seats
        return queries.is_seated(cohort_id, user.id) or _manages_programme(user, cohort_id)
    return (cohort_id in access_for(user, space.course_id).fact(SEATS_FACT)
            or policy.moderates_every_cohort_space(user, space.course_id))


def _ref(cohort_id: int, course_id: int | None, name: str, own: bool = True) -> SpaceRef:
    return SpaceRef(key=space_key(cohort_id), membership=KIND, course_id=course_id, title=name, own=own)


def _spaces_in_course(viewer: Any, course_id: int) -> list[SpaceRef]:
    every = policy.moderates_every_cohort_space(viewer, course_id)
    rows = queries.cohorts_read_in_course(viewer.id, course_id, queries.led_cohort_ids(viewer), every=every)
    return [_ref(cohort_id, course_id, name, own) for cohort_id, name, own in rows]


def _describe(cohort_id: int) -> SpaceRef | None:
    found = queries.cohort_course_and_name(cohort_id)
    return _ref(cohort_id, found[0], found[1]) if found is not None else None


# A team's space: the membership kind "team", key "team:<team id>". Its members are the team's learners (with a
# seat in the cohort) and the cohort's facilitators, who moderate it; nobody else reads it. Learners reach it from
# their team's page (in a programme's cohort too); in a course it lists only the team spaces of the cohorts the
# viewer leads, as spaces they moderate (not own: no unit comments go there), so that their reports and held posts
# reach the moderation queue, and a viewer who leads no cohort costs no query.

TEAM_KIND = "team"
TEAM_PREFIX = f"{TEAM_KIND}:"


def team_space_key(team_id: int) -> str:
    return f"{TEAM_PREFIX}{team_id}"


def team_id_of(space: Any) -> int | None:
    ref = space.key[len(TEAM_PREFIX):] if space.key.startswith(TEAM_PREFIX) else ""
    return int(ref) if ref.isdigit() else None


def _team_member(user: Any, space: Any) -> bool:
    team_id = team_id_of(space)
    found = queries.team_cohort_if_member(team_id, user.id) if team_id is not None else None
    return found is not None and (found[1] or _leads(user, found[0]))


def _team_moderates(user: Any, space: Any) -> bool:
    team_id = team_id_of(space)
    found = queries.team_space_facts(team_id) if team_id is not None else None
    return found is not None and _leads(user, found[0])


def _team_spaces_in_course(viewer: Any, course_id: int) -> list[SpaceRef]:
    led = queries.led_cohort_ids(viewer)
    if not led:
        return []
    return [SpaceRef(key=team_space_key(team_id), membership=TEAM_KIND, course_id=course_id,
                     title=f"{cohort_name}: {team_name}", own=False)
            for team_id, team_name, cohort_name in queries.teams_of_cohorts_in_course(course_id, led)]


def _describe_team(team_id: int) -> SpaceRef | None:
    found = queries.team_space_facts(team_id)
    if found is None:
        return None
    _cohort_id, course_id, team_name, cohort_name = found
    return SpaceRef(key=team_space_key(team_id), membership=TEAM_KIND, course_id=course_id,
                    title=f"{cohort_name}: {team_name}")


def register() -> None:
    register_membership(COHORT)
    register_membership(TEAM)


COHORT = MembershipKind(KIND, is_member=_is_member, moderates=_moderates, spaces_in_course=_spaces_in_course,
                        describe=_describe)
TEAM = MembershipKind(TEAM_KIND, is_member=_team_member, moderates=_team_moderates,
                      spaces_in_course=_team_spaces_in_course, describe=_describe_team)
