"""The learning behind a certificate: its PDF's second page (the elements of an EU micro-credential and the
competences with their framework), the partner organisations with their logos on the certificate and the course
page, and the same elements in the signed Open Badges credential, which stays valid against the official schema."""
import io
import json

import jsonschema
import pytest
import yaml
from PIL import Image
from pypdf import PdfReader

from moocplatform.catalog.services import import_pack
from moocplatform.certificates import credentials
from moocplatform.certificates.details import elements
from moocplatform.certificates.models import CertificateKind
from moocplatform.certificates.pdf import (
    SUPPLEMENT_BOTTOM,
    SUPPLEMENT_TOP,
    _table_height,
    _value_text,
    certificate_pdf,
    close_fonts,
    new_document,
    supplement_size,
)
from moocplatform.certificates.queries import current_certificate
from moocplatform.cohorts.services import join_cohort
from moocplatform.extensions import db
from tests.certificate_helpers import completed_with_certificate
from tests.conftest import log_in
from tests.factories import enrol, make_cohort, make_user, write_pack

OUTCOMES = ["Plan a spaced review of your own material.", "Explain why retrieval beats rereading."]
COMPETENCES = [{"framework": "LifeComp", "code": "L3", "name": "Managing learning"},
               {"framework": "EntreComp", "code": "1.1", "name": "Spotting opportunities"}]
QUALITY = "Accredited by the Example Agency for Quality Assurance (reviewed every three years)."


def logo_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 160), (23, 43, 77)).save(buffer, "PNG")
    return buffer.getvalue()


def elements_course(tmp_path, *, micro_credential=None, partners=True):
    folder = write_pack(tmp_path, "elements", quiz=True, competences=COMPETENCES, effort=4)
    manifest = yaml.safe_load((folder / "course.yaml").read_text())
    manifest["outcomes"] = OUTCOMES
    manifest["completion"] = {"required_units": "all", "quizzes_to_pass": ["check"]}
    if micro_credential is not None:
        manifest["micro_credential"] = micro_credential
    if partners:
        (folder / "assets" / "uni.png").write_bytes(logo_png())
        manifest["partners"] = [
            {"name": "Universität für Weiterbildung Example", "country": "AT", "url": "https://uni.example.org",
             "logo": "assets/uni.png"},
            {"name": "Πανεπιστήμιο Παράδειγμα", "country": "GR"}]
    (folder / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    return import_pack(None, folder).course


@pytest.fixture()
def issuer_in_austria(app, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_ISSUER_COUNTRY", "AT")


def pdf_pages(client, certificate, learner) -> list:
    log_in(client, learner)
    response = client.get(f"/certificates/{certificate.public_id}/certificate.pdf")
    assert response.status_code == 200
    return PdfReader(io.BytesIO(response.get_data())).pages


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_supplement_states_every_element_and_the_competences(client, tmp_path, issuer_in_austria):
    course = elements_course(tmp_path, micro_credential={"workload_hours": 28, "ects": 1, "eqf_level": 4,
                                                         "quality_assurance": QUALITY})
    learner = make_user(full_name="Ελένη Παπαδοπούλου-Иванова")
    enrol(learner, course)
    cohort = make_cohort(course, name="Vienna evening group", requires_sign_off=True)
    join_cohort(learner, cohort, course)
    db.session.flush()
    certificate = completed_with_certificate(learner, course, full_name="Ελένη Παπαδοπούλου-Иванова")
    face, supplement = pdf_pages(client, certificate, learner)
    front, text = flat(face.extract_text()), flat(supplement.extract_text())

    assert "Certificate of Achievement" in front and "Ελένη Παπαδοπούλου-Иванова" in front
    assert "Universität für Weiterbildung Example · Austria" in front and "Πανεπιστήμιο Παράδειγμα" in front
    assert len(face.images) == 1  # the one partner with a logo

    assert "Certificate Supplement" in text and "Council Recommendation 2022/C 243/02" in text
    for expected in [
        "Holder Ελένη Παπαδοπούλου-Иванова",
        f"Title {course.title} (course version 1.0.0)",
        "Awarding body and country moocplatform, Austria",
        *OUTCOMES,
        "LifeComp (the European Framework for the Personal, Social and Learning to Learn Key Competence): L3 "
        "Managing learning", "EntreComp (the Entrepreneurship Competence Framework): 1.1 Spotting opportunities",
        "Notional workload 28 hours of learning; 1 ECTS credits.",
        "Level 4 of the European Qualifications Framework (EQF).",
        "Testing: 1 online quiz passed at its pass mark",
        "Review of the learner's work and sign-off by the cohort's facilitator",
        "Completion of all 7 units of the course",
        "completion reviewed and signed off by a facilitator; no identity verification",
        "Form of participation Online, in the facilitated cohort “Vienna evening group”.",
        f"Quality assurance {QUALITY}",
        "Partner organisations Universität für Weiterbildung Example (Austria); Πανεπιστήμιο Παράδειγμα (Greece)",
        "Language of instruction English",
        f"Certificate {certificate.public_id}",
    ]:
        assert expected in text, expected


def test_a_self_paced_open_course_claims_no_credits_or_level(client, tmp_path):
    course = elements_course(tmp_path, partners=False)
    learner = make_user()
    enrol(learner, course)
    certificate = completed_with_certificate(learner, course)
    face, supplement = pdf_pages(client, certificate, learner)
    text = flat(supplement.extract_text())
    assert "IN PARTNERSHIP WITH" not in face.extract_text() and len(face.images) == 0
    for expected in ["Awarding body and country moocplatform 4. Date of issue",  # no country configured
                     "Notional workload 8 hours of learning (about 4 hours a week for 2 weeks); no ECTS credits are "
                     "awarded.",
                     "Not referenced to a level of the European Qualifications Framework: a non-formal open course.",
                     "Online and unsupervised; no identity verification.",
                     "Form of participation Online, self-paced.",
                     "Quality assurance Not stated by the course."]:
        assert expected in text, expected
    assert "Partner organisations" not in text


def test_the_facts_are_kept_as_they_were_at_issue(client, tmp_path):
    course = elements_course(tmp_path, micro_credential={"quality_assurance": QUALITY})
    learner = make_user()
    enrol(learner, course)
    cohort = make_cohort(course, name="First group")
    join_cohort(learner, cohort, course)
    certificate = completed_with_certificate(learner, course)
    assert certificate.details["cohorts"] == [{"name": "First group", "live_sessions": 0}]
    assert certificate.details["rules"]["sign_off"] is False
    cohort.name = "Renamed later"
    cohort.requires_sign_off = True
    db.session.flush()
    text = flat(pdf_pages(client, certificate, learner)[1].extract_text())
    assert "“First group”" in text and "Online and unsupervised" in text


def test_a_certificate_issued_before_the_facts_were_kept_reads_them_from_its_version(client, tmp_path):
    course = elements_course(tmp_path, micro_credential={"quality_assurance": QUALITY})
    learner = make_user()
    enrol(learner, course)
    certificate = completed_with_certificate(learner, course)
    certificate.details = None
    db.session.flush()
    text = flat(pdf_pages(client, certificate, learner)[1].extract_text())
    assert QUALITY in text and OUTCOMES[0] in text


def test_a_long_name_and_many_long_outcomes_still_fit(tmp_path):
    name = "Maximiliana Theodora Konstantinopoulou-Wolkenstein von Hohenberg-Ärenthal III Jr"
    assert len(name) == 80
    course = elements_course(tmp_path, micro_credential={"quality_assurance": QUALITY * 4})
    learner = make_user()
    enrol(learner, course)
    certificate = completed_with_certificate(learner, course, full_name=name)
    certificate.details = {**certificate.details, "outcomes": [f"Outcome {n}: " + "explain and apply a method " * 9
                                                               for n in range(12)]}
    document = certificate_pdf(certificate, issuer="Issuer", verification_url="http://learn.test/x")
    pages = PdfReader(io.BytesIO(document)).pages
    assert len(pages) == 2
    assert name in flat(pages[0].extract_text()) and name in flat(pages[1].extract_text())
    rows = [(element.heading, _value_text(element)) for element in elements(certificate, issuer="I", country="")]
    pdf = new_document()
    pdf.add_page()
    try:
        size = supplement_size(pdf, rows)
        assert 6 <= size < 9 and _table_height(pdf, rows, size) <= SUPPLEMENT_BOTTOM - SUPPLEMENT_TOP
    finally:
        close_fonts(pdf)


def test_the_course_page_shows_the_partners_with_their_logos(client, tmp_path):
    course = elements_course(tmp_path)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Partner organisations" in page
    assert '<a href="https://uni.example.org" rel="noopener">Universität für Weiterbildung Example</a>' in page
    assert "<small>Austria</small>" in page and "Πανεπιστήμιο Παράδειγμα" in page and "<small>Greece</small>" in page
    logo = page.split('<ul class="partner-list">')[1].split('src="')[1].split('"')[0]
    response = client.get(logo)
    try:
        assert response.status_code == 200 and response.get_data() == logo_png()
    finally:
        response.close()  # the asset is streamed from its file


def credential_of(client, certificate) -> dict:
    return json.loads(client.get(f"/certificates/{certificate.public_id}/credential.json").get_data())


def test_the_credential_carries_the_elements_and_stays_valid(client, tmp_path, issuer_in_austria):
    course = elements_course(tmp_path, micro_credential={"workload_hours": 60, "ects": 2, "eqf_level": 5,
                                                         "quality_assurance": QUALITY})
    learner = make_user()
    enrol(learner, course)
    certificate = completed_with_certificate(learner, course)
    document = credential_of(client, certificate)
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["creditsAvailable"] == 2.0 and document["credentialSubject"]["creditsEarned"] == 2.0
    assert achievement["inLanguage"] == "en" and achievement["version"] == "1.0.0"
    assert [(a["targetFramework"], a["targetCode"], a["targetName"]) for a in achievement["alignment"]] == [
        ("LifeComp", "L3", "Managing learning"), ("EntreComp", "1.1", "Spotting opportunities"),
        ("European Qualifications Framework", "5", "EQF level 5")]
    assert achievement["alignment"][0]["targetUrl"] == "https://doi.org/10.2760/302967"
    assert achievement["alignment"][0]["targetType"] == "ceasn:Competency"
    narrative = achievement["criteria"]["narrative"]
    assert OUTCOMES[0] in narrative and QUALITY in narrative and "60 hours of learning; 2 ECTS credits" in narrative
    assert "- Testing: 1 online quiz passed at its pass mark" in narrative
    assert document["credentialSubject"]["narrative"].startswith("Form of participation: Online, self-paced.")
    description, = achievement["resultDescription"]
    assert document["credentialSubject"]["result"] == [
        {"type": ["Result"], "resultDescription": description["id"], "status": "Completed"}]
    assert document["issuer"]["address"] == {"type": ["Address"], "addressCountryCode": "AT",
                                             "addressCountry": "Austria"}

    schema = credentials.credential_schema()
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(document)) == []
    status_list = client.get("/certificates/status/revocation").get_data(as_text=True)
    assert credentials.verify_credential_with_proof(document, status_list)["revoked"] is False
    forged = json.loads(json.dumps(document))
    forged["credentialSubject"]["achievement"]["creditsAvailable"] = 20.0
    with pytest.raises(credentials.signing.BadSignature):
        credentials.verify_credential_with_proof(forged)


def test_a_statement_of_participation_claims_no_result_or_credits(client, tmp_path):
    course = elements_course(tmp_path, micro_credential={"workload_hours": 60, "ects": 2,
                                                         "quality_assurance": QUALITY})
    learner = make_user(full_name="Ada Lovelace Byron")
    enrol(learner, course)
    log_in(client, learner)
    response = client.post(f"/courses/{course.slug}/statement-of-participation", data={})
    assert response.status_code in (302, 303)
    statement = current_certificate(learner.id, course.id, CertificateKind.PARTICIPATION)
    document = credential_of(client, statement)
    assert "result" not in document["credentialSubject"] and "creditsEarned" not in document["credentialSubject"]
    assert document["credentialSubject"]["achievement"]["criteria"]["narrative"].startswith(
        "Enrolled and active in the course; no assessment.")
    text = flat(pdf_pages(client, statement, learner)[1].extract_text())
    assert "Type of assessment • None: a statement of participation records enrolment and activity" in text
