"""Mail that anyone can ask for is limited per recipient and per requesting address; registration neither
reveals who is registered (by its answer or its time) nor lets a stranger choose a mail's first words."""
from __future__ import annotations

import statistics
import time

import pytest

from moocplatform.accounts import passwords
from tests.conftest import log_in
from tests.factories import make_user

NEW_PASSWORD = "a fine long passphrase"


def registration(email: str, **changes) -> dict[str, str]:
    return {"email": email, "display_name": "Newcomer", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
            "timezone": "UTC", "accept_terms": "y", "accept_privacy": "y", "confirm_age": "y", **changes}


def test_thirty_reset_requests_send_three_mails(client, outbox, app):
    make_user(email="ann@example.org")
    pages = set()
    for n in range(30):  # from thirty addresses: the recipient's limit alone holds
        response = client.post("/forgot-password", data={"email": "ann@example.org"},
                               environ_base={"REMOTE_ADDR": f"10.0.1.{n}"})
        assert response.status_code == 200
        pages.add(response.get_data(as_text=True))
    assert len(pages) == 1  # the refused requests look like the others
    assert len(outbox.messages) == app.config["REQUESTED_MAIL_PER_RECIPIENT"] == 3


def test_one_address_cannot_spray_reset_mails_over_many_inboxes(client, outbox, app):
    for n in range(30):
        make_user(email=f"user{n}@example.org")
    for n in range(30):
        client.post("/forgot-password", data={"email": f"user{n}@example.org"},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert len(outbox.messages) == app.config["REQUESTED_MAIL_PER_SOURCE"] == 10
    # Another address is not affected.
    client.post("/forgot-password", data={"email": "user29@example.org"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert [m["To"] for m in outbox.messages][-1] == "user29@example.org"


def test_registering_a_taken_address_again_and_again_sends_three_mails(client, outbox):
    make_user(email="ann@example.org")
    for n in range(30):
        response = client.post("/register", data=registration("ann@example.org"),
                               environ_base={"REMOTE_ADDR": f"10.0.2.{n}"})
        assert response.status_code == 302 and response.headers["Location"].endswith("/register/check-email")
    assert [m["Subject"] for m in outbox.messages] == ["You already have an account"] * 3


def test_resending_the_confirmation_is_limited(client, outbox):
    log_in(client, make_user(email="ann@example.org", verified=False))
    for _ in range(10):
        client.post("/verify/resend")
    assert len(outbox.messages) == 3


def test_the_confirmation_mail_does_not_carry_the_name_a_stranger_typed(client, outbox):
    bait = "Your bank account is locked, call +1 555 0100"
    client.post("/register", data=registration("victim@example.org", display_name=bait))
    [mail] = outbox.messages
    body = mail.get_content()
    assert bait not in body and "bank" not in body
    assert body.startswith("Someone, probably you, registered this address.")


def test_registration_hashes_the_password_whether_or_not_the_address_is_taken(client, monkeypatch):
    make_user(email="ann@example.org")
    calls = []
    real = passwords.hash_password

    def counting(password: str) -> str:
        calls.append(password)
        return real(password)

    monkeypatch.setattr("moocplatform.accounts.services.hash_password", counting)
    client.post("/register", data=registration("ann@example.org"))
    client.post("/register", data=registration("someone-new@example.org"))
    assert calls == [NEW_PASSWORD, NEW_PASSWORD]


@pytest.mark.parametrize("cost", [(3, 65536)])
def test_registration_takes_as_long_whether_or_not_the_address_is_taken(client, app, monkeypatch, cost):
    """With the production argon2 cost: the answer for a taken address is not measurably faster."""
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", cost[0])
    monkeypatch.setitem(app.config, "ARGON2_MEMORY_COST", cost[1])
    make_user(email="taken@example.org")

    def elapsed(email: str) -> float:
        start = time.perf_counter()
        response = client.post("/register", data=registration(email))
        assert response.status_code == 302
        return time.perf_counter() - start

    taken, new = [], []
    for n in range(5):
        taken.append(elapsed("taken@example.org"))
        new.append(elapsed(f"new{n}@example.org"))
    ratio = statistics.median(taken) / statistics.median(new)
    assert 0.6 < ratio < 1.6, (taken, new)
