"""Setting up a second factor for a test's account, and the codes its app would show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from moocplatform import clock
from moocplatform.accounts import second_factor, totp

STEP = timedelta(seconds=30)


@dataclass
class App:
    """An authenticator app holding an account's secret, and the recovery codes shown at set-up."""

    secret: str
    recovery_codes: list[str]

    def code(self, offset_steps: int = 0) -> str:
        return totp.code_at(self.secret, clock.now() + offset_steps * STEP)


def set_up_app(user) -> App:
    """Enrol and confirm, as the account page does; the confirming code is then spent, so the clock moves on
    one step (as a person would take a moment before logging in again)."""
    enrolment = second_factor.begin_enrolment(user, user)
    codes = second_factor.confirm_enrolment(user, user, totp.code_at(enrolment.secret, clock.now()))
    clock.advance(STEP)
    return App(enrolment.secret, codes)
