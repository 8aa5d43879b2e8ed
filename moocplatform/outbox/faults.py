"""Test-only fault points: when MOOCPLATFORM_WORKER_FAULT names a step, the worker process dies there at once
(os._exit: no cleanup, no rollback, as if killed), so tests can show what a restart recovers."""
from __future__ import annotations

import os

FAULT_ENV = "MOOCPLATFORM_WORKER_FAULT"
FAULT_EXIT_CODE = 86
STEPS = ("after-claim", "before-side-effect", "after-side-effect")


def fault_point(step: str) -> None:
    if step not in STEPS:
        raise ValueError(f"unknown fault point {step!r}")
    if os.environ.get(FAULT_ENV) == step:
        os._exit(FAULT_EXIT_CODE)
