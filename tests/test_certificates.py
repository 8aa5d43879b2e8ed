"""Certificates: issued once from a recorded completion (held without a full name), verified publicly,
rendered as a PDF, signed as an Open Badges 3.0 credential, revoked and re-issued by the course team."""
import re
import time

import pytest
import sqlalchemy as sa

from moocplatform import audit
from moocplatform.accounts.services import delete_account, update_profile
from moocplatform.accounts.throttling import LoginSource
from moocplatform.certificates import credentials, signing
from moocplatform.certificates.documents import NAMESPACE, pdf_key
from moocplatform.certificates.models import Certificate, CertificateStatus
from moocplatform.certificates.queries import by_public_id
from moocplatform.certificates.services import issue_certificate, issue_pending, reissue_certificate, revoke_certificate
from moocplatform.errors import Conflict, InvalidInput, PermissionDenied
from moocplatform.extensions import db
from moocplatform.learning.services import set_unit_completion
from moocplatform.outbox import OutboxMessage
from moocplatform.storage import storage_for
from tests.certificate_helpers import completed_with_certificate
from tests.concurrency import at_once, committed_for_real, only_on_postgres
from tests.conftest import log_in
from tests.factories import PASSWORD, enrol, make_course, make_user


def certificates_for(course):
    return db.session.scalars(sa.select(Certificate).where(Certificate.course_id == course.id)).all()


@pytest.fixture()
def course():
    return make_course("alpha", modules=1, units_per_module=2)


@pytest.fixture()
def learner(course):
    learner = make_user(full_name="Grace Brewster Hopper")
    enrol(learner, course)
    return learner


def complete(learner, course):
    for key in ("m1-u1", "m1-u2"):
        set_unit_completion(learner, course, key, complete=True)


# Issuing -------------------------------------------------------------------------------------------------

def test_a_recorded_completion_issues_one_certificate_and_tells_the_learner(course, learner, outbox):
    complete(learner, course)
    assert certificates_for(course) == []  # issued by the worker, after the completion commits
    issued = [m for m in outbox.messages if "certificate" in m["Subject"]]
    certificate, = certificates_for(course)
    assert certificate.holder_name == "Grace Brewster Hopper" and certificate.course_title == course.title
    assert certificate.course_version == "1.0.0" and certificate.status == CertificateStatus.VALID
    assert issued[0]["To"] == learner.email and certificate.public_id in issued[0].get_content()
    assert issue_certificate(learner.id, course.id) is None  # a second trigger issues nothing
    assert issue_pending() == 0
    assert len(certificates_for(course)) == 1


def test_certificate_ids_are_long_random_and_distinct(course):
    ids = {completed_with_certificate(make_user(), course).public_id for _ in range(5)}
    assert len(ids) == 5
    assert all(len(i) >= 24 and re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)


def test_no_completion_no_certificate(course, learner):
    set_unit_completion(learner, course, "m1-u1", complete=True)
    assert issue_certificate(learner.id, course.id) is None
    assert certificates_for(course) == []


def test_an_empty_full_name_holds_the_certificate_until_it_is_set(client, course, outbox):
    learner = make_user()
    enrol(learner, course)
    complete(learner, course)
    held_mail, = [m for m in outbox.messages if "needs your full name" in m["Subject"]]
    assert "/account" in held_mail.get_content()
    assert certificates_for(course) == []
    log_in(client, learner)
    page = client.get("/my-learning").get_data(as_text=True)
    assert "is waiting for your full name" in page
    update_profile(learner, learner, full_name="Katherine Johnson")
    assert issue_pending() == 1  # the reconciliation job
    certificate, = certificates_for(course)
    assert certificate.holder_name == "Katherine Johnson"
    page = client.get("/my-learning").get_data(as_text=True)
    assert "is waiting for your full name" not in page
    assert f"/certificates/{certificate.public_id}" in page
    assert f"/certificates/{certificate.public_id}" in client.get("/account").get_data(as_text=True)
    assert f"certId={certificate.public_id}" in page  # LinkedIn's "add to profile"


def test_reconciliation_issues_what_a_missed_trigger_left(course, learner):
    from moocplatform.jobs import registered_jobs

    complete(learner, course)
    assert "issue-certificates" in {job.name for job in registered_jobs()}
    assert issue_pending() == 1 and issue_pending() == 0


def test_a_statement_of_participation_on_request(client, course, learner):
    from moocplatform.certificates.models import CertificateKind
    from moocplatform.certificates.services import request_participation_statement

    log_in(client, learner)
    assert course.title in client.get("/account/certificates").get_data(as_text=True)
    response = client.post(f"/courses/{course.slug}/statement-of-participation")
    statement, = certificates_for(course)
    assert statement.kind == CertificateKind.PARTICIPATION and statement.holder_name == "Grace Brewster Hopper"
    assert response.headers["Location"].endswith(f"/certificates/{statement.public_id}")
    assert request_participation_statement(learner, course).id == statement.id  # asked twice: the same one
    page = client.get(f"/certificates/{statement.public_id}").get_data(as_text=True)
    assert "Statement of participation (no assessment)" in page
    token = client.get(f"/certificates/{statement.public_id}/credential.jwt").get_data(as_text=True)
    credential = credentials.verify_credential(token, published_key(client))["credential"]
    assert credential["name"].startswith("Statement of participation")
    assert client.get(f"/certificates/{statement.public_id}/certificate.pdf").data.startswith(b"%PDF")
    # a statement is no certificate of achievement: completing the course still issues one
    complete(learner, course)
    assert issue_pending() == 1
    with pytest.raises(PermissionDenied):
        request_participation_statement(make_user(full_name="Not Enrolled"), course)
    nameless = make_user()
    enrol(nameless, course)
    with pytest.raises(Conflict):
        request_participation_statement(nameless, course)


# The verification page ---------------------------------------------------------------------------------

def test_verification_page_shows_the_certificate_and_nothing_else_of_the_learner(client, course, learner):
    learner.bio = "Something private about me"
    certificate = completed_with_certificate(learner, course, full_name="Grace Brewster Hopper")
    page = client.get(f"/certificates/{certificate.public_id}").get_data(as_text=True)
    assert "Grace Brewster Hopper" in page and course.title in page and 'data-status="valid"' in page
    assert learner.email not in page and learner.display_name not in page and "Something private" not in page
    facts = client.get(f"/certificates/{certificate.public_id}/verification.json").get_json()
    assert facts["status"] == "valid" and facts["holder"] == "Grace Brewster Hopper"
    assert facts["issuer"]["id"].startswith("did:key:z6Mk") and facts["revoked_in_status_list"] is False
    assert learner.email not in str(facts)


def test_verification_is_rate_limited_per_address(app, client, course, learner, monkeypatch):
    certificate = completed_with_certificate(learner, course, full_name="Grace Brewster Hopper")
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFICATIONS_PER_MINUTE", 3)
    paths = [f"/certificates/{certificate.public_id}", f"/certificates/{certificate.public_id}/verification.json",
             "/certificates/NoSuchCertificateIdAtAll123"]
    assert [client.get(path).status_code for path in paths] == [200, 200, 404]  # unknown ids count too
    refused = client.get(paths[0])
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many requests from your address" in refused.get_data(as_text=True)
    other = client.get(paths[0], environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # another address has its own count


def test_an_unknown_id_says_so(client):
    response = client.get("/certificates/NoSuchCertificateIdAtAll123")
    assert response.status_code == 404
    assert "There is no certificate with this id" in response.get_data(as_text=True)


# The PDF -------------------------------------------------------------------------------------------------

def test_the_pdf_is_a4_landscape_stored_and_for_the_holder(client, course, learner):
    certificate = completed_with_certificate(learner, course, full_name="Ελένη Παπαδοπούλου-Иванова")
    log_in(client, learner)
    response = client.get(f"/certificates/{certificate.public_id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = response.get_data()
    assert document.startswith(b"%PDF-")
    assert re.search(rb"/MediaBox \[0 0 841\.89 595\.28\]", document)  # A4, landscape (points)
    assert storage_for(NAMESPACE).get(pdf_key(certificate)) == document
    assert b"DejaVuSerif" in document  # the shipped font is embedded, whatever the machine has
    certificate.public_id = "-starts-with-a-dash-" + certificate.public_id[:8]  # a possible id: still stored
    db.session.flush()
    assert client.get(f"/certificates/{certificate.public_id}/certificate.pdf").status_code == 200
    log_in(client, make_user())
    assert client.get(f"/certificates/{certificate.public_id}/certificate.pdf").status_code == 403


def test_a_long_name_is_shrunk_to_fit(course, learner):
    from moocplatform.certificates.pdf import TEXT_W, _fit, certificate_pdf, close_fonts, new_document

    name = "Maximiliana Theodora Konstantinopoulou-Wolkenstein von Hohenberg-Ärenthal III"
    assert len(name) <= 80
    certificate = completed_with_certificate(learner, course, full_name=name)
    assert certificate_pdf(certificate, issuer="Issuer", verification_url="http://learn.test/x").startswith(b"%PDF")
    pdf = new_document()
    try:
        size = _fit(pdf, name, "B", 30, 12, TEXT_W)
        assert size < 30 and pdf.get_string_width(name) <= TEXT_W
    finally:
        close_fonts(pdf)


# Open Badges 3.0 -----------------------------------------------------------------------------------------

def published_key(client) -> dict:
    key, = client.get("/.well-known/jwks.json").get_json()["keys"]
    return key


def test_the_credential_verifies_with_the_published_key_and_not_after_tampering(client, course, learner):
    certificate = completed_with_certificate(learner, course)
    token = client.get(f"/certificates/{certificate.public_id}/credential.jwt").get_data(as_text=True)
    jwk = published_key(client)
    status_list = client.get("/certificates/status/revocation").get_data(as_text=True)
    outcome = credentials.verify_credential(token, jwk, status_list)
    credential = outcome["credential"]
    assert outcome["revoked"] is False and outcome["status_checked"] is True
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["name"] == "Ada Lovelace Byron"
    assert credential["credentialSubject"]["achievement"]["name"] == course.title
    assert credential["issuer"]["id"] == jwk["kid"].split("#")[0]
    assert credential["issuer"]["url"].startswith("http")
    assert set(credential["@context"]) == set(credentials.CONTEXTS)
    assert all(credentials.context(url)["@context"] for url in credentials.CONTEXTS)  # shipped, offline

    header, payload, signature = token.split(".")
    forged = signing.b64url(signing.b64url_decode(payload).replace(b"Ada Lovelace", b"Eve Mallory "))
    with pytest.raises(signing.BadSignature):
        credentials.verify_credential(f"{header}.{forged}.{signature}", jwk)
    with pytest.raises(signing.BadSignature):
        credentials.verify_credential(f"{header}.{payload}.{signature[:-4]}AAAA", jwk)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(signing.BadSignature):
        credentials.verify_credential(token, {**jwk, "x": signing.b64url(signing.public_bytes(other))})


def test_the_credential_validates_against_the_official_schema(client, course, learner):
    import jsonschema

    certificate = completed_with_certificate(learner, course)
    token = client.get(f"/certificates/{certificate.public_id}/credential.jwt").get_data(as_text=True)
    credential = credentials.verify_credential(token, published_key(client))["credential"]
    schema = credentials.credential_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert list(validator.iter_errors(credential)) == []
    assert list(validator.iter_errors({**credential, "credentialSubject": {"type": ["AchievementSubject"]}}))


def test_the_signature_checks_with_an_independent_ed25519_verifier(client, course, learner):
    """The JWS signing input and signature, checked with nothing but the public key from the DID document."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    certificate = completed_with_certificate(learner, course)
    token = client.get(f"/certificates/{certificate.public_id}/credential.jwt").get_data(as_text=True)
    document = client.get("/.well-known/did-key.json").get_json()
    method, = document["verificationMethod"]
    key = Ed25519PublicKey.from_public_bytes(signing.b64url_decode(method["publicKeyJwk"]["x"]))
    header, payload, signature = token.split(".")
    key.verify(signing.b64url_decode(signature), f"{header}.{payload}".encode())
    assert document["id"] == method["controller"] and document["assertionMethod"] == [method["id"]]


def test_the_issuer_key_is_made_once_in_the_instance_folder(app):
    first = signing.public_jwk()
    assert signing.key_path().is_file() and str(signing.key_path()).startswith(app.instance_path)
    assert signing.key_path().stat().st_mode & 0o077 == 0
    assert signing.public_jwk() == first


# Revocation and re-issue ---------------------------------------------------------------------------------

def test_the_course_team_revokes_with_a_reason(client, course, learner, outbox):
    certificate = completed_with_certificate(learner, course)
    team = make_user("course_team", course=course)
    with pytest.raises(PermissionDenied):
        revoke_certificate(learner, certificate, "I changed my mind")
    with pytest.raises(InvalidInput):
        revoke_certificate(team, certificate, "")
    log_in(client, team)
    client.post(f"/certificates/{certificate.public_id}/revoke", data={"reason": "Plagiarised final assignment"})
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.REVOKED
    page = client.get(f"/certificates/{certificate.public_id}").get_data(as_text=True)
    assert 'data-status="revoked"' in page and "Plagiarised final assignment" in page
    facts = client.get(f"/certificates/{certificate.public_id}/verification.json").get_json()
    assert facts["status"] == "revoked" and facts["reason"] == "Plagiarised final assignment"
    assert facts["revoked_in_status_list"] is True
    token = client.get(f"/certificates/{certificate.public_id}/credential.jwt").get_data(as_text=True)
    status_list = client.get("/certificates/status/revocation").get_data(as_text=True)
    assert credentials.verify_credential(token, published_key(client), status_list)["revoked"] is True
    entry = db.session.scalar(sa.select(audit.AuditEntry).where(audit.AuditEntry.action == "certificate.revoke"))
    assert entry.actor_id == team.id and entry.details["reason"] == "Plagiarised final assignment"
    assert any("was revoked" in m["Subject"] and m["To"] == learner.email for m in outbox.messages)
    with pytest.raises(Conflict):
        revoke_certificate(team, certificate, "again")


def test_a_re_issue_supersedes_the_old_certificate(client, course, learner):
    certificate = completed_with_certificate(learner, course, full_name="Ada Lovlace")
    admin = make_user("admin")
    update_profile(learner, learner, full_name="Ada Lovelace")
    successor = reissue_certificate(admin, certificate, "Spelling of the name corrected")
    assert successor.holder_name == "Ada Lovelace" and successor.issue_number == 2
    assert successor.public_id != certificate.public_id
    assert certificate.status == CertificateStatus.SUPERSEDED and certificate.superseded_by_id == successor.id
    page = client.get(f"/certificates/{certificate.public_id}").get_data(as_text=True)
    assert 'data-status="superseded"' in page and f"/certificates/{successor.public_id}" in page
    with pytest.raises(Conflict):
        reissue_certificate(admin, certificate, "twice")
    assert db.session.scalar(sa.select(audit.AuditEntry).where(audit.AuditEntry.action == "certificate.reissue"))


# Erasure -------------------------------------------------------------------------------------------------

def test_erasure_keeps_the_certificate_verifiable_without_the_name(client, course, learner):
    certificate = completed_with_certificate(learner, course, full_name="Hedy Lamarr")
    public_id = certificate.public_id
    delete_account(learner, PASSWORD, LoginSource("127.0.0.1"))
    kept = by_public_id(public_id)
    assert kept is not None and kept.user_id is None and kept.holder_name == ""
    page = client.get(f"/certificates/{public_id}").get_data(as_text=True)
    assert "Hedy Lamarr" not in page and "name removed" in page and course.title in page


# Under real concurrency (PostgreSQL) ---------------------------------------------------------------------

@pytest.fixture()
def committed_completion(app):
    """A learner with a committed completion and no certificate yet."""
    from moocplatform.learning.completion import record_completions

    def make():
        before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))
        course = make_course("concurrent-certificate", modules=1, units_per_module=1)
        learner = make_user(full_name="Barbara Liskov")
        enrol(learner, course)
        record_completions(course.id, "1.0.0", [learner.id])
        return {"course": course.id, "learner": learner.id, "outbox_before": before}

    with committed_for_real(app, make) as ids:
        yield ids
        with app.app_context():  # the outbox rows it all queued (publish, issue, mails), which later tests would see
            db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id > ids["outbox_before"]))
            db.session.commit()
            db.session.remove()


@only_on_postgres("two triggers cannot overlap there; the repeated triggers above cover it")
def test_parallel_triggers_issue_one_certificate(app, committed_completion):
    def trigger(_argument, barrier):
        barrier.wait()
        issued = issue_certificate(committed_completion["learner"], committed_completion["course"])
        if issued is not None:
            time.sleep(0.5)  # hold the new row uncommitted, so the other insert surely waits for it
        db.session.commit()
        return issued is not None

    outcomes = at_once(app, trigger, [1, 2, 3])
    assert sorted(outcomes) == [False, False, True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
            Certificate.course_id == committed_completion["course"])) == 1


def test_the_verify_command_checks_a_downloaded_credential(app, client, course, learner, tmp_path):
    certificate = completed_with_certificate(learner, course)
    token = client.get(f"/certificates/{certificate.public_id}/credential.jwt").get_data(as_text=True)
    (tmp_path / "good.jwt").write_text(token)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "verify", str(tmp_path / "good.jwt")])
    assert result.exit_code == 0, result.output
    assert "signature: valid" in result.output and "not revoked (checked against this installation" in result.output
    header, payload, signature = token.split(".")
    (tmp_path / "bad.jwt").write_text(f"{header}.{payload}.{signature[::-1]}")
    result = runner.invoke(args=["certificates", "verify", str(tmp_path / "bad.jwt")])
    assert result.exit_code == 1 and "not verified" in result.output
