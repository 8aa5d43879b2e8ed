"""The evidence sources the portfolio knows from the start: reflections written in quizzes, accepted
assignment submissions and issued certificates, each read through its area's queries."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from ..certificates import queries as certificate_queries
from ..certificates.models import CertificateKind, CertificateStatus
from ..html import render_user_markdown
from ..urls import public_url
from . import queries
from .evidence import Candidate, Snapshot, register_evidence_source


def _unit_url(slug: str, unit_key: str) -> str:
    return public_url("learning.unit_page", slug=slug, key=unit_key)


def _summary(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# Reflections -----------------------------------------------------------------------------------------------

def reflection_candidates(user) -> list[Candidate]:
    return [Candidate(f"{r.attempt_id}:{r.question_id}"[:64], f"{r.quiz_title} ({r.course_title})",
                      r.submitted_at, _summary(r.answer)) for r in queries.reflections_of(user.id)]


def reflection_snapshot(user, ref: str) -> Snapshot | None:
    row = next((r for r in queries.reflections_of(user.id) if f"{r.attempt_id}:{r.question_id}" == ref), None)
    if row is None:
        return None
    prompt = row.prompt_html or f"<p>{escape(row.prompt)}</p>"  # prompt_html came out of html.py at import
    html = f"<blockquote>{prompt}</blockquote>{render_user_markdown(row.answer)}"
    return Snapshot(f"{row.quiz_title}: {_('Reflection')}", html, row.submitted_at,
                    _unit_url(row.course_slug, row.unit_key))


# Accepted submissions ----------------------------------------------------------------------------------------

def submission_candidates(user) -> list[Candidate]:
    return [Candidate(str(r.submission_id), f"{r.unit_title} ({r.course_title})", r.decided_at,
                      _summary(", ".join(r.file_names) or r.link)) for r in queries.accepted_submissions_of(user.id)]


def submission_snapshot(user, ref: str) -> Snapshot | None:
    row = next((r for r in queries.accepted_submissions_of(user.id) if str(r.submission_id) == ref), None)
    if row is None:
        return None
    parts = [row.text_html]  # sanitised by html.py when it was saved
    if row.link:
        parts.append(f'<p><a href="{escape(row.link)}" rel="nofollow">{escape(row.link)}</a></p>')
    if row.file_names:
        items = "".join(f"<li>{escape(name)}</li>" for name in row.file_names)
        parts.append(f"<p>{escape(_('Files handed in:'))}</p><ul>{items}</ul>")
    parts.append(f"<p>{escape(_('Accepted by the course staff.'))}</p>")
    return Snapshot(f"{row.unit_title}: {row.course_title}", "".join(parts), row.decided_at,
                    _unit_url(row.course_slug, row.unit_key))


# Certificates ----------------------------------------------------------------------------------------------

def _certificate_heading(kind: CertificateKind) -> str:
    return _("Statement of participation") if kind == CertificateKind.PARTICIPATION \
        else _("Certificate of achievement")


def certificate_candidates(user) -> list[Candidate]:
    return [Candidate(c.public_id, f"{_certificate_heading(c.kind)}: {c.course_title}", c.issued_at)
            for c in certificate_queries.certificates_of(user.id) if c.status == CertificateStatus.VALID]


def certificate_snapshot(user, ref: str) -> Snapshot | None:
    certificate = certificate_queries.by_public_id(ref) if len(ref) <= 32 else None
    if certificate is None or certificate.user_id != user.id or certificate.status != CertificateStatus.VALID:
        return None
    url = public_url("certificates.verification_page", public_id=certificate.public_id)
    statement = _("%(name)s completed the course %(course)s (version %(version)s).", name=certificate.holder_name,
                  course=certificate.course_title, version=certificate.course_version)
    html = (f"<p>{escape(statement)}</p>"
            f'<p><a href="{escape(url)}">{escape(_("Verify this certificate"))}</a></p>')
    return Snapshot(f"{_certificate_heading(certificate.kind)}: {certificate.course_title}", html,
                    certificate.issued_at, url)


def register_sources() -> None:
    register_evidence_source("reflection", reflection_candidates, reflection_snapshot,
                             label=_l("Reflections from quizzes"))
    register_evidence_source("submission", submission_candidates, submission_snapshot,
                             label=_l("Accepted assignments"))
    register_evidence_source("certificate", certificate_candidates, certificate_snapshot,
                             label=_l("Certificates"))
