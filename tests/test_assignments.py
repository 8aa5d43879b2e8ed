"""Assignments: handing in on the unit page, files judged by their content, self-assessment, the staff queue
and review, resubmission with history, completion, who sees what, and personal data."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from moocplatform import personal_data, transaction
from moocplatform.assignments import files, queries, services
from moocplatform.assignments.models import Assessment, Submission, SubmissionFile, SubmissionStatus, SubmissionVersion
from moocplatform.audit import AuditEntry
from moocplatform.errors import Conflict, InvalidInput, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.completion import has_completed, learner_progress_by_rule
from moocplatform.learning.models import UnitProgress
from moocplatform.notifications.models import Notification
from moocplatform.outbox import OutboxMessage
from moocplatform.storage import storage_for
from tests.assignment_helpers import PDF, PNG, docx, odt, zip_bomb, zipped
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, sample_assignment

UNIT = "/courses/{slug}/units/task"
HAND_IN = "/courses/{slug}/assignments/task/hand-in"
FULL = {"goal": 3, "evidence": 2}


@pytest.fixture()
def course():
    return make_course("plans", assignment=True, modules=1, units_per_module=1)


@pytest.fixture()
def learner(course):
    user = make_user(display_name="Ada Learner")
    enrol(user, course)
    return user


def _stored(file: SubmissionFile) -> bool:
    return storage_for("submissions").exists(file.storage_key)


def _handed_in(learner, course, text="My **plan**", files_=()):
    services.save_draft(learner, course, "task", text=text)
    for name, data in files_:
        services.add_file(learner, course, "task", name, data)
    return services.submit(learner, course, "task")


# Handing in -------------------------------------------------------------------------------------------------

def test_the_unit_page_shows_the_assignment_and_a_hand_in_form(client, course, learner):
    log_in(client, learner)
    page = client.get(UNIT.format(slug="plans")).get_data(as_text=True)
    assert "Hand in your <em>plan</em>" in page
    assert 'action="/courses/plans/assignments/task/hand-in"' in page and 'enctype="multipart/form-data"' in page
    assert 'data-autosave-url="/courses/plans/assignments/task/autosave"' in page
    assert "Save draft" in page and "DESCRIPTOR-GOAL-3" in page
    assert "Mark as complete" not in page  # the assignment completes the unit


def test_a_unit_without_an_assignment_has_no_panel(client, course, learner):
    log_in(client, learner)
    page = client.get("/courses/plans/units/m1-u1").get_data(as_text=True)
    assert "hand-in" not in page and "Mark as complete" in page


def test_autosave_keeps_the_draft_and_sanitises_the_text(client, course, learner):
    log_in(client, learner)
    response = client.post("/courses/plans/assignments/task/autosave",
                           data={"text": "Hello <script>alert(1)</script> *world*", "link": ""})
    assert response.status_code == 200 and response.json["version"] == 1
    version = db.session.scalar(sa.select(SubmissionVersion))
    assert version.is_draft and "<script>" not in version.text_html and "<em>world</em>" in version.text_html
    again = client.post("/courses/plans/assignments/task/autosave", data={"text": "Second"})
    assert again.json["version"] == 1 and db.session.scalar(sa.select(sa.func.count(SubmissionVersion.id))) == 1
    bad = client.post("/courses/plans/assignments/task/autosave", data={"link": "javascript:alert(1)"})
    assert bad.status_code == 400 and bad.json["field"] == "link"


def test_save_draft_without_script_then_submit_twice_makes_one_submission(client, course, learner):
    log_in(client, learner)
    client.post(HAND_IN.format(slug="plans"), data={"text": "Draft", "link": "https://example.org/plan",
                                                    "action": "save"})
    submission = db.session.scalar(sa.select(Submission))
    assert submission.status == SubmissionStatus.draft
    for _ in range(2):
        assert client.post(HAND_IN.format(slug="plans"), data={"action": "submit"}).status_code == 302
    db.session.expire_all()
    versions = db.session.scalars(sa.select(SubmissionVersion)).all()
    assert [(v.number, v.is_draft, v.link) for v in versions] == [(1, False, "https://example.org/plan")]
    assert submission.status == SubmissionStatus.submitted
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "assignment.submitted")) == 1
    assert services.submit(learner, course, "task").number == 1  # the service itself is idempotent too


def test_nothing_to_submit_and_a_part_not_asked_for_are_refused(course, learner):
    with pytest.raises(InvalidInput, match="before you submit"):
        services.submit(learner, course, "task")
    services.save_draft(learner, course, "task", text="   ")
    with pytest.raises(InvalidInput, match="before you submit"):
        services.submit(learner, course, "task")
    text_only = make_course("texts", assignment=sample_assignment(hand_in=["text"]), modules=1, units_per_module=1)
    enrol(learner, text_only)
    with pytest.raises(InvalidInput, match="no link"):
        services.save_draft(learner, text_only, "task", link="https://example.org")
    with pytest.raises(InvalidInput, match="no files"):
        services.add_file(learner, text_only, "task", "plan.pdf", PDF)


def test_only_enrolled_learners_hand_in(course):
    outsider = make_user()
    with pytest.raises(PermissionDenied):
        services.save_draft(outsider, course, "task", text="x")


def test_csrf_is_required(client, course, learner, csrf_enabled):
    log_in(client, learner)
    assert client.post(HAND_IN.format(slug="plans"), data={"text": "x", "action": "save"}).status_code == 400
    assert client.post("/courses/plans/assignments/task/autosave", data={"text": "x"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0


# Files ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "kind"), [
    ("plan.pdf", PDF, "application/pdf"), ("board.png", PNG, "image/png"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    ("plan.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("plan.odt", odt(), "application/vnd.oasis.opendocument.text"),
    ("notes.txt", "Plain text, ünïcode.\n".encode(), "text/plain; charset=utf-8"),
])
def test_accepted_kinds_are_known_by_their_content(name, data, kind):
    assert files.identify(name, data).content_type == kind


@pytest.mark.parametrize(("name", "data", "message"), [
    ("plan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60, "not a kind of file we accept"),  # a renamed executable
    ("plan.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "not a kind of file we accept"),
    ("board.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not a kind"),
    ("page.txt", b"hello <script>alert(1)</script>", "not a kind"),
    ("plan.docx", zip_bomb(), "zip bomb"),
    ("sources.zip", zipped({"a.py": b"print(1)"}), "other archives are not accepted"),
    ("plan.docx", zipped({"[Content_Types].xml": b"<T/>", "word/document.xml": b"<d/>",
                          "word/vbaProject.bin": b"x"}), "macros"),
    ("plan.png", PDF, "is a PDF document, but its name does not end in .pdf"),
    ("empty.pdf", b"", "is empty"),
])
def test_hostile_or_unknown_files_are_refused_with_a_message(name, data, message):
    with pytest.raises(files.FileRefused, match=message):
        files.identify(name, data)


@pytest.mark.parametrize("name", ["../../etc/passwd.txt", "a/b.pdf", "..\\x.pdf", ".hidden.pdf", "a\x00.pdf"])
def test_names_that_are_paths_are_refused(name):
    with pytest.raises(files.FileRefused):
        files.clean_name(name)


def test_a_refused_upload_stores_nothing(client, course, learner):
    log_in(client, learner)
    response = client.post(HAND_IN.format(slug="plans"), content_type="multipart/form-data", data={
        "action": "save", "files": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "setup.pdf")})
    assert response.status_code == 302
    page = client.get(UNIT.format(slug="plans")).get_data(as_text=True)
    assert "not a kind of file we accept" in page
    assert db.session.scalar(sa.select(sa.func.count(SubmissionFile.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0  # the whole save was rolled back


def test_a_file_over_20_mb_is_refused(course, learner):
    with pytest.raises(InvalidInput, match="larger than 20 MB"):
        services.add_file(learner, course, "task", "big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))


def test_a_learner_stores_at_most_50_mb(course, learner, monkeypatch):
    monkeypatch.setattr(files, "MAX_BYTES_PER_LEARNER", len(PDF) * 2 + 10)
    services.add_file(learner, course, "task", "one.pdf", PDF)
    services.add_file(learner, course, "task", "two.pdf", PDF)
    with pytest.raises(InvalidInput, match="more than"):
        services.add_file(learner, course, "task", "three.pdf", PDF)


def test_files_upload_download_and_removal(client, course, learner):
    log_in(client, learner)
    client.post(HAND_IN.format(slug="plans"), content_type="multipart/form-data", data={
        "action": "save", "files": [(io.BytesIO(PDF), "plan.pdf"), (io.BytesIO(docx()), "plan.docx")]})
    rows = db.session.scalars(sa.select(SubmissionFile).order_by(SubmissionFile.id)).all()
    assert [r.name for r in rows] == ["plan.pdf", "plan.docx"] and all(_stored(r) for r in rows)
    download = client.get(f"/courses/plans/assignments/files/{rows[0].id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Security-Policy"].startswith("sandbox")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    client.post(f"/courses/plans/assignments/files/{rows[1].id}/remove")
    assert db.session.scalar(sa.select(sa.func.count(SubmissionFile.id))) == 1
    assert not _stored(rows[1])  # deleted once the removal committed


# Review, resubmission, self-assessment ---------------------------------------------------------------------

def test_review_needs_revision_then_resubmission_keeps_history_and_acceptance_completes(
        client, course, learner):
    _handed_in(learner, course, files_=[("plan.pdf", PDF)])
    facilitator = make_user("facilitator", course=course)
    submission = db.session.scalar(sa.select(Submission))
    log_in(client, facilitator)
    queue = client.get("/courses/plans/submissions").get_data(as_text=True)
    assert "Ada Learner" in queue and f"/courses/plans/submissions/{submission.id}" in queue
    page = client.get(f"/courses/plans/submissions/{submission.id}").get_data(as_text=True)
    assert "My <strong>plan</strong>" in page and "plan.pdf" in page
    missing = client.post(f"/courses/plans/submissions/{submission.id}",
                          data={"criterion-goal": "2", "decision": "needs_revision"})
    assert missing.status_code == 422 and "Choose a level" in missing.get_data(as_text=True)
    client.post(f"/courses/plans/submissions/{submission.id}", data={
        "criterion-goal": "2", "criterion-evidence": "0", "feedback": "Add a *test*.", "decision": "needs_revision"})
    db.session.expire_all()
    assert submission.status == SubmissionStatus.needs_revision
    # the learner is notified (in the bell, and by e-mail by default) with a link to the feedback
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == learner.id))
    assert notice.kind == "assignments.decided" and notice.params["decision"] == "needs_revision"
    assert notice.link.endswith("/courses/plans/units/task#assignment")
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "mail").order_by(
        OutboxMessage.id.desc()))
    assert mail.payload["args"]["kind"] == "assignments.decided" and mail.payload["to"] == learner.email

    log_in(client, learner)
    page = client.get(UNIT.format(slug="plans")).get_data(as_text=True)
    assert "Needs revision." in page and "Add a <em>test</em>." in page
    assert "DESCRIPTOR-EVIDENCE-0" in page and "2 / 5" in page  # the scores and why
    assert "Version 2" in page and "My **plan**" in page  # the new version starts from the last one

    services.save_draft(learner, course, "task", text="My plan, tested")
    services.submit(learner, course, "task")
    versions = db.session.scalars(sa.select(SubmissionVersion).order_by(SubmissionVersion.number)).all()
    assert [(v.number, v.text) for v in versions] == [(1, "My **plan**"), (2, "My plan, tested")]
    first_files, second_files = ([f.name for f in db.session.scalars(
        sa.select(SubmissionFile).where(SubmissionFile.version_id == v.id))] for v in versions)
    assert first_files == second_files == ["plan.pdf"]
    assert learner_progress_by_rule(learner.id, course)[-1].label == "0 of 1 assignment accepted"

    services.review(facilitator, course, submission, FULL, "", "accepted")
    assert submission.status == SubmissionStatus.accepted
    assert db.session.scalar(sa.select(UnitProgress.completed_at).where(UnitProgress.unit_key == "task"))
    assert learner_progress_by_rule(learner.id, course)[-1].label == "1 of 1 assignment accepted"
    with pytest.raises(Conflict):
        services.save_draft(learner, course, "task", text="more")
    with pytest.raises(Conflict, match="not waiting"):
        services.review(facilitator, course, submission, FULL, "", "accepted")


def test_acceptance_completes_the_course_when_every_rule_is_met(course, learner):
    _handed_in(learner, course)
    from moocplatform.learning.services import set_unit_completion
    set_unit_completion(learner, course, "m1-u1", complete=True)
    assert not has_completed(learner.id, course.id)
    services.review(make_user("facilitator", course=course), course, db.session.scalar(sa.select(Submission)),
                    FULL, "Well done.", "accepted")
    assert has_completed(learner.id, course.id)


def test_a_self_assessed_assignment_is_completed_by_the_learner(client, learner):
    alone = make_course("alone", assignment=sample_assignment(assessed_by=["self"]), modules=1,
                        units_per_module=1)
    enrol(learner, alone)
    _handed_in(learner, alone)
    log_in(client, learner)
    page = client.get(UNIT.format(slug="alone")).get_data(as_text=True)
    assert "Assess your own work" in page and "DESCRIPTOR-GOAL-2" in page
    with pytest.raises(InvalidInput, match="Choose"):
        services.self_assess(learner, alone, "task", {"goal": 3, "evidence": 1})
    client.post("/courses/alone/assignments/task/self-assessment",
                data={"criterion-goal": "2", "criterion-evidence": "2"})
    db.session.expire_all()
    assessment = db.session.scalar(sa.select(Assessment))
    assert (assessment.role, assessment.points, assessment.max_points) == ("self", 4, 5)
    assert db.session.scalar(sa.select(Submission.status)) == SubmissionStatus.accepted
    page = client.get(UNIT.format(slug="alone")).get_data(as_text=True)
    assert "Accepted." in page and "Your self-assessment" in page


def test_self_assessment_beside_staff_review_does_not_decide(course, learner):
    _handed_in(learner, course)
    services.self_assess(learner, course, "task", FULL)
    assert db.session.scalar(sa.select(Submission.status)) == SubmissionStatus.submitted


# Who sees what ------------------------------------------------------------------------------------------------

@pytest.fixture()
def handed_in(course, learner):
    _handed_in(learner, course, files_=[("plan.pdf", PDF)])
    return db.session.scalar(sa.select(Submission)), db.session.scalar(sa.select(SubmissionFile))


@pytest.mark.parametrize(("viewer", "file_status", "review_status"), [
    ("author", 200, 403), ("co_learner", 404, 404), ("outsider", 404, 404), ("facilitator", 200, 200),
    ("course_team", 404, 404), ("admin", 200, 200), ("other_facilitator", 404, 404),
])
def test_a_submission_is_seen_by_its_author_and_its_reviewers_only(client, course, learner, handed_in, viewer,
                                                                      file_status, review_status):
    submission, file = handed_in
    other = make_course("other")
    people = {"author": learner, "outsider": make_user(), "admin": make_user("admin"),
              "facilitator": make_user("facilitator", course=course),
              "course_team": make_user("course_team", course=course),
              "other_facilitator": make_user("facilitator", course=other)}
    people["co_learner"] = make_user()
    enrol(people["co_learner"], course)
    log_in(client, people[viewer])
    download = client.get(f"/courses/plans/assignments/files/{file.id}")
    download.close()
    assert download.status_code == file_status
    assert client.get(f"/courses/plans/submissions/{submission.id}").status_code == review_status
    removal = client.post(f"/courses/plans/assignments/files/{file.id}/remove")
    assert removal.status_code in ((302,) if viewer == "author" else (404,))


def test_a_file_of_another_course_is_not_found_under_this_one(client, course, learner, handed_in):
    _submission, file = handed_in
    make_course("other")
    log_in(client, learner)
    assert client.get(f"/courses/other/assignments/files/{file.id}").status_code == 404


# Queries ----------------------------------------------------------------------------------------------------

def test_the_staff_queue_takes_the_same_queries_for_3_or_12_submissions(client, course, count_queries):
    staff = make_user("facilitator", course=course)
    log_in(client, staff)
    client.get("/courses/plans/submissions?status=all")  # a session's first request loads its user
    counts = []
    for total in (3, 12):
        while db.session.scalar(sa.select(sa.func.count(Submission.id))) < total:
            learner = make_user()
            enrol(learner, course)
            _handed_in(learner, course)
        db.session.flush()
        with count_queries() as statements:
            page = client.get("/courses/plans/submissions?status=all").get_data(as_text=True)
        assert len(re.findall(r"/courses/plans/submissions/\d+", page)) == total
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_the_queue_filters_by_unit_and_status_oldest_first(course):
    first, second = make_user(display_name="First"), make_user(display_name="Second")
    for user in (first, second):
        enrol(user, course)
        _handed_in(user, course)
    from moocplatform import clock
    db.session.scalar(sa.select(Submission).where(Submission.user_id == first.id)).submitted_at = \
        clock.now().replace(year=2020)
    found = queries.review_queue(course, queries.QueueFilters())
    assert [r.learner_name for r in found.page.items] == ["First", "Second"]
    assert found.units == [("task", "Hand in your plan")]
    assert queries.review_queue(course, queries.QueueFilters(status="accepted")).page.items == []
    assert queries.review_queue(course, queries.QueueFilters(unit_key="nothing")).page.items == []


def test_the_completion_criterion_measures_many_learners_in_a_fixed_number_of_queries(course, count_queries):
    from moocplatform.learning.completion import completion_context
    from moocplatform.learning.criteria import registered_criteria
    criterion = next(c for c in registered_criteria() if c.kind == "assignments")
    context = completion_context(course)
    learners = []
    for _ in range(3):
        user = make_user()
        enrol(user, course)
        learners.append(user)
    _handed_in(learners[0], course)
    services.review(make_user("facilitator", course=course), course,
                    db.session.scalar(sa.select(Submission)), FULL, "", "accepted")
    with count_queries() as statements:
        total, done = criterion.measure(context, [u.id for u in learners])
    assert (total, done) == (1, {learners[0].id: 1}) and len(statements) == 1


# Personal data ------------------------------------------------------------------------------------------------

def test_export_includes_the_work_and_erasure_removes_rows_and_files(app, course, learner):
    _handed_in(learner, course, files_=[("plan.pdf", PDF)])
    reviewer = make_user("facilitator", course=course)
    services.review(reviewer, course, db.session.scalar(sa.select(Submission)), FULL, "Good.", "accepted")
    file = db.session.scalar(sa.select(SubmissionFile))
    exported = personal_data.export_user_data(learner)
    version = exported["assignment_submissions"][0]["versions"][0]
    assert version["text"] == "My **plan**" and version["files"][0]["name"] == "plan.pdf"
    assert version["assessments"][0]["feedback"] == "Good." and "assessor_id" not in version["assessments"][0]
    assert "storage_key" not in version["files"][0]
    assert personal_data.export_user_data(reviewer)["assignment_assessments_given"][0]["decision"] == "accepted"
    with transaction.unit_of_work("erase"):
        personal_data.erase_user(learner)
    assert db.session.scalar(sa.select(sa.func.count(Submission.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(SubmissionFile.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0
    assert not _stored(file)


def test_a_reviewer_erased_leaves_the_review_without_a_name(course, learner):
    _handed_in(learner, course)
    reviewer = make_user("facilitator", course=course)
    services.review(reviewer, course, db.session.scalar(sa.select(Submission)), FULL, "Good.", "accepted")
    personal_data.erase_user(reviewer)
    assessment = db.session.scalar(sa.select(Assessment))
    assert assessment.assessor_id is None and assessment.feedback == "Good."


def test_storage_namespace_is_under_the_instance(app):
    assert Path(app.config["STORAGE_DIR"]).is_dir()


def test_one_refused_file_among_several_stores_none(client, course, learner):
    root = Path(storage_for("submissions").root)  # type: ignore[attr-defined]  (the tests' local backend)
    before = sorted(root.rglob("*")) if root.exists() else []
    log_in(client, learner)
    client.post(HAND_IN.format(slug="plans"), content_type="multipart/form-data", data={
        "action": "save", "files": [(io.BytesIO(PDF), "plan.pdf"), (io.BytesIO(b"<svg onload=x>"), "x.txt")]})
    assert db.session.scalar(sa.select(sa.func.count(SubmissionFile.id))) == 0
    assert (sorted(root.rglob("*")) if root.exists() else []) == before


def test_a_review_with_an_error_keeps_the_chosen_levels(client, course, learner):
    _handed_in(learner, course)
    submission = db.session.scalar(sa.select(Submission))
    log_in(client, make_user("facilitator", course=course))
    page = client.post(f"/courses/plans/submissions/{submission.id}",
                       data={"criterion-goal": "3", "criterion-evidence": "0", "decision": "needs_revision"})
    assert page.status_code == 422 and "Say what to revise" in page.get_data(as_text=True)
    assert re.search(r'name="criterion-goal" value="3" required\s+checked', page.get_data(as_text=True))
