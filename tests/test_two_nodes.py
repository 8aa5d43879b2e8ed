"""Two app nodes on one PostgreSQL and one Redis, as a deployment grows: each node is a gunicorn server of its
own on its own port with a worker of its own, and files go to one S3-compatible store (moto's server here).

Nothing is shared between the nodes but the database, Redis and the file store, so what holds here holds for
nodes on separate machines: a session made on one is valid on the other, ending it on one ends it on both, the
log-in throttle counts failures from both, a file handed in through one downloads through the other, and the
two workers run each outbox row once.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import redis
import requests
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from moocplatform.mail import outbox_messages
from moocplatform.outbox import OutboxMessage
from tests.assignment_helpers import PDF
from tests.concurrency import only_on_postgres
from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import PASSWORD
from tests.parallel import redis_test_url

pytestmark = only_on_postgres("it cannot be the one database of nodes on separate machines")

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = redis_test_url("nodes")
BUCKET = "moocplatform-nodes"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# Run in a process of its own against the nodes' database: accounts and a course with an assignment.
SEED = """
import json
from moocplatform import create_app
from moocplatform.extensions import db
from tests.factories import enrol, make_course, make_user
app = create_app()
with app.app_context():
    course = make_course("nodes", assignment=True, modules=1, units_per_module=1)
    people = {}
    for key in ("ann", "ben", "cat", "dan"):
        people[key] = make_user(email=f"{key}@example.org", display_name=key.title())
        enrol(people[key], course)
    db.session.commit()
    print(json.dumps({key: user.id for key, user in people.items()}))
"""
# Mail rows committed as a request would commit them, for both workers to race over.
QUEUE_MAILS = """
import sys
from moocplatform import create_app
from moocplatform.extensions import db
from moocplatform.mail import queue_mail
app = create_app()
with app.app_context():
    for n in range(int(sys.argv[1])):
        queue_mail(f"reader{n}@example.org", "accounts.reset_password", link=f"http://learn.test/reset/{n}",
                   minutes=30)
    db.session.commit()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    nodes: tuple[str, str]
    env: dict[str, str]
    engine: sa.Engine
    mail_dir: Path
    people: dict[str, int]

    def run(self, script: str, *args: str) -> str:
        done = subprocess.run([sys.executable, "-c", script, *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "moocplatform", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{url} exited with {process.returncode}: {log.read_text()[-2000:]}"
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code in (200, 503):
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    suite_url = os.environ["TEST_DATABASE_URL"]
    name = f"{sa.engine.make_url(suite_url).database}_nodes"
    url = sa.engine.make_url(suite_url).set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3.start()
    host, port = s3.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                                   aws_secret_access_key="test").create_bucket(Bucket=BUCKET)
    root = tmp_path_factory.mktemp("nodes")
    env = {key: value for key, value in os.environ.items() if key not in ("MAIL_SERVER", "TEST_DATABASE_URL")}
    env.update({
        "DATABASE_URL": url, "SECRET_KEY": "two-nodes-test-secret", "REDIS_URL": REDIS_URL,
        "PUBLIC_BASE_URL": "http://learn.test", "SESSION_COOKIE_SECURE": "false",
        "MAIL_OUTBOX_DIR": str(root / "outbox"), "WORKER_POLL_SECONDS": "5",
        "STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": BUCKET, "STORAGE_S3_ENDPOINT_URL": endpoint,
        "STORAGE_S3_REGION": "us-east-1", "STORAGE_S3_ACCESS_KEY_ID": "test", "STORAGE_S3_SECRET_ACCESS_KEY": "test",
        "STORAGE_DIR": str(root / "node-files-never-shared"),
        "PYTHONPATH": str(ROOT),
    })
    engine = sa.create_engine(url)
    processes: list[subprocess.Popen] = []
    try:
        migrated = subprocess.run([sys.executable, "-m", "moocplatform", "db", "upgrade"], env=env, cwd=ROOT,
                                  capture_output=True, text=True, timeout=120, check=False)
        assert migrated.returncode == 0, migrated.stderr
        cluster = Cluster(("", ""), env, engine, root / "outbox", {})
        cluster.people = json.loads(cluster.run(SEED).strip().splitlines()[-1])
        nodes = []
        for index in range(2):
            port = _free_port()
            # Each node keeps its own files folder, so a file can only travel through the shared store.
            node_env = {**env, "STORAGE_DIR": str(root / f"node-{index}")}
            with open(root / f"node-{index}.log", "ab") as log:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
                     "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                    env=node_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
                processes.append(subprocess.Popen([sys.executable, "-m", "moocplatform", "worker"], env=node_env,
                                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
            nodes.append(f"http://127.0.0.1:{port}")
            _wait_until_serving(nodes[-1], processes[-2], root / f"node-{index}.log")
        cluster.nodes = (nodes[0], nodes[1])
        yield cluster
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        s3.stop()
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    match = CSRF.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def _log_in(browser: requests.Session, node: str, email: str, password: str = PASSWORD) -> requests.Response:
    token = _csrf(browser, f"{node}/login")
    return browser.post(f"{node}/login", data={"csrf_token": token, "email": email, "password": password},
                        allow_redirects=False, timeout=10)


def _signed_in(browser: requests.Session, node: str) -> bool:
    page = browser.get(f"{node}/my-learning", allow_redirects=False, timeout=10)
    assert page.status_code in (200, 302), page.status_code
    return page.status_code == 200


def test_a_log_in_on_one_node_is_valid_on_the_other(cluster):
    a, b = cluster.nodes
    browser = requests.Session()
    assert _log_in(browser, a, "ann@example.org").status_code == 302
    assert _signed_in(browser, b) and _signed_in(browser, a)


def test_a_log_out_on_one_node_ends_the_session_on_the_other(cluster):
    a, b = cluster.nodes
    browser = requests.Session()
    assert _log_in(browser, b, "ben@example.org").status_code == 302
    assert _signed_in(browser, a)  # node A now knows the session (and may keep what it learnt of the user)
    kept = browser.cookies.copy()
    token = _csrf(browser, f"{b}/my-learning")
    assert browser.post(f"{b}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10).status_code == 302
    replay = requests.Session()
    replay.cookies.update(kept)
    assert not _signed_in(replay, a)


def test_a_suspension_ends_the_session_on_every_node_at_once(cluster):
    a, b = cluster.nodes
    browser = requests.Session()
    assert _log_in(browser, a, "cat@example.org").status_code == 302
    assert _signed_in(browser, a) and _signed_in(browser, b)
    cluster.cli("users", "suspend", "cat@example.org")
    assert not _signed_in(browser, a) and not _signed_in(browser, b)


def test_failed_log_ins_on_both_nodes_count_together(cluster):
    a, b = cluster.nodes
    for node in (a, b, a):  # from the third failure on, each attempt waits
        assert _log_in(requests.Session(), node, "dan@example.org", "not the password").status_code == 422
    refused = _log_in(requests.Session(), b, "dan@example.org")
    assert refused.status_code != 302 and "Too many failed attempts" in refused.text


def test_a_file_handed_in_through_one_node_downloads_through_the_other(cluster):
    a, b = cluster.nodes
    browser = requests.Session()
    assert _log_in(browser, a, "ann@example.org").status_code == 302
    token = _csrf(browser, f"{a}/courses/nodes/units/task")
    handed = browser.post(f"{a}/courses/nodes/assignments/task/hand-in", allow_redirects=False, timeout=20,
                          data={"csrf_token": token, "text": "My plan", "action": "save"},
                          files={"files": ("plan.pdf", PDF, "application/pdf")})
    assert handed.status_code == 302
    page = browser.get(f"{b}/courses/nodes/units/task", timeout=10).text
    link = re.search(r'href="(/courses/nodes/assignments/files/\d+)"', page)
    assert link, "the draft's file is not listed on node B"
    download = browser.get(f"{b}{link.group(1)}", timeout=10)
    assert download.status_code == 200 and download.content == PDF


def test_two_nodes_workers_run_each_outbox_row_once(cluster):
    count = 40
    cluster.run(QUEUE_MAILS, str(count))
    deadline = time.monotonic() + 60
    outbox = OutboxMessage.__table__
    while time.monotonic() < deadline:
        with cluster.engine.connect() as connection:
            pending = connection.scalar(sa.select(sa.func.count()).select_from(outbox).where(
                outbox.c.kind == "mail", outbox.c.status != "done"))
        if pending == 0:
            break
        time.sleep(0.2)
    assert pending == 0
    with cluster.engine.connect() as connection:
        attempts = connection.execute(sa.select(outbox.c.attempts).where(outbox.c.kind == "mail")).scalars().all()
    assert len(attempts) == count and set(attempts) == {1}
    sent = [message["To"] for message in outbox_messages(str(cluster.mail_dir))]
    assert sorted(sent) == sorted(f"reader{n}@example.org" for n in range(count))
