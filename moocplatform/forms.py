"""Form helpers shared by every area."""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from .errors import DomainError


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error on the form field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)
        flash(error.message, "error")
