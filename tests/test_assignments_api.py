"""The assignments API: my assignments, my submissions and my peer reviews to do; each shows only the caller's
own, reviews to do name no author, and each page takes the same queries however long the lists are."""
from __future__ import annotations

from moocplatform.assignments import peers, services
from tests.factories import enrol, make_course, make_user, sample_assignment
from tests.test_api import bearer

FULL = {"goal": 3, "evidence": 2}


def _course(slug="api-peers"):
    return make_course(slug, modules=1, units_per_module=1, assignment=sample_assignment(
        assessed_by=["peers", "self"], peer_count=1, pass_mark=4))


def _hand_in(user, course, text="My work"):
    services.save_draft(user, course, "task", text=text)
    services.submit(user, course, "task")


def test_my_assignments_lists_those_of_my_courses_with_the_state_of_my_work(client):
    course, other = _course(), _course("not-mine")
    learner = make_user()
    enrol(learner, course)
    items = client.get("/api/v1/me/assignments", headers=bearer(learner)).get_json()["items"]
    assert [(i["course"], i["unit"], i["status"], i["pass_mark"], i["max_points"]) for i in items] == [
        ("api-peers", "task", None, 4, 5)]
    assert items[0]["url"].endswith("/courses/api-peers/units/task") and items[0]["assessed_by"] == ["peers", "self"]
    _hand_in(learner, course)
    items = client.get("/api/v1/me/assignments", headers=bearer(learner)).get_json()["items"]
    assert items[0]["status"] == "submitted"
    assert other.slug not in {i["course"] for i in items}


def test_my_submissions_and_reviews_to_do_are_mine_only_and_anonymous(client):
    course = _course()
    author, reviewer, stranger = make_user(display_name="Ada Author"), make_user(), make_user()
    for user in (author, reviewer, stranger):
        enrol(user, course)
    _hand_in(author, course, "AUTHOR-TEXT")
    _hand_in(reviewer, course)
    mine = client.get("/api/v1/me/submissions", headers=bearer(author)).get_json()["items"]
    assert [(s["unit"], s["status"], s["versions"], s["score"]) for s in mine] == [("task", "submitted", 1, None)]
    to_do = client.get("/api/v1/me/peer-reviews", headers=bearer(reviewer)).get_json()
    (review,) = to_do["items"]
    assert review["unit"] == "task" and review["started_at"] is None and review["due_at"] > review["allocated_at"]
    assert "Ada" not in str(to_do) and "AUTHOR-TEXT" not in str(to_do)  # nothing of who wrote it
    assert client.get("/api/v1/me/peer-reviews", headers=bearer(stranger)).get_json()["items"] == []
    assert client.get("/api/v1/me/submissions", headers=bearer(stranger)).get_json()["items"] == []
    peers.submit_peer_review(reviewer, course, review["id"], FULL, "Good")
    assert client.get("/api/v1/me/peer-reviews", headers=bearer(reviewer)).get_json()["items"] == []
    services.self_assess(author, course, "task", {"goal": 0, "evidence": 0})
    (mine,) = client.get("/api/v1/me/submissions", headers=bearer(author)).get_json()["items"]
    assert mine["score"] == {"points": 0, "max_points": 5, "source": "self"}


def test_the_pages_follow_a_cursor_and_take_the_same_queries_for_few_or_many(client, count_queries):
    learner = make_user()
    headers = bearer(learner)
    client.get("/api/v1/me", headers=headers)  # the token's last use is written now, not below
    counts = []
    for n, total in enumerate((1, 4)):
        while len(client.get("/api/v1/me/submissions?limit=100", headers=headers).get_json()["items"]) < total:
            course = _course(f"paged-{n}-{total}-{len(counts)}-{make_user().id}")
            enrol(learner, course)
            _hand_in(learner, course)
        measured = []
        for path in ("/api/v1/me/assignments", "/api/v1/me/submissions", "/api/v1/me/peer-reviews"):
            with count_queries() as statements:
                assert client.get(path, headers=headers).status_code == 200
            measured.append(len(statements))
        counts.append(measured)
    assert counts[0] == counts[1]
    first = client.get("/api/v1/me/submissions?limit=3", headers=headers).get_json()
    rest = client.get(first["next"], headers=headers).get_json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1 and rest["next"] is None
    ids = [s["id"] for s in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 4
    page = client.get("/api/v1/me/assignments?limit=2", headers=headers).get_json()
    assert len(page["items"]) == 2 and page["next"]
    assert client.get("/api/v1/me/submissions?cursor=forged", headers=headers).status_code == 400
