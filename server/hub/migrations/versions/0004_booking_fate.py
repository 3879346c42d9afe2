"""What became of each booking (issue 13): the ticket its check-in made and when, so a later
no-show of that ticket reaches the booking; status wide enough for "checked_in_late".

Revision ID: h0004
Revises: h0003
"""
import sqlalchemy as sa
from alembic import op

revision = "h0004"
down_revision = "h0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hub_bookings") as batch:  # (batch: SQLite has no ALTER COLUMN)
        batch.alter_column("status", type_=sa.String(16), existing_type=sa.String(12),
                           existing_nullable=False)
    op.add_column("hub_bookings", sa.Column("ticket_id", sa.Integer, nullable=True))
    op.add_column("hub_bookings", sa.Column("checked_in_at", sa.Float, nullable=True))
    op.create_index("hub_bookings_ticket", "hub_bookings", ["site_id", "ticket_id"])


def downgrade():
    op.drop_index("hub_bookings_ticket", "hub_bookings")
    op.drop_column("hub_bookings", "checked_in_at")
    op.drop_column("hub_bookings", "ticket_id")
    with op.batch_alter_table("hub_bookings") as batch:
        batch.alter_column("status", type_=sa.String(12), existing_type=sa.String(16),
                           existing_nullable=False)
