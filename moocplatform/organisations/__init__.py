"""Organisations: universities, companies, VET centres, NGOs and employers, created by administrators, with
their own admins and members. Their people hold role grants scoped to the organisation; this area tells the
access context who holds which role, so policy predicates ask "is this user an admin or member of X"."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here: other areas may import this package's models, which must not load its pages.
    from ..access import AccessLoader, register_access_loader, registered_loaders
    from ..accounts.models import ScopeType
    from . import queries
    from .countries import country_name
    from .events import subscribe
    from .views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["country_name"] = country_name
    subscribe()
    if "organisations" not in registered_loaders():  # loaders are per process; apps may be created twice
        register_access_loader(AccessLoader(
            name="organisations", load=queries.viewer_organisations, scope_type=ScopeType.ORGANISATION.value,
            scope_courses=queries.courses_of_organisations, scope_members=queries.members_in_courses))
