"""`moocplatform` console script: the Flask CLI of the application (`moocplatform --help`)."""
from flask.cli import FlaskGroup

from . import create_app


def main() -> None:
    FlaskGroup(create_app=lambda: create_app(), help="moocplatform administration.")(prog_name="moocplatform")


if __name__ == "__main__":
    main()
