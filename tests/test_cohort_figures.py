"""A cohort's figures: learners per band of progress, learners active per week in the cohort's time zone, the
quizzes' figures, the page with its charts and tables for the cohort's facilitators only in a constant number of
queries, and the streamed CSV of every learner's quiz results."""
import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from moocplatform import clock
from moocplatform.cohorts import services
from moocplatform.cohorts.models import MembershipStatus
from moocplatform.cohorts.stats import progress_distribution, quiz_figures, quiz_results, weekly_activity
from moocplatform.extensions import db
from moocplatform.learning.services import set_unit_completion
from moocplatform.quizzes.models import QuizAttempt
from moocplatform.quizzes.services import start_attempt
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_course, make_programme, make_programme_cohort, make_user
from tests.quiz_helpers import FAILING, RIGHT, WRONG, learner_in, quiz_course, submitted
from tests.streaming_helpers import streamed_lines_and_peak
from tests.test_cohort_dashboard import seat_learners
from tests.test_query_counts import queries_for

UNITS = [f"m{m}-u{u}" for m in (1, 2) for u in (1, 2, 3)]  # and "quiz-unit": 7 units in all


@pytest.fixture()
def world():
    """Alpha (six units and a quiz unit), its cohort in Berlin from Monday 2 February 2026; the clock's now is
    Monday 2 March, 10:00 in Berlin: the cohort's fifth week has begun."""
    course = make_course("alpha", quiz=True, modules=2)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, starts_on=date(2026, 2, 2), ends_on=date(2026, 4, 30),
                         time_zone="Europe/Berlin")
    return course, facilitator, cohort


def join(course, cohort, name):
    learner = make_user(display_name=name)
    services.join_cohort(learner, cohort, course)
    return learner


def complete(learner, course, keys, at: datetime | None = None):
    with clock.frozen_at(at or clock.now()):
        for key in keys:
            set_unit_completion(learner, course, key, complete=True)


def bands_of(cohort, course):
    return {band.label: band.learners for band in progress_distribution(cohort, course.live_version_id)}


def test_learners_by_band_of_units_completed(world):
    course, _facilitator, cohort = world
    assert bands_of(cohort, course) == {"0%": 0, "1–24%": 0, "25–49%": 0, "50–74%": 0, "75–99%": 0, "100%": 0}
    join(course, cohort, "None")
    complete(join(course, cohort, "One"), course, UNITS[:1])  # 1 of 7: 14%
    complete(join(course, cohort, "Two"), course, UNITS[:2])  # 28%
    complete(join(course, cohort, "Three"), course, UNITS[:3])  # 42%
    complete(join(course, cohort, "Four"), course, UNITS[:4])  # 57%
    complete(join(course, cohort, "Six"), course, UNITS)  # 85%
    complete(join(course, cohort, "All"), course, [*UNITS, "quiz-unit"])  # 100%
    cohort.capacity = 7
    waiting = join(course, cohort, "Waiting")  # no seat: not counted, whatever they did
    assert services.membership_of(cohort, waiting.id).status == MembershipStatus.WAITING
    complete(waiting, course, UNITS)
    outsider = make_user(display_name="Elsewhere")  # in the course, not in the cohort
    enrol(outsider, course)
    complete(outsider, course, UNITS)
    assert bands_of(cohort, course) == {"0%": 1, "1–24%": 1, "25–49%": 2, "50–74%": 1, "75–99%": 1, "100%": 1}


def test_a_band_edge_belongs_to_the_band_it_opens(world):
    """With four units, one is exactly 25%: the 25–49 band; three are exactly 75%."""
    course = make_course("beta", modules=2, units_per_module=2)
    facilitator = make_user("facilitator", course=course)
    cohort = make_cohort(course, facilitator, starts_on=date(2026, 2, 2))
    complete(join(course, cohort, "Quarter"), course, ["m1-u1"])
    complete(join(course, cohort, "Half"), course, ["m1-u1", "m1-u2"])
    complete(join(course, cohort, "Three quarters"), course, ["m1-u1", "m1-u2", "m2-u1"])
    assert bands_of(cohort, course) == {"0%": 0, "1–24%": 0, "25–49%": 1, "50–74%": 1, "75–99%": 1, "100%": 0}


def berlin(day: int, hour: int, minute: int = 0, month: int = 2) -> datetime:
    """A moment given in Berlin's winter time (UTC+1), as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def test_learners_active_per_week_in_the_cohorts_time_zone(world):
    course, _facilitator, cohort = world
    ana, bo, cy = join(course, cohort, "Ana"), join(course, cohort, "Bo"), join(course, cohort, "Cy")
    complete(ana, course, ["m1-u1"], at=berlin(1, 12))  # the day before the cohort starts: not counted
    complete(ana, course, ["m1-u2"], at=berlin(2, 0, 5))  # week 1
    complete(ana, course, ["m1-u3"], at=berlin(6, 18))  # week 1 again: counted once
    complete(bo, course, ["m1-u1"], at=berlin(8, 23, 30))  # Sunday 23:30 in Berlin, 22:30 UTC: week 1
    complete(cy, course, ["m1-u1"], at=berlin(9, 0, 30))  # Monday 00:30 in Berlin, Sunday 23:30 UTC: week 2
    with clock.frozen_at(berlin(18, 10)):  # a quiz attempt counts too (week 3)
        submitted(course, bo, WRONG)
    complete(cy, course, ["m2-u1"], at=berlin(2, 9, month=3))  # this week (week 5), before now
    outsider = make_user(display_name="Elsewhere")
    enrol(outsider, course)
    complete(outsider, course, ["m1-u1"], at=berlin(3, 9))  # enrolled, not in the cohort
    weeks = weekly_activity(cohort, clock.now())
    assert [(w.number, w.starts_on, w.learners) for w in weeks] == [
        (1, date(2026, 2, 2), 2), (2, date(2026, 2, 9), 1), (3, date(2026, 2, 16), 1),
        (4, date(2026, 2, 23), 0), (5, date(2026, 3, 2), 1)]
    assert [(w.number, w.learners) for w in weekly_activity(cohort, clock.now(), weeks=2)] == [(4, 0), (5, 1)]


def test_weeks_are_cut_at_local_midnight_across_a_change_to_summer_time(world):
    """Berlin moves to summer time (UTC+2) on 29 March: week 9 begins on Monday 30 March at 22:00 UTC."""
    course, _facilitator, cohort = world
    early, late = join(course, cohort, "Early"), join(course, cohort, "Late")
    complete(early, course, ["m1-u1"], at=datetime(2026, 3, 29, 21, 30, tzinfo=UTC))  # 23:30 in Berlin: week 8
    complete(late, course, ["m1-u1"], at=datetime(2026, 3, 29, 22, 30, tzinfo=UTC))  # 00:30 on Monday: week 9
    with clock.frozen_at(datetime(2026, 4, 1, 12, tzinfo=UTC)):
        weeks = weekly_activity(cohort, clock.now(), weeks=2)
    assert [(w.number, w.starts_on, w.learners) for w in weeks] == [(8, date(2026, 3, 23), 1),
                                                                   (9, date(2026, 3, 30), 1)]


def test_no_weeks_before_the_cohort_starts_and_none_after_it_ends(world):
    course, facilitator, _cohort = world
    later = make_cohort(course, facilitator, starts_on=date(2026, 3, 9), ends_on=date(2026, 4, 30))
    assert weekly_activity(later, clock.now()) == []
    short = make_cohort(course, facilitator, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 18))
    assert [w.number for w in weekly_activity(short, clock.now())] == [1, 2]


def test_quiz_figures_of_the_seated_learners(world):
    course, _facilitator, cohort = world
    ana, bo, cy = join(course, cohort, "Ana"), join(course, cohort, "Bo"), join(course, cohort, "Cy")
    join(course, cohort, "Dee")  # never tried
    submitted(course, ana, WRONG)
    submitted(course, ana, RIGHT)  # best 100, passed
    submitted(course, bo, FAILING)  # 4 of 7
    start_attempt(cy, course, "check")  # in progress: not attempted yet
    outsider = make_user(display_name="Elsewhere")
    enrol(outsider, course)
    submitted(course, outsider, RIGHT)
    [figures] = quiz_figures(cohort, course.live_version_id)
    assert (figures.key, figures.attempted, figures.passed) == ("check", 2, 1)
    assert figures.mean_best_score == pytest.approx((100 + 400 / 7) / 2)
    empty = make_cohort(course, starts_on=date(2026, 2, 2))
    [nothing] = quiz_figures(empty, course.live_version_id)
    assert (nothing.attempted, nothing.passed, nothing.mean_best_score) == (0, 0, None)


def chart(page: str, chart_id: str) -> str:
    return page.split(f'<figure class="chart" id="{chart_id}">', 1)[1].split("</figure>", 1)[0]


def test_the_page_shows_each_chart_with_its_table(client, world):
    course, facilitator, cohort = world
    ana, _bo = join(course, cohort, "Ana"), join(course, cohort, "Bo")
    complete(ana, course, UNITS[:2], at=berlin(10, 9))
    submitted(course, ana, RIGHT)
    log_in(client, facilitator)
    dashboard = client.get(f"/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert f'href="/cohorts/{cohort.id}/figures"' in dashboard
    assert f'href="/cohorts/{cohort.id}/quiz-results.csv"' in dashboard
    response = client.get(f"/cohorts/{cohort.id}/figures")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="/cohorts/{cohort.id}/quiz-results.csv"' in page
    for chart_id, bars in (("progress-bands", 6), ("weekly-activity", 5), ("quiz-figures", 1)):
        figure = chart(page, chart_id)
        svg = figure.split("<svg", 1)[1].split("</svg>", 1)[0]
        assert f'role="img" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc"' in svg
        assert 'width="100%"' in svg and 'viewBox="0 0 400 ' in svg
        assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
        assert svg.count("<rect") == bars and svg.count('class="chart-bar"><title>') == bars
        assert "style=" not in svg and "fill=" not in svg  # colours from the stylesheet's custom properties
        table = figure.split("</svg>", 1)[1]
        assert "<caption>" in table and table.count('<th scope="row">') == bars
    progress = chart(page, "progress-bands")
    assert "<title>25–49%: 1</title>" in progress and "<title>0%: 1</title>" in progress
    assert '<th scope="row">25–49%</th><td>1</td>' in progress
    assert "Learners" in progress and ">2</text>" in progress  # the value axis ends at the seated learners
    activity = chart(page, "weekly-activity")
    assert re.search(r"<title>Week 2, from [^<]+: 1</title>", activity)
    quizzes = chart(page, "quiz-figures")
    assert '<th scope="row">Check your understanding</th><td>1</td><td>1</td><td>100%</td>' in quizzes or (
        "<td>1</td><td>1</td><td>100%</td>" in quizzes)
    assert "<script" not in page.split("<main", 1)[1]


def test_the_quiz_statistics_page_draws_its_scores_with_the_same_chart(client):
    course = quiz_course(max_attempts=0)
    submitted(course, learner_in(course), RIGHT)
    submitted(course, learner_in(course), WRONG)
    log_in(client, make_user("course_team", course=course))
    page = client.get("/courses/alpha/quizzes/check/statistics").get_data(as_text=True)
    scores = chart(page, "score-bands")
    assert scores.count('class="chart-bar"') == 10 and "<title>90–100%: 1</title>" in scores
    assert '<th scope="row">0–9%</th><td>1</td>' in scores
    assert ">90–100%</text>" in scores  # a label that fits is never cut


def test_the_chart_macro_on_its_own(app):
    from flask import get_template_attribute
    with app.test_request_context():
        bar_chart = get_template_attribute("macros/charts.html", "bar_chart")
        long_title = "A quiz whose title is far too long to stand beside its bar"
        html = str(bar_chart("c", "Passed", "Who passed", [
            {"label": long_title, "value": 3}, {"label": "<b>Short</b>", "value": 0, "text": "none"}], "Learners"))
        assert f"<title>{long_title}: 3</title>" in html and "…</text>" in html  # cut beside the bar only
        assert f'<th scope="row">{long_title}</th>' in html
        assert "<title>&lt;b&gt;Short&lt;/b&gt;: none</title>" in html and "<b>" not in html
        assert ">3</text>" in html  # without a max_value the largest value ends the axis
        assert 'width="0.0"' in html  # a bar of nothing is drawn empty, its value beside it
        empty = str(bar_chart("e", "Nothing", "No bars", [], "Learners", max_value=0))
        assert "<rect" not in empty and "Nothing to show yet." in empty and ">1</text>" in empty


def test_the_figures_are_for_the_cohorts_facilitators_only(client, world):
    course, _facilitator, cohort = world
    learner = join(course, cohort, "Bo")
    other = make_user("facilitator", course=course)
    make_cohort(course, other)  # leads a cohort of its own
    for viewer in (learner, other):
        log_in(client, viewer)
        for path in (f"/cohorts/{cohort.id}/figures", f"/cohorts/{cohort.id}/quiz-results.csv"):
            assert client.get(path).status_code in (403, 404), (viewer.display_name, path)
    programme_facilitator = make_user("facilitator", course=course)
    programme_cohort = make_programme_cohort(make_programme(programme_facilitator), programme_facilitator)
    log_in(client, programme_facilitator)  # a programme's cohort has no course, so no such figures
    assert client.get(f"/cohorts/{programme_cohort.id}/figures").status_code == 404
    assert client.get(f"/cohorts/{programme_cohort.id}/quiz-results.csv").status_code == 404


def test_the_page_runs_the_same_queries_for_3_learners_as_for_40(client, count_queries, user_query, world):
    course, facilitator, cohort = world
    for n in range(3):
        complete(join(course, cohort, f"Learner {n:02d}"), course, UNITS[:1], at=berlin(10, 9))
    log_in(client, facilitator)
    path = f"/cohorts/{cohort.id}/figures"
    small = queries_for(client, count_queries, path)
    for n in range(3, 40):
        learner = join(course, cohort, f"Learner {n:02d}")
        complete(learner, course, UNITS[: n % 7], at=berlin(2 + n % 20, 9))
        submitted(course, learner, FAILING if n % 2 else RIGHT)
    assert queries_for(client, count_queries, path) == small
    # (user, unless the worker's copy serves it), the cohort, its course, the live version, and one query per
    # figure: bands, weeks, quizzes
    assert small == 6 + user_query


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_quiz_results_csv(client, world):
    course, facilitator, cohort = world
    bo, ana = join(course, cohort, "=Bo"), join(course, cohort, "Ana")
    join(course, cohort, "Cy")
    with clock.frozen_at(berlin(10, 9)):
        submitted(course, ana, FAILING)
    with clock.frozen_at(berlin(11, 9)):
        submitted(course, ana, RIGHT)
    submitted(course, bo, WRONG)
    log_in(client, facilitator)
    response = client.get(f"/cohorts/{cohort.id}/quiz-results.csv")
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "text/csv"
    assert f'filename="cohort-{cohort.id}-quiz-results.csv"' in response.headers["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == ["learner", "quiz", "quiz_title", "attempts", "best_score", "passed", "last_attempt_at"]
    assert [row[0] for row in rows[1:]] == ["'=Bo", "Ana", "Cy"]  # by name; a formula stays text
    assert rows[2][1] == "check" and rows[2][3:6] == ["2", "100.0", "1"]
    assert datetime.fromisoformat(rows[2][6]) == berlin(11, 9)
    assert rows[1][3:6] == ["1", "0.0", "0"] and rows[3][3:] == ["0", "", "0", ""]
    assert all("@" not in cell for row in rows for cell in row)  # the dashboard's CSV has no e-mail either


def test_the_quiz_results_are_read_in_chunks_and_miss_nobody(world):
    course, _facilitator, cohort = world
    for name in ("Bo", "Bo", "Ana", "Cy", "Bo"):
        join(course, cohort, name)
    chunks = list(quiz_results(cohort, course.live_version_id, chunk=2))
    assert [len(rows) for rows in chunks] == [2, 2, 1]
    assert [row.display_name for rows in chunks for row in rows] == ["Ana", "Bo", "Bo", "Bo", "Cy"]
    assert len({row.user_id for rows in chunks for row in rows}) == 5


def test_the_quiz_results_of_5000_learners_are_streamed_in_little_memory(client, world):
    """5,000 learners, each with a submitted attempt, streamed with a peak under 30 MB (tracemalloc, while the
    response is read)."""
    course, facilitator, cohort = world
    cohort.capacity = None
    seat_learners(course, cohort, 5000)
    now = clock.now()
    version_id = course.live_version_id
    learner_ids = db.session.scalars(sa.select(sa.text("user_id")).select_from(sa.table("cohort_memberships"))
                                     .where(sa.text("cohort_id = :cohort")), {"cohort": cohort.id}).all()
    db.session.execute(sa.insert(QuizAttempt), [
        {"user_id": user_id, "course_id": course.id, "quiz_key": "check", "version_id": version_id, "number": 1,
         "seed": 1, "question_ids": [], "option_orders": {}, "status": "submitted", "started_at": now,
         "deadline": None, "responses": {}, "submitted_at": now, "late": False, "score": float(user_id % 101),
         "passed": user_id % 101 >= 60, "results": {}}
        for user_id in learner_ids])
    db.session.flush()
    log_in(client, facilitator)
    lines, peak = streamed_lines_and_peak(client, f"/cohorts/{cohort.id}/quiz-results.csv")
    assert lines == 5001  # the header and every learner x the one quiz
    assert peak < 30 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
