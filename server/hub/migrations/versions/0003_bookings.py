"""Appointments (issue 13): bookings of a site's slots, held by keyed hashes.

Revision ID: h0003
Revises: h0002
"""
import sqlalchemy as sa
from alembic import op

revision = "h0003"
down_revision = "h0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hub_bookings",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("site_id", sa.String(32), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("slot_start", sa.Float, nullable=False),
        sa.Column("slot_end", sa.Float, nullable=False),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("cccd_hash", sa.String(64), nullable=True),
        sa.Column("notify_phone", sa.String(16), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("rev", sa.Integer, nullable=False))
    op.create_index("hub_bookings_site_rev", "hub_bookings", ["site_id", "rev"])
    op.create_index("hub_bookings_slot", "hub_bookings", ["site_id", "service", "slot_start"])


def downgrade():
    op.drop_table("hub_bookings")
