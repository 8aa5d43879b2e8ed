"""Does a worker's memory grow with the requests it serves? One gunicorn worker, the learner's pages in turn
(unit, dashboard, forum, thread, course, catalogue, the API's unit), its resident set size read from /proc after
1,000 requests and at checkpoints up to 100,000; the bar: RSS after 100,000 within 10% of RSS after 1,000.

    python -m bench.memory [--db sqlite|postgres|both] [--requests 100000]

It reuses the databases the last `bench.run` or `bench.seed` filled, and writes a "## Memory" section into
bench/RESULTS.md (the other sections stay).
"""
from __future__ import annotations

import argparse
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import seed as seeding
from . import two_nodes, wrk
from .client import USER_AGENT, login, personal_access_token
from .machine import children
from .run import LABELS, RESULTS
from .server import BenchError, Gunicorn

FIRST = 1_000
BAR = 0.10
CONNECTIONS = 4  # one worker: more connections only queue


def resident_kib(pid: int) -> int:
    found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE)
    if not found:
        raise BenchError(f"No VmRSS for process {pid}.")
    return int(found.group(1))


def _script(paths: list[str], bearer_paths: set[str], token: str) -> Path:
    """A wrk script taking the pages in turn; the API's with the token instead of the cookie."""
    seeding.OUT.mkdir(parents=True, exist_ok=True)
    path = seeding.OUT / "memory-pages.lua"
    quoted = ", ".join(f'"{p}"' for p in paths)
    api = ", ".join(f'["{p}"] = true' for p in bearer_paths)
    path.write_text(
        f"local paths = {{{quoted}}}\nlocal api = {{{api}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  local p = paths[i]\n"
        "  if api[p] then\n"
        f'    return wrk.format("GET", p, {{["Authorization"] = "Bearer {token}", ["User-Agent"] = "{USER_AGENT}"}})\n'
        "  end\n  return wrk.format(\"GET\", p)\nend\n")
    return path


def measure(kind: str, total: int) -> dict[str, Any]:
    info = seeding.load_info(kind)
    env = {"DATABASE_URL": info["database_url"], "SECRET_KEY": secrets.token_hex(32), "API_RATE_LIMIT": "100000000"}
    if kind == "postgres":
        env["REDIS_URL"] = two_nodes.REDIS_URL
    course, unit = info["bench_course"], info["bench_unit"]
    paths = [f"/courses/{course}/units/{unit}", "/my-learning", f"/courses/{course}/discussion",
             f"/discussion/threads/{info['bench_thread']}", f"/courses/{course}", "/courses",
             f"/api/v1/courses/{course}/units/{unit}"]
    with Gunicorn(f"{kind}-memory", "wsgi:app", env, "/healthz", workers=1) as app:
        cookie = login(app.base, info["bench_email"], info["bench_password"])
        token = personal_access_token(app.base, info["bench_email"], info["bench_password"], ["read:courses"])
        script = _script(paths, {paths[-1]}, token)
        workers = children(app.process.pid)
        if len(workers) != 1:
            raise BenchError(f"Expected one gunicorn worker, found {len(workers)}.")
        worker = workers[0]
        headers = {"Cookie": f"session={cookie}", "User-Agent": USER_AGENT}
        served, checkpoints, started = 0, [], time.perf_counter()
        marks = [FIRST, *(m for m in (10_000, 25_000, 50_000, 75_000) if m < total), total]
        for mark in marks:
            while served < mark:
                left = mark - served
                result = wrk.run(app.base + "/", max(1, min(10, left / 300)), headers, CONNECTIONS, str(script))
                if result.non_2xx or result.read_errors or result.timeouts:
                    raise BenchError(f"{result.non_2xx} non-2xx responses and {result.read_errors} read errors.")
                served += result.requests
            if children(app.process.pid) != [worker]:
                raise BenchError("The worker was replaced during the run: its memory cannot be followed.")
            checkpoints.append((served, resident_kib(worker)))
            print(f"  {served:>8,} requests  RSS {checkpoints[-1][1] / 1024:7.1f} MiB", flush=True)
    first, last = checkpoints[0][1], checkpoints[-1][1]
    return {"kind": kind, "checkpoints": checkpoints, "growth": last / first - 1,
            "seconds": time.perf_counter() - started, "pages": paths, "command": app.command_line()}


def section(results: list[dict[str, Any]], command: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["## Memory", "",
             f"Measured {now} by `{command}`. One gunicorn worker (`--workers 1`) served the learner's pages in "
             f"turn at {CONNECTIONS} connections: " + ", ".join(f"`{p}`" for p in results[0]["pages"]) +
             " (the last with a personal access token). Its resident set size (`VmRSS` in `/proc`) after "
             f"{FIRST:,} requests and later; the bar: within {100 * BAR:.0f}% of the first figure after the last.", ""]
    marks = [served for served, _ in results[0]["checkpoints"]]
    lines += ["| database | " + " | ".join(f"{m:,} requests" for m in marks) + " | growth (bar) |",
              "| --- |" + " ---: |" * (len(marks) + 1)]
    for result in results:
        cells = " | ".join(f"{rss / 1024:.1f} MiB" for _, rss in result["checkpoints"])
        verdict = "met" if result["growth"] <= BAR else "NOT met"
        lines.append(f"| {LABELS[result['kind']]} | {cells} | {100 * result['growth']:+.1f}% "
                     f"(≤ {100 * BAR:.0f}%: {verdict}) |")
    return "\n".join(lines)


def write_section(text: str, path: Path, heading: str = "## Memory") -> None:
    """Replace the section under `heading` (or append it); the other sections stay."""
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    kept = re.sub(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", "", old, flags=re.MULTILINE | re.DOTALL).rstrip("\n")
    path.write_text(kept + "\n\n" + text + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=(*seeding.DATABASES, "both"), default="both")
    parser.add_argument("--requests", type=int, default=100_000, help="requests in all (default 100,000)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.requests <= FIRST:
        parser.error(f"--requests must be more than {FIRST:,}")
    command = ".venv/bin/python -m bench.memory" + (" " + " ".join(sys.argv[1:] if argv is None else argv)
                                                     if (sys.argv[1:] if argv is None else argv) else "")
    try:
        wrk.version()
        results = []
        for kind in seeding.DATABASES if args.db == "both" else (args.db,):
            print(f"{LABELS[kind]}: {args.requests:,} requests on one worker", flush=True)
            results.append(measure(kind, args.requests))
    except BenchError as error:
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    text = section(results, command)
    write_section(text, args.output)
    print(f"\n{text}\nWritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
