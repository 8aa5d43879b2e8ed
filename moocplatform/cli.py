"""The `moocplatform` command line: the same services as the web pages, for operators and scripts. Each area
adds its own group in its init_app (`add_command`); here are the commands that belong to no area: the jobs,
the audit log, setup, backup and restore. Every command runs in one unit of work (transaction.transactional)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade as alembic_upgrade

from . import audit, jobs, ops, transaction
from .extensions import db
from .outbox.cli import worker_command

jobs_cli = AppGroup("jobs", help="Scheduled jobs.")


def fail(message: str) -> NoReturn:
    """Exit with an error: the command's unit of work rolls back what it wrote."""
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def add_command(app: Flask, command: click.Command) -> None:
    """Add an area's command or group; each of its commands runs in one unit of work."""
    app.cli.add_command(transaction.transactional(command))


def _area_command(path: str) -> click.Command | None:
    """A command an installed area added, by its path ("courses import"); None when the area is not installed."""
    command: click.Command | None = current_app.cli
    for name in path.split():
        command = command.commands.get(name) if isinstance(command, click.Group) else None
    return command


# audit, jobs, setup, backup ----------------------------------------------------------------------------------

@click.command("audit")
@click.option("--limit", default=50, show_default=True)
@click.option("--action", default=None)
def audit_command(limit: int, action: str | None) -> None:
    """Print the audit log, newest first."""
    for entry in db.session.scalars(audit.audit_page_query(action=action).limit(limit)):
        click.echo(f"{entry.created_at:%Y-%m-%d %H:%M:%S}Z\t{entry.actor_id or 'system'}\t{entry.action}\t"
                   f"{entry.target_type}:{entry.target_id}\t{entry.details}")


@jobs_cli.command("run")
@click.argument("names", nargs=-1)
def run_jobs(names: tuple[str, ...]) -> None:
    """Run the periodic jobs (all, or those named) once. `moocplatform worker` schedules them itself; this is
    the fallback for cron."""
    for name, result in jobs.run_jobs(list(names) or None).items():
        click.echo(f"{name}: {result}")


@jobs_cli.command("list")
def list_jobs() -> None:
    for job in jobs.registered_jobs():
        click.echo(f"{job.name}\tevery {job.interval}\t{job.description}")


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Also create the demo accounts.")
def setup(demo: bool) -> None:
    """Upgrade the database, import the packs in courses/ and (by default) create demo accounts. A course whose
    live version is as new as its pack, or newer (a course team published in the browser), is left as it is."""
    alembic_upgrade()
    context = click.get_current_context()
    import_courses = _area_command("courses import")
    if import_courses is not None:
        context.invoke(import_courses, paths=(), import_all=True, force=False, keep_live=True)
    seed_demo = _area_command("seed-demo")
    if demo and seed_demo is not None:
        context.invoke(seed_demo)


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup(target: Path | None) -> None:
    """Write the database and instance/ files to one .tar.gz archive."""
    target = target or ops.default_backup_path()
    counts = ops.create_backup(target)
    click.echo(f"Backup written to {target} ({sum(counts.values())} rows in {len(counts)} tables).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(source: Path, yes: bool) -> None:
    """Replace the database contents and instance/ files with a backup's."""
    if not yes:
        click.confirm("This replaces every row in the database. Continue?", abort=True)
    try:
        counts = ops.restore_backup(source)
    except ops.BackupError as error:
        fail(str(error))
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables from {source}.")


def register_commands(app: Flask) -> None:
    for command in (jobs_cli, audit_command, setup, backup, restore):
        add_command(app, command)
    app.cli.add_command(worker_command)  # runs its own short units of work, row by row
