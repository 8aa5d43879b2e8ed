"""Running wrk and reading its --latency report."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass

from .server import BenchError

CONNECTIONS = 16
THREADS = 2
TIMEOUT = "10s"  # wrk's default (2 s) would drop the slowest responses from the percentiles

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    connect_errors: int
    read_errors: int
    write_errors: int
    timeouts: int
    foreign_cores: float = 0.0  # cores busy with other work on the machine during the run (bench.machine)
    server_cpu_ms: float = 0.0  # CPU per request of gunicorn (master and workers), in ms
    database_cpu_ms: float = 0.0  # CPU per request of the PostgreSQL backends serving it, in ms
    wrk_cpu_ms: float = 0.0  # CPU per request of wrk itself, in ms

    @property
    def total_cpu_ms(self) -> float:
        return self.server_cpu_ms + self.database_cpu_ms + self.wrk_cpu_ms

    def as_dict(self) -> dict:
        return asdict(self)


def version() -> str:
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is not installed (apt-get install wrk; `make bench` does it).")
    result = subprocess.run([found, "-v"], capture_output=True, text=True)
    first = (result.stdout + result.stderr).splitlines()[0].split(" Copyright")[0].strip()
    return first.removeprefix("wrk ").strip()


def command(url: str, duration: float, headers: dict[str, str], connections: int = CONNECTIONS,
            script: str | None = None) -> list[str]:
    argv = ["wrk", f"-c{connections}", f"-t{THREADS}", f"-d{max(1, round(duration))}s",
            "--latency", "--timeout", TIMEOUT, *(["--script", script] if script else [])]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    return [*argv, url]


def run(url: str, duration: float, headers: dict[str, str], connections: int = CONNECTIONS,
        script: str | None = None) -> WrkResult:
    return run_together([url], duration, headers, connections, script)[0]


def run_together(urls: list[str], duration: float, headers: dict[str, str],
                 connections: int = CONNECTIONS, script: str | None = None) -> list[WrkResult]:
    """One wrk per URL, all at the same time (the two-node run: one per node)."""
    processes = [subprocess.Popen(command(url, duration, headers, connections, script), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for url in urls]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=duration + 60)
        if process.returncode != 0:
            raise BenchError(f"wrk failed ({process.returncode}): {stderr or stdout}")
        results.append(parse(stdout))
    return results


def parse(output: str) -> WrkResult:
    percentiles = {int(p): float(v) * _UNITS_MS[u] for p, v, u in _PERCENTILE.findall(output)}
    rate, total = _RATE.search(output), _TOTAL.search(output)
    if rate is None or total is None or set(percentiles) != {50, 75, 90, 99}:
        raise BenchError(f"Cannot read wrk's output:\n{output}")
    non_2xx = _NON_2XX.search(output)
    socket = _SOCKET.search(output)
    errors = [int(n) for n in socket.groups()] if socket else [0, 0, 0, 0]
    return WrkResult(float(rate.group(1)), percentiles[50], percentiles[75], percentiles[90], percentiles[99],
                     int(total.group(1)), int(non_2xx.group(1)) if non_2xx else 0, *errors)
