"""Alembic environment for every table of the app: uses the caller's connection
(``motcua.db.migrate``) or the configured URL."""

from __future__ import annotations

from alembic import context

from feedback.db import make_engine
from motcua.db import include_name, schema

config = context.config
target_metadata = schema()


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                          include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
