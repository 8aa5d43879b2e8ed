"""The audit log as sentences: "granted the role Facilitator for course 3", not `{'role': 'facilitator', ...}`.

Actions without a sentence of their own still read as "action: key value, key value", never as a dict.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from .forms import ROLE_LABELS


def _role(details: dict[str, Any]) -> str:
    label = str(ROLE_LABELS.get(details.get("role", ""), details.get("role", "")))
    where = details.get("course") or (f"{details.get('scope_type')} {details['scope_id']}"
                                      if details.get("scope_id") else "")
    return _("%(role)s for %(where)s", role=label, where=where) if where else label


SENTENCES = {
    "account.change_password": lambda d: _("changed their password"),
    "account.delete": lambda d: _("deleted their own account"),
    "account.reset_password": lambda d: _("chose a new password with a reset link"),
    "account.verify_email": lambda d: _("confirmed their e-mail address"),
    "account.second_factor_enable": lambda d: _("set up two-step log-in"),
    "account.second_factor_disable": lambda d: _("turned two-step log-in off"),
    "account.recovery_codes_renew": lambda d: _("made new recovery codes"),
    "account.recovery_code_used": lambda d: ngettext("logged in with a recovery code (%(num)d left)",
                                                     "logged in with a recovery code (%(num)d left)",
                                                     int(d.get("left") or 0)),
    "account.second_factor_failed": lambda d: (
        _("a wrong second-factor code was typed (attempt %(n)d; the log-in must start again)",
          n=int(d.get("attempts") or 0)) if d.get("ended")
        else _("a wrong second-factor code was typed (attempt %(n)d)", n=int(d.get("attempts") or 0))),
    "account.security_key_add": lambda d: _("added the security key “%(name)s”", name=d.get("name", "")),
    "account.security_key_remove": lambda d: _("removed the security key “%(name)s”",
                                               name=d.get("name", "")),
    "account.security_key_sign_count_regressed": lambda d: _(
        "the security key “%(name)s” answered with a counter that went back (a copy?); refused",
        name=d.get("name", "")),
    "account.second_factor_replayed": lambda d: _("a second-factor code was typed again after it had been used"),
    "account.second_factor_throttled": lambda d: _("second-factor attempts were refused for %(n)d seconds",
                                                   n=int(d.get("retry_after") or 0)),
    "course.archive": lambda d: _("archived the course"),
    "course.unarchive": lambda d: _("brought the course back to the catalogue"),
    "course.discard_draft": lambda d: _("discarded the draft of version %(v)s", v=d.get("version", "")),
    "course.import": lambda d: _("imported version %(v)s (%(outcome)s)", v=d.get("version", ""),
                                 outcome=d.get("outcome", "")),
    "course.publish": lambda d: _("published version %(v)s", v=d.get("version", "")),
    "course.invite": lambda d: ngettext("invited %(num)d learner", "invited %(num)d learners",
                                        int(d.get("count") or 0)),
    "role.grant": lambda d: _("granted the role %(role)s", role=_role(d)),
    "role.revoke": lambda d: _("removed the role %(role)s", role=_role(d)),
    "user.suspend": lambda d: (_("suspended the account: %(reason)s", reason=d["reason"]) if d.get("reason")
                               else _("suspended the account")),
    "user.unsuspend": lambda d: _("reinstated the account"),
    "user.reset_second_factor": lambda d: _("turned the account's second factor off"),
    "user.unlock": lambda d: ngettext("unlocked log-in (%(num)d failed attempt cleared)",
                                      "unlocked log-in (%(num)d failed attempts cleared)",
                                      int(d.get("failures_cleared") or 0)),
    "outbox.retry": lambda d: _("queued a %(kind)s message again", kind=d.get("kind", "")),
    "quiz.exception": lambda d: _("granted a quiz exception on %(quiz)s", quiz=d.get("quiz", "")),
    "session.remember_key_reused": lambda d: _("a replaced remember-me key was used again (%(device)s)",
                                               device=d.get("device", "")),
}


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    return str(value)


def audit_sentence(action: str, details: dict[str, Any] | None) -> str:
    details = details or {}
    sentence = SENTENCES.get(action)
    if sentence is not None:
        try:
            return sentence(details)
        except (KeyError, TypeError, ValueError):
            pass  # an older entry with other details: fall back to listing them
    shown = [f"{key} {_value(value)}" for key, value in details.items() if value not in (None, "", [], {})]
    return f"{action}: {', '.join(shown)}" if shown else action
