"""Baseline: the store as the first release made it (events, ticket_requests, officers,
devices). A store of that release has these tables and no version yet: only the missing
tables are created, so it upgrades in place.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "events" not in existing:
        op.create_table(
            "events",
            sa.Column("site_id", sa.String(32), primary_key=True),
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("type", sa.String(32), nullable=False),
            sa.Column("at", sa.Float, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("day", sa.String(10), nullable=True))
        op.create_index("events_by_type", "events", ["site_id", "type", "seq"])
    if "ticket_requests" not in existing:
        op.create_table(
            "ticket_requests",
            sa.Column("site_id", sa.String(32), primary_key=True),
            sa.Column("request_id", sa.String(64), primary_key=True),
            sa.Column("seq", sa.Integer, nullable=False))
    if "officers" not in existing:
        op.create_table(
            "officers",
            sa.Column("username", sa.String(64), primary_key=True),
            sa.Column("password_hash", sa.String(255), nullable=False),
            sa.Column("display_name", sa.String(128), nullable=False),
            sa.Column("role", sa.String(16), nullable=False))
    if "devices" not in existing:
        op.create_table(
            "devices",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("kiosk", sa.String(32), nullable=False),
            sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
            sa.Column("created_at", sa.Float, nullable=False))


def downgrade():
    for table in ("devices", "officers", "ticket_requests", "events"):
        op.drop_table(table)
