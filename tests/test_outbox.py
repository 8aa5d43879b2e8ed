"""The outbox in-process: rows written in the change's transaction, claims and leases, retries, backoff and
the dead state, mail rendered for its recipient, the scheduler, the heartbeat, the admin page, Redis."""
from __future__ import annotations

from datetime import timedelta

import pytest
import redis
import sqlalchemy as sa
from flask_babel import format_datetime, get_locale

from moocplatform import clock, jobs
from moocplatform.audit import AuditEntry
from moocplatform.extensions import db
from moocplatform.mail import mail_template, queue_mail
from moocplatform.outbox import OutboxMessage, PermanentFailure, ScheduledJob, enqueue, register_kind, wake
from moocplatform.outbox.scheduler import tick
from moocplatform.outbox.worker import backoff, beat, claim, process, run_batch
from moocplatform.registry import Registry
from tests.conftest import START, log_in
from tests.factories import make_user
from tests.parallel import redis_test_url
from tests.smtp_server import smtp_server

calls: list[dict] = []


def _record(payload, row) -> None:
    calls.append(payload)


def _flaky(payload, row) -> None:
    calls.append(payload)
    if len(calls) <= payload["failures"]:
        raise ConnectionError(f"failure {len(calls)}")


def _refused(payload, row) -> None:
    raise PermanentFailure("the outside world said no for good")


def _write_audit(payload, row) -> None:
    db.session.add(AuditEntry(created_at=clock.now(), action="test.transactional", target_type="system",
                              target_id=str(row.id), details={}))
    if payload.get("fail"):
        raise ValueError("rolled back with its writes")


register_kind("test.record", _record)
register_kind("test.flaky", _flaky, max_attempts=3)
register_kind("test.refused", _refused)
register_kind("test.transactional", _write_audit, transactional=True, max_attempts=1)


@mail_template("test.where_and_when")
def where_and_when(*, moment: str) -> tuple[str, str]:
    from datetime import datetime
    return f"locale {get_locale()}", format_datetime(datetime.fromisoformat(moment), "yyyy-MM-dd HH:mm zzzz")


@pytest.fixture(autouse=True)
def _clean_calls():
    calls.clear()
    yield
    calls.clear()


def status(row_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row_id)


def test_a_rolled_back_change_queues_nothing(run_outbox):
    with pytest.raises(RuntimeError), db.session.begin_nested():
        enqueue("test.record", {"n": 1})
        raise RuntimeError("the change fails")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert run_outbox() == {} and calls == []


def test_a_registration_mail_waits_for_the_worker(client, app, outbox):
    client.post("/register", data={"email": "new@example.org", "display_name": "New", "password": "a long enough pw",
                                   "confirm": "a long enough pw", "timezone": "UTC", "locale": "en",
                                   "accept_terms": "y", "accept_privacy": "y", "confirm_age": "y"})
    [row] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert (row.kind, row.status, row.payload["template"]) == ("mail", "pending", "accounts.verify_email")
    assert "body" not in row.payload  # rendered at send time, not stored
    from moocplatform.mail import outbox_messages
    assert outbox_messages(app.config["MAIL_OUTBOX_DIR"]) == []
    [mail] = outbox.messages
    assert mail["Message-ID"] == status(row.id).message_id
    assert status(row.id).status == "done" and status(row.id).done_at == START


def test_the_file_outbox_never_writes_a_mails_links_to_the_log(client, outbox, caplog):
    caplog.set_level("INFO", logger="moocplatform.mail")
    client.post("/register", data={"email": "new@example.org", "display_name": "New", "password": "a long enough pw",
                                   "confirm": "a long enough pw", "timezone": "UTC", "locale": "en",
                                   "accept_terms": "y", "accept_privacy": "y", "confirm_age": "y"})
    link = outbox.last_link("/verify/")
    assert "mail to new@example.org" in caplog.text
    assert link.split("/")[-1] not in caplog.text


def test_claims_lease_rows_and_an_expired_lease_is_claimed_again():
    row = enqueue("test.record", {"n": 1})
    assert claim("worker-a", limit=10, lease=timedelta(minutes=5)) == [row.id]
    assert claim("worker-b", limit=10, lease=timedelta(minutes=5)) == []  # leased to worker-a
    clock.advance(timedelta(minutes=5))
    assert claim("worker-b", limit=10, lease=timedelta(minutes=5)) == [row.id]
    claimed = status(row.id)
    assert (claimed.claimed_by, claimed.attempts, claimed.status) == ("worker-b", 2, "running")
    assert process(row.id, "worker-a") == "lost" and calls == []  # worker-a's lease is gone: it does not run
    assert process(row.id, "worker-b") == "done" and status(row.id).status == "done" and len(calls) == 1


def test_a_worker_does_not_start_a_row_whose_lease_ran_out_in_its_batch():
    row = enqueue("test.record", {"n": 1})
    claim("worker-a", limit=10, lease=timedelta(seconds=30))
    clock.advance(timedelta(seconds=30))  # earlier rows of the batch took that long
    assert process(row.id, "worker-a") == "lost" and calls == [] and status(row.id).status == "running"


def test_a_row_whose_worker_died_on_its_last_attempt_is_dead():
    row = enqueue("test.flaky", {"failures": 0})
    for _ in range(3):
        assert claim("w", limit=10, lease=timedelta(minutes=1)) == [row.id]
        clock.advance(timedelta(minutes=1))
    assert claim("w", limit=10, lease=timedelta(minutes=1)) == []
    dead = status(row.id)
    assert dead.status == "dead" and "lease expired" in dead.last_error and calls == []


def test_failures_back_off_then_die_after_the_attempts(run_outbox):
    row = enqueue("test.flaky", {"failures": 5})
    assert run_outbox() == {row.id: "failed"}
    failed = status(row.id)
    assert failed.attempts == 1 and failed.available_at == START + timedelta(seconds=30)
    assert "ConnectionError: failure 1" in failed.last_error
    assert run_outbox() == {}  # not before its time
    clock.advance(timedelta(seconds=30))
    assert run_outbox() == {row.id: "failed"} and status(row.id).available_at == clock.now() + timedelta(minutes=1)
    clock.advance(timedelta(minutes=1))
    assert run_outbox() == {row.id: "dead"} and status(row.id).attempts == 3
    assert [backoff(n) for n in (1, 2, 3, 20)] == [timedelta(seconds=30), timedelta(minutes=1),
                                                  timedelta(minutes=2), timedelta(hours=1)]


def test_a_retry_that_succeeds_is_done(run_outbox):
    row = enqueue("test.flaky", {"failures": 1})
    run_outbox()
    clock.advance(timedelta(seconds=30))
    assert run_outbox() == {row.id: "done"} and status(row.id).last_error is None and len(calls) == 2


def test_a_permanent_failure_is_dead_at_once(run_outbox):
    row = enqueue("test.refused", {})
    assert run_outbox() == {row.id: "dead"}
    assert status(row.id).attempts == 1 and "said no for good" in status(row.id).last_error


def test_a_row_of_an_unknown_kind_is_dead(run_outbox):
    row = enqueue("test.record", {})
    row.kind = "nobody.handles.this"
    db.session.flush()
    assert run_outbox() == {row.id: "dead"} and "no handler" in status(row.id).last_error


def test_an_idempotency_key_queues_once_per_kind():
    first = enqueue("test.record", {"n": 1}, key="certificate:7")
    assert enqueue("test.record", {"n": 2}, key="certificate:7") is first
    assert enqueue("test.flaky", {"failures": 0}, key="certificate:7") is not first
    with pytest.raises(ValueError, match="no outbox kind"):
        enqueue("never.registered", {})


def test_available_at_delays_a_row(run_outbox):
    row = enqueue("test.record", {"n": 1}, available_at=START + timedelta(hours=1))
    assert run_outbox() == {}
    clock.advance(timedelta(hours=1))
    assert run_outbox() == {row.id: "done"}


def test_a_transactional_kind_commits_its_writes_with_the_done_mark(run_outbox):
    good = enqueue("test.transactional", {})
    bad = enqueue("test.transactional", {"fail": True})
    assert run_outbox() == {good.id: "done", bad.id: "dead"}
    written = db.session.scalars(sa.select(AuditEntry.target_id).where(AuditEntry.action == "test.transactional"))
    assert list(written) == [str(good.id)]


def test_mail_is_rendered_in_the_recipients_locale_and_time_zone(app, client, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPORTED_LOCALES", ("en", "fr"))
    sender = make_user(timezone="America/New_York", locale="en")
    make_user(email="tokyo@example.org", timezone="Asia/Tokyo", locale="fr")
    log_in(client, sender)
    queue_mail("tokyo@example.org", "test.where_and_when", moment=START.isoformat())
    queue_mail("stranger@example.org", "test.where_and_when", moment=START.isoformat())
    tokyo, stranger = outbox.messages
    assert tokyo["Subject"] == "locale fr" and tokyo.get_content().strip().startswith("2026-03-02 18:00")
    assert stranger["Subject"] == "locale en" and stranger.get_content().strip().startswith("2026-03-02 09:00")


def test_a_retried_mail_keeps_its_message_id(app, run_outbox, monkeypatch):
    with smtp_server() as (port, server):
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
        ok = queue_mail("ann@example.org", "accounts.reset_password", link="http://learn.test/r/1", minutes=5)
        refused = queue_mail("refuse-550@example.org", "accounts.reset_password", link="x", minutes=5)
        busy = queue_mail("busy-451@example.org", "accounts.reset_password", link="x", minutes=5)
        assert run_outbox() == {ok.id: "done", refused.id: "dead", busy.id: "failed"}
        assert "550" in status(refused.id).last_error and "451" in status(busy.id).last_error
        [mail] = server.received
        assert mail["To"] == "ann@example.org" and mail["Message-ID"] == status(ok.id).message_id
        assert "http://learn.test/r/1" in mail.get_content()
        again = status(ok.id)
        again.status = "failed"  # as if the done mark had been lost: the resend is recognisable
        db.session.flush()
        run_outbox()
        assert [m["Message-ID"] for m in server.received] == [mail["Message-ID"]] * 2


def _only_these_jobs(monkeypatch) -> None:
    monkeypatch.setattr(jobs, "jobs", Registry("jobs"))
    monkeypatch.setattr(jobs, "reconciliations", dict)


def test_the_scheduler_runs_each_due_job_once_across_workers(monkeypatch, app):
    runs: list[str] = []
    _only_these_jobs(monkeypatch)
    jobs.register_job(app, "test-often", "every minute", lambda: runs.append("often"),
                      interval=timedelta(minutes=1))
    jobs.register_job(app, "test-default", "every 15 minutes", lambda: runs.append("default"))
    assert tick("worker-a") == {"test-default": None, "test-often": None}
    assert tick("worker-b") == {}  # the same minute: worker-a owns these runs
    clock.advance(timedelta(minutes=1))
    assert set(tick("worker-b")) == {"test-often"} and tick("worker-a") == {}
    clock.advance(timedelta(minutes=14))
    assert set(tick("worker-a")) == {"test-often", "test-default"}
    assert sorted(runs) == ["default", "default", "often", "often", "often"]
    row = db.session.get(ScheduledJob, "test-default")
    assert row.last_run_by == "worker-a" and row.next_run_at == clock.now() + timedelta(minutes=15)
    with pytest.raises(ValueError, match="at least a minute"):
        jobs.register_job(app, "too-often", "", lambda: None, interval=timedelta(seconds=10))


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(monkeypatch, app):
    _only_these_jobs(monkeypatch)
    jobs.register_job(app, "a-broken", "fails", lambda: 1 / 0)
    jobs.register_job(app, "b-fine", "works", lambda: "fine")
    assert tick("w") == {"b-fine": "fine"}
    assert "ZeroDivisionError" in db.session.get(ScheduledJob, "a-broken").last_error


def test_healthz_reports_the_worker_heartbeat(client):
    assert client.get("/healthz").get_json()["worker"]["status"] == "missing"
    beat("worker-a", START)
    enqueue("test.record", {})
    report = client.get("/healthz").get_json()
    assert report["worker"] == {"status": "ok", "last_seen": START.isoformat(),
                                "outbox": {"pending": 1, "failed": 0, "dead": 0}}
    clock.advance(timedelta(minutes=3))
    response = client.get("/healthz")
    assert response.status_code == 200  # the database answer stays as it is
    assert response.get_json()["status"] == "ok" and response.get_json()["worker"]["status"] == "stale"


def test_admin_sees_failed_and_dead_rows_and_retries_one(client, run_outbox):
    dead = enqueue("test.refused", {})
    failed = enqueue("test.flaky", {"failures": 1})
    done = enqueue("test.record", {})
    run_outbox()
    admin = make_user("admin")
    log_in(client, admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "said no for good" in page and "ConnectionError: failure 1" in page
    assert f"/admin/outbox/{done.id}/retry" not in page and f"/admin/outbox/{dead.id}/retry" in page
    assert client.post(f"/admin/outbox/{failed.id}/retry").status_code == 302
    retried = status(failed.id)
    assert (retried.status, retried.attempts, retried.available_at) == ("pending", 0, START)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
    assert entry.actor_id == admin.id and entry.target_id == str(failed.id)
    assert entry.details["previous_status"] == "failed"
    assert run_outbox() == {failed.id: "done"}
    assert client.post(f"/admin/outbox/{done.id}/retry").status_code == 409
    assert client.post("/admin/outbox/999999/retry").status_code == 404


def test_the_retry_button_needs_a_csrf_token(client, csrf_enabled):
    row = enqueue("test.refused", {})
    row.status = "dead"
    db.session.flush()
    log_in(client, make_user("admin"))
    assert client.post(f"/admin/outbox/{row.id}/retry").status_code == 400
    assert status(row.id).status == "dead"


REDIS_TEST_URL = redis_test_url("outbox")


@pytest.fixture()
def redis_url(app, monkeypatch):
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    client.delete(wake.WAKE_LIST)
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    yield REDIS_TEST_URL
    client.delete(wake.WAKE_LIST)
    client.close()


def test_a_committed_enqueue_wakes_the_worker_through_redis(redis_url):
    enqueue("test.record", {})
    assert wake.wait_for_wake(redis_url, 0.1) is False  # nothing before the commit
    db.session.commit()
    assert wake.wait_for_wake(redis_url, 1) is True


def test_a_rolled_back_enqueue_wakes_nobody(redis_url):
    enqueue("test.record", {})
    db.session.rollback()
    db.session.commit()
    assert wake.wait_for_wake(redis_url, 0.1) is False


def test_an_unreachable_redis_does_not_fail_the_commit(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    row = enqueue("test.record", {})
    db.session.commit()
    assert status(row.id).status == "pending"
    assert wake.wait_for_wake("redis://127.0.0.1:1/0", 0.1) is None


def test_run_batch_claims_in_order_and_reports_each_row():
    rows = [enqueue("test.record", {"n": n}) for n in range(3)]
    assert run_batch("w", limit=2) == {rows[0].id: "done", rows[1].id: "done"}
    assert [c["n"] for c in calls] == [0, 1]
