"""Profile one page in-process on a seeded benchmark database (after `python -m bench.seed` or a bench run).

    python -m bench.profile [--db sqlite|postgres] [--page floor|unit|course|catalogue|dashboard|forum|...]
                            [-n 500] [--profiler none|cprofile|pyinstrument]

The page is requested through the WSGI application with a session obtained from the real log-in form, like
the benchmark does. pyinstrument is not a dependency of the project: `pip install pyinstrument` to use it.
"""
from __future__ import annotations

import argparse
import re
import statistics
import time

from . import seed as seeding
from .client import USER_AGENT
from .floor import FLOOR_PATH, add_floor_route


def page_path(info: dict, page: str) -> tuple[str, bool]:
    course = info["bench_course"]
    return {
        "floor": (FLOOR_PATH, True),
        "catalogue": ("/courses", False),
        "course": (f"/courses/{course}", False),
        "unit": (f"/courses/{course}/units/{info['bench_unit']}", True),
        "dashboard": ("/my-learning", True),
        "forum": (f"/courses/{course}/discussion", True),
        "thread": (f"/discussion/threads/{info['bench_thread']}", True),
        "search-rare": (f"/courses/{course}/discussion/search?q={info['rare_word']}", True),
        "search-common": (f"/courses/{course}/discussion/search?q={info['common_word']}", True),
        "api-courses": ("/api/v1/me/courses", True),
        "api-unit": (f"/api/v1/courses/{course}/units/{info['bench_unit']}", True),
    }[page]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=seeding.DATABASES, default="sqlite")
    parser.add_argument("--page", choices=("floor", "unit", "course", "catalogue", "dashboard", "forum", "thread",
                                           "search-rare", "search-common", "api-courses", "api-unit", "hello"),
                        default="unit",
                        help="hello: the bare Flask application, to calibrate the machine; floor: the "
                        "platform plus one route that loads the signed-in user (bench/floor.py)")
    parser.add_argument("-n", type=int, default=500, help="requests per measurement")
    parser.add_argument("--profiler", choices=("none", "cprofile", "pyinstrument", "sql"), default="cprofile")
    parser.add_argument("--hide-panel", action="append", default=[], metavar="NAME",
                        help="unit page: leave out this registered unit panel (quiz, discussion, assignment, "
                        "notes), to see what it costs; may be repeated")
    args = parser.parse_args(argv)

    from moocplatform import create_app

    info = seeding.load_info(args.db)
    if args.page == "hello":
        from .hello import app
        path, logged_in = "/", False
    else:
        app = create_app({"SQLALCHEMY_DATABASE_URI": info["database_url"], "SECRET_KEY": "bench-profile"})
        if args.page == "floor":
            add_floor_route(app)
        hide_panels(app, args.hide_panel)
        path, logged_in = page_path(info, args.page)
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    if logged_in:
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        response = client.post("/login", data={"email": info["bench_email"], "password": info["bench_password"],
                                               "csrf_token": token})
        assert response.status_code == 302, response.status_code
    headers: dict[str, str] = {}
    if args.page.startswith("api-"):  # a personal access token, made as a learner makes one
        form = client.get("/account/tokens").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        page = client.post("/account/tokens", data={"csrf_token": token, "label": "profile", "lifetime_days": "30",
                                                    "scopes": ["read:courses"]}).get_data(as_text=True)
        headers["Authorization"] = "Bearer " + re.search(r'id="new-token">([^<]+)<', page).group(1)
        client.delete_cookie("session")
        app.config["API_RATE_LIMIT"] = 10**9
    for _ in range(50):  # warm: templates compiled, outline cached, the one visit recorded
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.status_code

    def burst() -> tuple[float, float]:
        """Wall and CPU milliseconds per request (CPU time does not depend on other work on the machine)."""
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.n):
            client.get(path, headers=headers)
        return ((time.perf_counter() - wall) / args.n * 1000, (time.process_time() - cpu) / args.n * 1000)

    samples = [burst() for _ in range(3)]
    print(f"{path}: {statistics.median(s[1] for s in samples):.2f} ms CPU, "
          f"{statistics.median(s[0] for s in samples):.2f} ms wall per request in-process "
          f"(medians of 3 x {args.n})")
    if args.profiler == "cprofile":
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)  # CPU time: robust to other work on the machine
        profile.runcall(burst)
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    elif args.profiler == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        burst()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    elif args.profiler == "sql":
        print_statement_times(app, client, path, headers, args.n)


def hide_panels(app, names: list[str]) -> None:
    """Registered unit panels that load nothing, so the unit page shows them not."""
    import dataclasses

    from moocplatform.learning.panels import unit_panels

    entries = unit_panels._entries(app)  # the registry offers no replacing: a benchmark's own business
    for name in names:
        if name not in entries:
            raise SystemExit(f"no unit panel {name!r}: {', '.join(entries)}")
        entries[name] = dataclasses.replace(entries[name], load=lambda _view: None)


def print_statement_times(app, client, path: str, headers: dict[str, str], requests: int) -> None:
    """Each SQL statement of one request with its median wall time over `requests` requests, slowest first."""
    import sqlalchemy as sa

    from moocplatform.extensions import db

    times: dict[str, list[float]] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        context._bench_started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        times.setdefault(statement, []).append((time.perf_counter() - context._bench_started) * 1000)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        for _ in range(requests):
            client.get(path, headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    rows = sorted(((statistics.median(ms), len(ms) / requests, sql) for sql, ms in times.items()), reverse=True)
    print(f"{sum(m * n for m, n, _ in rows):.2f} ms of SQL per request, {sum(n for _, n, _ in rows):.0f} statements")
    for median, per_request, sql in rows:
        print(f"\n{median:8.2f} ms  x{per_request:g}  {' '.join(sql.split())[:600]}")


if __name__ == "__main__":
    main()
