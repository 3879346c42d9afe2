"""Texts asked for at the kiosk or on the tracking page (issue 13), per ticket.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_notify_optins",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("ticket_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("at", sa.Float, nullable=False))


def downgrade():
    op.drop_table("site_notify_optins")
