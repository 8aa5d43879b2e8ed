"""The logged-in floor: the platform's own application plus one route that needs a logged-in user and renders
nothing. It pays what every page of a logged-in learner pays (session cookie, Flask-Login's user loading, the
database session, the response hooks) and nothing more, so no such page can be cheaper. Served by gunicorn
exactly like the platform (and profiled in-process by `bench.profile --page floor`); not part of the product."""
from flask import Flask
from flask_login import current_user, login_required

from moocplatform import create_app

FLOOR_PATH = "/bench/floor"


def add_floor_route(app: Flask) -> Flask:
    @app.get(FLOOR_PATH)
    @login_required
    def floor() -> str:
        return f"Hello, {current_user.display_name}!"

    return app


def __getattr__(name: str) -> Flask:
    # `gunicorn bench.floor:app` builds the application on first use, so importing this module for
    # add_floor_route does not need the environment's configuration.
    if name == "app":
        globals()["app"] = application = add_floor_route(create_app())
        return application
    raise AttributeError(name)
