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

from .. import audit, clock
from . import credentials, keys, signing

certificates_cli = AppGroup("certificates", help="Certificates and their signed credentials.")


@certificates_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jwks", "jwks_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The issuer's JWK set, for a VC-JWT (default: this installation's keys).")
@click.option("--key-history", "history_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The issuer's key-history.json (default: this installation's).")
@click.option("--status-list", "status_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A fetched status list credential (default: this installation's current list).")
def verify(path: Path, jwks_path: Path | None, history_path: Path | None, status_path: Path | None) -> None:
    text = path.read_text("utf-8").strip()
    jwk_set = json.loads(jwks_path.read_text("utf-8"))["keys"] if jwks_path else keys.published_jwks()
    history = json.loads(history_path.read_text("utf-8"))["keys"] if history_path else None
    status_list = status_path.read_text("utf-8") if status_path else credentials.signed_status_list(clock.now())
    try:
        if text.startswith("{"):
            outcome = credentials.verify_credential_with_proof(json.loads(text), status_list, history)
            method = outcome["verification_method"]
        else:
            kid = json.loads(signing.b64url_decode(text.split(".")[0])).get("kid")
            jwk = next((key for key in jwk_set if key.get("kid") == kid), None)
            if jwk is None:
                raise signing.BadSignature(f"no key {kid!r} in the issuer's key set")
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
    if outcome.get("key_status") and outcome["key_status"] != keys.CURRENT:
        click.echo(f"issuer key: {outcome['key_status']} (this issuer signs with another key now)"
                   if outcome["key_status"] == keys.RETIRED else
                   "issuer key: not a key of this installation (the signature binds the issuer to its did:key)")
    click.echo(f"issuer: {credential['issuer'].get('name')} {credential['issuer']['id']}")
    click.echo(f"holder: {credential['credentialSubject'].get('name')}")
    click.echo(f"achievement: {credential['credentialSubject']['achievement']['name']}")
    source = str(status_path) if status_path else "this installation's current status list"
    click.echo(f"status: {'REVOKED' if outcome['revoked'] else 'not revoked'} (checked against {source})")
    if outcome["revoked"]:
        raise SystemExit(2)


@certificates_cli.command("rotate-key")
@click.option("--compromised", is_flag=True,
              help="The old key leaked: credentials signed with it stop verifying (re-issue them).")
@click.option("--reason", default="", help="Recorded in the key history and the audit log.")
def rotate_key(compromised: bool, reason: str) -> None:
    """Make a new issuer key; the old one stays in the key history so its credentials keep verifying
    (unless --compromised)."""
    old, new = keys.rotate_issuer_key(compromised=compromised, reason=reason)
    audit.record(None, "certificates.key_rotated", None, old=old, new=new, compromised=compromised, reason=reason)
    click.echo(f"retired {old}{' (compromised)' if compromised else ''}\nnow signing with {new}")
