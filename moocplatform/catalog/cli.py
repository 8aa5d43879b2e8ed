"""`moocplatform courses ...`: import, check and archive course packs."""
from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from .. import transaction
from ..cli import fail
from ..content import PackError, format_stats, inspect_pack, opened_pack, validate_pack
from ..errors import DomainError
from ..extensions import db
from . import services as catalog_services
from .models import Course

courses_cli = AppGroup("courses", help="Import and manage course packs.")


@courses_cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--all", "import_all", is_flag=True, help="Import every pack in the courses/ folder.")
@click.option("--force", is_flag=True, help="Accept a version lower than the live one.")
@click.option("--draft", is_flag=True, help="Store the version as a draft to preview; publish it later.")
@click.option("--dry-run", is_flag=True, help="Check the pack and print what would change; write nothing.")
@click.option("--keep-live", is_flag=True,
              help="Leave a live version as new as the pack, or newer, in place instead of refusing.")
def import_courses(paths: tuple[Path, ...], import_all: bool, force: bool, draft: bool, dry_run: bool,
                   keep_live: bool = False) -> None:
    """Import content packs (folders) as new course versions, all-or-nothing."""
    folders = list(paths) + (catalog_services.pack_folders(current_app.config["COURSES_DIR"]) if import_all else [])
    if not folders:
        fail("Name at least one pack folder, or use --all.")
    for folder in folders:  # each pack in a unit of work of its own: all of it is imported, or nothing
        with transaction.unit_of_work(f"import {folder}"):
            try:
                with click.progressbar(length=1, label=f"Importing {folder.name}", file=sys.stderr,
                                       show_pos=True) as bar:
                    def advance(done: int, total: int) -> None:
                        bar.length = total
                        bar.update(done - bar.pos)

                    result = catalog_services.import_pack(None, folder, force=force, publish=not draft,
                                                          dry_run=dry_run, keep_live=keep_live,
                                                          progress=advance)
            except PackError as error:
                fail(f"{folder}: the pack has problems:\n" + "\n".join(f"  {p}" for p in error.problems))
            except DomainError as error:
                fail(f"{folder}: {error.message}")
        click.echo(result.describe())
        for warning in result.changes.warnings():
            click.echo(f"{folder.name}: warning: {warning}", err=True)
        if result.outcome == "new_version":
            click.echo(f"{folder.name}: the worker records the completions the new version grants.")


@courses_cli.command("archive")
@click.argument("slug")
@click.option("--undo", is_flag=True, help="Bring an archived course back to the catalogue.")
def archive_course(slug: str, undo: bool) -> None:
    """Archive a course (it leaves the catalogue; enrolled learners keep read access)."""
    try:
        course = catalog_services.get_course(slug)
    except DomainError as error:
        fail(error.message)
    (catalog_services.unarchive_course if undo else catalog_services.archive_course)(None, course)
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
        fail(f"{path}: cannot be read")
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
        fail(f"{path}: cannot be read:\n" + "\n".join(str(p) for p in error.problems))
    if report.pack is None:
        fail(f"{path}: cannot be read:\n" + "\n".join(str(p) for p in report.problems))
    click.echo(format_stats(report.pack))
    if report.problems:
        click.echo(f"\nThe pack has {len(report.problems)} problems; `moocplatform courses validate {path}` "
                   "lists them.")
