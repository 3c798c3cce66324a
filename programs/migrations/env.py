"""Alembic environment shared by the core and every plugin's migrations.

:mod:`programs.schema` passes the connection and the version table in ``config.attributes``;
this file is never run by the ``alembic`` command line.
"""

from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,
    version_table=config.attributes.get("version_table", "alembic_version"),
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
