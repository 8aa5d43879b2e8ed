"""A certificate's PDF, made on first request and kept in storage (namespace "certificates"); a change of
status gives it another key, so a revoked certificate is never served from an old valid copy."""
from __future__ import annotations

from flask import current_app

from ..catalog import assets
from ..storage import StoredFileMissing, storage_for
from ..urls import public_url
from .details import details_of
from .models import Certificate
from .pdf import certificate_pdf

NAMESPACE = "certificates"


def pdf_key(certificate: Certificate) -> str:
    # Led by the row id: a public id may begin with "-" or "_", which no storage key may.
    return f"pdf/{certificate.id}-{certificate.public_id}-{certificate.status.value}.pdf"


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    storage = storage_for(NAMESPACE)
    key = pdf_key(certificate)
    try:
        return storage.get(key)
    except StoredFileMissing:
        pass
    document = certificate_pdf(
        certificate, issuer=current_app.config["CERTIFICATE_ISSUER_NAME"],
        country=current_app.config["CERTIFICATE_ISSUER_COUNTRY"], logos=partner_logos(certificate),
        verification_url=public_url("certificates.verification_page", public_id=certificate.public_id))
    storage.put(key, document, "application/pdf")
    return document


def partner_logos(certificate: Certificate) -> dict[str, bytes]:
    """The partners' logo files, by sha256, from the course's stored assets (a missing one is left out)."""
    found = {}
    for partner in details_of(certificate).get("partners") or []:
        digest = partner.get("logo_sha256")
        if digest and digest not in found:
            try:
                found[digest] = assets.read_bytes(digest)
            except (StoredFileMissing, ValueError):
                continue
    return found
