"""A software security key for tests: it makes real ES256 credentials ('none' attestation) and signs real
assertions, as a USB key would (WebAuthn Level 2, sections 6.1 and 6.5), so that py_webauthn checks them in
full. It answers the options the platform sends, as a browser would pass them on."""
from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

USER_PRESENT, USER_VERIFIED, ATTESTED_DATA = 0x01, 0x04, 0x40


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()


@dataclass
class SoftwareKey:
    """One credential on a software authenticator. `counter` is its signature counter; set it back to act as a
    copy of the key would."""

    origin: str
    rp_id: str
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    counter: int = 0
    user_verified: bool = True

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _flags(self) -> int:
        return USER_PRESENT | (USER_VERIFIED if self.user_verified else 0)

    def _cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def register(self, options_json: str, *, origin: str | None = None, rp_id: str | None = None) -> str:
        """The browser's answer to navigator.credentials.create() with these options, as JSON."""
        options = json.loads(options_json)
        rp_hash = hashlib.sha256((rp_id or options["rp"]["id"]).encode()).digest()
        attested = (b"\0" * 16 + struct.pack(">H", len(self.credential_id)) + self.credential_id
                    + self._cose_public_key())
        auth_data = rp_hash + bytes([self._flags() | ATTESTED_DATA]) + struct.pack(">I", self.counter) + attested
        client_data = _client_data("webauthn.create", options["challenge"], origin or self.origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({
            "id": self.id, "rawId": self.id, "type": "public-key", "clientExtensionResults": {},
            "authenticatorAttachment": "cross-platform",
            "response": {"clientDataJSON": bytes_to_base64url(client_data),
                         "attestationObject": bytes_to_base64url(attestation), "transports": ["usb", "nfc"]}})

    def sign_in(self, options_json: str, *, origin: str | None = None, challenge: str | None = None) -> str:
        """The browser's answer to navigator.credentials.get() with these options, as JSON; the counter moves
        on by one first (as keys with a counter do)."""
        options = json.loads(options_json)
        self.counter += 1
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        auth_data = rp_hash + bytes([self._flags()]) + struct.pack(">I", self.counter)
        client_data = _client_data("webauthn.get", challenge or options["challenge"], origin or self.origin)
        signature = self.private_key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                          ec.ECDSA(hashes.SHA256()))
        return json.dumps({
            "id": self.id, "rawId": self.id, "type": "public-key", "clientExtensionResults": {},
            "response": {"clientDataJSON": bytes_to_base64url(client_data),
                         "authenticatorData": bytes_to_base64url(auth_data),
                         "signature": bytes_to_base64url(signature)}})
