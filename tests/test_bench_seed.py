"""The benchmark's seed at other sizes (bench/seed.py, used by bench/scale.py): it aims at the number of progress
rows asked for, and the measured learner's rows do not depend on the size."""
import random
from datetime import UTC, datetime

from bench import seed as seeding

NOW = datetime(2026, 6, 1, tzinfo=UTC)
COURSES = [{"id": n, "slug": slug, "title": slug, "units": [(f"{slug}-{k}", f"Unit {k}", k == 0) for k in range(units)]}
           for n, (slug, units) in enumerate((("a", 26), (seeding.BENCH_COURSE, 25), ("c", 24)), 1)]
BENCH_UNIT = f"{seeding.BENCH_COURSE}-6"


def learning_rows(learners: int, share: float = 1.0) -> list[tuple[str, dict]]:
    user_ids = {seeding.BENCH_EMAIL: 1, **{f"learner{n}@example.org": n + 1 for n in range(1, learners)}}
    return list(seeding._learning_rows(random.Random(7), NOW, COURSES, user_ids, COURSES[1], BENCH_UNIT, share))


def test_a_size_aims_at_its_progress_rows():
    learners, asked = 2_000, 40_000
    share = asked / seeding._expected_progress(COURSES, learners)
    progress = [row for name, row in learning_rows(learners, share) if name == "progress"]
    assert 0.9 * asked <= len(progress) <= 1.1 * asked
    assert seeding.Size(learners, asked).min_progress_rows == 36_000


def test_the_measured_learner_is_the_same_at_every_size():
    def measured(rows):
        return [(name, row) for name, row in rows if row["user_id"] == 1]

    small, large = learning_rows(200), learning_rows(2_000, share=0.5)
    assert measured(small) == measured(large)
    assert any(row["unit_key"] == BENCH_UNIT for name, row in measured(small) if name == "progress")


def test_sizes_have_databases_of_their_own():
    size = seeding.Size(100_000, 2_000_000, 1_000_000, "100k")
    assert seeding.database_url("sqlite", size).endswith("/bench-100k.sqlite3")
    assert seeding.database_url("postgres", size).endswith("/moocplatform_bench_100k")
    assert seeding.database_url("postgres") == seeding.database_url("postgres", seeding.DEFAULT_SIZE)
    assert seeding.database_url("postgres").endswith(f"/{seeding.PG_DATABASE}")
