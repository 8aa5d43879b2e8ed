"""The installed areas: create_app calls each one's init_app(app), in the order of INSTALLED_AREAS."""
from __future__ import annotations

import importlib

from flask import Flask


def install_areas(app: Flask) -> None:
    installed = []
    for name in app.config["INSTALLED_AREAS"]:
        module = importlib.import_module(name if "." in name else f"{__package__}.{name}")
        module.init_app(app)
        installed.append(name)
    app.extensions["moocplatform.areas"] = tuple(installed)


def installed_areas(app: Flask) -> tuple[str, ...]:
    return app.extensions.get("moocplatform.areas", ())
