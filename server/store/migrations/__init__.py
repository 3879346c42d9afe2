"""Schema versions of the store, kept by Alembic; every start brings the store to the newest.

A store made before migrations existed has the baseline's tables and no version: the baseline
revision creates only the tables that are missing, so it upgrades in place. Two processes of
one site starting together do not both migrate: PostgreSQL takes an advisory lock for the
upgrade's transaction, SQLite an immediate (write) transaction.

A change of the schema is a new revision in `versions/` (a new table, column or index), made
with `python -m server.store.migrations revision "what changes"` and edited by hand; the table
definitions in `server/store/sql.py` must say the same (tests/store/test_migrations.py checks).
"""
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

HERE = os.path.dirname(os.path.abspath(__file__))
# Any fixed number: the key of the PostgreSQL advisory lock held while migrating.
UPGRADE_LOCK = 0x716D73  # "qms"


def alembic_config(connection=None, scripts=HERE, site_id=None):
    """Alembic's configuration without an alembic.ini: the scripts are this package (or the
    provincial hub's, server/hub/migrations, which shares this machinery). `site_id`: the site
    whose process is upgrading (a revision may need to know it)."""
    config = Config()
    config.set_main_option("script_location", scripts)
    config.attributes["connection"] = connection
    config.attributes["site_id"] = site_id
    return config


def head(scripts=HERE):
    return ScriptDirectory.from_config(alembic_config(scripts=scripts)).get_current_head()


def current(connection, version_table="alembic_version"):
    return MigrationContext.configure(
        connection, opts={"version_table": version_table}).get_current_revision()


def upgrade(url, scripts=HERE, lock=UPGRADE_LOCK, version_table="alembic_version",
            site_id=None):
    """Bring the store at `url` to the newest revision (nothing to do when it is there).
    `site_id`: the site opening it, owner of rows older revisions kept for no site."""
    engine = _migration_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})
            if current(conn, version_table) != head(scripts):
                command.upgrade(alembic_config(conn, scripts, site_id), "head")
    finally:
        engine.dispose()


def _migration_engine(url):
    """A short-lived engine for the upgrade alone (its SQLite transactions differ)."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, poolclass=NullPool)
    engine = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    # pysqlite begins no transaction before DDL: take SQLite's write lock ourselves, so a
    # second process waits for the first upgrade and then finds nothing to do.
    @sa.event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _write_lock(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
