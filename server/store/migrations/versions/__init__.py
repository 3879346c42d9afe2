"""Alembic revisions of the store (a package, so an installed copy has them)."""
