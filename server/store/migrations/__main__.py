"""Developers: `python -m server.store.migrations revision "add ratings"` writes a new revision
file in versions/ to fill in (upgrade() and downgrade())."""
import sys

from alembic import command

from . import alembic_config

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m server.store.migrations revision "what changes"')
    command.revision(alembic_config(), message=sys.argv[2])
