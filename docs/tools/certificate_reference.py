"""Draw docs/certificate-reference.png: both pages of a certificate as the platform draws them, one above the
other, for the documentation and for reviewing the layout.

    .venv/bin/python docs/tools/certificate_reference.py [OUT.png] [--name "A holder's name"]

It needs pdftoppm (Debian's poppler-utils) to turn the PDF into pictures. The course is the pilot course
"Learning to learn" as its pack in courses/ states it, taken in a facilitated cohort that requires a sign-off;
the partners, with their logos, are the fictional ones of tests/packs/valid-example (the pilot courses have
none), and the issuer is the default one, placed in Austria.
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from moocplatform.certificates.details import facts_of  # noqa: E402
from moocplatform.certificates.models import Certificate, CertificateKind, CertificateStatus  # noqa: E402
from moocplatform.certificates.pdf import certificate_pdf  # noqa: E402
from moocplatform.certificates.queries import LearnerCohort  # noqa: E402
from moocplatform.content import load_pack  # noqa: E402

PUBLIC_ID = "pX3v9QmT0bZk7LwR2sYdNf4h"
VERIFY = f"https://learn.example.org/certificates/{PUBLIC_ID}"


def reference_pdf(name: str) -> bytes:
    course = load_pack(ROOT / "courses" / "learning-to-learn", video_hosts=["www.youtube-nocookie.com"])
    example = load_pack(ROOT / "tests" / "packs" / "valid-example", video_hosts=["www.youtube-nocookie.com"])
    partners = [{**p, "logo_sha256": example.assets[p["logo"]].sha256} for p in example.partners]
    manifest = {"language": course.language, "outcomes": course.outcomes, "competences": course.competences,
                "effort_hours_per_week": course.effort_hours_per_week, "duration_weeks": course.duration_weeks,
                "micro_credential": course.micro_credential, "completion": course.completion, "partners": partners}
    cohort = LearnerCohort("Vienna, spring 2026", requires_sign_off=True, live_sessions=4, external_items=0)
    facts = facts_of(manifest, unit_count=len(course.units), cohorts=[cohort], kind=CertificateKind.ACHIEVEMENT)
    certificate = Certificate(
        id=1, public_id=PUBLIC_ID, kind=CertificateKind.ACHIEVEMENT, issue_number=1, holder_name=name,
        course_title=course.title, course_version=course.version, completed_at=datetime(2026, 5, 22, tzinfo=UTC),
        issued_at=datetime(2026, 5, 22, 9, 30, tzinfo=UTC), status=CertificateStatus.VALID, status_reason="",
        details=facts)
    logos = {example.assets[p["logo"]].sha256: example.assets[p["logo"]].source.read_bytes()
             for p in example.partners}
    return certificate_pdf(certificate, issuer="moocplatform", country="AT", verification_url=VERIFY, logos=logos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "certificate-reference.png"))
    parser.add_argument("--name", default="Ελένη Παπαδοπούλου-Иванова")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        pdf = Path(work) / "certificate.pdf"
        pdf.write_bytes(reference_pdf(args.name))
        subprocess.run(["pdftoppm", "-r", "90", "-png", str(pdf), str(Path(work) / "page")], check=True)
        pages = [Image.open(io.BytesIO(path.read_bytes())) for path in sorted(Path(work).glob("page-*.png"))]
    gap = 16
    sheet = Image.new("RGB", (max(p.width for p in pages), sum(p.height for p in pages) + gap * (len(pages) - 1)),
                      (200, 200, 200))
    y = 0
    for page in pages:
        sheet.paste(page, (0, y))
        y += page.height + gap
    sheet.save(args.out, optimize=True)
    print(f"{args.out}: {len(pages)} pages, {sheet.width} × {sheet.height} pixels")


if __name__ == "__main__":
    main()
