"""Turning push messages on and off for a browser, on the preferences page, in Chromium.

Headless Chromium has no push service to register with (its subscribe() is refused), so the browser's side of
that registration is played by a script in the page: subscribe() and getSubscription() hand back a
subscription whose endpoint is a push service on 127.0.0.1 and whose keys the test holds. Everything else is
real: the page's script, the server's endpoints and CSRF check, the outbox sending the encrypted message to
that push service, the message decrypted with the browser's keys, and the service worker showing it."""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from moocplatform.accounts.models import User
from moocplatform.discussion.notices import REPLY
from moocplatform.extensions import db
from moocplatform.notifications.models import Channel
from moocplatform.notifications.services import notify, set_preferences
from moocplatform.outbox.worker import run_outbox
from moocplatform.push.keys import generate_key_pair
from moocplatform.push.models import PushSubscription
from tests.browser.test_offline_app import eventually, open_with_worker, phone_context
from tests.push_helpers import BrowserKeys, PushService, running_push_service

pytestmark = pytest.mark.browser

KIND = REPLY.name
PREFERENCES = "/notifications/preferences"

# The browser's registration with its push service, played in the page (see the module's docstring).
STAND_IN = """(() => {
  const subscription = %s;
  let current = null;
  window.pushRequests = [];
  const made = () => ({ endpoint: subscription.endpoint, toJSON: () => subscription,
                        unsubscribe: async () => { current = null; return true; } });
  PushManager.prototype.subscribe = async function (options) {
    window.pushRequests.push({ userVisibleOnly: options.userVisibleOnly,
                               key: Array.from(new Uint8Array(options.applicationServerKey)) });
    current = made();
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();"""


@pytest.fixture()
def push_configured(live_server, tmp_path) -> Iterator[str]:
    config = live_server.app.config
    names = ("VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT", "PUSH_ALLOW_HTTP_ENDPOINTS")
    saved = {name: config.get(name) for name in names}
    path, public = generate_key_pair(str(tmp_path))
    config.update(VAPID_PUBLIC_KEY=public, VAPID_PRIVATE_KEY=str(path), VAPID_SUBJECT="mailto:ops@learn.test",
                  PUSH_ALLOW_HTTP_ENDPOINTS=True)
    yield public
    config.update(saved)


@pytest.fixture()
def push_service() -> Iterator[PushService]:
    with running_push_service() as service:
        yield service


def subscriptions_of(live_server, key: str) -> list[str]:
    with live_server.app.app_context():
        endpoints = list(db.session.scalars(sa.select(PushSubscription.endpoint)
                                            .where(PushSubscription.user_id == live_server.user_ids[key])))
        db.session.remove()
    return endpoints


def choose_for_replies(live_server, channel: Channel) -> None:
    with live_server.app.app_context():
        learner = db.session.get(User, live_server.user_ids["learner"])
        set_preferences(learner, learner, {KIND: channel.value})
        db.session.commit()
        db.session.remove()


@pytest.fixture()
def replies_by_default(live_server) -> Iterator[None]:
    """The other browser tests share the learner: their choice for replies goes back to the default."""
    yield
    choose_for_replies(live_server, REPLY.default_channel)


def test_a_learner_turns_push_on_gets_a_message_and_turns_it_off(new_context, live_server, push_configured,
                                                                  push_service, replies_by_default):
    keys = BrowserKeys()
    endpoint = f"{push_service.url}/push/alex-phone"
    context = phone_context(new_context, "learner")
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(STAND_IN % json.dumps(keys.subscription(endpoint)))
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    registrations: list[dict] = []
    devtools.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    devtools.send("ServiceWorker.enable")
    open_with_worker(page, PREFERENCES)

    section = page.locator("[data-push-device]")
    button = section.get_by_role("button", name="Turn on for this browser")
    expect(section.get_by_role("status")).to_have_text("Push messages are off for this browser.")
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert violations == []

    button.click()
    expect(section.get_by_role("status")).to_have_text("Push messages are on for this browser.")
    expect(section.get_by_role("button", name="Turn off for this browser")).to_be_enabled()
    asked, = page.evaluate("() => window.pushRequests")
    padded = push_configured + "=" * (-len(push_configured) % 4)
    assert asked == {"userVisibleOnly": True, "key": list(base64.urlsafe_b64decode(padded))}
    assert subscriptions_of(live_server, "learner") == [endpoint]

    # A reply, sent as a push message: the outbox posts it, encrypted, to the push service.
    choose_for_replies(live_server, Channel.push)
    with live_server.app.app_context():
        learner = db.session.get(User, live_server.user_ids["learner"])
        notify(learner, KIND, {"name": "Casey", "thread": "Week 2 plans"}, link="/my-learning")
        db.session.commit()
        run_outbox()
        db.session.remove()
    message, = push_service.received
    assert message["path"] == "/push/alex-phone"
    shown = keys.decrypt(message["body"])
    assert "Casey" in shown["body"] and "Week 2 plans" in shown["body"]

    # The push service hands the decrypted message to the browser's worker, which shows it.
    registration = next(r for r in registrations if not r["isDeleted"])
    devtools.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url,
                                                       "registrationId": registration["registrationId"],
                                                       "data": json.dumps(shown)})
    notifications = """() => navigator.serviceWorker.ready.then((r) => r.getNotifications())
      .then((all) => all.map((n) => [n.title, n.body, n.data.link]))"""
    eventually(page, f"async () => (await ({notifications})()).length > 0")
    assert page.evaluate(notifications) == [[shown["title"], shown["body"], "/my-learning"]]

    section.get_by_role("button", name="Turn off for this browser").click()
    expect(section.get_by_role("status")).to_have_text("Push messages are off for this browser.")
    expect(section.get_by_role("button", name="Turn on for this browser")).to_be_enabled()
    assert subscriptions_of(live_server, "learner") == []
