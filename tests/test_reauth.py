"""Administrators type their password again before sensitive actions (ASVS 3.7.1, 4.3.3): the time of the last
password entry is kept on the server-side session, and one decorator guards the actions."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.accounts.models import LoginFailure, RoleGrant, User, UserSession
from moocplatform.admin import views as admin_views
from moocplatform.extensions import db
from tests.conftest import log_in
from tests.factories import PASSWORD, make_user

STALE = timedelta(minutes=11)  # past the 10-minute window, well within the 30-minute idle timeout


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def grants_of(user) -> list[str]:
    return list(db.session.scalars(sa.select(RoleGrant.role).where(RoleGrant.user_id == user.id)))


def grant_admin(client, target):
    page = f"http://localhost/admin/users/{target.id}"
    return client.post(f"/admin/users/{target.id}/roles", headers={"Referer": page},
                       data={"role": "admin", "course": "", "confirm_admin": "y"})


def test_an_administrator_who_logged_in_just_now_acts_at_once(client):
    admin, target = make_user("admin"), make_user()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})  # the form: a typed password
    assert grant_admin(client, target).headers["Location"].endswith(f"/admin/users/{target.id}")
    assert grants_of(target) == ["admin"]


def test_after_ten_minutes_a_role_grant_asks_for_the_password_first(client):
    admin, target = make_user("admin"), make_user()
    log_in(client, admin)
    clock.advance(STALE)
    refused = grant_admin(client, target)
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(f"/account/confirm-password?next=/admin/users/{target.id}")
    assert grants_of(target) == []
    page = client.get(refused.headers["Location"])
    assert "For your safety, confirm your password, then do that again." in text(page)
    assert 'autocomplete="current-password"' in text(page)

    wrong = client.post(refused.headers["Location"], data={"password": "not my password"})
    assert wrong.status_code == 422 and "Your password is not right." in text(wrong)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 1  # throttled as log-ins
    assert grant_admin(client, target).status_code == 302 and grants_of(target) == []

    confirmed = client.post(refused.headers["Location"], data={"password": PASSWORD})
    assert confirmed.headers["Location"] == f"/admin/users/{target.id}"
    assert grant_admin(client, target).headers["Location"].endswith(f"/admin/users/{target.id}")
    assert grants_of(target) == ["admin"]


def test_a_session_begun_without_the_password_must_confirm_it(client):
    """A confirmation link or a remembered device signs in without the password being typed."""
    admin, target = make_user("admin"), make_user()
    log_in(client, admin, by_password=False)
    response = client.post(f"/admin/users/{target.id}/suspend", data={"confirm": "y"})
    assert "/account/confirm-password" in response.headers["Location"]
    assert db.session.get(User, target.id).status == "active"


SENSITIVE = {
    "grant_role": ("/admin/users/{target}/roles", {"role": "admin", "course": "", "confirm_admin": "y"}),
    "revoke_role": ("/admin/users/{target}/roles/{grant}/revoke", {}),
    "suspend": ("/admin/users/{target}/suspend", {"confirm": "y"}),
    "unsuspend": ("/admin/users/{target}/unsuspend", {}),
    "unlock": ("/admin/users/{target}/unlock", {}),
    "reset_second_factor": ("/admin/users/{target}/second-factor/reset", {}),
}


@pytest.mark.parametrize("endpoint", sorted(SENSITIVE))
def test_every_sensitive_admin_action_waits_for_a_fresh_password(client, endpoint):
    admin, target = make_user("admin"), make_user()
    grant = RoleGrant(user_id=target.id, role="admin", scope_type="platform", granted_at=clock.now())
    db.session.add(grant)
    db.session.add(LoginFailure(email=target.email, ip="10.0.0.1", failed_at=clock.now()))
    db.session.flush()
    log_in(client, admin)
    clock.advance(STALE)
    path, data = SENSITIVE[endpoint]
    before = (grants_of(target), db.session.get(User, target.id).status,
              db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)))
    response = client.post(path.format(target=target.id, grant=grant.id), data=data)
    assert response.status_code == 302 and "/account/confirm-password" in response.headers["Location"]
    db.session.expire_all()
    assert (grants_of(target), db.session.get(User, target.id).status,
            db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure))) == before


def test_the_sensitive_actions_are_exactly_those_marked():
    marked = {name for name, view in vars(admin_views).items()
              if callable(view) and getattr(view, "requires_recent_password", False)}
    assert marked == set(SENSITIVE)


def test_the_confirmation_is_kept_on_the_server_side_session(client):
    admin = make_user("admin")
    started = log_in(client, admin, by_password=False)
    clock.advance(timedelta(minutes=1))
    client.post("/account/confirm-password", data={"password": PASSWORD})
    row = db.session.get(UserSession, started.row.id)
    db.session.refresh(row)
    assert row.password_confirmed_at == clock.now()


def test_the_confirmation_page_goes_back_only_within_the_site(client):
    user = make_user()
    log_in(client, user)
    response = client.post("/account/confirm-password?next=//evil.example/", data={"password": PASSWORD})
    assert response.headers["Location"] == "/account"
