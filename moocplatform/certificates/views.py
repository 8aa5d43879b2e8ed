"""Certificate pages: the public verification page and its JSON, the signed credential and the issuer's keys
(public, for any verifier), the holder's list and PDF, and the course team's revoke and re-issue."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, policy, ratelimit
from ..catalog import queries as catalog_queries
from ..errors import NotFound
from ..forms import EmptyForm, apply_or_flash
from ..urls import public_url
from . import credentials, keys, queries, services, signing
from .documents import certificate_pdf_bytes
from .forms import ReasonForm
from .models import Certificate

bp = Blueprint("certificates", __name__, template_folder="templates")
CREDENTIAL_MEDIA_TYPE = "application/vc+jwt"
CREDENTIAL_JSON_MEDIA_TYPE = "application/vc"


verification_limit = ratelimit.per_address("certificate-verification", "CERTIFICATE_VERIFICATIONS_PER_MINUTE")


def _certificate_or_404(public_id: str) -> Certificate:
    certificate = queries.by_public_id(public_id) if len(public_id) <= 32 else None
    if certificate is None:
        raise NotFound(_("There is no certificate with this id. Check the address, character by character."))
    return certificate


def verification(certificate: Certificate) -> dict:
    """What anyone may know of a certificate: no more than the document states, and its status."""
    successor = certificate.superseded_by_id and queries.get_certificate(certificate.superseded_by_id)
    return {
        "id": certificate.public_id,
        "status": certificate.status.value,
        "kind": certificate.kind.value,
        "holder": certificate.holder_name or None,
        "course": certificate.course_title,
        "course_version": certificate.course_version,
        "completed_on": certificate.completed_at.date().isoformat(),
        "issued_at": credentials.iso(certificate.issued_at),
        "issuer": credentials.issuer_profile(),
        "status_changed_at": credentials.iso(certificate.status_changed_at) if certificate.status_changed_at else None,
        "reason": certificate.status_reason or None,
        "superseded_by": public_url("certificates.verification_page", public_id=successor.public_id)
        if successor else None,
        "credential": public_url("certificates.credential", public_id=certificate.public_id),
        "status_list": public_url("certificates.status_list"),
        "status_list_index": certificate.id,
        "revoked_in_status_list": credentials.is_set(credentials.revoked_bitstring(), certificate.id),
    }


@bp.get("/certificates/<token:public_id>")
@verification_limit
def verification_page(public_id: str):
    certificate = queries.by_public_id(public_id) if len(public_id) <= 32 else None
    if certificate is None:  # said plainly: an employer may have mistyped the id
        return render_template("certificates/unknown.html", public_id=public_id), 404
    course = queries.get_course(certificate.course_id)
    manage = course is not None and policy.can_manage_certificates(current_user, course)
    return render_template("certificates/verify.html", certificate=certificate, facts=verification(certificate),
                           manage=manage, form=ReasonForm(),
                           mine=current_user.is_authenticated and current_user.id == certificate.user_id)


@bp.get("/certificates/<token:public_id>/verification.json")
@verification_limit
def verification_json(public_id: str):
    return jsonify(verification(_certificate_or_404(public_id)))


@bp.get("/certificates/<token:public_id>/credential.jwt")
@verification_limit
def credential(public_id: str):
    certificate = _certificate_or_404(public_id)
    response = Response(credentials.signed_credential(certificate), mimetype=CREDENTIAL_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{public_id}.jwt"'
    return response


@bp.get("/certificates/<token:public_id>/credential.json")
@verification_limit
def credential_json(public_id: str):
    """The credential with its embedded Data Integrity proof (VCDM 2.0's media type application/vc)."""
    certificate = _certificate_or_404(public_id)
    response = Response(json.dumps(credentials.credential_with_proof(certificate), ensure_ascii=False, indent=2),
                        mimetype=CREDENTIAL_JSON_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{public_id}.json"'
    return response


@bp.get("/certificates/<token:public_id>/certificate.pdf")
@login_required
def pdf(public_id: str):
    certificate = _certificate_or_404(public_id)
    if not policy.can_download_certificate(current_user, certificate.user_id):
        abort(403)
    response = Response(certificate_pdf_bytes(certificate), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{public_id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates/status/revocation")
def status_list():
    return Response(credentials.signed_status_list(clock.now()), mimetype=CREDENTIAL_MEDIA_TYPE)


@bp.get("/certificates/issuer.json")
def issuer():
    """The issuer profile with its key, at a stable URL (the did:key in credentials needs no lookup)."""
    return jsonify({**credentials.issuer_profile(), "@context": list(credentials.CONTEXTS),
                    "verificationMethod": signing.did_document()["verificationMethod"]})


@bp.get("/.well-known/jwks.json")
def jwks():
    return jsonify({"keys": keys.published_jwks()})


@bp.get("/certificates/key-history.json")
def key_history():
    """Every key this issuer has signed with: current, retired (earlier credentials still verify) or
    compromised (credentials signed with it do not)."""
    return jsonify(keys.history_document())


@bp.get("/.well-known/did-key.json")
def did_document():
    return jsonify(signing.did_document())


@bp.get("/account/certificates")
@login_required
def my_certificates():
    return render_template("certificates/mine.html", certificates=queries.certificates_of(current_user.id),
                           held=queries.held_courses(current_user.id),
                           open_for_statement=queries.courses_open_for_participation_statement(current_user.id))


@bp.post("/courses/<key:slug>/statement-of-participation")
@login_required
def request_participation_statement(slug: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_request_participation_statement(current_user, course):
        abort(403)
    succeeded, statement = apply_or_flash(lambda: services.request_participation_statement(current_user, course))
    if not succeeded or statement is None:
        return redirect(url_for("certificates.my_certificates"))
    return redirect(url_for("certificates.verification_page", public_id=statement.public_id))


@bp.get("/courses/<key:slug>/certificates")
@login_required
def course_certificates(slug: str):
    course, _version = catalog_queries.course_with_live_version(slug)
    if not policy.can_manage_certificates(current_user, course):
        abort(403)
    return render_template("certificates/course.html", course=course,
                           certificates=queries.certificates_of_course(course.id), form=EmptyForm())


def _change(public_id: str, change, done_message: str):
    certificate = _certificate_or_404(public_id)
    course = queries.get_course(certificate.course_id)
    if course is None or not policy.can_manage_certificates(current_user, course):
        abort(403)
    form = ReasonForm()
    succeeded, result = apply_or_flash(lambda: change(current_user, certificate, form.reason.data or ""))
    if succeeded:
        flash(done_message, "success")
        target = result.public_id if isinstance(result, Certificate) else public_id
        return redirect(url_for("certificates.verification_page", public_id=target))
    return redirect(url_for("certificates.verification_page", public_id=public_id))


@bp.post("/certificates/<token:public_id>/revoke")
@login_required
def revoke(public_id: str):
    return _change(public_id, services.revoke_certificate, _("The certificate is revoked."))


@bp.post("/certificates/<token:public_id>/reissue")
@login_required
def reissue(public_id: str):
    return _change(public_id, services.reissue_certificate,
                   _("A new certificate is issued; the old one is superseded."))
