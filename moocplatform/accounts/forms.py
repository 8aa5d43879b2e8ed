from __future__ import annotations

from flask import current_app
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from ..i18n import timezone_choices
from .passwords import password_rules

# A field that sets a new password: the browser may suggest one, and the page shows how it meets the rules as it
# is typed (static/js/app.js, against the same list of common passwords).
NEW_PASSWORD = {"autocomplete": "new-password", "data-password-strength": ""}


def _remember_label() -> str:
    days = current_app.config["REMEMBER_COOKIE_DURATION"] // 86400
    return ngettext("Keep me logged in on this device for %(num)d day",
                    "Keep me logged in on this device for %(num)d days", days)


def _remember_help() -> str:
    config = current_app.config
    return _("Only on a device nobody else uses. Without it you are logged out after %(idle)d minutes without "
             "activity, and %(hours)d hours after logging in at the latest.",
             idle=config["SESSION_IDLE_TIMEOUT"] // 60, hours=config["SESSION_MAX_LIFETIME"] // 3600)


def _known_timezone(form, field) -> None:
    if field.data not in timezone_choices():
        raise ValidationError(_l("Choose a time zone from the list."))


class RegisterForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    display_name = StringField(_l("Display name"), validators=[InputRequired(), Length(min=2, max=80)],
                               description=_l("Shown to other learners in discussions."),
                               render_kw={"autocomplete": "nickname"})
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)],
                             description=LazyString(password_rules), render_kw=NEW_PASSWORD)
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[InputRequired(), EqualTo("password", _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    timezone = SelectField(_l("Time zone"), validators=[InputRequired(), _known_timezone], default="UTC",
                           description=_l("Dates and deadlines are shown in this time zone."))
    accept_terms = BooleanField(_l("I accept the terms of use."),
                                validators=[InputRequired(_l("You must accept the terms of use."))])
    accept_privacy = BooleanField(_l("I have read the privacy notice."),
                                  validators=[InputRequired(_l("You must read and accept the privacy notice."))])
    confirm_age = BooleanField(_l("I am 16 years old or older."),
                               validators=[InputRequired(_l("You must be 16 or older to register."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(z) for z in timezone_choices()]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(LazyString(_remember_label), description=LazyString(_remember_help))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=256)],
                             description=LazyString(password_rules), render_kw=NEW_PASSWORD)
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[InputRequired(), EqualTo("password", _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=256)],
                                     render_kw={"autocomplete": "current-password"})


class ChangeEmailForm(FlaskForm):
    new_email = EmailField(_l("New e-mail address"), validators=[InputRequired(), Email(), Length(max=254)],
                           description=_l("We send a link there; your address changes when you open it."),
                           render_kw={"autocomplete": "email"})
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=256)],
                                     render_kw={"autocomplete": "current-password"})


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[InputRequired(), Length(min=2, max=80)],
                               description=_l("Shown to other learners in discussions."))
    full_name = StringField(_l("Full name for certificates"), validators=[Optional(), Length(max=200)],
                            description=_l("Printed on your certificates exactly as written here."))
    locale = SelectField(_l("Preferred language"), choices=[SelectChoice("en", "English")])
    timezone = SelectField(_l("Time zone"), validators=[InputRequired(), _known_timezone],
                           description=_l("All dates and deadlines are shown in this time zone."))
    bio = TextAreaField(_l("About you"), validators=[Optional(), Length(max=1000)],
                        description=_l("A few words for your co-learners and facilitators (at most 1,000 characters)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(z) for z in timezone_choices()]


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[InputRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I understand that this cannot be undone."),
                           validators=[InputRequired(_l("Tick the box to confirm."))])


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[InputRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


# A code from an authenticator app, or a recovery code: the browser may fill it in from an SMS-like source,
# and neither spell-checks nor capitalises it.
ONE_TIME_CODE = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}


class SecondFactorLoginForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=40)],
                       description=_l("The 6 digits your authenticator app shows now, or one of your recovery "
                                      "codes."), render_kw=ONE_TIME_CODE)


class EnrolmentForm(FlaskForm):
    code = StringField(_l("Code from the app"), validators=[InputRequired(), Length(max=40)],
                       description=_l("The 6 digits the app shows for this account now."),
                       render_kw={**ONE_TIME_CODE, "inputmode": "numeric"})
