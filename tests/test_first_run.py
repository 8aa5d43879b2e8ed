"""What a new user meets first: `moocplatform setup` run again after a course team published in the browser."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.factories import write_pack

ROOT = Path(__file__).resolve().parents[1]


def _moocplatform(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """The command as `make run` calls it, on a SQLite database and instance folder of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "MAIL_SERVER", "PUBLIC_BASE_URL")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'setup.sqlite3'}", "SECRET_KEY": "setup-test-secret",
                "COURSES_DIR": str(tmp_path / "courses"), "STORAGE_DIR": str(tmp_path / "files"),
                "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})
    return subprocess.run([sys.executable, "-m", "moocplatform", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=180, check=False)


def test_setup_again_leaves_a_newer_live_version_alone(tmp_path):
    (tmp_path / "courses").mkdir()
    write_pack(tmp_path / "courses", "alpha", version="1.0.0", modules=1, units_per_module=2)
    first = _moocplatform(tmp_path, "setup", "--no-demo")
    assert first.returncode == 0, first.stderr
    # The course team publishes 1.1.0 (as the studio's upload and publish do); courses/ still holds 1.0.0.
    newer = write_pack(tmp_path / "team", "alpha", version="1.1.0", modules=1, units_per_module=3)
    published = _moocplatform(tmp_path, "courses", "import", str(newer))
    assert published.returncode == 0, published.stderr

    again = _moocplatform(tmp_path, "setup", "--no-demo")
    assert again.returncode == 0, again.stderr
    assert "alpha: kept the live version 1.1.0" in again.stdout
    # Importing the older pack by name is still refused: only setup keeps what is live.
    older = _moocplatform(tmp_path, "courses", "import", str(tmp_path / "courses" / "alpha-1.0.0"))
    assert older.returncode == 1
    assert "Version 1.0.0 is lower than the live version 1.1.0" in older.stderr


# Mail -------------------------------------------------------------------------------------------------------

def test_a_mail_in_the_outbox_folder_reads_as_plain_text(client, app, outbox):
    client.post("/register", data={"email": "new@example.org", "display_name": "Jürgen", "password": "a long enough pw",
                                   "confirm": "a long enough pw", "timezone": "UTC", "locale": "en",
                                   "accept_terms": "y", "accept_privacy": "y", "confirm_age": "y"})
    [mail] = outbox.messages
    link = outbox.last_link("/verify/")
    [path] = Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    text = path.read_text(encoding="utf-8")
    assert "Content-Transfer-Encoding: 8bit" in text
    assert "http://learn.test" + link in text.splitlines()  # the whole link on one line, as the mail shows it
    assert "Subject: Confirm your e-mail address" in text
    assert mail.get_content() in text  # mail clients read the same file


def _app_settings(monkeypatch, **environment: str) -> dict:
    from flask import Flask

    from moocplatform.config import load_config
    for name in ("PUBLIC_BASE_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    probe = Flask("probe", instance_path=str(ROOT / "instance"))
    load_config(probe, {"SECRET_KEY": "probe", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return probe.config


def test_mail_links_follow_the_port_served_in_development(monkeypatch):
    assert _app_settings(monkeypatch)["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert _app_settings(monkeypatch, PORT="8000")["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"
    assert _app_settings(monkeypatch, HOST="0.0.0.0", PORT="8080")["PUBLIC_BASE_URL"] == "http://0.0.0.0:8080"
    configured = _app_settings(monkeypatch, PORT="8000", PUBLIC_BASE_URL="https://learn.example.org")
    assert configured["PUBLIC_BASE_URL"] == "https://learn.example.org"


def test_make_run_gives_the_worker_the_served_address():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:"):].split("\n\n")[0]
    assert 'export HOST="$(HOST)" PORT="$(PORT)"' in run
    assert run.index("export HOST") < run.index("moocplatform worker")
    assert "setup ||" in run  # a failed setup step does not keep the server from starting


# Wording: a number meets a noun through ngettext --------------------------------------------------------------

def test_change_sets_count_in_the_singular_and_plural():
    from moocplatform.catalog.services import ChangeSet
    assert ChangeSet(added=["a"], first_version=True).describe() == "first version: 1 unit"
    assert ChangeSet(added=["a", "b"], first_version=True).describe() == "first version: 2 units"
    assert ChangeSet(changed=["a"]).describe() == "1 unit changed; 0 added; 0 retired"
    quiz = {"q": {"added": ["x"], "changed": [], "removed": []}}
    assert ChangeSet(quizzes=quiz).describe().endswith("quiz q: 1 question added")


def test_my_learning_and_the_course_page_read_right(client):
    from tests.conftest import log_in
    from tests.factories import enrol, make_course, make_user
    course = make_course("single", modules=1, units_per_module=1, effort=1)
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    assert "0 of 1 unit complete" in client.get("/my-learning").get_data(as_text=True)
    page = client.get("/courses/single").get_data(as_text=True)
    assert "1 hour a week" in page
    assert page.count("About this course") <= 1


def test_a_description_with_its_own_heading_gets_no_second_one(client, tmp_path):
    import yaml

    from moocplatform.catalog.services import import_pack
    folder = write_pack(tmp_path, "headed")
    manifest = yaml.safe_load((folder / "course.yaml").read_text())
    manifest["description"] = "## About this course\n\nWhat it is about."
    (folder / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    import_pack(None, folder)
    page = client.get("/courses/headed").get_data(as_text=True)
    assert page.count("About this course") == 1
    assert "What it is about." in page
