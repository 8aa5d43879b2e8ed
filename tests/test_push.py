"""Push reminders: off and invisible without VAPID keys; subscriptions by the signed-in browser only; delivery
through the outbox to a real HTTP push service on 127.0.0.1, whose received body is decrypted here with the
browser's keys (RFC 8291) to prove what the device would show; a push service's 410 deletes the subscription."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from moocplatform.accounts.models import UserSession
from moocplatform.errors import InvalidInput, NotFound, PermissionDenied
from moocplatform.extensions import db
from moocplatform.notifications.kinds import registered_notification_kinds
from moocplatform.notifications.models import Channel
from moocplatform.notifications.services import notify, set_preferences
from moocplatform.push import services
from moocplatform.push.keys import generate_key_pair
from moocplatform.push.models import PushSubscription
from tests.conftest import log_in
from tests.factories import make_user
from tests.push_helpers import BrowserKeys, PushService, running_push_service

KIND = "discussion.reply"


@pytest.fixture()
def push_service() -> Iterator[PushService]:
    with running_push_service() as service:
        yield service


@pytest.fixture()
def push_keys(app, tmp_path) -> Iterator[str]:
    path, public = generate_key_pair(str(tmp_path))
    saved = {key: app.config.get(key) for key in ("VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT",
                                                  "PUSH_ALLOW_HTTP_ENDPOINTS")}
    app.config.update(VAPID_PUBLIC_KEY=public, VAPID_PRIVATE_KEY=str(path), VAPID_SUBJECT="mailto:ops@learn.test",
                      PUSH_ALLOW_HTTP_ENDPOINTS=True)
    yield public
    app.config.update(saved)


def subscribe_browser(client, service: PushService, name: str) -> BrowserKeys:
    keys = BrowserKeys()
    response = client.post("/push/subscriptions", json=keys.subscription(f"{service.url}/push/{name}"))
    assert response.status_code == 201, response.data
    return keys


def test_push_is_off_and_invisible_without_keys(client):
    learner = make_user()
    log_in(client, learner)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="push"' not in page and "data-push-device" not in page
    assert client.post("/push/subscriptions", json={}).status_code == 404
    with pytest.raises(InvalidInput):
        set_preferences(learner, learner, {KIND: "push"})


def test_with_keys_the_preferences_page_offers_push(client, push_keys):
    learner = make_user()
    log_in(client, learner)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="push"' in page and f'data-public-key="{push_keys}"' in page
    choices = {kind.name: "in_app" for kind in registered_notification_kinds()}
    assert client.post("/notifications/preferences", data={**choices, KIND: "push"}).status_code == 302
    assert client.get("/notifications/preferences").get_data(as_text=True).count('value="push" checked') == 1


def test_a_notification_reaches_the_device_encrypted(app, client, push_keys, push_service, run_outbox):
    learner = make_user()
    log_in(client, learner)
    browser = subscribe_browser(client, push_service, "device-1")
    set_preferences(learner, learner, {KIND: Channel.push.value})
    notify(learner, KIND, {"name": "Sam", "thread": "Week 1"}, link="/courses/alpha/discussion/1")
    assert set(run_outbox().values()) == {"done"}
    message, = push_service.received
    assert message["path"] == "/push/device-1"
    assert message["headers"]["content-encoding"] == "aes128gcm"
    assert message["headers"]["authorization"].startswith("vapid t=")
    assert f"k={push_keys}" in message["headers"]["authorization"]
    shown = browser.decrypt(message["body"])
    assert shown["title"] == "moocplatform"
    assert "Sam" in shown["body"] and "Week 1" in shown["body"]
    assert shown["link"] == "/courses/alpha/discussion/1"
    row = db.session.scalars(sa.select(PushSubscription)).one()
    db.session.refresh(row)
    assert row.last_success_at is not None


def test_a_gone_subscription_is_deleted_not_retried(app, client, push_keys, push_service, run_outbox):
    learner = make_user()
    log_in(client, learner)
    subscribe_browser(client, push_service, "gone")
    kept = subscribe_browser(client, push_service, "kept")
    push_service.status_for["/push/gone"] = 410
    set_preferences(learner, learner, {KIND: Channel.push.value})
    notify(learner, KIND, {"name": "Sam", "thread": "Week 1"}, link="/")
    assert set(run_outbox().values()) == {"done"}
    assert sorted(m["path"] for m in push_service.received) == ["/push/gone", "/push/kept"]
    endpoints = db.session.scalars(sa.select(PushSubscription.endpoint)).all()
    assert endpoints == [f"{push_service.url}/push/kept"]
    kept.decrypt(next(m["body"] for m in push_service.received if m["path"] == "/push/kept"))


def test_kinds_not_set_to_push_send_nothing(client, push_keys, push_service, run_outbox):
    learner = make_user()
    log_in(client, learner)
    subscribe_browser(client, push_service, "device")
    set_preferences(learner, learner, {KIND: Channel.in_app.value})
    notify(learner, KIND, {"name": "Sam", "thread": "Week 1"}, link="/")
    run_outbox()
    assert push_service.received == []


def test_log_out_ends_push_to_that_browser(client, push_keys, push_service):
    learner = make_user()
    log_in(client, learner)
    subscribe_browser(client, push_service, "device")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 1
    client.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


def test_subscriptions_are_checked_and_private(app, client, push_keys, push_service):
    learner, other = make_user(), make_user()
    started = log_in(client, learner)
    session_id = db.session.scalar(sa.select(UserSession.id).where(UserSession.user_id == learner.id))
    assert started is not None
    good = BrowserKeys().subscription(f"{push_service.url}/push/a")
    for broken in ({**good, "endpoint": "ftp://push.test/x"}, {**good, "endpoint": "https://u:p@push.test/x"},
                   {**good, "keys": {"p256dh": "short", "auth": good["keys"]["auth"]}},
                   {**good, "keys": {"p256dh": good["keys"]["p256dh"], "auth": "!!"}}, {"endpoint": 3}, {}):
        response = client.post("/push/subscriptions", json=broken)
        assert response.status_code in (400, 422), broken
    with pytest.raises(PermissionDenied):
        services.subscribe(None, session_id, good)
    app.config["PUSH_ALLOW_HTTP_ENDPOINTS"] = False
    with pytest.raises(InvalidInput):
        services.subscribe(learner, session_id, good)
    app.config["PUSH_ALLOW_HTTP_ENDPOINTS"] = True
    assert client.post("/push/subscriptions", json=good).status_code == 201
    assert client.post("/push/subscriptions", json=good).status_code == 201  # again: still one row
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 1
    with pytest.raises(NotFound):
        services.unsubscribe(other, good["endpoint"])
    assert client.post("/push/subscriptions/delete", json={"endpoint": good["endpoint"]}).status_code == 204
    assert client.post("/push/subscriptions/delete", json={"endpoint": good["endpoint"]}).status_code == 404


def test_the_subscribe_endpoints_need_the_csrf_token(client, push_keys, csrf_enabled, push_service):
    log_in(client, make_user())
    assert client.post("/push/subscriptions", json=BrowserKeys().subscription(f"{push_service.url}/x")
                       ).status_code == 400


def test_generate_keys_writes_a_private_key_once(app, tmp_path):
    app.instance_path, saved = str(tmp_path), app.instance_path
    try:
        first = app.test_cli_runner().invoke(args=["push", "generate-keys"])
        assert first.exit_code == 0, first.output
        assert (tmp_path / "push" / "vapid-private.pem").stat().st_mode & 0o077 == 0
        assert "VAPID_PUBLIC_KEY" in first.output
        again = app.test_cli_runner().invoke(args=["push", "generate-keys"])
        assert again.exit_code != 0 and "exists already" in again.output
    finally:
        app.instance_path = saved


def test_subscribing_needs_a_log_in(client, push_keys, push_service):
    subscription = BrowserKeys().subscription(f"{push_service.url}/push/anonymous")
    response = client.post("/push/subscriptions", json=subscription)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/push/subscriptions/delete", json={"endpoint": subscription["endpoint"]}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0
