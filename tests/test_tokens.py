"""The token service: issued once, stored hashed, verified by purpose, scope, subject and time, revocable."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock, personal_data
from moocplatform.errors import InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.tokens.models import Token
from moocplatform.tokens.services import (
    TokenRejected,
    hash_secret,
    issue_token,
    record_token_use,
    revoke_all,
    revoke_token,
    token_use_is_stale,
    tokens_for_owner,
    verify_token,
)
from tests.conftest import log_in
from tests.factories import make_user


def test_the_secret_is_shown_once_and_only_its_hash_is_stored():
    owner = make_user()
    issued = issue_token(owner, owner, "personal_access", scopes=["read:courses"], label="laptop")
    assert issued.secret.startswith("mpat_") and len(issued.secret) > 40
    row = db.session.execute(sa.select(Token.__table__)).one()._asdict()
    assert issued.secret not in {str(v) for v in row.values()}
    assert row["secret_hash"] == hash_secret(issued.secret)
    assert issued.secret.startswith(row["hint"]) and len(row["hint"]) < 16
    assert issued.token.expires_at == clock.now() + timedelta(days=90)


def test_verify_accepts_the_secret_with_its_purpose_and_scopes_and_the_use_is_recorded():
    owner = make_user()
    issued = issue_token(owner, owner, "personal_access", scopes=["read:courses", "read:progress"])
    token = verify_token(issued.secret, "personal_access", scopes=["read:progress"])
    assert token.id == issued.token.id and token.last_used_at is None  # verifying only reads
    record_token_use(token)
    assert token.last_used_at == clock.now()
    clock.advance(timedelta(seconds=20))
    assert not token_use_is_stale(token)
    record_token_use(token)
    assert token.last_used_at == clock.now() - timedelta(seconds=20)  # written at most once a minute
    clock.advance(timedelta(minutes=1))
    record_token_use(token)
    assert token.last_used_at == clock.now()


@pytest.mark.parametrize("case", ["wrong_scope", "wrong_purpose", "wrong_subject", "expired", "revoked",
                                  "unknown", "malformed", "altered"])
def test_verify_rejects(case):
    owner = make_user()
    issued = issue_token(owner, owner, "calendar_feed", scopes=["read:calendar"], subject="course:7",
                         lifetime=timedelta(days=1))
    secret, purpose, scopes, subject = issued.secret, "calendar_feed", ["read:calendar"], "course:7"
    if case == "wrong_scope":
        scopes = ["read:calendar", "read:progress"]
    elif case == "wrong_purpose":
        purpose = "personal_access"
    elif case == "wrong_subject":
        subject = "course:8"
    elif case == "expired":
        clock.advance(timedelta(days=1))
    elif case == "revoked":
        revoke_token(owner, issued.token.id)
    elif case == "unknown":
        secret = "mpcal_" + "A" * 43
    elif case == "malformed":
        secret = "not a token"
    elif case == "altered":
        secret = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    with pytest.raises(TokenRejected):
        verify_token(secret, purpose, scopes=scopes, subject=subject)
    assert verify_token(issued.secret, "calendar_feed", subject="course:7") if case in (
        "wrong_scope", "wrong_purpose", "wrong_subject", "unknown", "malformed", "altered") else True


def test_issue_validates_its_inputs():
    owner = make_user()
    with pytest.raises(InvalidInput, match="scope"):
        issue_token(owner, owner, "personal_access", scopes=[])
    with pytest.raises(InvalidInput, match="Unknown scope"):
        issue_token(owner, owner, "personal_access", scopes=["write:everything"])
    with pytest.raises(InvalidInput) as error:
        issue_token(owner, owner, "personal_access", scopes=["read:courses"], label="x" * 81)
    assert error.value.field == "label"
    with pytest.raises(InvalidInput) as error:
        issue_token(owner, owner, "personal_access", scopes=["read:courses"], lifetime=timedelta(days=400))
    assert error.value.field == "expires_at"
    with pytest.raises(InvalidInput):
        issue_token(owner, owner, "personal_access", scopes=["read:courses"], expires_at=clock.now())
    with pytest.raises(ValueError):
        issue_token(owner, owner, "no_such_purpose", scopes=["read:courses"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Token)) == 0


def test_only_the_owner_issues_and_only_owner_or_admin_revoke_and_list():
    owner, other, admin = make_user(), make_user(), make_user("admin")
    with pytest.raises(PermissionDenied):
        issue_token(other, owner, "personal_access", scopes=["read:courses"])
    with pytest.raises(PermissionDenied):
        issue_token(admin, owner, "personal_access", scopes=["read:courses"])
    issued = issue_token(owner, owner, "personal_access", scopes=["read:courses"])
    with pytest.raises(NotFound):
        revoke_token(other, issued.token.id)
    with pytest.raises(PermissionDenied):
        tokens_for_owner(other, owner)
    assert [t.id for t in tokens_for_owner(admin, owner)] == [issued.token.id]
    assert revoke_token(admin, issued.token.id).revoked_at == clock.now()
    with pytest.raises(NotFound):
        revoke_token(owner, 10_000)


def test_revoke_is_idempotent_and_revoke_all_ends_every_live_token():
    owner = make_user()
    first = issue_token(owner, owner, "personal_access", scopes=["read:courses"])
    revoke_token(owner, first.token.id)
    revoked_at = first.token.revoked_at
    clock.advance(timedelta(minutes=5))
    assert revoke_token(owner, first.token.id).revoked_at == revoked_at
    issue_token(owner, owner, "personal_access", scopes=["read:courses"])
    feed = issue_token(owner, owner, "calendar_feed", scopes=["read:calendar"])
    assert revoke_all(owner, owner, "personal_access") == 1
    assert verify_token(feed.secret, "calendar_feed").id == feed.token.id
    assert revoke_all(owner, owner) == 1
    with pytest.raises(TokenRejected):
        verify_token(feed.secret, "calendar_feed")


def test_a_purpose_limits_how_many_live_tokens_an_owner_has():
    owner = make_user()
    for _ in range(50):
        issue_token(owner, owner, "personal_access", scopes=["read:courses"])
    with pytest.raises(InvalidInput, match="too many"):
        issue_token(owner, owner, "personal_access", scopes=["read:courses"])


def test_tokens_are_exported_without_their_hash_and_erased_with_the_account():
    owner = make_user()
    issue_token(owner, owner, "personal_access", scopes=["read:courses"], label="phone")
    assert Token in personal_data.registered_models()
    exported = personal_data.export_user_data(owner)["tokens"]
    assert [t["label"] for t in exported] == ["phone"] and "secret_hash" not in exported[0]
    personal_data.erase_user(owner)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Token)) == 0


# The account page ------------------------------------------------------------------------------------------

def test_a_user_creates_a_token_on_the_account_page_sees_it_once_and_revokes_it(client):
    owner = make_user()
    log_in(client, owner)
    assert "You have no access tokens" in client.get("/account/tokens").get_data(as_text=True)
    response = client.post("/account/tokens", data={"label": "script", "scopes": ["read:courses", "read:progress"],
                                                    "lifetime_days": "30"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = db.session.scalars(sa.select(Token)).one()
    secret = page.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert hash_secret(secret) == token.secret_hash and token.scopes == "read:courses read:progress"
    assert token.expires_at == clock.now() + timedelta(days=30)
    assert secret not in client.get("/account/tokens").get_data(as_text=True)  # shown once
    assert verify_token(secret, "personal_access", scopes=["read:progress"]).id == token.id
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()  # the request revoked it in a session of its own
    with pytest.raises(TokenRejected):
        verify_token(secret, "personal_access")
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)


def test_the_page_shows_form_errors_and_issues_nothing(client):
    log_in(client, make_user())
    response = client.post("/account/tokens", data={"label": "", "lifetime_days": "30"})
    assert response.status_code == 422
    assert "Choose at least one kind of access" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Token)) == 0
