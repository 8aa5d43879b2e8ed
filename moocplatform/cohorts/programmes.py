"""Programmes: a group over any online content. A programme has a title, a description and competences but no
pack; its cohorts are created, joined and led like a course's, and their plans hold external items and live
sessions only (`plan.add_external_item`, `plan.add_live_session`). Joining one enrols in nothing."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from .. import audit, clock, policy, validation
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..opportunities.services import competence_tags, resolve_competences
from ..organisations.queries import get_organisation
from ..transaction import add_unless_present
from . import programme_queries
from .models import Cohort, Programme
from .services import CohortFields, _grant_facilitator, _new_join_code, _validated

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
MAX_COMPETENCES = 20

__all__ = ["ProgrammeFields", "competence_tags", "create_programme", "create_programme_cohort", "get_programme",
           "update_programme"]


@dataclass
class ProgrammeFields:
    title: str
    language: str
    description: str = ""
    competences: list[str] = field(default_factory=list)  # names or framework references ("EntreComp 1.1")
    organisation_id: int | None = None


def get_programme(slug: str) -> Programme:
    programme = programme_queries.programme_by_slug(slug)
    if programme is None:
        raise NotFound(_("No such programme."))
    return programme


def _organisation(organisation_id: int | None):
    if organisation_id is None:
        return None
    organisation = get_organisation(organisation_id)
    if organisation is None:
        raise InvalidInput(_("Choose an organisation from the list."), field="organisation_id")
    return organisation


def _competences(tags: list[str]) -> list[dict]:
    valid = [validation.text(tag, "competences", min_length=2, max_length=80) for tag in tags or []]
    resolved = resolve_competences(valid)
    if len(resolved) > MAX_COMPETENCES:
        raise InvalidInput(_("At most %(n)d competences.", n=MAX_COMPETENCES), field="competences")
    return [{"name": name, "framework": framework, "code": code} for name, framework, code in resolved]


def _apply(programme: Programme, fields: ProgrammeFields) -> None:
    programme.title = validation.text(fields.title, "title", min_length=3, max_length=200)
    programme.description = validation.text(fields.description or "", "description", max_length=10_000)
    programme.language = validation.text(fields.language, "language", min_length=2, max_length=16)
    programme.competences = _competences(fields.competences)


def create_programme(actor, slug: str, fields: ProgrammeFields) -> Programme:
    """A new programme, owned by an organisation (whose admin, or a facilitator belonging to it, creates it)
    or by nobody. The slug never changes afterwards."""
    organisation = _organisation(fields.organisation_id)
    if not policy.can_create_programme(actor, organisation):
        raise PermissionDenied(_("Only facilitators, organisation admins and administrators create programmes."))
    slug = validation.text(slug, "slug", min_length=2, max_length=64).lower()
    if not SLUG.fullmatch(slug):
        raise InvalidInput(_("Lower-case letters, digits and hyphens, starting and ending with a letter or digit."),
                           field="slug")
    programme = Programme(slug=slug, organisation_id=fields.organisation_id, created_by_id=actor.id,
                          created_at=clock.now())
    _apply(programme, fields)
    if not add_unless_present(programme):  # a double submit, or a taken slug
        raise InvalidInput(_("Another programme has this slug."), field="slug")
    audit.record(actor, "programme.create", programme, slug=slug, organisation_id=fields.organisation_id)
    return programme


def update_programme(actor, programme: Programme, fields: ProgrammeFields) -> Programme:
    """Title, description, language and competences; the owning organisation stays."""
    if not policy.can_edit_programme(actor, programme, _organisation(programme.organisation_id)):
        raise PermissionDenied(_("Only the programme's creator and its organisation's admins edit it."))
    _apply(programme, fields)
    db.session.flush()
    audit.record(actor, "programme.update", programme, title=programme.title)
    return programme


def create_programme_cohort(actor, programme: Programme, fields: CohortFields) -> Cohort:
    """A cohort through the programme; a facilitator who creates it leads it. It asks no sign-off and has no
    peer review: there is no course to complete."""
    if not policy.can_create_programme_cohort(actor, programme, _organisation(programme.organisation_id)):
        raise PermissionDenied(_("Only facilitators and the programme's managers create its cohorts."))
    valid = _validated(fields)
    cohort = Cohort(programme_id=programme.id, name=valid.name, description=valid.description,
                    language=valid.language, starts_on=valid.starts_on, ends_on=valid.ends_on,
                    time_zone=valid.time_zone, capacity=valid.capacity, is_open=valid.is_open,
                    join_code=_new_join_code(), created_at=clock.now(), risk_inactive_days=valid.risk_inactive_days,
                    risk_modules_behind=valid.risk_modules_behind, risk_failed_attempts=valid.risk_failed_attempts,
                    requires_sign_off=False, names_peer_reviewers=False)
    db.session.add(cohort)
    db.session.flush()
    if not policy.is_admin(actor):
        _grant_facilitator(actor, actor, cohort)
    audit.record(actor, "cohort.create", cohort, programme_id=programme.id, name=cohort.name)
    return cohort
