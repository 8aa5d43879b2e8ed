"""Form helpers shared by every area: the one place where a service's domain error becomes a form error (or a
flashed message, for buttons that post and redirect)."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_wtf import FlaskForm

from . import transaction
from .errors import DomainError

T = TypeVar("T")


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error on the form field it names, or above the form (the form's error summary shows
    it: it is not flashed as well)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)


def apply_form(form: FlaskForm, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run the service call behind a validated form. On a domain error roll back what the service wrote (the
    page shows the form again, and the request's unit of work then commits nothing) and show the message on
    the form. Returns (succeeded, the service's result)."""
    try:
        return True, action()
    except DomainError as error:
        transaction.roll_back()
        show_domain_error(form, error)
        return False, None


def apply_or_flash(action: Callable[[], T]) -> tuple[bool, T | None]:
    """As apply_form, for a button that posts and redirects: the message is flashed."""
    try:
        return True, action()
    except DomainError as error:
        transaction.roll_back()
        flash(error.message, "error")
        return False, None
