"""Form helpers shared by every area."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_wtf import FlaskForm

from .errors import DomainError
from .extensions import db

T = TypeVar("T")


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


def apply_form(form: FlaskForm, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run the service call behind a validated form: commit when it succeeds; on a domain error roll back and
    show the message on the form. Returns (succeeded, the service's result)."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return False, None
    db.session.commit()
    return True, result
