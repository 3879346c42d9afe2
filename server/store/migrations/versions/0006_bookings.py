"""Appointments (issue 13): the bookings the hub sent the site, and how far it fetched them,
and the "your turn nears" messages sent.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_bookings",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("slot_start", sa.Float, nullable=False),
        sa.Column("slot_end", sa.Float, nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("cccd_hash", sa.String(64), nullable=True),
        sa.Column("notify_phone", sa.String(16), nullable=True),
        sa.Column("rev", sa.Integer, nullable=False))
    op.create_index("site_bookings_code", "site_bookings", ["site_id", "code"])
    op.create_index("site_bookings_cccd", "site_bookings", ["site_id", "cccd_hash"])
    op.create_table(
        "site_booking_sync",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("last_rev", sa.Integer, nullable=False),
        sa.Column("hmac_key", sa.String(128), nullable=True),
        sa.Column("fetched_at", sa.Float, nullable=True))
    op.create_table(
        "site_notices",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("ticket_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True))


def downgrade():
    op.drop_table("site_notices")
    op.drop_table("site_booking_sync")
    op.drop_table("site_bookings")
