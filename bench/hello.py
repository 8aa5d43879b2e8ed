"""The ceiling: a bare Flask application with one route, served by gunicorn exactly like the platform."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, bench!"
