"""WSGI entry point: `gunicorn wsgi:app`."""
from moocplatform import create_app

app = create_app()
