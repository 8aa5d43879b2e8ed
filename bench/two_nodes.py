"""The two-node run (PostgreSQL): two app nodes, each `gunicorn --workers 2` with the same settings and a
Redis, on one PostgreSQL, as a deployment that outgrows one machine runs them (README, "Scaling out").

The learner logs in through node A and the same session cookie is sent to both nodes, so the run also shows that
a session made on one node is valid on the other. Each round measures the unit page on node A alone at 16
connections, then on both nodes at once with 8 connections each (one wrk per node, started together), so
both runs offer the same load. On one machine the two nodes share its cores, so the run shows that two nodes
work on one database, Redis and session together; it cannot show what a second machine would add."""
from __future__ import annotations

import secrets
import statistics
from dataclasses import dataclass, field
from typing import Any

from . import wrk
from .client import Target, login, verify
from .server import BenchError, Gunicorn

REDIS_URL = "redis://127.0.0.1:6379/14"


@dataclass
class TwoNodeResult:
    url_path: str
    one_node: list[wrk.WrkResult] = field(default_factory=list)
    two_nodes: list[list[wrk.WrkResult]] = field(default_factory=list)

    def one_rps(self) -> float:
        return statistics.median(r.rps for r in self.one_node)

    def two_rps(self) -> float:
        return statistics.median(sum(r.rps for r in pair) for pair in self.two_nodes)

    def one_p99(self) -> float:
        return statistics.median(r.p99_ms for r in self.one_node)

    def two_p99(self) -> float:
        return statistics.median(max(r.p99_ms for r in pair) for pair in self.two_nodes)


def measure(info: dict[str, Any], args) -> TwoNodeResult:
    env = {"DATABASE_URL": info["database_url"], "SECRET_KEY": secrets.token_hex(32), "REDIS_URL": REDIS_URL}
    course, unit = info["bench_course"], info["bench_unit"]
    path = f"/courses/{course}/units/{unit}"
    with Gunicorn("postgres-node-a", "wsgi:app", env, "/healthz") as node_a, \
            Gunicorn("postgres-node-b", "wsgi:app", env, "/healthz") as node_b:
        cookie = login(node_a.base, info["bench_email"], info["bench_password"])
        targets = [Target(f"unit on node {name}", node.base + path, cookie, [f"{path}/complete", "Log out"])
                   for name, node in (("A", node_a), ("B", node_b))]
        for target in targets:  # node B accepts node A's session: it is in the shared database
            verify(target)
        print(f"  two nodes: {node_a.base} and {node_b.base}, one session", flush=True)
        headers = targets[0].headers()
        if args.warmup > 0:
            wrk.run_together([t.url for t in targets], args.warmup, headers, wrk.CONNECTIONS // 2)
        result = TwoNodeResult(path)
        for number in range(1, args.rounds + 1):
            one = wrk.run(targets[0].url, args.duration, headers)
            two = wrk.run_together([t.url for t in targets], args.duration, headers, wrk.CONNECTIONS // 2)
            if one.non_2xx or any(r.non_2xx for r in two):
                raise BenchError(f"two-node run: responses that were not 2xx/3xx in round {number}.")
            result.one_node.append(one)
            result.two_nodes.append(two)
            print(f"  round {number}/{args.rounds}  one node {one.rps:8.1f} req/s p99 {one.p99_ms:6.1f} ms   "
                  f"two nodes {sum(r.rps for r in two):8.1f} req/s "
                  f"(A {two[0].rps:.1f}, B {two[1].rps:.1f}) p99 {max(r.p99_ms for r in two):6.1f} ms", flush=True)
        for target in targets:
            verify(target)
        return result


def section(result: TwoNodeResult) -> str:
    ratio = result.two_rps() / result.one_rps() if result.one_rps() else 0.0
    return "\n".join([
        "### Two app nodes on one PostgreSQL and Redis",
        "",
        "Two gunicorn servers (`--workers 2` each) with `REDIS_URL` set, on the same database; the learner's "
        "session, made by logging in through node A, is sent to both. Node A alone at 16 connections, then both "
        "nodes at once at 8 connections each (medians of the rounds; p99 is the worse node's).",
        "",
        "| run | req/s | p99 ms |",
        "| --- | ---: | ---: |",
        f"| one node `{result.url_path}` | {result.one_rps():,.0f} | {result.one_p99():.1f} |",
        f"| two nodes, same page | {result.two_rps():,.0f} | {result.two_p99():.1f} |",
        "",
        f"Two nodes serve {ratio:.2f}× what one serves here. Both nodes, their four workers and both wrk processes "
        "share this machine's cores, so the figure shows that a session, its checks and the database serve both "
        "nodes at once, not what a second machine would add.",
    ])
