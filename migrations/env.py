"""Alembic environment: runs migrations on the application's own engine (Flask-SQLAlchemy 3)."""
import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

from moocplatform.dialect import is_search_object

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=db.metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def _foreign_keys_unenforced(connection):
    """SQLite: batch mode changes a table by copying it and dropping the original, and with foreign keys enforced
    that DROP deletes the rows first, so ON DELETE CASCADE would empty every child table. The pragma only takes
    effect outside a transaction, so it is set on the driver's connection before the migrations begin. Yields the
    callbacks to run after each migration, inside its transaction: foreign_key_check proves that every reference
    still holds, or the migration is rolled back."""
    if connection.dialect.name != "sqlite":
        yield ()
        return

    def check(**_context) -> None:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left broken foreign keys (table, rowid, parent, fk): {broken}")

    driver_connection = connection.connection.driver_connection
    driver_connection.execute("PRAGMA foreign_keys = OFF")
    try:
        yield (check,)
    finally:
        if connection.in_transaction():  # only reads remain: each migration committed its own transaction
            connection.rollback()
        driver_connection.execute("PRAGMA foreign_keys = ON")


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    # Full-text search objects (moocplatform/dialect.py) are made by hand in migrations, not by the models.
    conf_args.setdefault("include_name", lambda name, type_, _parents: not is_search_object(name, type_))
    with db.engine.connect() as connection, _foreign_keys_unenforced(connection) as after_each_migration:
        context.configure(connection=connection, target_metadata=db.metadata,
                          on_version_apply=after_each_migration, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
