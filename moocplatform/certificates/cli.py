"""`moocplatform certificates verify FILE`: checks a signed credential offline, either form (JSON with an
embedded eddsa-rdfc-2022 proof, or a VC-JWT): signature, issuer bound to the key, the official JSON Schema, and
revocation against a status list (a file given, or this installation's current list); it says which status
source it used."""
from __future__ import annotations

import json
from pathlib import Path

import click
import jsonschema
from flask.cli import AppGroup

from .. import clock
from . import credentials, signing

certificates_cli = AppGroup("certificates", help="Certificates and their signed credentials.")


@certificates_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jwks", "jwks_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The issuer's JWK set (default: this installation's key).")
@click.option("--status-list", "status_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A fetched status list credential (default: this installation's current list).")
def verify(path: Path, jwks_path: Path | None, status_path: Path | None) -> None:
    text = path.read_text("utf-8").strip()
    jwk = json.loads(jwks_path.read_text("utf-8"))["keys"][0] if jwks_path else signing.public_jwk()
    status_list = status_path.read_text("utf-8") if status_path else credentials.signed_status_list(clock.now())
    try:
        if text.startswith("{"):
            outcome = credentials.verify_credential_with_proof(json.loads(text), status_list,
                                                               jwk if jwks_path else None)
            method = outcome["verification_method"]
        else:
            outcome = credentials.verify_credential(text, jwk, status_list)
            method = jwk["kid"]
    except (signing.BadSignature, KeyError, ValueError, TypeError) as error:
        raise click.ClickException(f"not verified: {error}") from error
    schema = credentials.credential_schema()
    problems = [f"{e.json_path}: {e.message}" for e in
                jsonschema.validators.validator_for(schema)(schema).iter_errors(outcome["credential"])]
    if problems:
        raise click.ClickException("signature valid, but the credential breaks the schema:\n" + "\n".join(problems))
    credential = outcome["credential"]
    click.echo(f"signature: valid ({method})")
    click.echo(f"issuer: {credential['issuer'].get('name')} {credential['issuer']['id']}")
    click.echo(f"holder: {credential['credentialSubject'].get('name')}")
    click.echo(f"achievement: {credential['credentialSubject']['achievement']['name']}")
    source = str(status_path) if status_path else "this installation's current status list"
    click.echo(f"status: {'REVOKED' if outcome['revoked'] else 'not revoked'} (checked against {source})")
    if outcome["revoked"]:
        raise SystemExit(2)
