"""Areas register themselves (INSTALLED_AREAS); registries refuse duplicates; the unit page shows the panels
that areas registered."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint, Flask

import moocplatform
from moocplatform import create_app
from moocplatform.catalog.panels import course_panels
from moocplatform.jobs import register_job, registered_jobs
from moocplatform.learning.panels import UnitPanel, UnitView, panels_for, register_unit_panel, unit_panels
from moocplatform.registry import DuplicateEntry, Registry

from .conftest import log_in
from .factories import enrol, make_course, make_user

ALL_AREAS = ("accounts", "tokens", "catalog", "learning", "quizzes", "notifications", "discussion", "cohorts",
             "announcements", "assignments", "certificates", "people", "notes", "portfolio", "organisations",
             "opportunities", "admin", "studio", "ops", "app_shell", "push", "api")


def make_app(app, **config):
    return create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "SECRET_KEY": "test", **config})


def test_every_area_is_installed_by_default(app):
    assert app.config["INSTALLED_AREAS"] == ALL_AREAS
    assert {"accounts", "catalog", "learning", "quizzes", "admin", "studio", "ops"} <= set(app.blueprints)
    assert {"courses", "users", "quizzes", "seed-demo", "jobs", "setup", "backup", "restore"} <= set(
        app.cli.commands)
    assert [job.name for job in registered_jobs(app)] == [
        "assignments-peer-review-deadlines", "close-due-opportunities", "close-expired-quiz-attempts",
        "delete-expired-applications", "drop-former-partner-roles", "ensure-course-forums", "issue-certificates",
        "process-completions",
        "purge-login-challenges", "purge-login-failures", "purge-sessions", "remind-cohort-learners",
        "send-notification-digests"]
    assert [panel.name for panel in unit_panels.entries(app)] == ["quiz", "discussion", "assignment", "notes"]
    assert [panel.name for panel in course_panels.entries(app)] == ["cohorts", "announcements", "people", "notes"]


def test_an_area_left_out_registers_nothing(app):
    partial = make_app(app, INSTALLED_AREAS=("accounts", "catalog", "learning", "ops"))
    assert "quizzes" not in partial.blueprints and "studio" not in partial.blueprints
    assert "admin" not in partial.blueprints
    assert "quizzes" not in partial.cli.commands and "users" not in partial.cli.commands
    # Reconciliation jobs belong to the process (events.register_reconciliation), not to one application.
    assert [job.name for job in registered_jobs(partial)] == ["drop-former-partner-roles", "issue-certificates",
                                                           "process-completions", "purge-login-challenges",
                                                           "purge-login-failures", "purge-sessions"]
    assert unit_panels.entries(partial) == []
    assert course_panels.entries(partial) == [] and "cohorts" not in partial.blueprints
    assert "quizzes/attempt.html" not in partial.jinja_env.list_templates()
    # ... while the full application still has everything: registrations belong to their application.
    assert [panel.name for panel in unit_panels.entries(app)] == ["quiz", "discussion", "assignment", "notes"]


def test_areas_keep_their_templates_and_the_platform_only_the_shared_ones(app):
    root = Path(moocplatform.__file__).parent
    shared = {path.name for path in (root / "templates").iterdir()}
    assert shared == {"base.html", "macros", "errors"}
    for area in ("accounts", "admin", "catalog", "certificates", "cohorts", "learning", "quizzes", "studio"):
        assert list((root / area / "templates" / area).glob("*.html")), area
    assert "quizzes/_panel.html" in app.jinja_env.list_templates()


def test_no_area_imported_by_the_factory_the_cli_or_the_jobs():
    root = Path(moocplatform.__file__).parent
    for module in ("__init__.py", "cli.py", "jobs.py"):
        source = (root / module).read_text()
        for area in ALL_AREAS[:-1]:
            assert f"from .{area}" not in source and f"import {area}" not in source, (module, area)


def test_a_registry_refuses_duplicates_and_keeps_the_order():
    registry: Registry[UnitPanel] = Registry("things")
    first, second = Flask("first"), Flask("second")
    one = UnitPanel("one", 1, "one.html", lambda view: True, lambda view: 1)
    two = UnitPanel("two", 2, "two.html", lambda view: True, lambda view: 2)
    registry.register(first, two)
    registry.register(first, one)
    with pytest.raises(DuplicateEntry, match="things: 'one'"):
        registry.register(first, one)
    registry.register(second, one)  # another application has entries of its own
    assert registry.entries(first) == [two, one] and registry.names(second) == ["one"]
    assert registry.get("two", first) is two
    with pytest.raises(LookupError):
        registry.get("two", second)
    register_job(first, "job", "A job.", lambda: None)
    with pytest.raises(DuplicateEntry):
        register_job(first, "job", "The same name again.", lambda: None)


class Unit:
    def __init__(self, key: str, type: str):
        self.key, self.type = key, type


def test_panels_are_shown_in_order_when_their_predicate_and_data_say_so():
    app = Flask("panels")
    calls = []
    register_unit_panel(app, UnitPanel("late", 20, "late.html", lambda view: True, lambda view: "late"))
    register_unit_panel(app, UnitPanel("early", 10, "early.html", lambda view: True, lambda view: "early"))
    register_unit_panel(app, UnitPanel("videos only", 5, "video.html", lambda view: view.unit.type == "video",
                                       lambda view: calls.append(view.unit.key) or "video"))
    register_unit_panel(app, UnitPanel("nothing to show", 1, "none.html", lambda view: True, lambda view: None))
    with app.app_context():
        text = panels_for(UnitView(None, None, None, Unit("u1", "text"), enrolled=True, tracking=True))
        video = panels_for(UnitView(None, None, None, Unit("u2", "video"), enrolled=True, tracking=True))
    assert [shown.panel.name for shown in text] == ["early", "late"]
    assert [shown.data for shown in video] == ["video", "early", "late"]
    assert calls == ["u2"]  # a panel's data is loaded only where its predicate shows it


def test_the_unit_page_renders_a_registered_panel(app, tmp_path):
    templates = tmp_path / "templates" / "probe"
    templates.mkdir(parents=True)
    (templates / "_panel.html").write_text('<section class="probe-panel">{{ panel }} for {{ unit.key }}</section>')
    probe = make_app(app, TESTING=True)
    probe.register_blueprint(Blueprint("probe", __name__, template_folder=str(tmp_path / "templates")))
    register_unit_panel(probe, UnitPanel("probe", 50, "probe/_panel.html",
                                         shows=lambda view: view.enrolled, load=lambda view: "A probe"))
    probe.test_client_class = app.test_client_class
    client = probe.test_client()
    course = make_course()
    learner = make_user()
    enrol(learner, course)
    log_in(client, learner)
    page = client.get(f"/courses/{course.slug}/units/m1-u1").get_data(as_text=True)
    assert '<section class="probe-panel">A probe for m1-u1</section>' in page
    assert "quiz-panel" not in page  # the quiz panel shows on quiz units only
