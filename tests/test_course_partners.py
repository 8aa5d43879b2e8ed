"""Partner co-ownership of courses: the pack names its partner organisations by slug; an unknown slug is a
warning of the import, and the partner co-owns nothing until an organisation with the slug exists; the
partners' admins put their own members on the course team and take them off, audited; the course page links
the partners that are organisations here, and an organisation's page lists the courses it co-owns."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from moocplatform import policy
from moocplatform.audit import AuditEntry
from moocplatform.catalog.models import CoursePartner
from moocplatform.catalog.services import import_pack
from moocplatform.errors import InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.organisations import services
from moocplatform.organisations.queries import partner_courses
from tests.conftest import log_in
from tests.factories import make_course, make_user, write_pack
from tests.opportunities_helpers import make_member, make_organisation
from tests.test_certificates_supplement import logo_png


def partners(*slugs):
    return [{"slug": slug, "name": slug.replace("-", " ").title(), "url": f"https://{slug}.example.org"}
            for slug in slugs]


@pytest.fixture()
def world():
    uni = make_organisation(kind="university", slug="uni-north", name="University North")
    lab = make_organisation(kind="ngo", slug="lab-south", name="Lab South")
    course = make_course("joint", partners=partners("uni-north", "lab-south"))
    return uni, lab, course


def test_the_pack_names_its_partners_by_slug_and_an_unknown_one_is_a_warning(tmp_path):
    make_organisation(kind="university", slug="uni-north")
    result = import_pack(None, write_pack(tmp_path, "joint", partners=partners("uni-north", "nowhere-college")))
    assert result.changes.unknown_partners == ["nowhere-college"]
    [warning] = result.changes.warnings()
    assert "nowhere-college names no organisation on this platform" in warning
    slugs = db.session.scalars(sa.select(CoursePartner.slug).where(CoursePartner.course_id == result.course.id)
                               .order_by(CoursePartner.position))
    assert list(slugs) == ["uni-north", "nowhere-college"]
    later = make_organisation(kind="university", slug="nowhere-college")  # created after the course
    assert [c.slug for c in partner_courses(later)] == ["joint"]


def test_a_new_version_replaces_the_partners(tmp_path, world):
    uni, lab, course = world
    import_pack(None, write_pack(tmp_path, "joint", version="1.1.0", partners=partners("lab-south")))
    assert partner_courses(uni) == [] and [c.slug for c in partner_courses(lab)] == ["joint"]


def test_a_partners_admin_puts_their_own_members_on_the_course_team_and_takes_them_off(world):
    uni, lab, course = world
    admin, teacher = make_member(uni, "org_admin"), make_member(uni, display_name="Tess Teacher")
    outsider, lab_member = make_user(), make_member(lab)
    assert not policy.is_course_team(teacher, course)
    services.add_to_course_team(admin, uni, course, teacher.id)
    services.add_to_course_team(admin, uni, course, teacher.id)  # twice: one grant, one audit entry
    assert policy.is_course_team(teacher, course) and policy.can_manage_course(teacher, course)
    with pytest.raises(InvalidInput):
        services.add_to_course_team(admin, uni, course, outsider.id)  # not their member
    with pytest.raises(InvalidInput):
        services.add_to_course_team(admin, uni, course, lab_member.id)  # the other partner's member
    with pytest.raises(PermissionDenied):
        services.add_to_course_team(teacher, uni, course, teacher.id)  # a member, not an admin
    other = make_course("solo")
    with pytest.raises(PermissionDenied):
        services.add_to_course_team(admin, uni, other, teacher.id)  # uni is no partner of it
    services.remove_from_course_team(admin, uni, course, teacher.id)
    assert not policy.is_course_team(teacher, course)
    with pytest.raises(NotFound):
        services.remove_from_course_team(admin, uni, course, teacher.id)
    entries = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id).where(
        AuditEntry.action.like("organisation.%course_team")).order_by(AuditEntry.id)).all()
    assert entries == [("organisation.add_course_team", admin.id), ("organisation.remove_course_team", admin.id)]


def test_the_organisation_pages_list_the_courses_and_their_team(client, world):
    uni, _lab, course = world
    admin, teacher = make_member(uni, "org_admin"), make_member(uni, display_name="Tess Teacher")
    page = client.get(f"/organisations/{uni.slug}").get_data(as_text=True)
    assert "Courses it teaches with partners" in page and f'href="/courses/{course.slug}"' in page
    log_in(client, admin)
    page = client.get(f"/organisations/{uni.slug}/courses").get_data(as_text=True)
    assert "None of our people is on its course team yet." in page and "Tess Teacher" in page
    response = client.post(f"/organisations/{uni.slug}/courses/{course.slug}/team", data={"user_id": teacher.id},
                           follow_redirects=True)
    assert "Added to the course team of Joint." in response.get_data(as_text=True)
    db.session.expire(teacher)  # its roles were loaded before the request added one
    assert policy.is_course_team(teacher, course)
    page = client.get(f"/organisations/{uni.slug}/courses").get_data(as_text=True)
    assert "Remove Tess Teacher from the course team" in page
    response = client.post(f"/organisations/{uni.slug}/courses/{course.slug}/team", data={"user_id": "nope"},
                           follow_redirects=True)
    assert response.status_code == 200 and "Choose one of the organisation&#39;s members." in response.get_data(
        as_text=True)
    client.post(f"/organisations/{uni.slug}/courses/{course.slug}/team/{teacher.id}/remove")
    db.session.expire(teacher)
    assert not policy.is_course_team(teacher, course)


def test_the_course_page_shows_the_partners_with_logos_and_links(client, tmp_path):
    make_organisation(kind="university", slug="uni-north", name="University North")
    folder = write_pack(tmp_path, "joint", partners=[
        {**partners("uni-north")[0], "country": "AT", "logo": "assets/uni.png"}, *partners("not-here")])
    (folder / "assets" / "uni.png").write_bytes(logo_png())
    course = import_pack(None, folder).course
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    section = page.split('<section class="partners">')[1].split("</section>")[0]
    assert '<a href="https://uni-north.example.org" rel="noopener">Uni North</a>' in section
    assert '<a href="/organisations/uni-north">University North on this platform</a>' in section
    assert "Not Here" in section and "/organisations/not-here" not in section
    logo = section.split('src="')[1].split('"')[0]
    response = client.get(logo)
    try:
        assert response.status_code == 200 and response.get_data() == logo_png()
    finally:
        response.close()


def course_team_sources(user, course):
    """Where the user's course-team roles on course come from: None for a direct grant, else the org's id."""
    db.session.expire(user, ["roles"])
    return sorted((g.via_organisation_id or 0) for g in user.roles
                  if g.role == "course_team" and g.scope_type == "course" and g.scope_id == course.id)


def test_leaving_the_organisation_takes_away_the_course_team_roles_it_gave(world):
    uni, lab, course = world
    other = make_course("second", partners=partners("uni-north"))
    admin, teacher = make_member(uni, "org_admin"), make_member(uni)
    services.add_to_course_team(admin, uni, course, teacher.id)
    services.add_to_course_team(admin, uni, other, teacher.id)
    services.remove_member(admin, uni, teacher.id)
    assert not policy.is_course_team(teacher, course) and not policy.is_course_team(teacher, other)
    assert course_team_sources(teacher, course) == [] and course_team_sources(teacher, other) == []
    revoked = db.session.execute(sa.select(AuditEntry.actor_id, AuditEntry.target_id, AuditEntry.details).where(
        AuditEntry.action == "organisation.revoke_contributed").order_by(AuditEntry.id)).all()
    assert [(actor, target, details["scope_id"], details["reason"]) for actor, target, details in revoked] == [
        (admin.id, str(uni.id), course.id, "left_organisation"), (admin.id, str(uni.id), other.id, "left_organisation")]


def test_leaving_one_organisation_keeps_the_role_held_directly_or_through_another_partner(world):
    from moocplatform.admin.services import grant_role
    from moocplatform.organisations.services import add_member
    uni, lab, course = world
    uni_admin, lab_admin = make_member(uni, "org_admin"), make_member(lab, "org_admin")
    both, direct = make_member(uni), make_member(uni)
    add_member(lab_admin, lab, both.email)
    services.add_to_course_team(uni_admin, uni, course, both.id)
    services.add_to_course_team(lab_admin, lab, course, both.id)
    grant_role(make_user("admin"), direct, "course_team", course)
    services.add_to_course_team(uni_admin, uni, course, direct.id)  # a second source, recorded
    assert course_team_sources(direct, course) == [0, uni.id]
    services.remove_member(uni_admin, uni, both.id)
    services.remove_member(uni_admin, uni, direct.id)
    assert course_team_sources(both, course) == [lab.id] and policy.is_course_team(both, course)
    assert course_team_sources(direct, course) == [0] and policy.is_course_team(direct, course)


def test_the_partner_takes_back_only_what_it_gave(world):
    from moocplatform.admin.services import grant_role
    uni, _lab, course = world
    admin, teacher = make_member(uni, "org_admin"), make_member(uni)
    grant_role(make_user("admin"), teacher, "course_team", course)
    with pytest.raises(NotFound):
        services.remove_from_course_team(admin, uni, course, teacher.id)  # given directly, not by uni
    assert policy.is_course_team(teacher, course)


def test_changing_a_members_role_in_the_organisation_keeps_what_it_gave(world):
    from moocplatform.organisations.services import add_member
    uni, _lab, course = world
    admin, teacher = make_member(uni, "org_admin"), make_member(uni, "org_admin")
    services.add_to_course_team(admin, uni, course, teacher.id)
    add_member(admin, uni, teacher.email, "org_member")
    assert course_team_sources(teacher, course) == [uni.id]


def test_a_partner_left_out_of_a_new_version_loses_the_roles_it_gave_on_the_course(tmp_path, world):
    from moocplatform.admin.services import grant_role
    from moocplatform.organisations.services import add_member
    uni, lab, course = world
    other = make_course("second", partners=partners("uni-north"))
    uni_admin, lab_admin = make_member(uni, "org_admin"), make_member(lab, "org_admin")
    teacher, both, direct = make_member(uni), make_member(uni), make_member(uni)
    add_member(lab_admin, lab, both.email)
    for person in (teacher, both, direct):
        services.add_to_course_team(uni_admin, uni, course, person.id)
    services.add_to_course_team(lab_admin, lab, course, both.id)
    services.add_to_course_team(uni_admin, uni, other, teacher.id)
    grant_role(make_user("admin"), direct, "course_team", course)
    import_pack(None, write_pack(tmp_path, "joint", version="1.1.0", partners=partners("lab-south")))
    assert not policy.is_course_team(teacher, course) and course_team_sources(teacher, course) == []
    assert course_team_sources(teacher, other) == [uni.id]  # still a partner there
    assert course_team_sources(both, course) == [lab.id] and course_team_sources(direct, course) == [0]
    reasons = db.session.scalars(sa.select(AuditEntry.details).where(
        AuditEntry.action == "organisation.revoke_contributed")).all()
    assert sorted(d["user_id"] for d in reasons) == sorted([teacher.id, both.id, direct.id])
    assert {d["reason"] for d in reasons} == {"no_longer_partner"}
    assert services.drop_former_partner_grants(None) == 0  # the reconciliation finds nothing left
