"""The pepper (ASVS 2.4.5): with PASSWORD_PEPPER set, argon2id hashes an HMAC of the password under a secret kept
outside the database; hashes made before it, or with the previous pepper, keep working and are re-hashed with
the current one at their next log-in."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from moocplatform import create_app
from moocplatform.accounts.models import User
from moocplatform.accounts.passwords import hash_password, needs_rehash, pepper_id, verify_password
from moocplatform.extensions import db
from tests.factories import PASSWORD, make_user

PEPPER = "first pepper: 32 or more random characters"
NEW_PEPPER = "second pepper, which replaced the first one"


def log_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def stored_hash(user) -> str:
    db.session.expire_all()
    return db.session.get(User, user.id).password_hash


@pytest.fixture()
def pepper(app, monkeypatch):
    def configure(current: str = "", previous: str = "") -> None:
        monkeypatch.setitem(app.config, "PASSWORD_PEPPER", current)
        monkeypatch.setitem(app.config, "PASSWORD_PEPPER_PREVIOUS", previous)

    return configure


def test_without_a_pepper_a_hash_is_plain_argon2id():
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and verify_password(stored, PASSWORD)
    assert not needs_rehash(stored)


def test_a_peppered_hash_is_marked_and_useless_without_the_pepper(pepper):
    pepper(PEPPER)
    stored = hash_password(PASSWORD)
    marker, identifier, encoded = stored.split(":", 2)
    assert (marker, identifier) == ("pepper", pepper_id(PEPPER)) and encoded.startswith("$argon2id$")
    assert PEPPER not in stored and identifier not in PEPPER
    assert verify_password(stored, PASSWORD) and not verify_password(stored, PASSWORD + "!")
    with pytest.raises(VerificationError):  # what a stolen database alone allows: guessing fails
        PasswordHasher().verify(encoded, PASSWORD)
    assert not needs_rehash(stored)


def test_an_old_hash_is_re_hashed_with_the_pepper_at_the_next_log_in(client, pepper):
    user = make_user()
    assert stored_hash(user).startswith("$argon2id$")
    pepper(PEPPER)
    assert log_in(client, user).status_code == 302
    assert stored_hash(user).startswith(f"pepper:{pepper_id(PEPPER)}:$argon2id$")
    client.post("/logout")
    assert log_in(client, user).status_code == 302  # and it keeps working, peppered


def test_a_failed_log_in_changes_no_hash(client, pepper):
    user = make_user()
    before = stored_hash(user)
    pepper(PEPPER)
    client.post("/login", data={"email": user.email, "password": "not the password"})
    assert stored_hash(user) == before


def test_rotation_verifies_with_the_previous_pepper_and_re_hashes_with_the_new(client, pepper):
    pepper(PEPPER)
    user = make_user()
    assert stored_hash(user).startswith(f"pepper:{pepper_id(PEPPER)}:")
    pepper(NEW_PEPPER, previous=PEPPER)
    assert log_in(client, user).status_code == 302
    assert stored_hash(user).startswith(f"pepper:{pepper_id(NEW_PEPPER)}:")
    client.post("/logout")
    pepper(NEW_PEPPER)  # once no hash names the previous pepper, it can go
    assert log_in(client, user).status_code == 302


def test_a_hash_whose_pepper_is_gone_does_not_verify(client, pepper):
    pepper(PEPPER)
    user = make_user()
    pepper(NEW_PEPPER)
    assert log_in(client, user).status_code == 422
    pepper("")
    assert log_in(client, user).status_code == 422


def test_removing_the_pepper_works_through_the_previous_setting(client, pepper):
    pepper(PEPPER)
    user = make_user()
    pepper("", previous=PEPPER)
    assert log_in(client, user).status_code == 302
    assert stored_hash(user).startswith("$argon2id$")


def test_current_password_checks_use_the_pepper(client, pepper):
    pepper(PEPPER)
    user = make_user()
    log_in(client, user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "a new long passphrase", "confirm": "a new long passphrase"})
    assert response.status_code == 302
    assert stored_hash(user).startswith(f"pepper:{pepper_id(PEPPER)}:")


def test_a_short_pepper_is_refused_when_the_app_starts(tmp_path):
    with pytest.raises(ValueError, match="PASSWORD_PEPPER must be at least 32 characters"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "SECRET_KEY": "x", "PASSWORD_PEPPER": "too short"})


def test_the_command_line_counts_the_hashes_of_each_pepper(app, client, pepper):
    make_user()
    pepper(PEPPER)
    make_user()
    pepper(NEW_PEPPER, previous=PEPPER)
    make_user()
    db.session.commit()  # to the test's savepoint: the command starts from committed data
    result = app.test_cli_runner().invoke(args=["users", "pepper-status"])
    assert result.exit_code == 0, result.output
    lines = set(result.output.splitlines())
    assert {"no pepper: 1", f"previous pepper {pepper_id(PEPPER)}: 1",
            f"current pepper {pepper_id(NEW_PEPPER)}: 1"} <= lines
