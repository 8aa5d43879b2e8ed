"""Flat with size (issue #10): the learner's pages on a 100,000-learner seed (2 million progress rows, 1 million
quiz attempts) against the same pages on a 10,000-learner seed; the bar: every page at ≥ 0.8× its req/s at
10,000 learners, on both databases, with the same number of SQL queries.

    python -m bench.scale [--db sqlite|postgres|both] [--duration 15] [--rounds 3] [--skip-seed] [--no-results]
    python -m bench.scale --learners 1000 5000 --duration 2 --rounds 1 --no-results   # a quick look

1. Seed both sizes of each database with bench/seed.py (databases of their own: bench/out/bench-10k.sqlite3,
   moocplatform_bench_10k, ...; bench.run's are not touched). The measured learner, unit and thread, and the
   learner's comments, note and notifications, are the same at both sizes; only the tables grow.
2. Count each page's SQL statements in-process (the Flask test client, logged in through the form; counted on
   the second request, as tests/conftest.py counts), and the rows the tables hold.
3. Serve each size with gunicorn as bench.run does, log in, check every page (bench.run's checks), then measure
   with wrk, each page at both sizes in turn, round after round; figures are medians of the rounds.
4. Write the section "## Flat with size" of bench/RESULTS.md (the other sections stay).
"""
from __future__ import annotations

import argparse
import re
import secrets
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from . import seed as seeding
from . import wrk
from .client import USER_AGENT, Target, login, personal_access_token, verify
from .machine import CpuMeter
from .memory import write_section
from .run import LABELS, RESULTS, build_targets, postgres_backends
from .server import BenchError, Gunicorn

HEADING = "## Flat with size"
BAR = 0.8
PAGES = ("unit", "dashboard", "course", "catalogue", "forum", "api-courses", "api-unit")  # bench.run's names
# Per learner, as the 100,000-learner seed has them: 20 progress rows (at least) and 10 quiz attempts.
PROGRESS_PER_LEARNER, ATTEMPTS_PER_LEARNER = 20, 10
# A Redis database of its own: bench.run and the tests use others, and may run at the same time.
REDIS_URL = "redis://127.0.0.1:6379/12"
COUNTED_TABLES = ("users", "enrollments", "unit_progress", "quiz_attempts", "discussion_posts")


def size_of(learners: int) -> seeding.Size:
    suffix = f"{learners // 1000}k" if learners % 1000 == 0 else str(learners)
    return seeding.Size(learners, learners * PROGRESS_PER_LEARNER, learners * ATTEMPTS_PER_LEARNER, suffix)


def app_env(info: dict[str, Any], kind: str) -> dict[str, str]:
    """bench.run's settings for the served application."""
    env = {"DATABASE_URL": info["database_url"], "SECRET_KEY": secrets.token_hex(32), "API_RATE_LIMIT": "100000000"}
    if kind == "postgres":
        env["REDIS_URL"] = REDIS_URL
    return env


def seeded(kind: str, size: seeding.Size, skip_seed: bool) -> dict[str, Any]:
    if skip_seed:
        info = seeding.load_info(kind, size)
        print(f"  {size.suffix}: reusing the seed of {info['seeded_at']} ({seeding.describe(info)})", flush=True)
        return info
    print(f"  {size.suffix}: seeding {size.learners:,} learners ...", flush=True)
    info = seeding.seed(kind, size)
    print(f"  {size.suffix}: {seeding.describe(info)} in {info['seconds']} s", flush=True)
    return info


def table_rows(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
                    for name in COUNTED_TABLES}
    finally:
        engine.dispose()


def query_counts(kind: str, info: dict[str, Any], paths: dict[str, str], token: str) -> dict[str, int]:
    """SQL statements of each page in-process, on its second request (caches warm), logged in through the form;
    the API's pages with the personal access token instead."""
    from moocplatform import create_app
    from moocplatform.extensions import db

    env = app_env(info, kind)
    app = create_app({"SQLALCHEMY_DATABASE_URI": info["database_url"], "SECRET_KEY": env["SECRET_KEY"],
                      "API_RATE_LIMIT": int(env["API_RATE_LIMIT"]), **({"REDIS_URL": REDIS_URL} if kind == "postgres"
                                                                  else {}),
                      "ASSET_STORE_DIR": str(seeding.OUT / "assets"), "MAIL_OUTBOX_DIR": str(seeding.OUT / "outbox")})
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    form = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    response = client.post("/login", data={"email": info["bench_email"], "password": info["bench_password"],
                                           "csrf_token": csrf.group(1) if csrf else ""})
    if response.status_code != 302:
        raise BenchError(f"In-process log-in answered {response.status_code}.")
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        # Counted as tests/conftest.py counts: transaction control is not a query.
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    counts = {}
    try:
        for name, path in paths.items():
            headers = {"Authorization": f"Bearer {token}"} if name.startswith("api-") else {}
            client.get(path, headers=headers)
            statements.clear()
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise BenchError(f"{name}: {path} answered {response.status_code} in-process.")
            counts[name] = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
        engine.dispose()
    return counts


def measure(kind: str, sizes: list[seeding.Size], args: argparse.Namespace) -> dict[str, Any]:
    print(f"{LABELS[kind]}: seeds", flush=True)
    infos = [seeded(kind, size, args.skip_seed) for size in sizes]
    rows = [table_rows(info["database_url"]) for info in infos]
    servers = [Gunicorn(f"{kind}-scale-{size.suffix}", "wsgi:app", app_env(info, kind), "/healthz")
               for size, info in zip(sizes, infos, strict=True)]
    try:
        for server in servers:
            server.__enter__()
        targets: list[dict[str, Target]] = []  # per size: page name -> target
        titles: dict[str, str] = {}
        counts = []
        for server, info in zip(servers, infos, strict=True):
            cookie = login(server.base, info["bench_email"], info["bench_password"])
            token = personal_access_token(server.base, info["bench_email"], info["bench_password"], ["read:courses"])
            found = {target.name: (title, target) for title, target in
                     build_targets(server, server, server, info, cookie, token) if target.name in PAGES}
            titles.update({name: title for name, (title, _t) in found.items()})
            targets.append({name: found[name][1] for name in PAGES})
            counts.append(query_counts(kind, info, {name: target.url.removeprefix(server.base)
                                                    for name, target in targets[-1].items()}, token))
        for size, by_name in zip(sizes, targets, strict=True):
            for target in by_name.values():
                print(f"  ok  {size.suffix:>5} {target.name:<11} {target.url}  ({verify(target):,} bytes)", flush=True)
        meter = CpuMeter([server.process.pid for server in servers],
                         postgres_backends(kind, *(s.pg_database for s in sizes)))
        if args.warmup > 0:
            print(f"  warm-up: {args.warmup:g} s per page and size, discarded", flush=True)
            for by_name in targets:
                for target in by_name.values():
                    wrk.run(target.url, args.warmup, target.headers(), target.connections)
        if args.wait_quiet > 0:
            print(f"  other work on the machine: {meter.wait_quiet(args.wait_quiet):.2f} cores", flush=True)
        runs: dict[str, list[list[wrk.WrkResult]]] = {name: [[] for _ in sizes] for name in PAGES}
        for number in range(1, args.rounds + 1):
            for name in PAGES:
                for index, (size, by_name) in enumerate(zip(sizes, targets, strict=True)):
                    target = by_name[name]
                    before = meter.snapshot()
                    result = wrk.run(target.url, args.duration, target.headers(), target.connections)
                    result.foreign_cores = meter.foreign_cores(before, meter.snapshot())
                    if result.non_2xx:
                        raise BenchError(f"{name} ({size.suffix}): {result.non_2xx} of {result.requests} responses "
                                         f"were not 2xx/3xx in round {number}.")
                    runs[name][index].append(result)
                    print(f"  round {number}/{args.rounds}  {name:<11} {size.suffix:>5} {result.rps:8.1f} req/s  "
                          f"p99 {result.p99_ms:7.2f} ms  other work {result.foreign_cores:.2f} cores", flush=True)
        for by_name in targets:  # still the same pages: the numbers are of what was checked
            for target in by_name.values():
                verify(target)
        command = servers[0].command_line().replace(servers[0].env["DATABASE_URL"], "…")
    finally:
        for server in servers:
            server.stop()
    return {"kind": kind, "sizes": sizes, "infos": infos, "rows": rows, "counts": counts, "runs": runs,
            "titles": titles, "command": command}


def median(results: list[wrk.WrkResult], attribute: str) -> float:
    return statistics.median(getattr(result, attribute) for result in results)


def verdict(measured: dict[str, Any]) -> tuple[bool, list[str]]:
    small, large = measured["counts"]
    misses = []
    for name in PAGES:
        ratio = median(measured["runs"][name][1], "rps") / median(measured["runs"][name][0], "rps")
        if ratio < BAR:
            misses.append(f"{name} at {ratio:.2f}×")
        if small[name] != large[name]:
            misses.append(f"{name}'s queries {small[name]} → {large[name]}")
    return not misses, misses


def database_section(measured: dict[str, Any]) -> str:
    small, large = measured["sizes"]
    a, b = small.suffix, large.suffix
    lines = [f"### {LABELS[measured['kind']]}", "",
             "| seed | learners | enrolments | unit_progress | quiz_attempts | posts | seeded in |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size, info, rows in zip(measured["sizes"], measured["infos"], measured["rows"], strict=True):
        lines.append(f"| {size.suffix} (`{seeding.database_url(measured['kind'], size).rsplit('/', 1)[1]}`) | "
                     f"{rows['users']:,} | {rows['enrollments']:,} | {rows['unit_progress']:,} | "
                     f"{rows['quiz_attempts']:,} | {rows['discussion_posts']:,} | {info['seconds']:.0f} s |")
    lines += ["", f"| page | req/s {a} | req/s {b} | ratio (bar ≥ {BAR:g}) | p99 ms {a} | p99 ms {b} | "
              f"queries {a} | queries {b} |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    counts_small, counts_large = measured["counts"]
    for name in PAGES:
        runs_small, runs_large = measured["runs"][name]
        ratio = median(runs_large, "rps") / median(runs_small, "rps")
        mark, met = ("", "met") if ratio >= BAR else ("**", "NOT met")
        same = counts_small[name] == counts_large[name]
        lines.append(f"| {measured['titles'][name]} | {median(runs_small, 'rps'):,.0f} | "
                     f"{median(runs_large, 'rps'):,.0f} | {mark}{ratio:.2f}{mark} ({met}) | "
                     f"{median(runs_small, 'p99_ms'):.1f} | {median(runs_large, 'p99_ms'):.1f} | "
                     f"{counts_small[name]} | {counts_large[name]}{'' if same else ' **(differs)**'} |")
    met, misses = verdict(measured)
    loads = [run.foreign_cores for pair in measured["runs"].values() for side in pair for run in side]
    busy = statistics.median(loads)
    lines += ["", f"**Flat with size: {'met' if met else 'NOT met'}.**" + ("" if met else f" {'; '.join(misses)}.")
              + f" Other work on the machine during the runs: median {busy:.2f} cores"
              + (" (**busy: run again on a quiet machine**)." if busy >= 0.25 else "."),
              "", f"Server: `{measured['command']}` (per size, `DATABASE_URL` its database)."]
    return "\n".join(lines)


def section(results: list[dict[str, Any]], args: argparse.Namespace, command: str, seconds: float) -> str:
    small, large = results[0]["sizes"]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [HEADING, "",
             f"Measured {now} by `{command}` ({seconds / 60:.1f} min in all, seeds included). The learner's pages on "
             f"a seed of {large.learners:,} learners against the same pages on one of {small.learners:,} (the "
             "same measured learner, unit and thread, with the same comments, note and notifications; forum posts "
             f"as bench.run seeds them). Served as bench.run serves them, one gunicorn per size; `wrk "
             f"-c{wrk.CONNECTIONS} -t{wrk.THREADS} -d{args.duration:g}s`, a {args.warmup:g} s warm-up per page "
             f"and size, then {args.rounds} round{'s' if args.rounds > 1 else ''}, each page at both sizes in turn; "
             "medians of the rounds. "
             "Queries: SQL statements of each page's second request in-process (the Flask test client). The bar "
             f"(issue #10): every page at ≥ {BAR:g}× its req/s at {small.learners:,} learners, the query counts "
             "equal.", ""]
    for measured in results:
        parts += [database_section(measured), ""]
    return "\n".join(parts).rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=(*seeding.DATABASES, "both"), default="both")
    parser.add_argument("--learners", type=int, nargs=2, default=(10_000, 100_000), metavar=("SMALL", "LARGE"),
                        help="learners of the two seeds (default 10000 100000); progress rows and quiz attempts "
                        f"follow ({PROGRESS_PER_LEARNER} and {ATTEMPTS_PER_LEARNER} per learner)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured wrk run (default 15)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages (default 3)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of the discarded warm-up run per page")
    parser.add_argument("--wait-quiet", type=float, default=60, metavar="SECONDS",
                        help="before measuring, wait up to this long for other work on the machine to stop")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the databases seeded by the last run")
    parser.add_argument("--no-results", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0:
        parser.error("--rounds must be at least 1 and --duration positive")
    if not 0 < args.learners[0] < args.learners[1]:
        parser.error("--learners SMALL LARGE: 0 < SMALL < LARGE")
    sizes = [size_of(n) for n in args.learners]
    argv_text = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    command = f".venv/bin/python -m bench.scale{' ' + argv_text if argv_text else ''}"
    started = time.perf_counter()
    try:
        wrk.version()
        results = [measure(kind, sizes, args) for kind in (seeding.DATABASES if args.db == "both" else (args.db,))]
    except BenchError as error:
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    text = section(results, args, command, time.perf_counter() - started)
    print("\n" + text)
    if not args.no_results:
        write_section(text, RESULTS, HEADING)
        print(f"Written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
