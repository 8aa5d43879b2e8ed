"""Every permission rule, once. Views, templates (as Jinja globals), services and the CLI ask these predicates.

Predicates about a course read the viewer's access context (`moocplatform.access`): one per viewer and
course per request, so nobody passes precomputed flags such as "enrolled". The visibility rules say what each
kind of viewer may see of a learner; later areas (discussion, cohorts, portfolio, quizzes) ask `can_see`, or
for a list of people `relations_for` once, instead of deciding again.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa

from .access import AccessContext, access_for, grants_of, scope_loader, signed_in
from .accounts.models import COURSE_ROLES, ScopeType
from .catalog.models import CoursePartner
from .extensions import db
from .learning.models import Enrollment

# What each relation to a learner lets a viewer see. A relation holds within a course (co-learner,
# facilitator, course team) or everywhere (self, admin).
VISIBILITY: dict[str, frozenset[str]] = {
    "display_name": frozenset({"self", "co_learner", "facilitator", "course_team", "admin"}),
    "bio": frozenset({"self", "co_learner", "facilitator", "course_team", "admin"}),
    "posts": frozenset({"self", "co_learner", "facilitator", "course_team", "admin"}),
    "full_name": frozenset({"self", "facilitator", "admin"}),
    "email": frozenset({"self", "admin"}),
    "preferences": frozenset({"self", "admin"}),  # language and time zone
    "progress": frozenset({"self", "facilitator", "course_team", "admin"}),
    "reflections": frozenset({"self", "facilitator"}),
    "notes": frozenset({"self"}),
}


def access(user: Any, course: Any) -> AccessContext:
    """The viewer's access context for the course, shared by every predicate in the request."""
    return access_for(user, course)


def is_admin(user: Any) -> bool:
    return signed_in(user) and user.has_role("admin")


def is_course_team(user: Any, course: Any) -> bool:
    return access_for(user, course).holds("course_team")


def is_facilitator(user: Any, course: Any) -> bool:
    return access_for(user, course).holds("facilitator")


def is_course_staff(user: Any, course: Any) -> bool:
    return is_admin(user) or is_course_team(user, course) or is_facilitator(user, course)


def is_enrolled(user: Any, course: Any) -> bool:
    """An active enrolment (a learner who left is not enrolled)."""
    return access_for(user, course).enrolled


# Catalogue and content -----------------------------------------------------------------------------------

def can_view_course(user: Any, course: Any) -> bool:
    """Archived courses stay readable to their enrolled learners and staff, and leave the catalogue."""
    return not course.is_archived or is_enrolled(user, course) or is_course_staff(user, course)


def can_enrol(user: Any, course: Any) -> bool:
    return signed_in(user) and user.is_verified and not course.is_archived


def can_view_unit(user: Any, course: Any, unit: Any) -> bool:
    if not can_view_course(user, course):
        return False
    return unit.preview or is_enrolled(user, course) or is_course_staff(user, course)


def can_track_progress(user: Any, course: Any) -> bool:
    return signed_in(user) and not course.is_archived and is_enrolled(user, course)


def can_leave_course(user: Any, course: Any) -> bool:
    return signed_in(user)


def can_manage_course(user: Any, course: Any) -> bool:
    return is_admin(user) or is_course_team(user, course)


def can_create_course(user: Any) -> bool:
    return is_admin(user)


def can_invite(user: Any, course: Any) -> bool:
    return can_manage_course(user, course)


# Quizzes -------------------------------------------------------------------------------------------------

def can_take_quiz(user: Any, course: Any) -> bool:
    """Attempts are learning data: only enrolled learners of a course that is not archived make them."""
    return can_track_progress(user, course)


def can_grant_quiz_exception(user: Any, course: Any) -> bool:
    """Extra attempts or minutes for one learner. Facilitators of the course may be added here later."""
    return can_manage_course(user, course)


def can_view_quiz_statistics(user: Any, course: Any) -> bool:
    """The whole course's statistics. (Facilitators will get their cohorts' figures through a narrower rule.)"""
    return can_manage_course(user, course)


def can_view_quiz_attempt(viewer: Any, learner: Any, course: Any) -> bool:
    """A learner's attempt and score: whoever may see the learner's progress. Reflection answers inside it
    follow `can_see(viewer, learner, "reflections", course)`."""
    return can_see(viewer, learner, "progress", course)


def can_view_quiz_attempt_of(relations: Collection[str]) -> bool:
    """The same rule for a viewer whose relations to the learner are known (from `relations_for`)."""
    return sees(relations, "progress")


# Discussion ------------------------------------------------------------------------------------------------

def can_take_part_in_discussion(user: Any, course: Any) -> bool:
    """A course's forum and unit comments: its enrolled learners and its staff read and post."""
    return signed_in(user) and (is_enrolled(user, course) or is_course_staff(user, course))


def can_moderate_discussion(user: Any, course: Any) -> bool:
    """Hide and restore posts, pin and lock threads, work the report queue of the course's own spaces: the
    course team, facilitators granted on the course (or the platform) and administrators (self-paced courses
    have no facilitator: their course team moderates). A facilitator granted on a cohort moderates that
    cohort's spaces only (`leads_cohort`), not the course's."""
    return is_admin(user) or is_course_team(user, course) or (
        signed_in(user) and "facilitator" in access_for(user, course).course_wide_roles)


def moderates_every_cohort_space(user: Any, course: Any) -> bool:
    """Every cohort's discussion space of the course, its cohort-only comments included: administrators and
    whoever is granted on the course or the platform (course team, course facilitators). A facilitator granted
    on a cohort reads and moderates that cohort's space only."""
    return signed_in(user) and (is_admin(user) or bool(
        {"course_team", "facilitator"} & access_for(user, course).course_wide_roles))


# Announcements -----------------------------------------------------------------------------------------

def can_read_announcements(user: Any, course: Any) -> bool:
    """A course's announcements: whoever takes part in its discussion (its enrolled learners and staff)."""
    return can_take_part_in_discussion(user, course)


def can_announce(user: Any, course: Any) -> bool:
    """To everyone enrolled: the course team and administrators."""
    return can_manage_course(user, course)


def can_announce_to_cohort(user: Any, cohort: Any, course: Any) -> bool:
    """To a cohort's members: whoever announces to the course, and the cohort's own facilitators."""
    return cohort.course_id == course.id and (can_announce(user, course) or leads_cohort(user, cohort))


def can_announce_to_programme_cohort(user: Any, cohort: Any, programme: Any, organisation: Any = None) -> bool:
    """To a programme cohort's members (or one of its teams): whoever manages the cohort (its own facilitators,
    administrators) and whoever edits the programme, as a course's team announces to its cohorts."""
    return cohort.programme_id == programme.id and (
        can_manage_cohort(user, cohort) or can_edit_programme(user, programme, organisation))


def can_read_programme_cohort_announcements(user: Any, cohort: Any, membership: Any, programme: Any,
                                            organisation: Any = None) -> bool:
    """A programme cohort's announcements: its seated learners (`membership` is the viewer's in this cohort, or
    None; those waiting for a seat are not told) and whoever announces to it."""
    return can_announce_to_programme_cohort(user, cohort, programme, organisation) or (
        signed_in(user) and membership is not None and membership.status == "member")


# Assignments ---------------------------------------------------------------------------------------------

def can_hand_in(user: Any, course: Any) -> bool:
    """Handed-in work is learning data: enrolled learners of a course that is not archived."""
    return can_track_progress(user, course)


def can_review_submissions(user: Any, course: Any) -> bool:
    """The review queue: administrators and the course's facilitators. A facilitator granted on a cohort sees
    the work of that cohort's learners only (`reviewed_cohort_ids`); the course team sees aggregate results
    (`can_view_assignment_results`), not one learner's work."""
    return is_admin(user) or is_facilitator(user, course)


def reviews_whole_course(user: Any, course: Any) -> bool:
    """Administrators and facilitators granted on the course (or the platform) review every learner's work,
    self-paced learners' included."""
    return is_admin(user) or "facilitator" in access_for(user, course).course_wide_roles


def reviewed_cohort_ids(user: Any, course: Any) -> frozenset[int] | None:
    """The cohorts whose learners' work the user reviews: None for the whole course; else the cohorts the user
    facilitates (the queue keeps those of this course)."""
    if reviews_whole_course(user, course):
        return None
    return frozenset(scope_id for role, scope_type, scope_id in grants_of(user)
                     if role == "facilitator" and scope_type == ScopeType.COHORT and scope_id is not None)


def can_review_work_of(user: Any, learner_id: int, course: Any) -> bool:
    """One learner's handed-in work, its scores and decisions: whoever reviews the whole course, and the
    facilitators of the learner's cohorts (one query, through `relations_for`)."""
    if not signed_in(user):
        return False
    if reviews_whole_course(user, course):
        return True
    return is_facilitator(user, course) and "facilitator" in relations_for(user, [learner_id], course)[learner_id]


def can_view_assignment_results(user: Any, course: Any) -> bool:
    """The course's assignment results in aggregate (counts per assignment and state, no learner named): its
    staff and administrators."""
    return is_course_staff(user, course)


def can_view_submission(viewer: Any, author_id: int, course: Any, *, allocated_peer: bool = False) -> bool:
    """A learner's handed-in work: the learner, whoever reviews their work (`can_review_work_of`), and a peer
    allocated to review that version (who is never shown the author's name)."""
    return signed_in(viewer) and (viewer.id == author_id or allocated_peer
                                  or can_review_work_of(viewer, author_id, course))


# Administration ------------------------------------------------------------------------------------------

def can_administer(user: Any) -> bool:
    return is_admin(user)


def can_view_audit_log(user: Any) -> bool:
    return is_admin(user)


def can_archive_course(user: Any, course: Any) -> bool:
    return is_admin(user)


def can_grant_role(user: Any, role: str) -> bool:
    return is_admin(user)


def can_edit_profile(user: Any, subject: Any) -> bool:
    """People edit their own profile; administrators may correct anyone's."""
    return signed_in(user) and (user.id == subject.id or is_admin(user))


def can_manage_own_account(user: Any, subject: Any) -> bool:
    """Passwords and erasure: only the account holder, who also proves it with the password."""
    return signed_in(user) and user.id == subject.id
# Cohorts ---------------------------------------------------------------------------------------------------

def can_create_cohort(user: Any, course: Any) -> bool:
    """Administrators, and facilitators granted on the whole course (they then lead what they create)."""
    return is_admin(user) or (not course.is_archived and "facilitator" in access_for(user, course).course_wide_roles)


def leads_cohort(user: Any, cohort: Any) -> bool:
    """A facilitator of this cohort: a grant scoped to it, not one on the course."""
    return signed_in(user) and ("facilitator", ScopeType.COHORT, cohort.id) in grants_of(user)


def leads_some_cohort(user: Any) -> bool:
    """A facilitator of at least one cohort through a grant scoped to it (no query: the user's grants)."""
    return signed_in(user) and any(role == "facilitator" and scope_type == ScopeType.COHORT
                                   for role, scope_type, _scope_id in grants_of(user))


def can_manage_cohort(user: Any, cohort: Any) -> bool:
    """Change the cohort, its members and facilitators."""
    return is_admin(user) or leads_cohort(user, cohort)


def can_view_cohort(user: Any, cohort: Any, membership: Any) -> bool:
    """A cohort's page, plan and live sessions: its learners (seated or waiting; `membership` is the viewer's
    in this cohort, or None) and whoever manages it. To anyone else the cohort does not exist (404)."""
    return can_manage_cohort(user, cohort) or (signed_in(user) and membership is not None)


def can_join_cohort_calls(user: Any, cohort: Any, membership: Any) -> bool:
    """A live session's video-call link: the cohort's seated learners and whoever manages it, not those
    waiting for a seat."""
    return can_manage_cohort(user, cohort) or (signed_in(user) and membership is not None
                                               and membership.status == "member")


def can_manage_teams(user: Any, cohort: Any) -> bool:
    """Make, rename, delete and form a cohort's teams, move its learners between them and export them (with
    the learners' e-mail addresses): its facilitators, and administrators."""
    return is_admin(user) or leads_cohort(user, cohort)


def can_sign_off(user: Any, cohort: Any) -> bool:
    """Sign a learner of the cohort off (or withdraw it): its facilitators, and administrators; a course-wide
    facilitator grant is not enough, and a learner never signs themselves off."""
    return is_admin(user) or leads_cohort(user, cohort)


def can_join_cohort(user: Any, course: Any) -> bool:
    """Joining enrols too, so it asks what enrolling asks; an open or closed cohort is the service's check."""
    return can_enrol(user, course)


# Programmes: a group over any online content (no course; its cohorts' plans are external items and sessions).

def is_any_facilitator(user: Any) -> bool:
    """Holds a facilitator grant of any scope: on a course, a cohort or the platform."""
    return any(role == "facilitator" for role, _scope, _id in grants_of(user))


def can_create_programme(user: Any, organisation: Any = None) -> bool:
    """Administrators; an organisation's admins for their organisation; facilitators for none (a programme of
    their own) or for an organisation they belong to."""
    if not signed_in(user) or not user.is_verified:
        return False
    if is_admin(user):
        return True
    if organisation is None:
        return is_any_facilitator(user)
    return is_organisation_admin(user, organisation) or (is_any_facilitator(user)
                                                         and is_organisation_member(user, organisation))


def can_edit_programme(user: Any, programme: Any, organisation: Any = None) -> bool:
    """Its creator, the admins of the organisation that owns it, and administrators."""
    if not signed_in(user):
        return False
    return (is_admin(user) or programme.created_by_id == user.id
            or (organisation is not None and is_organisation_admin(user, organisation)))


def can_create_programme_cohort(user: Any, programme: Any, organisation: Any = None) -> bool:
    """Whoever edits the programme; and a facilitator, of an organisation's programme if they belong to it."""
    if can_edit_programme(user, programme, organisation):
        return True
    return is_any_facilitator(user) and (organisation is None or is_organisation_member(user, organisation))


def moderates_programme_cohort_spaces(user: Any, programme: Any, organisation: Any = None) -> bool:
    """The discussion spaces of a programme's cohorts (not their teams'): whoever edits the programme reads and
    moderates them, as a course's moderators do its cohorts' (`moderates_every_cohort_space`)."""
    return can_edit_programme(user, programme, organisation)


def can_join_programme_cohort(user: Any) -> bool:
    """No course to enrol in: a confirmed account."""
    return signed_in(user) and user.is_verified


# Organisations and opportunities ---------------------------------------------------------------------------

def organisation_role(user: Any, organisation: Any) -> str | None:
    """The viewer's role in the organisation (org_admin or org_member), from the access context's fact that
    the organisations area registers; None for an outsider or when no area resolves organisations."""
    if not signed_in(user) or organisation is None:
        return None
    try:
        roles = access_for(user, None).fact("organisations")
    except KeyError:
        return None
    return (roles or {}).get(organisation.id)


def is_organisation_admin(user: Any, organisation: Any) -> bool:
    return organisation_role(user, organisation) == "org_admin"


def is_organisation_member(user: Any, organisation: Any) -> bool:
    """An admin or a member of the organisation."""
    return organisation_role(user, organisation) is not None


def can_manage_organisations(user: Any) -> bool:
    """Create organisations, change their details and approve employers: platform administrators."""
    return is_admin(user)


def can_manage_organisation_members(user: Any, organisation: Any) -> bool:
    return is_admin(user) or is_organisation_admin(user, organisation)


def can_manage_partner_course_team(user: Any, organisation: Any, course: Any) -> bool:
    """Give members of an organisation course-team roles on a course it co-owns as a partner (the live version
    names it by slug), and take them back: the organisation's admins, and platform administrators."""
    if organisation is None or course is None or not can_manage_organisation_members(user, organisation):
        return False
    return bool(db.session.scalar(sa.select(sa.exists().where(
        CoursePartner.course_id == course.id, CoursePartner.slug == organisation.slug))))


def can_post_opportunities(user: Any, organisation: Any) -> bool:
    """Members of an employer organisation that an administrator approved."""
    return is_organisation_member(user, organisation) and bool(organisation.may_post_opportunities)


def can_manage_opportunity(user: Any, organisation: Any) -> bool:
    """Edit, close or withdraw a posting, and work its applications: members of the organisation that posted
    it (an administrator moderates postings, and reads no applications)."""
    return is_organisation_member(user, organisation)


def can_view_opportunity(user: Any, opportunity: Any, organisation: Any) -> bool:
    """Open and closed postings are public; drafts, withdrawn and removed ones are the posting organisation's
    (and, for moderation, administrators')."""
    if opportunity.status in ("open", "closed"):
        return True
    return is_organisation_member(user, organisation) or is_admin(user)


def can_apply_to_opportunity(user: Any) -> bool:
    return signed_in(user) and user.is_verified


def can_report_opportunity(user: Any) -> bool:
    return signed_in(user)


def can_moderate_opportunities(user: Any) -> bool:
    return is_admin(user)


def can_recommend_opportunity(user: Any, cohort: Any) -> bool:
    """A facilitator of the cohort tells its learners of a posting."""
    return is_admin(user) or leads_cohort(user, cohort)


# Tokens (personal access tokens, feed and link secrets) -----------------------------------------------

def can_issue_token(user: Any, owner_id: int) -> bool:
    """Only the owner issues a token: it acts as them."""
    return signed_in(user) and user.id == owner_id


def can_manage_tokens(user: Any, owner_id: int) -> bool:
    """The owner lists and revokes their tokens; an administrator may too (a leaked token)."""
    return signed_in(user) and (user.id == owner_id or user.has_role("admin"))


# Certificates ------------------------------------------------------------------------------------------

def can_manage_certificates(user: Any, course: Any) -> bool:
    """The course team or an administrator revokes and re-issues a course's certificates."""
    return can_manage_course(user, course)


def can_request_participation_statement(user: Any, course: Any) -> bool:
    """A statement of participation is for a learner actively enrolled."""
    return is_enrolled(user, course)


def can_download_certificate(user: Any, holder_id: int | None) -> bool:
    """The holder downloads their PDF and credential file; an administrator may too (the verification page
    and the signed credential's URL are public)."""
    return signed_in(user) and (user.id == holder_id or user.has_role("admin"))


# Notes and bookmarks ---------------------------------------------------------------------------------------

def can_keep_notes(user: Any, course: Any, unit: Any) -> bool:
    """A signed-in reader of a unit may write a note on it and bookmark it (a preview unit too)."""
    return signed_in(user) and can_view_unit(user, course, unit)


def owns_private_item(user: Any, owner_id: int) -> bool:
    """Notes and bookmarks are their owner's alone ("notes" is seen by "self" only): not course staff, not an
    administrator. The owner's data export gives them to the owner."""
    return signed_in(user) and user.id == owner_id


# Portfolio ---------------------------------------------------------------------------------------------

def can_manage_portfolio(user: Any, owner_id: int) -> bool:
    """Only the learner sees and changes their portfolio: not staff, not administrators. Others see it only
    through the public link the learner shares (or an application the learner sends)."""
    return owns_private_item(user, owner_id)


# People: public profiles and private conversations ----------------------------------------------------

PROFILE_STAFF = frozenset({"facilitator", "course_team"})


def can_view_profile(relations: Collection[str], *, visible: bool, blocked: bool,
                     back: Collection[str] = ()) -> bool:
    """A person's profile page, for a viewer standing in these relations to them (from `relations_for`);
    back: the person's relations to the viewer. visible: the person opted in to showing it to course-mates;
    blocked: the person blocked the viewer.

    Themselves and administrators always; a blocked viewer never; the staff of a course they are in always (they
    see those learners anyway), and the learners of a facilitator theirs (they may always write to each other);
    a co-learner (a course or cohort shared) only when the person opted in."""
    if "self" in relations or "admin" in relations:
        return True
    if blocked:
        return False
    if PROFILE_STAFF & set(relations) or "facilitator" in back:
        return True
    return visible and "co_learner" in relations


def can_message(towards: Collection[str], back: Collection[str], *, blocked: bool, both_allow: bool) -> bool:
    """May the sender write privately to the recipient? towards: the sender's relations to the recipient; back:
    the recipient's to the sender; blocked: either blocked the other; both_allow: both allow messages from
    co-learners.

    A facilitator reaches their learners and a learner their facilitator always; co-learners only when both
    allow it; nobody across a block. Administrators have no say in private conversations."""
    if blocked or "self" in towards:
        return False
    if "facilitator" in towards or "facilitator" in back:
        return True
    return both_allow and "co_learner" in towards


def can_block(towards: Collection[str], back: Collection[str]) -> bool:
    """May someone block a person? towards: their relations to the person; back: the person's to them (both
    from `relations_for`). Learners block other learners. Between a learner and someone who leads or teaches
    their course, or an administrator, there is a report instead: a block would cut a learner off from their
    own facilitator."""
    staff = {"facilitator", "course_team", "admin"}
    return "self" not in back and not (staff & set(back)) and not (staff & set(towards))


def can_list_people(user: Any, course: Any) -> bool:
    """A course's People page (the members who show their profile): its enrolled learners and its staff."""
    return signed_in(user) and (is_enrolled(user, course) or is_course_staff(user, course))


def can_resolve_reports(user: Any) -> bool:
    """Reports of profiles and of private messages go to the administrators (no course moderates them)."""
    return is_admin(user)


# Visibility of a learner's data ---------------------------------------------------------------------------

def relations_for(viewer: Any, learner_ids: Iterable[int], course: Any = None) -> dict[int, frozenset[str]]:
    """How viewer stands to each of these people: self, admin, and within courses co_learner, facilitator,
    course_team. With a course, only that course counts; without, any course they share.

    One query for the whole list (the active enrolments of the people and of the viewer), plus one per kind
    of narrower grant scope (cohort, organisation) the viewer holds, answered by the area that owns it.
    """
    ids = {int(i) for i in learner_ids}
    if not signed_in(viewer) or not ids:
        return {i: frozenset() for i in ids}
    base: set[str] = {"admin"} if is_admin(viewer) else set()
    query = sa.select(Enrollment.user_id, Enrollment.course_id).where(
        Enrollment.user_id.in_(ids | {viewer.id}), Enrollment.status == "active")
    if course is not None:
        query = query.where(Enrollment.course_id == course.id)
    courses_of: dict[int, set[int]] = {}
    for user_id, course_id in db.session.execute(query):
        courses_of.setdefault(user_id, set()).add(course_id)
    own_courses = courses_of.get(viewer.id, set())
    staff = _staff_reach(viewer, ids, courses_of)
    found: dict[int, frozenset[str]] = {}
    for learner_id in ids:
        relations = set(base)
        if learner_id == viewer.id:
            relations.add("self")
        shared = courses_of.get(learner_id, set())
        if shared:
            relations |= {role for role, pairs in staff.items()
                          if any((learner_id, c) in pairs or ("*", c) in pairs for c in shared)}
            if learner_id != viewer.id and own_courses & shared:
                relations.add("co_learner")
        found[learner_id] = frozenset(relations)
    return found


def _staff_reach(viewer: Any, ids: set[int], courses_of: dict[int, set[int]]) -> dict[str, set[tuple[Any, int]]]:
    """For each staff role, the (learner id, course id) pairs it reaches; ("*", course id) for a whole course."""
    reach: dict[str, set[tuple[Any, int]]] = {}
    all_courses = {c for learner_id in ids for c in courses_of.get(learner_id, set())}
    narrower: dict[str, dict[int, set[str]]] = {}
    for role, scope_type, scope_id in grants_of(viewer):
        if role not in COURSE_ROLES:
            continue
        if scope_type == ScopeType.PLATFORM:
            reach.setdefault(role, set()).update(("*", c) for c in all_courses)
        elif scope_type == ScopeType.COURSE and scope_id is not None:
            reach.setdefault(role, set()).add(("*", scope_id))
        elif scope_id is not None:
            narrower.setdefault(scope_type, {}).setdefault(scope_id, set()).add(role)
    for scope_type, by_scope in narrower.items():
        loader = scope_loader(scope_type)
        if loader is None or loader.scope_members is None:
            continue  # a scope no installed area resolves reaches nobody
        for role in {r for roles in by_scope.values() for r in roles}:
            scopes = {scope_id for scope_id, roles in by_scope.items() if role in roles}
            reach.setdefault(role, set()).update(loader.scope_members(scopes, ids))
    return reach


def sees(relations: Collection[str], what: str) -> bool:
    """May someone standing in these relations to a learner see this part (a key of VISIBILITY)?"""
    return bool(VISIBILITY[what] & set(relations))


def relations(viewer: Any, subject: Any, course: Any = None) -> frozenset[str]:
    if subject is None:
        return frozenset()
    return relations_for(viewer, [subject.id], course)[subject.id]


def can_see(viewer: Any, subject: Any, what: str, course: Any = None) -> bool:
    """May viewer see this part (a key of VISIBILITY) of subject's data, within course if given?"""
    return sees(relations(viewer, subject, course), what)


def visible_fields(viewer: Any, subject: Any) -> set[str]:
    found = relations(viewer, subject)
    return {what for what, allowed in VISIBILITY.items() if allowed & found}


JINJA_GLOBALS = {
    name: obj for name, obj in dict(globals()).items()
    if callable(obj) and (name.startswith("can_") or name.startswith("is_"))
}
