"""The hub's booking key is versioned (issue 13, hub revision h0005): each booking kept at the
site names the key its CCCD hash was made with, and the site keeps the keys its bookings need
(id -> key, JSON). Bookings kept before were all hashed with the hub's one key, now key 1.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("site_bookings") as batch:
        batch.add_column(sa.Column("key_id", sa.Integer, nullable=False,
                                   server_default=sa.text("1")))
    with op.batch_alter_table("site_booking_sync") as batch:
        batch.add_column(sa.Column("hmac_keys", sa.Text, nullable=True))


def downgrade():
    with op.batch_alter_table("site_booking_sync") as batch:
        batch.drop_column("hmac_keys")
    with op.batch_alter_table("site_bookings") as batch:
        batch.drop_column("key_id")
