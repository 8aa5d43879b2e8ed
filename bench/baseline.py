"""The code of an earlier commit measured beside today's in the same run (`bench.run --baseline REF`).

Ratios to bare Flask move with the machine; a ratio to the same baseline measured in the same rounds does not.
The baseline is checked out into a git worktree under bench/out/, seeded by its own bench/seed.py (its schema,
its packs), and served from that worktree by the same gunicorn command. Its floor is its own bench/floor.py, so
the floor route stays as it was when the bars were set.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import seed as seeding
from .server import BenchError

PG_DATABASE = seeding.PG_DATABASE + "_baseline"
# What issue #10 asks of today's code against the baseline: req/s ratios in the same run.
RATIO_BARS = {"floor": 1.3, "unit": 1.4}


@dataclass
class Baseline:
    ref: str
    commit: str
    tree: Path

    @property
    def short(self) -> str:
        return self.commit[:7]

    def info_path(self, kind: str) -> Path:
        return self.tree / "bench" / "out" / f"seed-{kind}.json"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=seeding.ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def prepare(ref: str) -> Baseline:
    """A detached worktree of ref under bench/out/ (made once, reused by later runs)."""
    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    tree = seeding.OUT / f"baseline-{commit[:7]}"
    if not (tree / ".git").exists():
        seeding.OUT.mkdir(parents=True, exist_ok=True)
        _git("worktree", "prune")
        _git("worktree", "add", "--detach", str(tree), commit)
    return Baseline(ref, commit, tree)


def environment(baseline: Baseline) -> dict[str, str]:
    """The baseline's own package comes first on the path (the venv's editable install points at today's)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(baseline.tree) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def seed(baseline: Baseline, kind: str) -> dict[str, Any]:
    """Seed with the baseline's own bench/seed.py. On PostgreSQL it fills the benchmark database, which is then
    renamed, so call this before today's code seeds its own."""
    done = subprocess.run([sys.executable, "-m", "bench.seed", "--db", kind], cwd=baseline.tree,
                          env=environment(baseline), capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"seeding the baseline {baseline.short} ({kind}) failed:\n{done.stdout}\n{done.stderr}")
    info = json.loads(baseline.info_path(kind).read_text())
    if kind == "postgres":
        seeding.pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)',
                         f'ALTER DATABASE "{seeding.PG_DATABASE}" RENAME TO "{PG_DATABASE}"')
        info["database_url"] = info["database_url"].replace(f"/{seeding.PG_DATABASE}", f"/{PG_DATABASE}")
        baseline.info_path(kind).write_text(json.dumps(info, indent=2) + "\n")
    return info


def load_info(baseline: Baseline, kind: str) -> dict[str, Any]:
    path = baseline.info_path(kind)
    if not path.exists():
        raise SystemExit(f"--skip-seed: {path} is missing; run once without --skip-seed to seed the baseline.")
    return json.loads(path.read_text())


def section(measured: dict[str, Any], baseline: Baseline) -> str:
    """Today's floor and unit page against the baseline's, measured in the same rounds."""
    pages = {page.target.name: page for page in measured["pages"]}
    lines = [f"### Against the baseline `{baseline.short}` (`--baseline {baseline.ref}`)", "",
             "Both measured in the same rounds, alternating with the other pages, by the same command; the baseline "
             "served from a worktree of that commit on a database its own `bench/seed.py` filled.", "",
             "| page | req/s now | req/s baseline | now ÷ baseline (bar) | CPU ms/req now | CPU ms/req baseline |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    verdicts = []
    for name, bar in RATIO_BARS.items():
        now, then = pages[name], pages[f"{name}-baseline"]
        ratio = now.median("rps") / max(then.median("rps"), 1e-9)
        lines.append(f"| {now.title} | {now.median('rps'):,.0f} | {then.median('rps'):,.0f} | "
                     f"{ratio:.2f}× (≥ {bar:.1f}×) | {now.median('total_cpu_ms'):.2f} | "
                     f"{then.median('total_cpu_ms'):.2f} |")
        verdicts.append(f"{name} {ratio:.2f}× ({'met' if ratio >= bar else 'NOT met'}, bar {bar:.1f}×)")
    return "\n".join([*lines, "", "Against the baseline: " + "; ".join(verdicts) + "."])
