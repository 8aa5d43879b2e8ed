"""`moocplatform push generate-keys`: the VAPID key pair push messages are signed with."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .keys import generate_key_pair

push_cli = AppGroup("push", help="Push reminders (Web Push).")


@push_cli.command("generate-keys")
@click.option("--replace", is_flag=True, help="Replace an existing key (every browser must subscribe again).")
def generate_keys(replace: bool) -> None:
    """Write a new VAPID private key into instance/push/ and print the settings that turn push on."""
    try:
        path, public = generate_key_pair(current_app.instance_path, replace=replace)
    except FileExistsError as error:
        raise click.ClickException(f"{error} exists already; --replace makes a new one") from None
    click.echo(f"Private key written to {path}. Add to instance/config.py (or the environment):")
    click.echo(f'VAPID_PRIVATE_KEY = "{path}"')
    click.echo(f'VAPID_PUBLIC_KEY = "{public}"')
    click.echo('VAPID_SUBJECT = "mailto:you@example.org"  # whom push services may contact')
