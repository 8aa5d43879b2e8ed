"""The logged-in floor: the platform's own application plus one route that needs a logged-in user and renders
nothing. It pays what every page of a logged-in learner pays (session cookie, Flask-Login's user query, the
database session, the response hooks) and nothing more, so no such page can be cheaper. Served by gunicorn
exactly like the platform; not part of the product."""
from flask_login import current_user, login_required

from moocplatform import create_app

app = create_app()


@app.get("/bench/floor")
@login_required
def floor() -> str:
    return f"Hello, {current_user.display_name}!"
