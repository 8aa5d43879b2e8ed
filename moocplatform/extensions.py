"""Flask extensions, created without an app and bound in create_app."""
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .database import Base

# Objects stay loaded after a commit: a view goes on with what it loaded after a separate unit of work or
# end_reading() committed (see transaction.py).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

# The base class of every model. Flask-SQLAlchemy builds db.Model at run time from Base, which a type checker
# cannot follow; it sees Base itself, whose typed declarations (Mapped, mapped_column) are what it checks.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
