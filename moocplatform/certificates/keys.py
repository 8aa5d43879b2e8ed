"""Rotating the issuer key, and the key history that keeps earlier credentials verifiable.

A rotation makes a new Ed25519 key the issuer's and records the old one's did:key in
instance/certificates/key-history.json (backed up with instance/) as retired, or as compromised when it leaked.
Credentials signed with a retired key still verify: the history, published at /certificates/key-history.json
and in the JWK set, says the key was the issuer's. A compromised key verifies nothing, whatever date a proof
claims, since whoever holds the key can write any date. Private halves of old keys are not kept.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .. import clock
from . import signing

CURRENT, RETIRED, COMPROMISED, UNKNOWN = "current", "retired", "compromised", "unknown"


def history_path() -> Path:
    return signing.key_path().parent / "key-history.json"


def key_history() -> list[dict[str, Any]]:
    """Earlier keys, oldest first: {"id": did:key, "retired": iso, "compromised": iso or None, "reason"}."""
    path = history_path()
    return json.loads(path.read_text("utf-8"))["keys"] if path.exists() else []


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, candidate = tempfile.mkstemp(dir=path.parent, prefix=".new-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(candidate, path)
    except BaseException:
        if os.path.exists(candidate):
            os.unlink(candidate)
        raise


def rotate_issuer_key(*, compromised: bool = False, reason: str = "") -> tuple[str, str]:
    """Make a new issuer key; the old one joins the history. Returns (old did, new did)."""
    old = signing.issuer_did()
    now = clock.now().replace(microsecond=0).isoformat()
    entries = [entry for entry in key_history() if entry["id"] != old]
    entries.append({"id": old, "retired": now, "compromised": now if compromised else None, "reason": reason})
    # The history first: a crash between the two writes leaves the old key current and listed, which verifies
    # as before; the other order could lose the old key's record.
    _write_atomically(history_path(), json.dumps({"keys": entries}, indent=2).encode("utf-8"), 0o644)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write_atomically(signing.key_path(), pem, 0o600)
    return old, signing.issuer_did()


def key_status(did: str, history: list[dict[str, Any]] | None = None, current: str | None = None) -> str:
    """What the history says of the key `did` (with or without fragment)."""
    did = did.split("#", 1)[0]
    if did == (current or signing.issuer_did()):
        return CURRENT
    for entry in history if history is not None else key_history():
        if entry.get("id") == did:
            return COMPROMISED if entry.get("compromised") else RETIRED
    return UNKNOWN


def history_document() -> dict[str, Any]:
    current = signing.issuer_did()
    return {"issuer": current, "keys": [{"id": current, "status": CURRENT}] + [
        {**entry, "status": COMPROMISED if entry.get("compromised") else RETIRED} for entry in key_history()]}


def jwk_of(did: str) -> dict[str, str]:
    key = signing.public_key_from_did_key(did)
    return {"kty": "OKP", "crv": "Ed25519", "x": signing.b64url(signing.public_bytes(key)),
            "kid": f"{did}#{did.removeprefix('did:key:')}", "alg": "EdDSA", "use": "sig"}


def published_jwks() -> list[dict[str, str]]:
    """The keys a credential of this issuer may be signed with: the current one and the retired ones."""
    return [signing.public_jwk()] + [jwk_of(entry["id"]) for entry in key_history() if not entry.get("compromised")]
