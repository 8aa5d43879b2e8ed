"""Course completion: the manifest's rules, recorded once, never taken back, processed after a publish."""
import sqlalchemy as sa

from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning.completion import process_completions
from moocplatform.learning.models import CourseCompletion
from moocplatform.learning.queries import dashboard
from moocplatform.learning.services import set_unit_completion
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack


def completions(course):
    return db.session.scalars(sa.select(CourseCompletion).where(CourseCompletion.course_id == course.id)).all()


def complete_units(user, course, keys):
    for key in keys:
        set_unit_completion(user, course, key, complete=True)


def test_completing_every_unit_completes_the_course(client):
    course = make_course("alpha", modules=1, units_per_module=2)
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    assert completions(course) == []
    complete_units(learner, course, ["m1-u2"])
    done, = completions(course)
    assert done.user_id == learner.id and done.version == "1.0.0"
    log_in(client, learner)
    assert "Course completed on" in client.get("/my-learning").get_data(as_text=True)
    entry, = dashboard(learner.id)
    assert entry.completed_at is not None


def test_required_units_rule(tmp_path):
    folder = write_pack(tmp_path, "alpha", modules=1, units_per_module=3)
    manifest = (folder / "course.yaml").read_text()
    (folder / "course.yaml").write_text(manifest + "completion:\n  required_units: [m1-u1]\n")
    course = import_pack(None, folder).course
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    assert len(completions(course)) == 1


def test_a_new_version_never_takes_a_completion_back_and_can_grant_one(app, tmp_path):
    course = make_course("alpha", modules=1, units_per_module=3)
    finished, almost = make_user(), make_user()
    for learner in (finished, almost):
        enrol(learner, course)
    complete_units(finished, course, ["m1-u1", "m1-u2", "m1-u3"])
    complete_units(almost, course, ["m1-u1", "m1-u2"])
    assert [c.user_id for c in completions(course)] == [finished.id]
    # Version 1.1.0 retires m1-u3 (which `almost` never did) and adds a unit `finished` has not done.
    folder = write_pack(tmp_path, "alpha", version="1.1.0", modules=1, units_per_module=2,
                        unit_keys=["m1-u1", "m1-u2"])
    result = app.test_cli_runner().invoke(args=["courses", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 learners completed the course under the new version" in result.output
    assert sorted(c.user_id for c in completions(course)) == sorted([finished.id, almost.id])
    assert {c.user_id: c.version for c in completions(course)}[finished.id] == "1.0.0"


def test_processing_is_idempotent():
    course = make_course("alpha", modules=1, units_per_module=1)
    learner = make_user()
    enrol(learner, course)
    complete_units(learner, course, ["m1-u1"])
    assert process_completions(course) == 0  # recorded already when the unit was completed
    assert len(completions(course)) == 1
