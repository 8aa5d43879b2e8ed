"""`moocplatform users ...`: find users, create administrators, grant roles, suspend and unlock."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import AppGroup

from ..accounts import queries as account_queries
from ..accounts import services as account_services
from ..accounts.models import ROLES
from ..accounts.passwords import pepper_id
from ..catalog import services as catalog_services
from ..cli import fail
from ..demo import DEMO_PASSWORD, seed_demo_accounts
from ..errors import DomainError
from ..extensions import db
from . import services as admin_services

if TYPE_CHECKING:
    from ..accounts.models import User

users_cli = AppGroup("users", help="Find users, create administrators, grant roles, suspend and unlock.")


def _user(email: str) -> User:
    user = account_services.get_user_by_email(email)
    if user is None:
        fail(f"No user with e-mail {email}.")
    return user


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
        fail(error.message)
    admin_services.grant_role(None, user, "admin")
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
            existing = (account_services.find_grant(user, role, "course", course.id) if course
                        else account_services.find_grant(user, role))
            if existing is None:
                fail(f"{email} does not hold that role.")
            admin_services.revoke_role(None, user, existing)
        else:
            admin_services.grant_role(None, user, role, course)
    except DomainError as error:
        fail(error.message)
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
        fail(error.message)
    click.echo(f"{email}: {user.status}")


@users_cli.command("unlock")
@click.argument("email")
def unlock(email: str) -> None:
    """Clear the failed log-ins that throttle an account."""
    cleared = admin_services.unlock_user(None, _user(email))
    click.echo(f"{email}: {cleared} failed attempts cleared")


@users_cli.command("reset-second-factor")
@click.argument("email")
def reset_second_factor(email: str) -> None:
    """Turn off an account's two-step log-in (its app and recovery codes were lost); the address is told."""
    try:
        admin_services.reset_second_factor(None, _user(email))
    except DomainError as error:
        fail(error.message)
    click.echo(f"{email}: two-step log-in turned off; every session ended")


@users_cli.command("pepper-status")
def pepper_status() -> None:
    """How many password hashes each pepper made (PASSWORD_PEPPER, PASSWORD_PEPPER_PREVIOUS, none)."""
    config = current_app.config
    names = {pepper_id(config[key]): label for key, label in (("PASSWORD_PEPPER_PREVIOUS", "previous pepper"),
                                                               ("PASSWORD_PEPPER", "current pepper"))
             if config[key]}
    for identifier, count in sorted(account_queries.password_hashes_by_pepper().items(),
                                    key=lambda item: item[0] or ""):
        label = "no pepper" if identifier is None else f"{names.get(identifier, 'unknown pepper')} {identifier}"
        click.echo(f"{label}: {count}")


@users_cli.command("find")
@click.argument("text", default="")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--status", type=click.Choice(["active", "suspended", "deleted"]))
def find(text: str, role: str | None, status: str | None) -> None:
    """List users whose e-mail or name contains TEXT."""
    query = account_queries.search_users_query(text, role or "", status or "").limit(200)
    for user in db.session.scalars(query):
        roles = ",".join(sorted(g.role + _scope_label(g) for g in user.roles))
        click.echo(f"{user.id}\t{user.email}\t{user.display_name}\t{user.status}\t{roles}")


def _scope_label(grant) -> str:
    """":<course id>" for a course, ":<scope>-<id>" for an organisation or cohort, nothing for the platform."""
    if grant.scope_type == "platform":
        return ""
    return f":{grant.scope_id}" if grant.scope_type == "course" else f":{grant.scope_type}-{grant.scope_id}"


@click.command("seed-demo")
def seed_demo() -> None:
    """Create the demo accounts (idempotent) and print them."""
    accounts = seed_demo_accounts()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for role, email in accounts:
        click.echo(f"  {role:<22} {email}")
