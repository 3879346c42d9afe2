"""Alembic's environment for the hub: migrate on the connection `upgrade` opened and locked."""
from alembic import context

from server.hub.migrations import VERSION_TABLE
from server.hub.store import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata,
                  version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
