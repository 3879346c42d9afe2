"""Alembic's environment: migrate on the connection that `upgrade` opened and locked."""
from alembic import context

from server.store.sql import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata,
                  render_as_batch=True)  # SQLite changes columns by copying the table
with context.begin_transaction():
    context.run_migrations()
