"""moocplatform: a learning platform for facilitated MOOCs."""
from __future__ import annotations

from typing import Any

from flask import Flask

from . import access, edge, transaction
from . import config as _config
from .areas import install_areas
from .cli import register_commands
from .converters import register_converters
from .dialect import configure_engine
from .errors import register_error_handlers
from .extensions import babel, csrf, db, login_manager, migrate
from .i18n import select_locale, select_timezone
from .security import register_security
from .templating import register_template_helpers


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    _config.load_config(app, config)
    register_converters(app)
    configure_extensions(app)
    transaction.init_app(app)
    edge.init_app(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_security(app)
    access.init_app(app)
    register_commands(app)
    install_areas(app)
    return app


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(_config.MIGRATIONS_DIR))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
