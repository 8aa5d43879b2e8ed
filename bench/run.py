"""The benchmark: seed, serve with gunicorn as in production, measure pages with wrk, write bench/RESULTS.md.

    python -m bench.run [--db sqlite|postgres|both] [--duration 15] [--rounds 3] [--warmup 3] [--skip-seed]
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import secrets
import shlex
import statistics
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from markupsafe import escape

from . import baseline as baselines
from . import seed as seeding
from . import two_nodes, wrk
from .client import Target, login, personal_access_token, verify
from .machine import CpuMeter
from .server import BenchError, Gunicorn

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
# What the project aims for (bench/README.md): the unit page of a logged-in learner and the logged-in floor, as
# shares of the ceiling.
UNIT_TARGET = {"sqlite": 0.12, "postgres": 0.08}
FLOOR_TARGET = {"sqlite": 0.30, "postgres": 0.25}
P99_TARGET_MS = 50.0


@dataclass
class PageResult:
    target: Target
    title: str
    bytes: int
    runs: list[wrk.WrkResult]

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)


# The bars of the pages measured at other connections or with other limits than the learner pages' 50 ms
# at 16 connections: search at 4 connections under 150 ms, the API at 16 under 40 ms.
SEARCH_CONNECTIONS, SEARCH_P99_MS = 4, 150.0
API_P99_MS = 40.0
# The unit page as learners see it with the social areas (bench/seed.py): the comment panel's 20 comments,
# the learner's note on the unit and the bell's unread count.
UNIT_SOCIAL = ['class="discussion-panel"', 'class="notes-panel"', "Spacing: review on day 1",
               '<span class="badge">5<span class="visually-hidden">']
NO_P99_BAR = ("hello", "floor", "floor-baseline", "unit-baseline")


def build_targets(hello: Gunicorn, floor: Gunicorn, app: Gunicorn, info: dict[str, Any],
                  cookie: str, token: str) -> list[tuple[str, Target]]:
    course, unit = info["bench_course"], info["bench_unit"]
    titles = [str(escape(t)) for t in info["course_titles"]]
    logged_in = ["Log out"]
    return [
        ('bare Flask "hello" (ceiling)', Target("hello", hello.base + "/", None, ["Hello, bench!"])),
        ("logged-in floor (no page is cheaper)", Target("floor", floor.base + "/bench/floor", cookie, ["Hello, "])),
        ("catalogue", Target("catalogue", app.base + "/courses", None, titles)),
        ("course page", Target("course", f"{app.base}/courses/{course}", None,
                               [str(escape(info["bench_course_title"])), "Syllabus",
                                str(escape(info["bench_unit_title"]))])),
        ("unit page, logged-in learner", Target("unit", f"{app.base}/courses/{course}/units/{unit}", cookie, [
            str(escape(info["bench_unit_title"])), f"/courses/{course}/units/{unit}/complete", *logged_in,
            *UNIT_SOCIAL])),
        ("dashboard, logged-in learner", Target("dashboard", app.base + "/my-learning", cookie,
                                                ["My learning", *titles, *logged_in])),
        ("forum, logged-in learner", Target("forum", f"{app.base}/courses/{course}/discussion", cookie,
                                            ["Categories", *logged_in])),
        ("thread of 50 posts (first 20 shown)", Target(
            "thread", f"{app.base}/discussion/threads/{info['bench_thread']}", cookie,
            [str(escape(info["bench_thread_title"])), *logged_in])),
        (f"search of {info['posts']:,} posts, rare word, {SEARCH_CONNECTIONS} connections", Target(
            "search-rare", f"{app.base}/courses/{course}/discussion/search?q={info['rare_word']}", cookie,
            ["20 posts match.", "<mark>"], SEARCH_CONNECTIONS, SEARCH_P99_MS)),
        (f"search of {info['posts']:,} posts, common word, {SEARCH_CONNECTIONS} connections", Target(
            "search-common", f"{app.base}/courses/{course}/discussion/search?q={info['common_word']}", cookie,
            ["posts match.", "<mark>"], SEARCH_CONNECTIONS, SEARCH_P99_MS)),
        ("API: my courses", Target("api-courses", app.base + "/api/v1/me/courses", None,
                                   ['"items"', f'"slug":"{course}"'], p99_bar_ms=API_P99_MS, bearer=token)),
        ("API: a unit", Target("api-unit", f"{app.base}/api/v1/courses/{course}/units/{unit}", None,
                               ['"html"', f'"key":"{unit}"'], p99_bar_ms=API_P99_MS, bearer=token)),
    ]


def measure(kind: str, info: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    # The API's per-token limit still counts every request, but wrk's one token must not be refused.
    app_env = {"DATABASE_URL": info["database_url"], "SECRET_KEY": secrets.token_hex(32),
               "API_RATE_LIMIT": "100000000"}
    if kind == "postgres":  # as PostgreSQL deployments run: Redis shares the sign-in counters and the limits
        app_env["REDIS_URL"] = two_nodes.REDIS_URL
    with Gunicorn("hello", "bench.hello:app", {"SECRET_KEY": secrets.token_hex(32)}, "/") as hello, \
            Gunicorn(f"{kind}-floor", "bench.floor:app", app_env, "/healthz") as floor, \
            Gunicorn(kind, "wsgi:app", app_env, "/healthz") as app, ExitStack() as stack:
        cookie = login(app.base, info["bench_email"], info["bench_password"])  # the floor shares the secret key
        token = personal_access_token(app.base, info["bench_email"], info["bench_password"], ["read:courses"])
        servers = {"hello": hello, "floor": floor}
        targets = build_targets(hello, floor, app, info, cookie, token)
        databases = [seeding.PG_DATABASE]
        if args.baseline:
            then_floor, then_app = stack.enter_context(_baseline_servers(kind, args.baseline, args.baseline_info[kind]))
            servers.update({"floor-baseline": then_floor, "unit-baseline": then_app})
            targets = _with_baseline(targets, then_floor, then_app, args.baseline_info[kind], args.baseline)
            databases.append(baselines.PG_DATABASE)
        meter = CpuMeter([server.process.pid for server in (app, *servers.values())],
                         postgres_backends(kind, *databases))
        pages = []
        for title, target in targets:
            pages.append(PageResult(target, title, verify(target), []))
            print(f"  ok  {target.name:<10} {target.url}  ({pages[-1].bytes:,} bytes)", flush=True)
        if args.warmup > 0:
            print(f"  warm-up: {args.warmup:g} s per page, discarded", flush=True)
            for page in pages:
                wrk.run(page.target.url, args.warmup, page.target.headers(), page.target.connections)
        if args.wait_quiet > 0:
            load = meter.wait_quiet(args.wait_quiet)
            print(f"  other work on the machine: {load:.2f} cores"
                  + ("  (still busy: the numbers will be low)" if load >= 0.25 else ""), flush=True)
        for round_number in range(1, args.rounds + 1):
            for page in pages:
                before = meter.snapshot()
                result = wrk.run(page.target.url, args.duration, page.target.headers(), page.target.connections)
                after = meter.snapshot()
                result.foreign_cores = meter.foreign_cores(before, after)
                cost = meter.cost(before, after, servers.get(page.target.name, app).process.pid)
                per_request = 1000 / max(result.requests, 1)
                result.server_cpu_ms = cost.server * per_request
                result.database_cpu_ms = cost.database * per_request
                result.wrk_cpu_ms = cost.wrk * per_request
                if result.non_2xx:
                    raise BenchError(f"{page.target.name}: {result.non_2xx} of {result.requests} responses were "
                                     f"not 2xx/3xx during round {round_number}.")
                page.runs.append(result)
                print(f"  round {round_number}/{args.rounds}  {page.target.name:<10} {result.rps:8.1f} req/s  "
                      f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                      f"CPU {result.total_cpu_ms:5.2f} ms/req  "
                      f"other work {result.foreign_cores:.2f} cores"
                      + (f"  (socket errors: {result.read_errors} read, {result.timeouts} timeouts)"
                         if result.read_errors or result.timeouts or result.connect_errors else ""), flush=True)
        for page in pages:  # still logged in, still the same pages: the numbers are of what was checked
            verify(page.target)
    measured = {"kind": kind, "info": info, "pages": pages, "app_command": app.command_line(),
                "hello_command": hello.command_line(), "two_nodes": None}
    if kind == "postgres" and args.two_nodes:
        print("PostgreSQL: two app nodes", flush=True)
        measured["two_nodes"] = two_nodes.measure(info, args)
    return measured


@contextmanager
def _baseline_servers(kind: str, baseline: baselines.Baseline, info: dict[str, Any]):
    """The baseline's floor and application, served from its worktree with the same settings as today's."""
    env = {"DATABASE_URL": info["database_url"], "SECRET_KEY": secrets.token_hex(32),
           "API_RATE_LIMIT": "100000000", "PYTHONPATH": str(baseline.tree)}
    if kind == "postgres":
        env["REDIS_URL"] = two_nodes.REDIS_URL
    with Gunicorn(f"{kind}-baseline-floor", "bench.floor:app", env, "/healthz", cwd=baseline.tree) as floor, \
            Gunicorn(f"{kind}-baseline", "wsgi:app", env, "/healthz", cwd=baseline.tree) as app:
        yield floor, app


def _with_baseline(targets: list[tuple[str, Target]], floor: Gunicorn, app: Gunicorn, info: dict[str, Any],
                   baseline: baselines.Baseline) -> list[tuple[str, Target]]:
    """Today's pages with the baseline's floor and unit page after today's, so that each round measures both."""
    cookie = login(app.base, info["bench_email"], info["bench_password"])
    course, unit = info["bench_course"], info["bench_unit"]
    extra = {
        "floor": (f"logged-in floor, baseline {baseline.short}",
                  Target("floor-baseline", floor.base + "/bench/floor", cookie, ["Hello, "])),
        "unit": (f"unit page, baseline {baseline.short}",
                 Target("unit-baseline", f"{app.base}/courses/{course}/units/{unit}", cookie, [
                     str(escape(info["bench_unit_title"])), f"/courses/{course}/units/{unit}/complete",
                     "Log out"])),
    }
    found = []
    for title, target in targets:
        found.append((title, target))
        if target.name in extra:
            found.append(extra[target.name])
    return found


def postgres_backends(kind: str, *databases: str):
    """A function giving the pids of the PostgreSQL backends connected to the benchmark's databases."""
    if kind != "postgres":
        return lambda: []
    import psycopg

    connection = psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True)

    def pids() -> list[int]:
        return [row[0] for row in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)", (list(databases or [seeding.PG_DATABASE]),))]
    return pids


# Report ----------------------------------------------------------------------------------------------------

def _versions(kinds: list[str]) -> dict[str, str]:
    import sqlite3

    found = {"Python": platform.python_version()}
    for package in ("gunicorn", "Flask", "SQLAlchemy", "psycopg", "Jinja2", "Werkzeug"):
        found[package] = metadata.version(package)
    found["wrk"] = wrk.version()
    if "sqlite" in kinds:
        found["SQLite"] = sqlite3.sqlite_version
    if "postgres" in kinds:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=5) as conn:
            found["PostgreSQL"] = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    return found


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def table(measured: dict[str, Any]) -> str:
    pages: list[PageResult] = measured["pages"]
    ceiling = pages[0].median("rps")
    lines = ["| page | connections | req/s | p50 ms | p99 ms (bar) | % of bare-Flask ceiling |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for page in pages:
        path = page.target.url.split("127.0.0.1", 1)[1].split("/", 1)[1]
        bar = f" (< {page.target.p99_bar_ms:.0f})" if page.target.name not in NO_P99_BAR else ""
        lines.append(f"| {page.title} `/{path}` | {page.target.connections} | {page.median('rps'):,.0f} | "
                     f"{page.median('p50_ms'):.1f} | {page.median('p99_ms'):.1f}{bar} | "
                     f"{100 * page.median('rps') / ceiling:.0f}% |")
    return "\n".join(lines)


def cost_table(measured: dict[str, Any]) -> str:
    pages: list[PageResult] = measured["pages"]
    ceiling = pages[0].median("total_cpu_ms")
    lines = ["| page | gunicorn CPU ms/req | database CPU ms/req | wrk CPU ms/req | % of ceiling by CPU cost |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for page in pages:
        database = page.median("database_cpu_ms")
        lines.append(f"| {page.title} | {page.median('server_cpu_ms'):.2f} | "
                     f"{f'{database:.2f}' if measured['kind'] == 'postgres' else 'in gunicorn'} | "
                     f"{page.median('wrk_cpu_ms'):.2f} | {100 * ceiling / page.median('total_cpu_ms'):.0f}% |")
    return "\n".join(lines)


def verdict(measured: dict[str, Any]) -> str:
    kind, pages = measured["kind"], measured["pages"]
    unit = next(p for p in pages if p.target.name == "unit")
    share = unit.median("rps") / pages[0].median("rps")
    p99 = unit.median("p99_ms")
    slow = [f"{p.title} ({p.median('p99_ms'):.0f} ms, bar {p.target.p99_bar_ms:.0f} ms)"
            for p in pages if p.target.name not in NO_P99_BAR and p.median("p99_ms") >= p.target.p99_bar_ms]
    met = share >= UNIT_TARGET[kind] and p99 < P99_TARGET_MS
    by_cost = pages[0].median("total_cpu_ms") / unit.median("total_cpu_ms")
    text = (f"**Quality bar: {'met' if met else 'NOT met'}.** Unit page at {100 * share:.0f}% of the ceiling "
            f"(target ≥ {100 * UNIT_TARGET[kind]:.0f}%), p99 {p99:.1f} ms (target < {P99_TARGET_MS:.0f} ms); "
            f"{100 * by_cost:.0f}% by CPU cost per request.")
    if slow:
        text += f" Pages whose p99 misses its bar: {', '.join(slow)}."
    else:
        text += " Every page's p99 is within its bar."
    floor = next(p for p in pages if p.target.name == "floor")
    floor_share = floor.median("rps") / pages[0].median("rps")
    text += (f" The logged-in floor, the platform's cost before any page work, reaches {100 * floor_share:.0f}% of "
             f"the ceiling (bar ≥ {100 * FLOOR_TARGET[kind]:.0f}%: "
             f"{'met' if floor_share >= FLOOR_TARGET[kind] else 'NOT met'}).")
    return text


def interference(measured: dict[str, Any]) -> str:
    loads = [run.foreign_cores for page in measured["pages"] for run in page.runs]
    median, worst = statistics.median(loads), max(loads)
    text = (f"Other work on the machine during the runs (CPU outside gunicorn, wrk and the benchmark's database "
            f"backends): median {median:.2f} cores, at most {worst:.2f}.")
    if median >= 0.25:
        text += " **The machine was busy: these numbers are lower than a quiet machine gives.**"
    return text


def rounds_table(measured: dict[str, Any]) -> str:
    lines = ["| page | round | req/s | p50 ms | p75 ms | p90 ms | p99 ms | requests | socket errors (read/timeout) "
             "| CPU ms/req | other work (cores) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for page in measured["pages"]:
        for number, run in enumerate(page.runs, 1):
            lines.append(f"| {page.target.name} | {number} | {run.rps:,.1f} | {run.p50_ms:.2f} | {run.p75_ms:.2f} | "
                         f"{run.p90_ms:.2f} | {run.p99_ms:.2f} | {run.requests:,} | "
                         f"{run.read_errors}/{run.timeouts} | {run.total_cpu_ms:.2f} | {run.foreign_cores:.2f} |")
    return "\n".join(lines)


def report(results: list[dict[str, Any]], args: argparse.Namespace, command: str, seconds: float) -> str:
    kinds = [r["kind"] for r in results]
    versions = _versions(kinds)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    import os

    parts = [
        "# Benchmark results",
        "",
        f"Measured {now} by `{command}` ({seconds / 60:.1f} min in all). How to run it and what it measures: "
        "[README.md](README.md).",
        "",
        f"- Machine: `nproc` = {os.cpu_count()}, {_cpu()}, {platform.system()} {platform.release()}; "
        "wrk, the servers and the database share these cores.",
        "- Versions: " + ", ".join(f"{name} {value}" for name, value in versions.items()) + ".",
        f"- Load: `wrk -c{wrk.CONNECTIONS} -t{wrk.THREADS} -d{args.duration:g}s --latency --timeout {wrk.TIMEOUT}` "
        f"(`-c{SEARCH_CONNECTIONS}` for the searches, whose bar is set at {SEARCH_CONNECTIONS} connections; the API "
        "pages send a personal access token made on `/account/tokens`); "
        f"a {args.warmup:g} s discarded warm-up run per page, then {args.rounds} rounds of {args.duration:g} s runs "
        "alternating between the pages (hello, floor, catalogue, course, unit, … , then again). "
        "Each figure is the "
        f"median of the {args.rounds} rounds; the percentage is of the bare-Flask median of the same database run.",
        "- Servers: `gunicorn --workers 2 --worker-class sync --bind 127.0.0.1:PORT wsgi:app` with `DATABASE_URL` "
        "and `SECRET_KEY` set and no access log; the ceiling is `bench/hello.py` (one route returning a short "
        "string) under the same command; the logged-in floor is `bench/floor.py` (the platform plus one route that "
        "loads the logged-in user and renders nothing) under the same command. "
        "Logged-in pages carry the session cookie of a learner who logged in "
        "through the real `/login` form.",
        "",
    ]
    for measured in results:
        info = measured["info"]
        parts += [
            f"## {LABELS[measured['kind']]}",
            "",
            f"Seed: {seeding.describe(info)}; seeded {info['seeded_at']} in {info['seconds']} s. "
            f"Measured learner: `{info['bench_email']}`, enrolled in all three courses, on unit "
            f"`{info['bench_unit']}` of `{info['bench_course']}`.",
            "",
            f"Server: `{measured['app_command']}`",
            "",
            table(measured),
            "",
            verdict(measured),
            "",
            interference(measured),
            "",
            "CPU time per request, summed over the run's processes (medians of the rounds). It hardly depends on "
            "other work on the machine, so when the machine was busy its last column is the better estimate of "
            "what a quiet machine would give (the runs are CPU-bound: throughput ≈ cores ÷ CPU per request).",
            "",
            cost_table(measured),
            "",
            *([baselines.section(measured, args.baseline), ""] if args.baseline else []),
            *([two_nodes.section(measured["two_nodes"]), ""] if measured.get("two_nodes") else []),
            "<details><summary>Every run</summary>",
            "",
            rounds_table(measured),
            "",
            "</details>",
            "",
        ]
    return "\n".join(parts)


OWN_SECTIONS = tuple(f"## {label}\n" for label in LABELS.values())


def keep_other_sections(new_text: str, path: Path) -> str:
    """Other benchmarks (bench/quiz.py) keep "## " sections of their own in RESULTS.md: carry them over."""
    if not path.exists():
        return new_text
    old = path.read_text()
    starts = [m.start() for m in re.finditer(r"^## ", old, flags=re.MULTILINE)]
    others = [old[a:b].rstrip("\n") for a, b in zip(starts, [*starts[1:], len(old)], strict=True)
              if not old[a:b].startswith(OWN_SECTIONS)]
    return new_text.rstrip("\n") + "\n" + "".join(f"\n{section}\n" for section in others)


def _json_ready(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"kind": r["kind"], "info": {k: v for k, v in r["info"].items() if k != "bench_password"},
             "pages": {p.target.name: [run.as_dict() for run in p.runs] for p in r["pages"]},
             "two_nodes": r["two_nodes"] and {
                 "one_node": [run.as_dict() for run in r["two_nodes"].one_node],
                 "two_nodes": [[run.as_dict() for run in pair] for pair in r["two_nodes"].two_nodes]}}
            for r in results]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=(*seeding.DATABASES, "both"), default="both",
                        help="which database to seed and measure (default: both)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured wrk run (default 15)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages (default 3)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of the discarded warm-up run per page")
    parser.add_argument("--wait-quiet", type=float, default=60, metavar="SECONDS",
                        help="before measuring, wait up to this long for other work on the machine to stop")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the database seeded by the last run")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the Markdown report")
    parser.add_argument("--baseline", metavar="REF",
                        help="also measure the floor and unit page of this commit, in the same rounds (e.g. 5ae716d)")
    parser.add_argument("--no-two-nodes", dest="two_nodes", action="store_false",
                        help="skip the PostgreSQL run of two app nodes (bench/two_nodes.py)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0:
        parser.error("--rounds must be at least 1 and --duration positive")
    argv_text = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    command = f".venv/bin/python -m bench.run{' ' + argv_text if argv_text else ''}"

    started = time.perf_counter()
    try:
        wrk.version()
        results = []
        args.baseline_info = {}
        if args.baseline:
            args.baseline = baselines.prepare(args.baseline)
        for kind in seeding.DATABASES if args.db == "both" else (args.db,):
            if args.baseline:
                if args.skip_seed:
                    args.baseline_info[kind] = baselines.load_info(args.baseline, kind)
                else:  # first: on PostgreSQL the baseline's seed fills the benchmark database, then renames it
                    print(f"{LABELS[kind]}: seeding the baseline {args.baseline.short} ...", flush=True)
                    args.baseline_info[kind] = baselines.seed(args.baseline, kind)
            if args.skip_seed:
                info = seeding.load_info(kind)
                print(f"{LABELS[kind]}: reusing the database seeded {info['seeded_at']} ({seeding.describe(info)})")
            else:
                print(f"{LABELS[kind]}: seeding ...", flush=True)
                info = seeding.seed(kind)
                print(f"  {seeding.describe(info)} in {info['seconds']} s", flush=True)
            print(f"{LABELS[kind]}: measuring", flush=True)
            results.append(measure(kind, info, args))
    except BenchError as error:
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    text = report(results, args, command, time.perf_counter() - started)
    args.output.write_text(keep_other_sections(text, args.output))
    (seeding.OUT / "results.json").write_text(json.dumps(_json_ready(results), indent=2) + "\n")
    print()
    for measured in results:
        print(f"{LABELS[measured['kind']]}\n\n{table(measured)}\n\n{verdict(measured)}\n{interference(measured)}\n\n"
              f"{cost_table(measured)}\n")
    print(f"Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
