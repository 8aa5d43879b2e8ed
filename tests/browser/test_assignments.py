"""A capstone from hand-in to completion: the learner hands in with a file, three peers review it anonymously
(their median is below the pass mark), the facilitator asks for a revision, the learner hands in a new
version, the facilitator accepts, and the course is completed. Every page passes axe."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from moocplatform import clock
from moocplatform.assignments import services
from moocplatform.assignments.models import PeerAllocation, Submission, SubmissionVersion
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning.completion import has_completed
from tests.browser.test_discussion import assert_accessible
from tests.conftest import START
from tests.factories import enrol, make_user, sample_assignment, write_pack

pytestmark = pytest.mark.browser

SLUG = "capstone-course"
UNIT = f"/courses/{SLUG}/units/task"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def capstone(live_server) -> dict[str, int]:
    """A course whose capstone the facilitator and three peers assess; the peers have handed in already."""
    with live_server.app.app_context(), clock.frozen_at(START):
        folder = write_pack(Path(tempfile.mkdtemp(prefix="capstone-")), SLUG, modules=1, units_per_module=1,
                            assignment=sample_assignment(assessed_by=["facilitator", "peers"], peer_count=3,
                                                         pass_mark=4))
        course = import_pack(None, folder).course
        author = make_user(email="capstone@example.org", display_name="Cam Capstone")
        enrol(author, course)
        live_server.user_ids["cap_author"] = author.id
        for n in range(1, 4):
            peer = make_user(email=f"cappeer{n}@example.org", display_name=f"Pat Peer {n}")
            enrol(peer, course)
            services.save_draft(peer, course, "task", text=f"Peer {n}'s plan")
            services.submit(peer, course, "task")
            live_server.user_ids[f"cap_peer{n}"] = peer.id
        facilitator = make_user("facilitator", course=course, email="capfac@example.org",
                                display_name="Fran Facilitator")
        live_server.user_ids["cap_facilitator"] = facilitator.id
        db.session.commit()
        ids = {"course": course.id, "author": author.id}
        db.session.remove()
    return ids


def _allocation_of_authors_work(live_server, capstone, reviewer_key: str) -> int:
    with live_server.app.app_context():
        found = db.session.scalar(
            sa.select(PeerAllocation.id).join(SubmissionVersion, SubmissionVersion.id == PeerAllocation.version_id)
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .where(Submission.user_id == capstone["author"],
                   PeerAllocation.reviewer_id == live_server.user_ids[reviewer_key]))
        db.session.remove()
    assert found is not None
    return found


def _choose(page: Page, goal: str, evidence: str) -> None:
    page.get_by_role("group", name="The goal is specific").get_by_label(goal).check()
    page.get_by_role("group", name="Evidence of testing").get_by_label(evidence).check()


def test_a_capstone_is_handed_in_peer_reviewed_revised_accepted_and_completes_the_course(
        new_context, live_server, capstone, tmp_path):
    learner = new_context(as_user="cap_author").new_page()
    learner.goto(f"/courses/{SLUG}/units/m1-u1")
    learner.get_by_role("button", name="Mark as complete").click()
    learner.goto(UNIT)
    panel = learner.get_by_role("region", name="Assignment")
    panel.get_by_label("Text (Markdown)").fill("My plan: *one* check a week.")
    work = tmp_path / "plan.pdf"
    work.write_bytes(PDF)
    panel.get_by_label("Add files").set_input_files(str(work))
    panel.get_by_role("button", name="Submit").click()
    expect(learner.get_by_text("Your work is handed in (version 1).")).to_be_visible()
    expect(learner.get_by_role("link", name="plan.pdf")).to_be_visible()
    assert_accessible(learner)

    for n in range(1, 4):
        peer = new_context(as_user=f"cap_peer{n}").new_page()
        peer.goto(UNIT)
        find = peer.get_by_role("button", name="Find work to review")
        if find.count():
            find.click()
        allocation = _allocation_of_authors_work(live_server, capstone, f"cap_peer{n}")
        peer.goto(f"/courses/{SLUG}/assignments/peer-reviews/{allocation}")
        expect(peer.locator(".submission-version")).to_contain_text("one check a week")
        expect(peer.get_by_text("Cam Capstone")).to_have_count(0)  # anonymous
        assert_accessible(peer)
        _choose(peer, "Good", "Missing")  # 2 of 5, below the pass mark of 4
        peer.get_by_label("Feedback (Markdown)").fill(f"Peer {n}: show the evidence of your test.")
        peer.get_by_role("button", name="Save the review").click()
        expect(peer.get_by_text("Thank you: your review is saved.")).to_be_visible()

    facilitator = new_context(as_user="cap_facilitator").new_page()
    facilitator.goto(f"/courses/{SLUG}/submissions?status=all")
    assert_accessible(facilitator)
    facilitator.get_by_role("link", name="Cam Capstone").click()
    expect(facilitator.get_by_text("the median of 3 peer reviews")).to_be_visible()
    _choose(facilitator, "Good", "Missing")
    facilitator.get_by_label("Feedback for the learner (Markdown)").fill("Add the results of your first check.")
    facilitator.get_by_label("Ask for a revision").check()
    assert_accessible(facilitator)
    facilitator.get_by_role("button", name="Save the review").click()
    expect(facilitator.get_by_text("Your review is saved and the learner is told.")).to_be_visible()

    learner.goto(UNIT)
    expect(learner.get_by_text("Needs revision.")).to_be_visible()
    expect(learner.get_by_text("Add the results of your first check.")).to_be_visible()
    panel = learner.get_by_role("region", name="Assignment")
    panel.get_by_label("Text (Markdown)").fill("My plan: *one* check a week. Results: it worked twice.")
    panel.get_by_role("button", name="Submit the new version").click()
    expect(learner.get_by_text("Your work is handed in (version 2).")).to_be_visible()
    assert_accessible(learner)

    facilitator.goto(f"/courses/{SLUG}/submissions")
    facilitator.get_by_role("link", name="Cam Capstone").click()
    _choose(facilitator, "Strong", "Shown")
    facilitator.get_by_label("Accept").check()
    facilitator.get_by_role("button", name="Save the review").click()
    expect(facilitator.get_by_text("Your review is saved and the learner is told.")).to_be_visible()

    learner.goto(UNIT)
    expect(learner.get_by_text("Accepted.")).to_be_visible()
    learner.goto("/my-learning")
    expect(learner.get_by_text("Course completed on")).to_be_visible()
    assert_accessible(learner)
    with live_server.app.app_context():
        assert has_completed(capstone["author"], capstone["course"])
        db.session.remove()
