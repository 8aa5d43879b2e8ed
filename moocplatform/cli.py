"""The `moocplatform` command line: the same services as the web pages, for operators and scripts."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade as alembic_upgrade

from . import audit, jobs, ops
from .accounts import services as account_services
from .accounts.models import ROLES, User
from .admin import services as admin_services
from .catalog import services as catalog_services
from .catalog.models import Course
from .content import PackError, format_stats, inspect_pack, opened_pack, validate_pack
from .demo import DEMO_PASSWORD, seed_demo_accounts
from .errors import DomainError
from .extensions import db
from .learning.completion import process_completions
from .quizzes.cli import quizzes_cli

courses_cli = AppGroup("courses", help="Import and manage course packs.")
users_cli = AppGroup("users", help="Find users, create administrators, grant roles, suspend and unlock.")
jobs_cli = AppGroup("jobs", help="Scheduled jobs.")


def _fail(message: str) -> NoReturn:
    db.session.rollback()
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def _user(email: str) -> User:
    user = account_services.get_user_by_email(email)
    if user is None:
        _fail(f"No user with e-mail {email}.")
    return user


# courses --------------------------------------------------------------------------------------------------

@courses_cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--all", "import_all", is_flag=True, help="Import every pack in the courses/ folder.")
@click.option("--force", is_flag=True, help="Accept a version lower than the live one.")
@click.option("--draft", is_flag=True, help="Store the version as a draft to preview; publish it later.")
@click.option("--dry-run", is_flag=True, help="Check the pack and print what would change; write nothing.")
def import_courses(paths: tuple[Path, ...], import_all: bool, force: bool, draft: bool, dry_run: bool) -> None:
    """Import content packs (folders) as new course versions, all-or-nothing."""
    folders = list(paths) + (catalog_services.pack_folders(current_app.config["COURSES_DIR"]) if import_all else [])
    if not folders:
        _fail("Name at least one pack folder, or use --all.")
    for folder in folders:
        try:
            with click.progressbar(length=1, label=f"Importing {folder.name}", file=sys.stderr,
                                   show_pos=True) as bar:
                def advance(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                result = catalog_services.import_pack(None, folder, force=force, publish=not draft,
                                                      dry_run=dry_run, progress=advance)
        except PackError as error:
            _fail(f"{folder}: the pack has problems:\n" + "\n".join(f"  {p}" for p in error.problems))
        except DomainError as error:
            _fail(f"{folder}: {error.message}")
        if not dry_run:  # a dry run has written nothing
            db.session.commit()
        click.echo(result.describe())
        if result.outcome == "new_version":  # completions the new version grants, once the import has committed
            completed = process_completions(result.course)
            db.session.commit()
            if completed:
                click.echo(f"{result.course.slug}: {completed} learners completed the course under the new version")


@courses_cli.command("archive")
@click.argument("slug")
@click.option("--undo", is_flag=True, help="Bring an archived course back to the catalogue.")
def archive_course(slug: str, undo: bool) -> None:
    """Archive a course (it leaves the catalogue; enrolled learners keep read access)."""
    try:
        course = catalog_services.get_course(slug)
    except DomainError as error:
        _fail(error.message)
    (catalog_services.unarchive_course if undo else catalog_services.archive_course)(None, course)
    db.session.commit()
    click.echo(f"{slug}: {course.status}")


@courses_cli.command("list")
def list_courses() -> None:
    for course in db.session.scalars(sa.select(Course).order_by(Course.slug)):
        click.echo(f"{course.slug}\t{course.status}\t{course.title}")


@courses_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def validate_course_pack(path: Path) -> None:
    """Check a pack folder or .zip without importing it: every problem, then the warnings (exit 1 on problems)."""
    report = validate_pack(path, video_hosts=current_app.config["VIDEO_EMBED_HOSTS"])
    if report.problems:
        click.echo(f"Problems ({len(report.problems)}):")
        for problem in report.problems:
            click.echo(str(problem))
    if report.warnings:
        click.echo(("\n" if report.problems else "") + f"Warnings ({len(report.warnings)}):")
        for warning in report.warnings:
            click.echo(str(warning))
    if report.problems:
        click.echo(f"\n{path}: not valid: {len(report.problems)} problems, {len(report.warnings)} warnings")
        sys.exit(1)
    pack = report.pack
    if pack is None:  # only when course.yaml could not be read, which is a problem reported above
        _fail(f"{path}: cannot be read")
    click.echo(("\n" if report.warnings else "") + f"{path}: valid: {pack.id} {pack.version}, "
               f"{len(pack.modules)} modules, {len(pack.units)} units, {len(pack.quizzes)} quizzes; "
               f"{len(report.warnings)} warnings")


@courses_cli.command("stats")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def course_pack_stats(path: Path) -> None:
    """Per module of a pack folder or .zip: its units by type, minutes, and the words of each text unit."""
    try:
        with opened_pack(path) as root:
            report = inspect_pack(root, video_hosts=current_app.config["VIDEO_EMBED_HOSTS"])
    except PackError as error:
        _fail(f"{path}: cannot be read:\n" + "\n".join(str(p) for p in error.problems))
    if report.pack is None:
        _fail(f"{path}: cannot be read:\n" + "\n".join(str(p) for p in report.problems))
    click.echo(format_stats(report.pack))
    if report.problems:
        click.echo(f"\nThe pack has {len(report.problems)} problems; `moocplatform courses validate {path}` "
                   "lists them.")


# users ----------------------------------------------------------------------------------------------------

@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Display name.")
@click.password_option(help="Password (asked for when not given).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create a verified administrator account, or make an existing account an administrator."""
    try:
        user = account_services.get_user_by_email(email) or account_services.create_verified_user(
            email, name, password)
    except DomainError as error:
        _fail(error.message)
    admin_services.grant_role(None, user, "admin")
    db.session.commit()
    click.echo(f"{user.email} is an administrator.")


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--course", "slug", help="The course, for facilitator and course_team.")
@click.option("--revoke", is_flag=True, help="Take the role away instead.")
def grant(email: str, role: str, slug: str | None, revoke: bool) -> None:
    """Grant (or with --revoke take away) a role."""
    user = _user(email)
    try:
        course = catalog_services.get_course(slug) if slug else None
        if revoke:
            existing = account_services.find_grant(user, role, course.id if course else None)
            if existing is None:
                _fail(f"{email} does not hold that role.")
            admin_services.revoke_role(None, user, existing)
        else:
            admin_services.grant_role(None, user, role, course)
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"{email}: {'revoked' if revoke else 'granted'} {role}{' for ' + slug if slug else ''}")


@users_cli.command("suspend")
@click.argument("email")
@click.option("--reason", default="")
@click.option("--undo", is_flag=True, help="Reinstate the account.")
def suspend(email: str, reason: str, undo: bool) -> None:
    """Suspend an account (or reinstate it with --undo)."""
    user = _user(email)
    try:
        if undo:
            admin_services.unsuspend_user(None, user)
        else:
            admin_services.suspend_user(None, user, reason)
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"{email}: {user.status}")


@users_cli.command("unlock")
@click.argument("email")
def unlock(email: str) -> None:
    """Clear the failed log-ins that throttle an account."""
    cleared = admin_services.unlock_user(None, _user(email))
    db.session.commit()
    click.echo(f"{email}: {cleared} failed attempts cleared")


@users_cli.command("find")
@click.argument("text", default="")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--status", type=click.Choice(["active", "suspended", "deleted"]))
def find(text: str, role: str | None, status: str | None) -> None:
    """List users whose e-mail or name contains TEXT."""
    query = admin_services.search_users_query(text, role or "", status or "").limit(200)
    for user in db.session.scalars(query):
        roles = ",".join(sorted(g.role + (f":{g.course_id}" if g.course_id else "") for g in user.roles))
        click.echo(f"{user.id}\t{user.email}\t{user.display_name}\t{user.status}\t{roles}")


# audit, jobs, demo, backup ----------------------------------------------------------------------------------

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
    """Run the scheduled jobs (all, or those named). Schedule this every 15 minutes."""
    for name, result in jobs.run_jobs(list(names) or None).items():
        click.echo(f"{name}: {result}")


@jobs_cli.command("list")
def list_jobs() -> None:
    for job in jobs.registered_jobs():
        click.echo(f"{job.name}\t{job.description}")


@click.command("seed-demo")
def seed_demo() -> None:
    """Create the demo accounts (idempotent) and print them."""
    accounts = seed_demo_accounts()
    db.session.commit()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for role, email in accounts:
        click.echo(f"  {role:<22} {email}")


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Also create the demo accounts.")
def setup(demo: bool) -> None:
    """Upgrade the database, import the packs in courses/ and (by default) create demo accounts."""
    alembic_upgrade()
    click.get_current_context().invoke(import_courses, paths=(), import_all=True, force=False)
    if demo:
        click.get_current_context().invoke(seed_demo)


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
        _fail(str(error))
    db.session.commit()
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables from {source}.")


def register_commands(app: Flask) -> None:
    for command in (courses_cli, users_cli, jobs_cli, quizzes_cli, audit_command, seed_demo, setup, backup,
                    restore):
        app.cli.add_command(command)
