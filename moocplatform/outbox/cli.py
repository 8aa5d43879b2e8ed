"""`moocplatform worker`: runs the outbox and the scheduler; run one or more beside the web server."""
from __future__ import annotations

import logging

import click

from .worker import WorkerLoop


@click.command("worker")
@click.option("--until-idle", is_flag=True, help="Stop once no row is runnable (scripts and tests).")
@click.option("--no-scheduler", is_flag=True, help="Run outbox rows only, not the periodic jobs.")
def worker_command(until_idle: bool, no_scheduler: bool) -> None:
    """Run queued mails and other outbox rows, and the periodic jobs, until stopped (Ctrl+C or SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    loop = WorkerLoop(run_scheduler=not no_scheduler)
    loop.stop_on_signals()
    click.echo(f"worker {loop.worker_id} started", err=True)
    handled = loop.run(until_idle=until_idle)
    click.echo(f"worker {loop.worker_id} stopped after {handled} rows", err=True)
