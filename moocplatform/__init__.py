"""moocplatform: a learning platform for facilitated MOOCs."""
from __future__ import annotations

from typing import Any

from flask import Flask

from . import api
from . import config as _config
from .accounts.views import bp as accounts_bp
from .admin.views import bp as admin_bp
from .catalog.views import bp as catalog_bp
from .cli import register_commands
from .errors import register_error_handlers
from .database import configure_engine
from .extensions import babel, csrf, db, login_manager, migrate
from .i18n import select_locale, select_timezone
from .learning.views import bp as learning_bp
from .ops import bp as ops_bp
from .quizzes.blueprint import bp as quizzes_bp
from .security import register_security
from .studio.blueprint import bp as studio_bp
from .templating import register_template_helpers
from .tokens.views import bp as tokens_bp

BLUEPRINTS = (catalog_bp, learning_bp, quizzes_bp, accounts_bp, admin_bp, studio_bp, ops_bp, tokens_bp)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    _config.load_config(app, config)
    configure_extensions(app)
    configure_blueprints(app)
    register_template_helpers(app)
    register_security(app)
    register_commands(app)
    return app


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(_config.MIGRATIONS_DIR))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)


def configure_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    api.init_app(app)
    register_error_handlers(app)
