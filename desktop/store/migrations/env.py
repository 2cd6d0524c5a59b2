"""Alembic environment of the desktop cache: always run from code, on the connection the store opened."""

from __future__ import annotations

from alembic import context

from desktop.store.schema import metadata

connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters tables by copying them; autogenerate must write migrations that way.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
