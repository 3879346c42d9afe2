"""The provincial hub: sites, their events, dashboard users, the session secret.

Revision ID: h0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "h0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hub_sites",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("district", sa.String(200), nullable=False, server_default=""),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("eligible_citizens", sa.Integer, nullable=True),
        sa.Column("deadline", sa.String(10), nullable=True),
        sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_seen_at", sa.Float, nullable=True),
        sa.Column("last_event_at", sa.Float, nullable=True),
        sa.Column("clock_skew_s", sa.Float, nullable=True),
        sa.Column("added_at", sa.Float, nullable=False))
    op.create_table(
        "hub_events",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("day", sa.String(10), nullable=True),
        sa.Column("received_at", sa.Float, nullable=False))
    op.create_index("hub_events_by_type", "hub_events", ["site_id", "type", "seq"])
    op.create_table(
        "hub_users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "hub_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("secret", sa.String(128), nullable=False))


def downgrade():
    for table in ("hub_secrets", "hub_users", "hub_events", "hub_sites"):
        op.drop_table(table)
