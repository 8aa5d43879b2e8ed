"""The platform's VAPID key pair (RFC 8292): push services accept messages signed with the private key for the
subscriptions browsers made with the public one. Without both keys push is off and nowhere to be seen."""
from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid02

KEY_FILE = "push/vapid-private.pem"  # under instance/, where `moocplatform push generate-keys` writes it


def push_configured() -> bool:
    config = current_app.config
    return bool(config.get("VAPID_PUBLIC_KEY") and config.get("VAPID_PRIVATE_KEY"))


def public_key() -> str:
    return str(current_app.config["VAPID_PUBLIC_KEY"])


def signing_key() -> Vapid02:
    """The private key as configured: a PEM file's path, the PEM text, or the key in base64url."""
    value = str(current_app.config["VAPID_PRIVATE_KEY"]).strip()
    if "-----BEGIN" in value:
        return Vapid02.from_pem(value.encode())
    if Path(value).is_file():
        return Vapid02.from_file(value)
    return Vapid02.from_string(value)


def subject() -> str:
    """Who the push service may contact about our messages (the claim "sub": a mailto: or https: URL)."""
    configured = str(current_app.config.get("VAPID_SUBJECT") or "")
    if configured:
        return configured
    sender = str(current_app.config["MAIL_DEFAULT_SENDER"])
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return f"mailto:{address}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_key_of(private: ec.EllipticCurvePrivateKey) -> str:
    """The application server key browsers subscribe with: the uncompressed P-256 point, base64url."""
    return b64url(private.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint))


def generate_key_pair(instance_path: str, *, replace: bool = False) -> tuple[Path, str]:
    """Write a new private key to instance/push/ (readable by its owner only); returns its path and the
    public key. An existing key is kept unless replace: a new key makes every browser subscribe again."""
    path = Path(instance_path) / KEY_FILE
    if path.exists() and not replace:
        raise FileExistsError(path)
    private = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_bytes(pem)
    return path, public_key_of(private)
