"""Open Badges 3.0 credentials with an embedded Data Integrity proof (cryptosuite eddsa-rdfc-2022): 1EdTech's
signed test vector verifies and every changed copy fails; the platform's own credentials verify, validate
against the official schema, and check with a hand-written verifier over the canonical form; contexts come only
from the shipped copies."""
import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from moocplatform.certificates import credentials, integrity, signing
from moocplatform.certificates.services import revoke_certificate
from tests.certificate_helpers import completed_with_certificate
from tests.factories import enrol, make_course, make_user

VECTOR = json.loads((Path(__file__).parent / "standards" / "ob3-simple-did-key-method.json").read_text())


def _leaves(value, path=()):
    """Paths to every string, number and boolean in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _changed(document, path):
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = (old + "x") if isinstance(old, str) else (not old if isinstance(old, bool) else old + 1)
    return copied


def test_the_1edtech_test_vector_verifies():
    proof = integrity.verify_proof(VECTOR)
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"


@pytest.mark.parametrize("path", [p for p in _leaves(VECTOR) if p[:2] != ("proof", 0) or p[2] != "type"],
                         ids=lambda p: ".".join(map(str, p)))
def test_every_changed_field_of_the_test_vector_fails(path):
    with pytest.raises(signing.BadSignature):
        integrity.verify_proof(_changed(VECTOR, path))


def test_a_vector_without_its_proof_or_under_another_key_fails():
    with pytest.raises(signing.BadSignature):
        integrity.verify_proof({k: v for k, v in VECTOR.items() if k != "proof"})
    other = Ed25519PrivateKey.generate().public_key()
    swapped = copy.deepcopy(VECTOR)
    swapped["proof"][0]["verificationMethod"] = "did:key:z" + signing.base58btc(
        signing.ED25519_MULTICODEC + signing.public_bytes(other))
    with pytest.raises(signing.BadSignature):
        integrity.verify_proof(swapped)


def test_a_context_that_is_not_shipped_is_refused_not_fetched():
    foreign = {**VECTOR, "@context": [*VECTOR["@context"], "https://example.org/context.jsonld"]}
    with pytest.raises(signing.BadSignature, match="cannot be canonicalised"):
        integrity.verify_proof(foreign)


def test_a_term_no_context_defines_breaks_the_proof_instead_of_being_dropped():
    extra = {**VECTOR, "undefinedTerm": "not covered by any context"}
    with pytest.raises(signing.BadSignature, match="no context defines the term"):
        integrity.verify_proof(extra)


@pytest.fixture()
def certificate():
    course = make_course("proofs", modules=1, units_per_module=1)
    learner = make_user(full_name="Grace Brewster Hopper")
    enrol(learner, course)
    return completed_with_certificate(learner, course, full_name="Grace Brewster Hopper")


def test_the_platforms_credential_verifies_validates_and_names_its_issuer_key(client, certificate):
    response = client.get(f"/certificates/{certificate.public_id}/credential.json")
    assert response.status_code == 200 and response.mimetype == "application/vc"
    document = json.loads(response.get_data())
    status_list = client.get("/certificates/status/revocation").get_data(as_text=True)
    outcome = credentials.verify_credential_with_proof(document, status_list)
    assert outcome["revoked"] is False and outcome["status_checked"] is True
    assert document["proof"][0]["verificationMethod"].split("#")[0] == document["issuer"]["id"]
    assert document["credentialSubject"]["name"] == "Grace Brewster Hopper"
    schema = credentials.credential_schema()
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(document)) == []


def test_the_platforms_credential_checks_by_hand_over_the_canonical_form(client, certificate):
    """The cryptosuite's steps written out here: canonical N-Quads of the proof options and of the document,
    SHA-256 of each, and the Ed25519 signature over both, checked with the key inside the did:key."""
    document = json.loads(client.get(f"/certificates/{certificate.public_id}/credential.json").get_data())
    proof = dict(document["proof"][0])
    value = proof.pop("proofValue")
    options = {**proof, "@context": document["@context"]}
    unsigned = {k: v for k, v in document.items() if k != "proof"}

    def loader(url, _options=None):
        return {"contextUrl": None, "documentUrl": url, "document": integrity.shipped_context(url)}

    def digest(doc):
        nquads = jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                        "documentLoader": loader})
        assert nquads.count("\n") > 3  # the statements are really there
        return hashlib.sha256(nquads.encode()).digest()

    key = signing.public_key_from_did_key(proof["verificationMethod"])
    key.verify(signing.base58btc_decode(value[1:]), digest(options) + digest(unsigned))


def test_a_changed_platform_credential_fails(client, certificate):
    document = json.loads(client.get(f"/certificates/{certificate.public_id}/credential.json").get_data())
    forged = copy.deepcopy(document)
    forged["credentialSubject"]["name"] = "Eve Mallory"
    with pytest.raises(signing.BadSignature):
        credentials.verify_credential_with_proof(forged)
    reissued_by_another = copy.deepcopy(document)
    reissued_by_another["issuer"]["id"] = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    with pytest.raises(signing.BadSignature):
        credentials.verify_credential_with_proof(reissued_by_another)


def test_a_revoked_certificates_credential_shows_revoked_in_the_status_list(client, certificate):
    admin = make_user("admin")
    revoke_certificate(admin, certificate, "Issued in error")
    document = json.loads(client.get(f"/certificates/{certificate.public_id}/credential.json").get_data())
    status_list = client.get("/certificates/status/revocation").get_data(as_text=True)
    assert credentials.verify_credential_with_proof(document, status_list)["revoked"] is True


def test_the_verify_command_checks_the_json_form(app, client, certificate, tmp_path):
    text = client.get(f"/certificates/{certificate.public_id}/credential.json").get_data(as_text=True)
    (tmp_path / "good.json").write_text(text)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "verify", str(tmp_path / "good.json")])
    assert result.exit_code == 0, result.output
    assert "signature: valid (did:key:z6Mk" in result.output and "not revoked" in result.output
    (tmp_path / "bad.json").write_text(text.replace("Grace Brewster Hopper", "Grace Brewster Hoppe"))
    result = runner.invoke(args=["certificates", "verify", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "not verified" in result.output


# Key rotation ----------------------------------------------------------------------------------------------

@pytest.fixture()
def own_key(app, tmp_path, monkeypatch):
    """A key file of this test's own, so that rotating it leaves the suite's key alone."""
    monkeypatch.setitem(app.config, "CERTIFICATE_KEY_FILE", str(tmp_path / "certificates" / "issuer.pem"))


def _download(client, certificate):
    document = json.loads(client.get(f"/certificates/{certificate.public_id}/credential.json").get_data())
    token = client.get(f"/certificates/{certificate.public_id}/credential.jwt").get_data(as_text=True)
    return document, token


def test_after_a_rotation_earlier_credentials_still_verify(app, client, own_key, certificate, tmp_path):
    before, token = _download(client, certificate)
    result = app.test_cli_runner().invoke(args=["certificates", "rotate-key", "--reason", "yearly rotation"])
    assert result.exit_code == 0, result.output
    after, _token = _download(client, certificate)
    assert after["issuer"]["id"] != before["issuer"]["id"]  # new downloads are signed with the new key
    status_list = client.get("/certificates/status/revocation").get_data(as_text=True)  # signed by the new key
    outcome = credentials.verify_credential_with_proof(before, status_list)
    assert outcome["key_status"] == "retired" and outcome["revoked"] is False
    assert credentials.verify_credential_with_proof(after, status_list)["key_status"] == "current"
    published = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert [key["kid"].split("#")[0] for key in published] == [after["issuer"]["id"], before["issuer"]["id"]]
    history = client.get("/certificates/key-history.json").get_json()
    assert [(k["id"], k["status"]) for k in history["keys"]] == [
        (after["issuer"]["id"], "current"), (before["issuer"]["id"], "retired")]
    (tmp_path / "old.jwt").write_text(token)
    result = app.test_cli_runner().invoke(args=["certificates", "verify", str(tmp_path / "old.jwt")])
    assert result.exit_code == 0 and "issuer key: retired" in result.output, result.output


def test_a_compromised_key_verifies_nothing(app, client, own_key, certificate, tmp_path):
    from moocplatform.audit import AuditEntry
    from moocplatform.extensions import db

    before, token = _download(client, certificate)
    result = app.test_cli_runner().invoke(args=["certificates", "rotate-key", "--compromised", "--reason", "leaked"])
    assert result.exit_code == 0 and "(compromised)" in result.output
    with pytest.raises(signing.BadSignature, match="compromised"):
        credentials.verify_credential_with_proof(before)
    assert len(client.get("/.well-known/jwks.json").get_json()["keys"]) == 1
    (tmp_path / "old.json").write_text(json.dumps(before))
    result = app.test_cli_runner().invoke(args=["certificates", "verify", str(tmp_path / "old.json")])
    assert result.exit_code == 1 and "compromised" in result.output
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "certificates.key_rotated")).one()
    assert entry.details["compromised"] is True and entry.details["reason"] == "leaked"
    again, _token = _download(client, certificate)  # a fresh download is signed with the new key and verifies
    assert credentials.verify_credential_with_proof(again)["key_status"] == "current"
