"""Officers and device tokens belong to a site: the officers' key is (site_id, username), a
device token is looked up within its site. Several sites may share one database, and before
this an account or a kiosk token of one site was accepted at every other.

Existing rows are given to the store's site: the one site its events, secrets and sessions
name (a store serves one site, as every release so far set it up). A store shared by several
sites already gets a copy of each row for each of them, so nobody is locked out by the upgrade;
the operator then removes what a site should not have (`qms officers disable`,
`qms remove-device`). A store that names no site yet gives them to the site opening it.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Tables that name the sites a store has served (all made by the revisions before this one).
SITE_TABLES = ("events", "site_secrets", "officer_sessions", "audit_log")
UNNAMED = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade():
    bind = op.get_bind()
    owners = _sites_of_store(bind)
    for table in ("officers", "devices"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("site_id", sa.String(32), nullable=False,
                                       server_default=""))
    has_rows = any(bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first()
                   for table in ("officers", "devices"))
    if has_rows and not owners:
        raise RuntimeError("officers or devices of no known site: open the store with its "
                           "site (qms serve --site FILE) to upgrade it")
    first, *others = owners or [""]
    for table in ("officers", "devices"):
        bind.execute(sa.text(f"UPDATE {table} SET site_id = :site"), {"site": first})

    # The keys: an officer's name is unique within a site, a token within a site.
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite_officers()
    else:
        op.alter_column("officers", "site_id", server_default=None)
        op.drop_constraint("officers_pkey", "officers", type_="primary")
        op.create_primary_key("officers_pkey", "officers", ["site_id", "username"])
    # SQLite's UNIQUE (token_hash) has no name: batch mode reflects it under the convention's.
    with op.batch_alter_table("devices", naming_convention=UNNAMED) as batch:
        batch.alter_column("site_id", server_default=None)
        batch.drop_constraint(_token_unique_name(bind), type_="unique")
        batch.create_unique_constraint("devices_site_token", ["site_id", "token_hash"])

    officer_columns = "username, password_hash, display_name, role, disabled, demo"
    device_columns = "kiosk, token_hash, created_at"
    for site in others:
        bind.execute(sa.text(
            f"INSERT INTO officers (site_id, {officer_columns}) SELECT :site, {officer_columns} "
            "FROM officers WHERE site_id = :first"), {"site": site, "first": first})
        bind.execute(sa.text(
            f"INSERT INTO devices (site_id, {device_columns}) SELECT :site, {device_columns} "
            "FROM devices WHERE site_id = :first"), {"site": site, "first": first})


OFFICER_COLUMNS = "site_id, username, password_hash, display_name, role, disabled, demo"


def _rebuild_sqlite_officers():
    """SQLite cannot change a table's primary key: copy the officers into a table with the new
    key (Alembic's batch mode would too, but warns that the reflected key differs)."""
    op.create_table(
        "officers_of_sites",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(f"INSERT INTO officers_of_sites ({OFFICER_COLUMNS}) "
               f"SELECT {OFFICER_COLUMNS} FROM officers")
    op.drop_table("officers")
    op.rename_table("officers_of_sites", "officers")


def _sites_of_store(bind):
    found = set()
    for table in SITE_TABLES:
        found.update(bind.execute(sa.text(f"SELECT DISTINCT site_id FROM {table}")).scalars())
    if not found and context.config.attributes.get("site_id"):
        found.add(context.config.attributes["site_id"])
    return sorted(found)


def _token_unique_name(bind):
    """The old UNIQUE (token_hash): PostgreSQL named it devices_token_hash_key."""
    for constraint in sa.inspect(bind).get_unique_constraints("devices"):
        if constraint["column_names"] == ["token_hash"] and constraint["name"]:
            return constraint["name"]
    return "uq_devices_token_hash"  # UNNAMED's name for it


def downgrade():
    raise NotImplementedError("officers of several sites cannot be merged back into one list")
