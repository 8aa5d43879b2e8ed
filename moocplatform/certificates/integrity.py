"""Verifiable Credential Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C Data Integrity
EdDSA Cryptosuites v1.0, section 3.2), the proof 1EdTech's Open Badges 3.0 conformance tests check.

Signing: the proof options (the document's @context, without proofValue) and the document (without proof) are
each canonicalised with RDF Dataset Canonicalization (RDFC-1.0, pyld's URDNA2015) into N-Quads and hashed with
SHA-256; the Ed25519 signature over proof hash ‖ document hash is the proofValue, multibase base58btc. JSON-LD
contexts come only from the copies shipped in data/contexts: any other URL is refused, so canonicalising never
touches the network and a document cannot pull in a context that changes its meaning.
"""
from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

from cryptography.exceptions import InvalidSignature
from pyld import jsonld

from . import signing

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
SHIPPED_CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
}


@cache
def shipped_context(url: str) -> dict[str, Any]:
    try:
        name = SHIPPED_CONTEXTS[url]
    except KeyError:
        raise jsonld.JsonLdError(f"the context {url} is not one this platform ships", "jsonld.LoadDocumentError",
                                 code="loading document failed") from None
    return json.loads(resources.files(__package__).joinpath("data/contexts", name).read_text("utf-8"))


def _load_document(url: str, _options: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"contextUrl": None, "documentUrl": url, "document": shipped_context(url)}


class _UndefinedTerm(ValueError):
    pass


def _refuse_dropped(term: str | None) -> None:
    raise _UndefinedTerm(term)


def canonical_nquads(document: dict[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads. A term the contexts do not define is an error, not silently dropped: a dropped
    term would be a field that the signature does not cover, which a reader of the JSON still sees."""
    processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    try:
        return processor.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                              "documentLoader": _load_document})
    except _UndefinedTerm as error:
        raise signing.BadSignature(f"no context defines the term {error}") from None
    except jsonld.JsonLdError as error:
        raise signing.BadSignature(f"the document cannot be canonicalised: {error}") from error


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof_options.items() if key != "proofValue"}
    options["@context"] = document.get("@context")
    return (hashlib.sha256(canonical_nquads(options).encode("utf-8")).digest()
            + hashlib.sha256(canonical_nquads(unsigned).encode("utf-8")).digest())


def add_proof(document: dict[str, Any], *, created: str) -> dict[str, Any]:
    """A copy of `document` with the issuer key's proof embedded."""
    proof = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
             "verificationMethod": signing.key_id(), "proofPurpose": "assertionMethod"}
    signature = signing.sign_bytes(_hash_data(document, proof))
    # A list, as the Open Badges 3.0 schema requires (a credential may carry several proofs).
    return {**copy.deepcopy(document), "proof": [{**proof, "proofValue": "z" + signing.base58btc(signature)}]}


def verify_proof(document: dict[str, Any]) -> dict[str, Any]:
    """Check the document's eddsa-rdfc-2022 proof (one, or each of a list) with the did:key it names; returns
    the checked proof. BadSignature when a proof is missing, of another kind, or does not match."""
    if not isinstance(document, dict):
        raise signing.BadSignature("a credential is a JSON object")
    proofs = document.get("proof")
    if isinstance(proofs, dict):
        proofs = [proofs]
    if not isinstance(proofs, list) or not proofs:
        raise signing.BadSignature("the document carries no proof")
    for proof in proofs:
        if not isinstance(proof, dict) or proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
            raise signing.BadSignature(f"not a {CRYPTOSUITE} {PROOF_TYPE}")
        if proof.get("proofPurpose") != "assertionMethod":
            raise signing.BadSignature("the proof is not for assertion")
        value = proof.get("proofValue")
        if not isinstance(value, str) or not value.startswith("z"):
            raise signing.BadSignature("the proof value is not multibase base58btc")
        key = signing.public_key_from_did_key(str(proof.get("verificationMethod", "")))
        try:
            key.verify(signing.base58btc_decode(value[1:]), _hash_data(document, proof))
        except InvalidSignature:
            raise signing.BadSignature("the proof does not match the document") from None
    return proofs[0]
