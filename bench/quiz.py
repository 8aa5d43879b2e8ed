"""The quiz benchmark: a 20-question quiz page and its submission, with 100,000 past attempts in the database.

    python -m bench.quiz [--duration 15] [--rounds 3] [--warmup 3] [--no-results]

1. Seed bench/out/quiz.sqlite3 (SQLite): the schema by the migrations, a course pack with one 20-question
   quiz through the import service, 5,000 enrolled learners with 100,000 submitted attempts (graded by the
   real graders, bulk-inserted), and 16 measured learners with in-progress attempts to submit.
2. Count the SQL statements of the quiz unit page, the attempt page and a submission in-process (Flask test
   client), before the 100,000 attempts are inserted and after: the counts must not change.
3. Serve with gunicorn (2 sync workers) and measure with wrk at 16 connections: GET of the attempt page, and
   POSTs that each submit a different in-progress attempt (a Lua script walks a list of prepared requests,
   each with its learner's session cookie and CSRF token). Afterwards the database must hold exactly one
   result per submission that wrk counted, and gunicorn's log no error.
4. Append (or replace) the "Quizzes" section of bench/RESULTS.md; other sections are left as they are.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import secrets
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import quiz_data, wrk
from .client import USER_AGENT, Target, login, verify
from .machine import CpuMeter
from .quiz_data import (
    COURSE,
    MEASURED_LEARNERS,
    OPEN_ATTEMPTS_EACH,
    PASSWORD,
    PAST_ATTEMPTS,
    PAST_LEARNERS,
    QUIZ,
    RANDOM_SEED,
    UNIT,
    form_body,
    prepare,
    quiz_definition,
    random_responses,
)
from .run import postgres_backends
from .seed import OUT
from .server import BenchError, Gunicorn

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


# Measuring ---------------------------------------------------------------------------------------------------

LUA = r"""
-- Each wrk thread sends its share of prepared POSTs (path, session cookie, form body), each one once.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local requests, index = {}, 0
function init(args)
  local file, threads, agent = args[1], tonumber(args[2]), args[3]
  local n = 0
  for line in io.lines(file) do
    if n % threads == id then
      local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Cookie"] = "session=" .. cookie, ["User-Agent"] = agent,
        ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
    end
    n = n + 1
  end
end

function request()
  index = index + 1
  if index > #requests then
    print("bench.quiz: out of prepared submissions")
    index = 1
  end
  return requests[index]
end
"""

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(base: str, cookie: str) -> str:
    request = urllib.request.Request(f"{base}/courses/{COURSE}/units/{UNIT}",
                                     headers={"Cookie": f"session={cookie}", "User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=30) as response:
        found = CSRF.search(response.read().decode())
    if not found:
        raise BenchError("No CSRF token on the quiz unit page.")
    return found.group(1)


def run_posts(base: str, request_file: Path, duration: float) -> wrk.WrkResult:
    script = OUT / "quiz-submit.lua"
    script.write_text(LUA)
    argv = wrk.command(base + "/", duration, {})[:-1] + [
        "-s", str(script), base + "/", "--", str(request_file), str(wrk.THREADS), USER_AGENT]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    if result.returncode != 0:
        raise BenchError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    if "out of prepared submissions" in result.stdout:
        raise BenchError("wrk ran out of prepared submissions; prepare more (OPEN_ATTEMPTS_EACH).")
    return wrk.parse(result.stdout)


def count_submitted(ids: list[int]) -> int:
    engine = sa.create_engine(quiz_data.DB_URL)
    try:
        with engine.connect() as connection:
            id_list = ",".join(str(int(i)) for i in ids)
            return connection.execute(sa.text(
                f"SELECT count(*) FROM quiz_attempts WHERE status = 'submitted' AND user_id IN ({id_list})"
            )).scalar_one()
    finally:
        engine.dispose()


def measure(info: dict[str, Any], open_attempts: dict[int, list[int]], args) -> dict[str, Any]:
    env = {"DATABASE_URL": quiz_data.DB_URL, "SECRET_KEY": secrets.token_hex(32)}
    rng = random.Random(RANDOM_SEED + 1)
    with Gunicorn(f"quiz-{args.db}", "wsgi:app", env, "/healthz") as server:
        sessions = {}
        for n, user_id in enumerate(info["measured"], start=1):
            cookie = login(server.base, f"quiz.learner{n:02d}@bench.example.org", PASSWORD)
            sessions[user_id] = (cookie, csrf_token(server.base, cookie))
        # The page: one learner's attempt in progress, read again and again.
        page_user = info["measured"][0]
        page_attempt = open_attempts[page_user].pop(0)
        page = Target("attempt page", f"{server.base}/courses/{COURSE}/quizzes/{QUIZ}/attempts/{page_attempt}",
                      sessions[page_user][0], ["Question 20", "Save progress", "Submit", "Log out"])
        page_bytes = verify(page)
        # The submissions: every request submits another attempt of its learner.
        rows = []
        for user_id, attempts in open_attempts.items():
            cookie, token = sessions[user_id]
            for attempt_id in attempts:
                body = form_body(random_responses(rng, QUESTIONS), token)
                rows.append((f"/courses/{COURSE}/quizzes/{QUIZ}/attempts/{attempt_id}", cookie, body))
        rng.shuffle(rows)
        check_path, check_cookie, check_body = rows.pop()
        request = urllib.request.Request(server.base + check_path, data=check_body.encode(), method="POST", headers={
            "Cookie": f"session={check_cookie}", "User-Agent": USER_AGENT,
            "Content-Type": "application/x-www-form-urlencoded"})

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None

        try:
            urllib.request.build_opener(NoRedirect).open(request, timeout=30)
            raise BenchError("The check submission did not redirect to its results.")
        except urllib.error.HTTPError as error:
            if error.code != 302 or "/results" not in (error.headers.get("Location") or ""):
                raise BenchError(f"The check submission answered {error.code}.") from error
        before = count_submitted(list(open_attempts))
        # The database's backends are part of the run, not other work.
        meter = CpuMeter([server.process.pid], postgres_backends(args.db, quiz_data.PG_DATABASE))
        wrk.run(page.url, args.warmup, page.headers())
        if args.wait_quiet > 0:
            print(f"  other work on the machine: {meter.wait_quiet(args.wait_quiet):.2f} cores", flush=True)
        slices = [rows[i::args.rounds] for i in range(args.rounds)]
        page_runs, post_runs = [], []

        def metered(run) -> dict[str, Any]:
            start = meter.snapshot()
            result = run()
            end = meter.snapshot()
            result.foreign_cores = meter.foreign_cores(start, end)
            server_ms = 1000 * meter.cost(start, end, server.process.pid).server / max(result.requests, 1)
            return {**result.as_dict(), "server_cpu_ms": server_ms}

        for round_number, rows_of_round in enumerate(slices, start=1):
            page_runs.append(metered(lambda: wrk.run(page.url, args.duration, page.headers())))
            request_file = OUT / f"quiz-submissions-{round_number}.tsv"
            request_file.write_text("".join(f"{p}\t{c}\t{b}\n" for p, c, b in rows_of_round))
            post_runs.append(metered(lambda file=request_file: run_posts(server.base, file, args.duration)))
            print(f"  round {round_number}: page {page_runs[-1]['rps']:.0f} req/s, "
                  f"p99 {page_runs[-1]['p99_ms']:.1f} ms; "
                  f"submit {post_runs[-1]['rps']:.0f} req/s, p99 {post_runs[-1]['p99_ms']:.1f} ms; other work "
                  f"{post_runs[-1]['foreign_cores']:.2f} cores", flush=True)
        time.sleep(1)
        log = server.log_tail(400)
    after = count_submitted(list(open_attempts))
    posted = sum(run["requests"] for run in post_runs)
    failures = sum(run["non_2xx"] + run["connect_errors"] + run["read_errors"] + run["write_errors"] + run["timeouts"]
                   for run in post_runs + page_runs)
    if failures or "Traceback" in log or "ERROR" in log:
        raise BenchError(f"Failed requests ({failures}) or errors in the gunicorn log:\n{log[-3000:]}")
    recorded = after - before
    # wrk counts completed responses; requests still in flight when it stops may complete on the server.
    if not posted <= recorded <= posted + wrk.CONNECTIONS * args.rounds:
        raise BenchError(f"wrk completed {posted} submissions but the database recorded {recorded}.")
    return {"command": server.command_line(), "page_bytes": page_bytes, "page": page_runs, "submit": post_runs,
            "posted": posted, "recorded": recorded}


QUESTIONS = quiz_definition()["questions"]


def median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def report(info: dict[str, Any], counts_before: dict[str, int], counts_after: dict[str, int],
           measured: dict[str, Any], args) -> str:
    lines = [
        f"## Quizzes, {LABELS[args.db]}", "",
        f"`python -m bench.quiz` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}, "
        f"{wrk.version()}, {database_version(args.db)}, {os.cpu_count()} cores. "
        f"Served by `{measured['command']}`.", "",
        f"Database: one course with a 20-question quiz (every question type), {PAST_LEARNERS + MEASURED_LEARNERS:,} "
        f"enrolled learners, **{PAST_ATTEMPTS:,} submitted attempts** of {PAST_LEARNERS:,} past learners, and "
        f"{MEASURED_LEARNERS * OPEN_ATTEMPTS_EACH:,} attempts in progress for the {MEASURED_LEARNERS} measured "
        f"learners (each POST submits a different one; seeding took {info['seconds']:.0f} s).", "",
        "SQL statements per request (in-process, second request, logged-in learner):", "",
        "| request | no past attempts | 100,000 past attempts |", "| --- | ---: | ---: |",
        *[f"| {name} | {counts_before[name]} | {counts_after[name]} |" for name in counts_after], "",
        f"wrk, {wrk.CONNECTIONS} connections, {wrk.THREADS} threads, {args.rounds} rounds of {args.duration:g} s "
        "(median of the rounds):", "",
        "| request | req/s | p50 ms | p90 ms | p99 ms | requests | errors | server CPU ms/request "
        "| other work (cores) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in ((f"attempt page, GET (20 questions, {measured['page_bytes']:,} bytes)",
                        measured["page"]), ("submission, POST (graded, recorded, redirect)", measured["submit"])):
        lines.append(f"| {name} | {median(runs, 'rps'):.0f} | {median(runs, 'p50_ms'):.1f} | "
                     f"{median(runs, 'p90_ms'):.1f} | **{median(runs, 'p99_ms'):.1f}** | "
                     f"{sum(r['requests'] for r in runs):,} | {sum(r['non_2xx'] for r in runs)} | "
                     f"{median(runs, 'server_cpu_ms'):.1f} | {median(runs, 'foreign_cores'):.2f} |")
    busy = median(measured["page"] + measured["submit"], "foreign_cores")
    if busy >= 0.25:
        lines += ["", f"**Other work kept {busy:.2f} cores busy during the runs (of {os.cpu_count()}): latencies are "
                  "inflated; the server CPU time per request is the steadier figure.**"]
    lines += ["", f"Every submission recorded exactly one result: wrk completed {measured['posted']:,} POSTs and "
              f"the database gained {measured['recorded']:,} submitted attempts (requests in flight when wrk stops "
              "still complete); no non-2xx/3xx response, no error in gunicorn's log.", ""]
    return "\n".join(lines)


LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def database_version(kind: str) -> str:
    if kind == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    engine = sa.create_engine(quiz_data.DB_URL)
    try:
        with engine.connect() as connection:
            return "PostgreSQL " + connection.exec_driver_sql("SHOW server_version").scalar_one().split()[0]
    finally:
        engine.dispose()


def write_results(section: str) -> None:
    """Replace our own section (of the same database), or append it; whatever else the file holds stays."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    heading = section.splitlines()[0]
    match = re.search(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    if match:
        text = text[:match.start()] + section + "\n" + text[match.end():]
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section
    RESULTS.write_text(text if text.endswith("\n") else text + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.quiz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15, help="seconds per measured run (default 15)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of page + submission runs (default 3)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of discarded page load (default 3)")
    parser.add_argument("--wait-quiet", type=float, default=60,
                        help="wait at most this many seconds for other work to calm down (default 60)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                        help="the database to seed and serve from (default sqlite)")
    parser.add_argument("--no-results", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args(argv)
    quiz_data.use_database(args.db)
    info = prepare()
    measured = measure(info, info["open_attempts"], args)
    (OUT / "quiz-results.json").write_text(json.dumps(
        {"counts_before": info["counts_before"], "counts_after": info["counts_after"], **measured}, indent=2) + "\n")
    section = report(info, info["counts_before"], info["counts_after"], measured, args)
    if args.no_results:
        print(section)
    else:
        write_results(section)
        print(f"Wrote the section {section.splitlines()[0]!r} of {RESULTS}", flush=True)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except BenchError as error:
        sys.exit(f"BENCHMARK FAILED: {error}")
