"""Adding learners to a cohort from a CSV file of e-mail addresses: an account is added (a seat, or the waiting
list when the cohort is full), an address without one is invited once (mailed the join link; the account
registered with it may join even a closed cohort), and every line of the file is reported with what became of it.

A file that cannot be read changes nothing; a line that cannot be used is reported and the others go ahead."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, clock, policy, validation
from ..accounts.services import get_user_by_email
from ..errors import DomainError, InvalidInput
from ..extensions import db
from ..mail import mail_template, queue_mail
from ..transaction import add_unless_present
from ..urls import public_url
from .models import Cohort, CohortInvitation, MembershipStatus, Programme
from .services import _add_member, _require_manager, membership_of

MAX_BYTES = 1_000_000
MAX_LINES = 5_000
COHORT_INVITATION = "cohorts.invitation"
EMAIL_HEADERS = {"email", "e-mail", "email address", "e-mail address", "mail"}


class Outcome(StrEnum):
    ADDED = "added"
    WAITING = "waiting"
    ALREADY = "already"
    INVITED = "invited"
    INVITED_BEFORE = "invited_before"
    NOT_ADDED = "not_added"
    INVALID = "invalid"
    REPEATED = "repeated"


LABELS = {
    Outcome.ADDED: _l("Added"),
    Outcome.WAITING: _l("On the waiting list (the cohort is full)"),
    Outcome.ALREADY: _l("Already in the cohort"),
    Outcome.INVITED: _l("Invited: no account yet, the join link was mailed"),
    Outcome.INVITED_BEFORE: _l("Invited before: not mailed again"),
    Outcome.NOT_ADDED: _l("Not added"),
    Outcome.INVALID: _l("Not an e-mail address"),
    Outcome.REPEATED: _l("Repeats an earlier line"),
}


@dataclass(frozen=True)
class Line:
    number: int  # in the file, from 1
    text: str  # the address as written
    outcome: Outcome
    detail: str = ""  # why, for a line not added

    @property
    def label(self) -> str:
        return str(LABELS[self.outcome])


@dataclass(frozen=True)
class Report:
    lines: list[Line]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)


@mail_template(COHORT_INVITATION)
def cohort_invitation(*, cohort: str, host: str, link: str) -> tuple[str, str]:
    return _("You are invited to join %(cohort)s", cohort=cohort), _(
        "A facilitator added you to the group %(cohort)s (%(host)s).\n\nRegister with this e-mail address, "
        "confirm it, then join here:\n%(link)s\n", cohort=cohort, host=host, link=link)


def addresses_in(data: bytes) -> list[tuple[int, str]]:
    """The (line number, address cell) of a CSV file: the column headed "email" (or "e-mail", …) when the first
    row has one, else the first column; blank lines are skipped. InvalidInput when the file cannot be read."""
    if not data.strip():
        raise InvalidInput(_("The file is empty."), field="file")
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("The file is too large (at most 1 MB)."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text: save it as CSV (UTF-8)."), field="file") from None
    if "\x00" in text:
        raise InvalidInput(_("The file is not a CSV file."), field="file")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise InvalidInput(_("The file is not a CSV file."), field="file") from None
    column, first = 0, 0
    if rows:
        headers = [cell.strip().lower() for cell in rows[0]]
        found = next((i for i, h in enumerate(headers) if h in EMAIL_HEADERS), None)
        if found is not None:
            column, first = found, 1
    cells = [(number, row[column].strip() if column < len(row) else "")
             for number, row in enumerate(rows, start=1) if number > first and any(c.strip() for c in row)]
    if not cells:
        raise InvalidInput(_("The file holds no addresses."), field="file")
    if len(cells) > MAX_LINES:
        raise InvalidInput(_("At most %(n)d addresses a file.", n=MAX_LINES), field="file")
    return cells


def add_learners_from_csv(actor: Any, cohort: Cohort, course: Any, data: bytes) -> Report:
    """Each address of the file added to the cohort or invited to it, as the module says; one audit entry."""
    _require_manager(actor, cohort)
    cells = addresses_in(data)
    seen: set[str] = set()
    lines = []
    for number, text in cells:
        try:
            address = validation.email(text)
        except InvalidInput:
            lines.append(Line(number, text, Outcome.INVALID))
            continue
        if address in seen:
            lines.append(Line(number, text, Outcome.REPEATED))
            continue
        seen.add(address)
        lines.append(_add_or_invite(actor, cohort, course, number, text, address))
    report = Report(lines)
    audit.record(actor, "cohort.import_learners", cohort,
                 **{outcome.value: report.count(outcome) for outcome in Outcome if report.count(outcome)})
    return report


def _add_or_invite(actor: Any, cohort: Cohort, course: Any, number: int, text: str, address: str) -> Line:
    learner = get_user_by_email(address)
    if learner is None:
        return Line(number, text, _invite(actor, cohort, course, address))
    if membership_of(cohort, learner.id) is not None:
        return Line(number, text, Outcome.ALREADY)
    if not learner.is_active:
        return Line(number, text, Outcome.NOT_ADDED, _("This account cannot be added."))
    if not (policy.can_enrol(learner, course) if course is not None else learner.is_verified):
        return Line(number, text, Outcome.NOT_ADDED,
                    _("This account cannot enrol yet (its e-mail address is not confirmed)."))
    try:
        with db.session.begin_nested():
            membership = _add_member(learner, cohort, course)
    except DomainError as error:
        return Line(number, text, Outcome.NOT_ADDED, str(error))
    return Line(number, text, Outcome.WAITING if membership.status == MembershipStatus.WAITING else Outcome.ADDED)


def _invite(actor: Any, cohort: Cohort, course: Any, address: str) -> Outcome:
    invitation = CohortInvitation(cohort_id=cohort.id, email=address, invited_by_id=actor.id, created_at=clock.now())
    if not add_unless_present(invitation):  # invited by an earlier file, or by a second click racing this one
        return Outcome.INVITED_BEFORE
    programme = db.session.get(Programme, cohort.programme_id) if cohort.programme_id is not None else None
    host = course.title if course is not None else (programme.title if programme is not None else "")
    queue_mail(address, COHORT_INVITATION, cohort=cohort.name, host=host,
               link=public_url("cohorts.join_page", code=cohort.join_code))
    return Outcome.INVITED

