"""The platform's Ed25519 issuer key and compact JWS (RFC 7515, alg EdDSA per RFC 8037) with it.

The key is generated into instance/ on first use (backed up with it, never in the repository). Its public half
is published as a JSON Web Key set and as a self-contained `did:key`, so a verifier checks a credential offline.
"""
from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

KEY_FILE = "certificates/issuer-ed25519.pem"
# Multicodec prefix of an Ed25519 public key, as did:key expects it.
ED25519_MULTICODEC = b"\xed\x01"
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class BadSignature(ValueError):
    """A token that is malformed, signed by another key, or changed after signing."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, remainder = divmod(number, 58)
        digits = BASE58_ALPHABET[remainder] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def base58btc_decode(text: str) -> bytes:
    number = 0
    for character in text:
        position = BASE58_ALPHABET.find(character)
        if position < 0:
            raise BadSignature(f"not base58btc: {character!r}")
        number = number * 58 + position
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_key_from_did_key(did: str) -> Ed25519PublicKey:
    """The Ed25519 key a did:key names (with or without its fragment): the key is the identifier itself."""
    identifier = did.split("#", 1)[0]
    if not identifier.startswith("did:key:z"):
        raise BadSignature(f"not a did:key: {did!r}")
    raw = base58btc_decode(identifier.removeprefix("did:key:z"))
    if not raw.startswith(ED25519_MULTICODEC) or len(raw) != len(ED25519_MULTICODEC) + 32:
        raise BadSignature("the did:key is not an Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw[len(ED25519_MULTICODEC):])


def sign_bytes(data: bytes) -> bytes:
    return issuer_key().sign(data)


def key_path() -> Path:
    return Path(current_app.config.get("CERTIFICATE_KEY_FILE") or Path(current_app.instance_path) / KEY_FILE)


def issuer_key() -> Ed25519PrivateKey:
    """The issuer's private key, created on first use. Two processes starting at once agree on one key: each
    writes its own candidate and links it into place; the link fails for the second, which reads the first."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        fd, candidate = tempfile.mkstemp(dir=path.parent, prefix=".key-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(candidate)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def issuer_did() -> str:
    return "did:key:z" + base58btc(ED25519_MULTICODEC + public_bytes(issuer_key().public_key()))


def key_id() -> str:
    """The verification method: did:key's fragment is the key's own multibase value."""
    did = issuer_did()
    return f"{did}#{did.removeprefix('did:key:')}"


def public_jwk() -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_bytes(issuer_key().public_key())),
            "kid": key_id(), "alg": "EdDSA", "use": "sig"}


def did_document() -> dict[str, Any]:
    did, kid = issuer_did(), key_id()
    jwk = {k: v for k, v in public_jwk().items() if k in ("kty", "crv", "x")}
    return {"@context": ["https://www.w3.org/ns/did/v1"], "id": did,
            "verificationMethod": [{"id": kid, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}],
            "assertionMethod": [kid], "authentication": [kid]}


def sign_jws(payload: dict[str, Any], *, typ: str) -> str:
    header = {"alg": "EdDSA", "kid": key_id(), "typ": typ}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()))
    return signing_input + "." + b64url(issuer_key().sign(signing_input.encode("ascii")))


def public_key_from_jwk(jwk: dict[str, str]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
        raise BadSignature("not an Ed25519 JSON Web Key")
    return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))


def verify_jws(token: str, jwk: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a compact JWS signed with the key `jwk`; BadSignature otherwise."""
    try:
        header_part, payload_part, signature_part = token.strip().split(".")
        header = json.loads(b64url_decode(header_part))
        payload = json.loads(b64url_decode(payload_part))
        signature = b64url_decode(signature_part)
    except ValueError as error:
        raise BadSignature(f"not a compact JWS: {error}") from error
    if header.get("alg") != "EdDSA":
        raise BadSignature(f"unexpected algorithm {header.get('alg')!r}")
    try:
        public_key_from_jwk(jwk).verify(signature, f"{header_part}.{payload_part}".encode("ascii"))
    except InvalidSignature as error:
        raise BadSignature("the signature does not match") from error
    return header, payload
