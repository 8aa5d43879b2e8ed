"""The staff-page benchmark: a facilitator's dashboard of a cohort of 500 learners on a 60-unit course.

    python -m bench.staff [--db sqlite|postgres] [--duration 15] [--rounds 3] [--warmup 3] [--no-results]
    python -m bench.staff --profile [--reuse] [-n 50] [--rounds 5]   # CPU ms/request in-process, no wrk

1. Copy the database `bench.run` seeded (run it, or `python -m bench.seed --db KIND`, first) and add to the copy:
   a 60-unit course (six modules of ten units, written as a pack and imported through the import service), a
   facilitator who creates a cohort of it through the cohort service, and 500 of the seeded learners enrolled
   and seated in it with their progress through the course (bulk-inserted, as bench/seed.py does).
2. Serve the copy with gunicorn as in production (2 sync workers; Redis on PostgreSQL) and measure, at 4
   connections, the cohort's dashboard (50 learners a page with module aggregates), its at-risk filter, a
   module opened into its units, and the cohort's figures.
3. Append (or replace) the "Staff pages" section of bench/RESULTS.md for that database.

`--profile` requests those pages in-process instead (the Flask test client, logged in through the form), in
alternating bursts of `-n` requests, and prints the median CPU and wall milliseconds per request; on SQLite the
CPU time includes the database's. `--reuse` skips step 1 and measures the copy the last run prepared.

The bar (the speed issue's): staff pages p99 < 300 ms at 4 connections.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from . import seed as seeding
from . import two_nodes, wrk
from .client import Target, login, verify
from .machine import CpuMeter
from .run import LABELS, postgres_backends
from .server import BenchError, Gunicorn

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
COURSE = "staff-bench"
MODULES, UNITS_PER_MODULE = 6, 10
LEARNERS = 500
CONNECTIONS = 4
P99_BAR_MS = 300.0
FACILITATOR_EMAIL = "bench.facilitator@example.org"
PG_DATABASE = "moocplatform_staff_bench"
SQLITE_PATH = seeding.OUT / "staff.sqlite3"


def database_url(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"


def copy_database(kind: str) -> None:
    """The seeded benchmark database, copied, so that bench.run's own stays as it seeded it."""
    if kind == "sqlite":
        if not seeding.SQLITE_PATH.exists():
            raise BenchError(f"{seeding.SQLITE_PATH} is missing: run python -m bench.seed --db sqlite first.")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(seeding.SQLITE_PATH, SQLITE_PATH)
        return
    seeding.pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)',
                     f'CREATE DATABASE "{PG_DATABASE}" TEMPLATE "{seeding.PG_DATABASE}"')


def write_pack(root: Path) -> Path:
    pack = root / COURSE
    modules = []
    for m in range(1, MODULES + 1):
        folder = pack / "units" / f"m{m}"
        folder.mkdir(parents=True)
        files = []
        for u in range(1, UNITS_PER_MODULE + 1):
            name = f"{u:02d}-unit.md"
            (folder / name).write_text(textwrap.dedent(f"""\
                ---
                id: s-m{m}-u{u}
                title: Week {m}, step {u}
                type: text
                minutes: 10
                ---
                Step {u} of week {m}: a short reading with a question to think about.
                """))
            files.append(f"units/m{m}/{name}")
        modules.append({"id": f"m{m}", "title": f"Week {m}", "units": files})
    (pack / "course.yaml").write_text(yaml.safe_dump({
        "id": COURSE, "title": "Staff bench", "version": "1.0.0", "language": "en",
        "summary": "For the staff-page benchmark.", "description": "Sixty short units in six weeks.",
        "outcomes": ["Work through sixty units."],
        "competences": [{"framework": "LifeComp", "code": "L3", "name": "Managing learning"}],
        "effort_hours_per_week": 2, "duration_weeks": MODULES, "licence": "CC-BY-SA-4.0", "modules": modules,
    }, sort_keys=False))
    return pack


def prepare(kind: str) -> dict[str, Any]:
    """The copy with the course, the facilitator, the cohort and its learners; what the run needs."""
    from moocplatform import create_app
    from moocplatform.accounts.models import User
    from moocplatform.accounts.services import create_verified_user
    from moocplatform.admin.services import grant_role
    from moocplatform.catalog.models import Course, Unit
    from moocplatform.catalog.services import import_pack
    from moocplatform.cohorts.models import CohortMembership, MembershipStatus
    from moocplatform.cohorts.services import CohortFields, create_cohort
    from moocplatform.extensions import db
    from moocplatform.learning.models import Enrollment, UnitProgress

    info = seeding.load_info(kind)
    copy_database(kind)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(kind), "SECRET_KEY": "bench-staff-only",
                      "ASSET_STORE_DIR": str(seeding.OUT / "assets"), "MAIL_OUTBOX_DIR": str(seeding.OUT / "outbox")})
    rng = random.Random(seeding.RANDOM_SEED + 7)
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context(), tempfile.TemporaryDirectory() as folder:
        import_pack(None, write_pack(Path(folder)))
        db.session.commit()
        course = db.session.scalar(sa.select(Course).where(Course.slug == COURSE))
        keys = list(db.session.scalars(sa.select(Unit.key).where(Unit.version_id == course.live_version_id)
                                       .order_by(Unit.position)))
        facilitator = create_verified_user(FACILITATOR_EMAIL, "Bench Facilitator", seeding.BENCH_PASSWORD)
        grant_role(None, facilitator, "facilitator", course)
        db.session.flush()
        today = now.date()
        cohort = create_cohort(facilitator, course, CohortFields(
            name="Bench cohort", language="en", starts_on=today - timedelta(days=21),
            ends_on=today + timedelta(days=21), time_zone="Europe/Vienna", capacity=LEARNERS))
        db.session.flush()
        learner_ids = list(db.session.scalars(sa.select(User.id).where(User.email.like("learner%@bench.example.org"))
                                              .order_by(User.id).limit(LEARNERS)))
        enrolments, seats, progress = [], [], []
        for user_id in learner_ids:
            enrolled = now - timedelta(days=rng.uniform(15, 21))
            reached = min(len(keys), int(rng.triangular(0, len(keys), len(keys) / 3)))
            last = enrolled
            for n, key in enumerate(keys[:reached]):
                last = min(now, enrolled + timedelta(hours=n * rng.uniform(2, 8)))
                progress.append({"user_id": user_id, "course_id": course.id, "unit_key": key, "first_viewed_at": last,
                                 "completed_at": last if rng.random() < 0.9 else None})
            enrolments.append({"user_id": user_id, "course_id": course.id, "status": "active", "enrolled_at": enrolled,
                               "last_unit_key": keys[max(0, reached - 1)], "last_visited_at": last})
            seats.append({"cohort_id": cohort.id, "user_id": user_id, "status": MembershipStatus.MEMBER,
                          "joined_at": enrolled})
        for table, rows in ((Enrollment.__table__, enrolments), (CohortMembership.__table__, seats),
                            (UnitProgress.__table__, progress)):
            seeding._bulk_insert(db, table, rows)
        db.session.commit()
        cohort_id = cohort.id
        db.session.remove()
        engine = db.engine
        seeding._analyze(engine)
        engine.dispose()
    prepared = {"kind": kind, "cohort_id": cohort_id, "units": len(keys), "learners": len(learner_ids),
                "progress_rows": len(progress), "base": seeding.describe(info)}
    prepared_file(kind).write_text(json.dumps(prepared))
    return prepared


def prepared_file(kind: str) -> Path:
    return seeding.OUT / f"staff-{kind}.json"


def reuse(kind: str) -> dict[str, Any]:
    if not prepared_file(kind).exists():
        raise BenchError(f"{prepared_file(kind)} is missing: run python -m bench.staff --profile once without --reuse.")
    return json.loads(prepared_file(kind).read_text())


def staff_pages(prepared: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """name -> (title in RESULTS.md, path) of each staff page measured."""
    cohort = f"/cohorts/{prepared['cohort_id']}"
    path = f"{cohort}/dashboard"
    return {
        "dashboard": (f"cohort dashboard, {prepared['learners']} learners, 50 a page `{path}`", path),
        "at-risk": (f"its at-risk learners `{path}?show=at-risk`", f"{path}?show=at-risk"),
        "module": (f"a module opened into its units `{path}?module=m3`", f"{path}?module=m3"),
        "figures": (f"the cohort's figures (three charts with their tables) `{cohort}/figures`", f"{cohort}/figures"),
    }


def profile(prepared: dict[str, Any], args) -> None:
    """CPU and wall ms per request of both pages in-process, in alternating bursts (medians)."""
    from moocplatform import create_app

    from .client import USER_AGENT

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(prepared["kind"]), "SECRET_KEY": "bench-staff-only"})
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"email": FACILITATOR_EMAIL, "password": seeding.BENCH_PASSWORD,
                                           "csrf_token": token})
    if response.status_code != 302:
        raise BenchError(f"log-in answered {response.status_code}")
    pages = {name: url for name, (_title, url) in staff_pages(prepared).items()}
    for name, url in pages.items():
        for _ in range(10):  # warm: templates compiled, statements cached
            response = client.get(url)
            if response.status_code != 200 or b"Bench cohort" not in response.data:
                raise BenchError(f"{name}: {url} answered {response.status_code}")
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in pages}
    for number in range(1, args.rounds + 1):
        for name, url in pages.items():
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.n):
                client.get(url)
            samples[name].append(((time.process_time() - cpu) / args.n * 1000,
                                  (time.perf_counter() - wall) / args.n * 1000))
            print(f"  round {number}/{args.rounds}  {name:<10} {samples[name][-1][0]:7.2f} ms CPU/req", flush=True)
    for name, url in pages.items():
        print(f"{name:<10} {url}: {statistics.median(c for c, _w in samples[name]):.2f} ms CPU, "
              f"{statistics.median(w for _c, w in samples[name]):.2f} ms wall per request in-process "
              f"(medians of {args.rounds} x {args.n})")


def measure(prepared: dict[str, Any], args) -> list[tuple[str, list[wrk.WrkResult]]]:
    env = {"DATABASE_URL": database_url(prepared["kind"]), "SECRET_KEY": secrets.token_hex(32)}
    if prepared["kind"] == "postgres":
        env["REDIS_URL"] = two_nodes.REDIS_URL
    with Gunicorn(f"staff-{prepared['kind']}", "wsgi:app", env, "/healthz") as server:
        cookie = login(server.base, FACILITATOR_EMAIL, seeding.BENCH_PASSWORD)
        pages = [(title, Target(name, server.base + url, cookie, ["Bench cohort", "Log out"], CONNECTIONS,
                                P99_BAR_MS))
                 for name, (title, url) in staff_pages(prepared).items()]
        for _title, target in pages:
            print(f"  ok  {target.name:<10} {target.url}  ({verify(target):,} bytes)", flush=True)
        meter = CpuMeter([server.process.pid], postgres_backends(prepared["kind"], PG_DATABASE))
        for _title, target in pages:
            wrk.run(target.url, args.warmup, target.headers(), CONNECTIONS)
        if args.wait_quiet > 0:
            print(f"  other work on the machine: {meter.wait_quiet(args.wait_quiet):.2f} cores", flush=True)
        runs: dict[str, list[wrk.WrkResult]] = {target.name: [] for _t, target in pages}
        for number in range(1, args.rounds + 1):
            for _title, target in pages:
                before = meter.snapshot()
                result = wrk.run(target.url, args.duration, target.headers(), CONNECTIONS)
                after = meter.snapshot()
                result.foreign_cores = meter.foreign_cores(before, after)
                result.server_cpu_ms = 1000 * meter.cost(before, after, server.process.pid).server / max(
                    result.requests, 1)
                if result.non_2xx:
                    raise BenchError(f"{target.name}: {result.non_2xx} responses were not 2xx/3xx.")
                runs[target.name].append(result)
                print(f"  round {number}/{args.rounds}  {target.name:<10} {result.rps:7.1f} req/s  "
                      f"p99 {result.p99_ms:7.1f} ms  other work {result.foreign_cores:.2f} cores", flush=True)
        for _title, target in pages:
            verify(target)
    return [(title, runs[target.name]) for title, target in pages]


def section(prepared: dict[str, Any], measured: list[tuple[str, list[wrk.WrkResult]]], args) -> str:
    lines = [f"## Staff pages, {LABELS[prepared['kind']]}", "",
             f"`python -m bench.staff --db {prepared['kind']}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: a copy of "
             f"the benchmark's database ({prepared['base']}) with a {prepared['units']}-unit course, and a cohort of "
             f"{prepared['learners']} of its learners with {prepared['progress_rows']:,} progress rows, led by a "
             f"facilitator logged in through the form. `wrk -c{CONNECTIONS}`, {args.rounds} rounds of "
             f"{args.duration:g} s (medians). The bar: p99 < {P99_BAR_MS:.0f} ms at {CONNECTIONS} connections.", "",
             "| page | req/s | p50 ms | p99 ms | gunicorn CPU ms/req | other work (cores) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for title, runs in measured:
        p99 = statistics.median(r.p99_ms for r in runs)
        lines.append(f"| {title} | {statistics.median(r.rps for r in runs):,.0f} | "
                     f"{statistics.median(r.p50_ms for r in runs):.1f} | "
                     f"{'**' if p99 >= P99_BAR_MS else ''}{p99:.1f}{'**' if p99 >= P99_BAR_MS else ''} | "
                     f"{statistics.median(r.server_cpu_ms for r in runs):.2f} | "
                     f"{statistics.median(r.foreign_cores for r in runs):.2f} |")
    met = all(statistics.median(r.p99_ms for r in runs) < P99_BAR_MS for _t, runs in measured)
    lines += ["", f"**Staff-page bar: {'met' if met else 'NOT met'}.**", ""]
    return "\n".join(lines)


def replace_section(text: str, heading: str) -> None:
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start = old.find(heading + "\n")
    if start >= 0:
        end = old.find("\n## ", start + len(heading))
        old = old[:start].rstrip("\n") + ("\n" + old[end:] if end >= 0 else "\n")
    RESULTS.write_text(old.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.staff", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=seeding.DATABASES, default="sqlite")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--wait-quiet", type=float, default=60, metavar="SECONDS")
    parser.add_argument("--no-results", action="store_true", help="print the section instead of writing it")
    parser.add_argument("--profile", action="store_true", help="measure in-process CPU per request, without wrk")
    parser.add_argument("--reuse", action="store_true", help="with --profile: the database the last run prepared")
    parser.add_argument("-n", type=int, default=50, help="with --profile: requests per burst")
    args = parser.parse_args(argv)
    if args.profile:
        try:
            prepared = reuse(args.db) if args.reuse else prepare(args.db)
            profile(prepared, args)
        except BenchError as error:
            print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
            return 1
        return 0
    try:
        wrk.version()
        print(f"{LABELS[args.db]}: preparing the staff database", flush=True)
        prepared = prepare(args.db)
        print(f"{LABELS[args.db]}: measuring", flush=True)
        text = section(prepared, measure(prepared, args), args)
    except BenchError as error:
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    print("\n" + text)
    if not args.no_results:
        replace_section(text, f"## Staff pages, {LABELS[args.db]}")
        print(f"Written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
