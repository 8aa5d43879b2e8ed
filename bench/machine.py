"""How busy the machine is with work that is not the benchmark's: the runs share two cores with whatever else
runs here, so each run records the CPU time used outside gunicorn, wrk and the benchmark's PostgreSQL backends."""
from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (user, nice, system, irq, softirq, steal)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def process_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished children: the wrk runs
    return usage.ru_utime + usage.ru_stime


def _self_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Snapshot:
    wall: float
    machine: float
    ours: float
    servers: dict[int, float]  # CPU seconds of each gunicorn master with its workers
    database: float  # CPU seconds of the PostgreSQL backends serving the benchmark
    children: float  # CPU seconds of finished children (the wrk runs)


@dataclass
class RunCost:
    """CPU seconds spent on one wrk run by the server under test, its database backends and wrk."""
    server: float
    database: float
    wrk: float


class CpuMeter:
    """Own processes: gunicorn masters and their workers (given as master pids), finished children (wrk), this
    process, and the pids returned by extra_pids() (the PostgreSQL backends serving the benchmark)."""

    def __init__(self, masters: list[int], extra_pids=lambda: []):
        self.masters = masters
        self.extra_pids = extra_pids

    def snapshot(self) -> Snapshot:
        servers = {master: sum(process_seconds(pid) for pid in [master, *children(master)])
                   for master in self.masters}
        database = sum(process_seconds(pid) for pid in self.extra_pids())
        finished = _children_seconds()
        ours = sum(servers.values()) + database + finished + _self_seconds()
        return Snapshot(time.monotonic(), machine_busy_seconds(), ours, servers, database, finished)

    @staticmethod
    def cost(before: Snapshot, after: Snapshot, master: int) -> RunCost:
        return RunCost(after.servers[master] - before.servers[master], after.database - before.database,
                       after.children - before.children)

    @staticmethod
    def foreign_cores(before: Snapshot, after: Snapshot) -> float:
        """Cores kept busy by other work between the two snapshots."""
        wall = max(after.wall - before.wall, 1e-6)
        return max(0.0, (after.machine - before.machine) - (after.ours - before.ours)) / wall

    def wait_quiet(self, limit_seconds: float, threshold: float = 0.25, sample: float = 2.0) -> float:
        """Wait (at most limit_seconds) until other work uses less than threshold cores; return the last sample."""
        deadline = time.monotonic() + limit_seconds
        while True:
            before = self.snapshot()
            time.sleep(sample)
            load = self.foreign_cores(before, self.snapshot())
            if load < threshold or time.monotonic() >= deadline:
                return load
