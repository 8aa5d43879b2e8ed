"""The migrations build exactly the schema the models declare, from one head."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from moocplatform.dialect import is_search_object
from moocplatform.extensions import db


def test_single_alembic_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; merge them"


def test_upgraded_database_matches_models(app):
    # The session-wide test database was built by `flask db upgrade` (tests/conftest.py).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, type_, _parents: not is_search_object(name, type_)})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "models and migrations differ; run `flask db migrate`"


def test_upgraded_database_has_the_check_constraints_the_models_declare(app):
    # compare_metadata does not compare CHECK constraints (such as those of the status enums); this does.
    inspector = sa.inspect(db.engine)
    for table in db.metadata.sorted_tables:
        declared = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
        reflected = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert reflected == declared, f"{table.name}: the migrations create {reflected or 'none'}, not {declared}"


def test_migrate_extension_uses_batch_mode_for_sqlite(app):
    assert app.extensions["migrate"].configure_args.get("render_as_batch") is True
