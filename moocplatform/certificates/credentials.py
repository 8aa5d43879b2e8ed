"""Open Badges 3.0: each certificate as an OpenBadgeCredential (a W3C Verifiable Credential), signed by the
issuer's `did:key` in two forms: with an embedded Data Integrity proof (`eddsa-rdfc-2022`, see integrity.py;
what Open Badges 3.0 verifiers and wallets expect) and as a VC-JWT (compact JWS, EdDSA); and a Bitstring
Status List credential for revocation.

What verifies offline is the signature and the binding of issuer to key (`issuer.id` is the signing did:key;
the platform's address is `issuer.url`). Revocation needs the status list, fetched from its URL.
"""
from __future__ import annotations

import base64
import gzip
import json
import re
from importlib import resources
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..catalog.queries import get_course_by_id
from ..content.credential_checks import country_name
from ..extensions import db
from ..urls import public_url
from . import details, integrity, keys, signing
from .models import Certificate, CertificateKind, CertificateStatus

CONTEXTS = {  # offline copies, shipped in the package (data/contexts)
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-3.0.3.json",
}
CREDENTIAL_TYPE = "vc+jwt"
# The W3C spec's minimum: 16 KiB of bits, so a list does not reveal how many certificates were issued.
STATUS_LIST_BITS = 131072
LANGUAGE_CODE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")  # the schema's inLanguage


def context(url: str) -> dict[str, Any]:
    """The shipped JSON-LD context for `url` (a verifier's document loader uses this, never the network)."""
    name = CONTEXTS[url]
    return json.loads(resources.files(__package__).joinpath("data/contexts", name).read_text("utf-8"))


def credential_schema() -> dict[str, Any]:
    """1EdTech's official JSON Schema of an AchievementCredential / OpenBadgeCredential (shipped copy)."""
    return json.loads(resources.files(__package__).joinpath(
        "data/ob_v3p0_achievementcredential_schema.json").read_text("utf-8"))


def iso(moment) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "") + "Z"


def issuer_profile() -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": signing.issuer_did(), "type": ["Profile"], "name": current_app.config["CERTIFICATE_ISSUER_NAME"],
        "url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/"}
    country = current_app.config["CERTIFICATE_ISSUER_COUNTRY"]
    if country:  # the awarding body's country, an element of an EU micro-credential
        profile["address"] = {"type": ["Address"], "addressCountryCode": country,
                              "addressCountry": country_name(country)}
    return profile


def alignments(facts: dict[str, Any], course_url: str) -> list[dict[str, Any]]:
    """The framework competences the course develops, and its EQF level where the pack states one."""
    found = [{"type": ["Alignment"], "targetType": "ceasn:Competency", "targetFramework": c["framework"],
              "targetCode": c["code"], "targetName": c["name"],
              "targetUrl": details.FRAMEWORK_URLS.get(c["framework"], course_url)}
             for c in facts.get("competences") or []]
    if facts.get("eqf_level"):
        found.append({"type": ["Alignment"], "targetType": "ext:EQFLevel",
                      "targetFramework": "European Qualifications Framework", "targetCode": str(facts["eqf_level"]),
                      "targetName": f"EQF level {facts['eqf_level']}", "targetUrl": details.EQF_URL})
    return found


def criteria_narrative(certificate: Certificate, facts: dict[str, Any]) -> str:
    """How the achievement is earned, in Markdown: the rules, outcomes, workload, level and quality assurance."""
    if certificate.kind == CertificateKind.PARTICIPATION:
        head = ["Enrolled and active in the course; no assessment."]
    else:
        head = [f"Met every completion rule of the course version {certificate.course_version}:", "",
                *(f"- {line}" for line in details.assessment_lines(facts))]
    outcomes = [f"- {text}" for text in facts.get("outcomes") or []]
    return "\n".join([
        *head, "", *(["Learning outcomes:", "", *outcomes, ""] if outcomes else []),
        f"Notional workload: {details.workload_line(facts)}", "",
        f"Level: {details.level_line(facts)}", "",
        f"Quality assurance: {facts.get('quality_assurance') or 'Not stated by the course.'}",
    ])


def open_badge_credential(certificate: Certificate) -> dict[str, Any]:
    participation = certificate.kind == CertificateKind.PARTICIPATION
    document = "Statement of participation" if participation else "Certificate of achievement"
    verification_url = public_url("certificates.verification_page", public_id=certificate.public_id)
    course_url = public_url("catalog.course_page", slug=certificate_course_slug(certificate))
    facts = details.details_of(certificate)
    achievement_id = course_url + ("#participation" if participation else "#achievement")
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Achievement" if participation else "Certificate",
        "name": certificate.course_title,
        "description": (f"Took part in the course {certificate.course_title}." if participation else
                        f"Completed the course {certificate.course_title} "
                        f"(version {certificate.course_version})."),
        "criteria": {"narrative": criteria_narrative(certificate, facts)},
        "version": certificate.course_version,
    }
    if alignment := alignments(facts, course_url):
        achievement["alignment"] = alignment
    if LANGUAGE_CODE.match(facts.get("language") or ""):
        achievement["inLanguage"] = facts["language"]
    ects = facts.get("ects") if not participation else None  # taking part earns no credits
    if ects:
        achievement["creditsAvailable"] = float(ects)
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "name": certificate.holder_name,
        "achievement": achievement,
        # What differs between holders of the same achievement: how each took part and was supervised.
        "narrative": f"Form of participation: {details.participation_line(facts)} "
                     f"Supervision and identity verification: {details.supervision_line(facts)}",
    }
    if not participation:
        result_id = achievement_id + "-rules"
        achievement["resultDescription"] = [{"id": result_id, "type": ["ResultDescription"],
                                             "name": "Every completion rule of the course", "resultType": "Status"}]
        subject["result"] = [{"type": ["Result"], "resultDescription": result_id, "status": "Completed"}]
        if ects:
            subject["creditsEarned"] = float(ects)
    return {
        "@context": list(CONTEXTS),
        "id": public_url("certificates.credential", public_id=certificate.public_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "validFrom": iso(certificate.issued_at),
        "name": f"{document}: {certificate.course_title}",
        "credentialSubject": subject,
        "evidence": [{"id": verification_url, "type": ["Evidence"], "name": "Verification page"}],
        "credentialStatus": {
            "id": public_url("certificates.status_list") + f"#{certificate.id}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.id),
            "statusListCredential": public_url("certificates.status_list"),
        },
    }


def certificate_course_slug(certificate: Certificate) -> str:
    course = get_course_by_id(certificate.course_id)
    return course.slug if course is not None else str(certificate.course_id)


def signed_credential(certificate: Certificate) -> str:
    credential = open_badge_credential(certificate)
    claims = {"iss": credential["issuer"]["id"], "jti": credential["id"],
              "nbf": int(certificate.issued_at.timestamp()), "vc": credential}
    return signing.sign_jws(claims, typ=CREDENTIAL_TYPE)


def credential_with_proof(certificate: Certificate) -> dict[str, Any]:
    return integrity.add_proof(open_badge_credential(certificate), created=iso(certificate.issued_at))


def verify_status_list(token: str, issuer_id: str, history: list[dict[str, Any]] | None = None) -> bytes:
    """The revocation bits of a status list credential, checked with the key its header names: the
    credential's own issuer key, or a key of this issuer's history that is not compromised."""
    try:
        header = json.loads(signing.b64url_decode(token.strip().split(".")[0]))
    except (ValueError, IndexError) as error:
        raise signing.BadSignature(f"the status list is not a compact JWS: {error}") from error
    signer = str(header.get("kid", "")).split("#", 1)[0]
    if signer != issuer_id and keys.key_status(signer, history) not in (keys.CURRENT, keys.RETIRED):
        raise signing.BadSignature("the status list is not signed by a key of the issuer")
    _header, claims = signing.verify_jws(token, keys.jwk_of(signer))
    if claims.get("iss") != signer:
        raise signing.BadSignature("the status list names another issuer than the key that signed it")
    return decode_list(claims["vc"]["credentialSubject"]["encodedList"])


def verify_credential_with_proof(document: dict[str, Any], status_list_token: str | None = None,
                                 history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Check a credential with an embedded proof: the proof, the issuer bound to the key that made it, that
    the key is not one the issuer marked compromised (in this installation's key history, or `history`), and
    (given the status list) revocation. Returns {"credential", "revoked", "status_checked",
    "verification_method", "key_status"}; BadSignature otherwise."""
    proof = integrity.verify_proof(document)
    method = str(proof["verificationMethod"])
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or method.split("#", 1)[0] != issuer_id:
        raise signing.BadSignature("the credential's issuer is not the key that signed it")
    if not {"OpenBadgeCredential", "AchievementCredential"} & set(document.get("type", [])):
        raise signing.BadSignature("not an OpenBadgeCredential")
    status = keys.key_status(issuer_id, history)
    if status == keys.COMPROMISED:
        raise signing.BadSignature("signed with a key the issuer marked compromised")
    revoked = None
    if status_list_token is not None:
        bits = verify_status_list(status_list_token, issuer_id, history)
        revoked = is_set(bits, int(document["credentialStatus"]["statusListIndex"]))
    return {"credential": {k: v for k, v in document.items() if k != "proof"}, "revoked": revoked,
            "status_checked": status_list_token is not None, "verification_method": method, "key_status": status}


def revoked_bitstring() -> bytes:
    """Bit i (most significant bit first) is 1 when the certificate with id i is revoked."""
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in db.session.scalars(sa.select(Certificate.id).where(
            Certificate.status == CertificateStatus.REVOKED)):
        if index < STATUS_LIST_BITS:
            bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode_list(bits: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytes:
    text = encoded.removeprefix("u")
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def signed_status_list(now) -> str:
    url = public_url("certificates.status_list")
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": signing.issuer_did(),
        "validFrom": iso(now),
        "credentialSubject": {"id": url + "#list", "type": "BitstringStatusList", "statusPurpose": "revocation",
                              "encodedList": encode_list(revoked_bitstring())},
    }
    return signing.sign_jws({"iss": credential["issuer"], "jti": url, "nbf": int(now.timestamp()),
                             "vc": credential}, typ=CREDENTIAL_TYPE)


def verify_credential(token: str, jwk: dict[str, str], status_list_token: str | None = None) -> dict[str, Any]:
    """Check a VC-JWT with the issuer's published key: signature, issuer bound to the key, the key not marked
    compromised, and (given the status list) revocation. Returns {"credential", "revoked", "status_checked",
    "key_status"}; BadSignature otherwise."""
    header, claims = signing.verify_jws(token, jwk)
    credential = claims.get("vc") or {}
    issuer_id = str((credential.get("issuer") or {}).get("id") or "")
    if not issuer_id or issuer_id != claims.get("iss") or not str(header.get("kid", "")).startswith(f"{issuer_id}#") \
            or header.get("kid") != jwk.get("kid"):
        raise signing.BadSignature("the credential's issuer is not the key that signed it")
    if "OpenBadgeCredential" not in credential.get("type", []):
        raise signing.BadSignature("not an OpenBadgeCredential")
    key_status = keys.key_status(issuer_id)
    if key_status == keys.COMPROMISED:
        raise signing.BadSignature("signed with a key the issuer marked compromised")
    revoked = None
    if status_list_token is not None:
        bits = verify_status_list(status_list_token, issuer_id)
        revoked = is_set(bits, int(credential["credentialStatus"]["statusListIndex"]))
    return {"credential": credential, "revoked": revoked, "status_checked": status_list_token is not None,
            "key_status": key_status}
