"""Schema versions of the hub's database, kept by Alembic with the site store's machinery
(server/store/migrations) but scripts and a version table of their own: a hub's database is
not a site's, and the two histories must never mix (even in one PostgreSQL database)."""
import os

from ...store import migrations as site_migrations

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION_TABLE = "hub_alembic_version"
UPGRADE_LOCK = 0x716D7368  # "qmsh": another key than the sites' upgrade lock


def head():
    return site_migrations.head(HERE)


def current(connection):
    return site_migrations.current(connection, VERSION_TABLE)


def upgrade(url):
    site_migrations.upgrade(url, scripts=HERE, lock=UPGRADE_LOCK, version_table=VERSION_TABLE)
