"""Rotating the hub's booking HMAC key (issue 13): keys are versioned, `hub_secrets` rows
"booking_hmac.<id>", and each booking keeps the id of the key its hashes were made with. The
one key made before ("booking_hmac") becomes key 1, which every booking so far was hashed with.

Revision ID: h0006
Revises: h0005
"""
import sqlalchemy as sa
from alembic import op

revision = "h0006"
down_revision = "h0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("hub_bookings", sa.Column("key_id", sa.Integer, nullable=False,
                                            server_default=sa.text("1")))
    op.execute("UPDATE hub_secrets SET name = 'booking_hmac.1' WHERE name = 'booking_hmac'")


def downgrade():
    # Only the newest key can go back to being the one key: older bookings' hashes no longer
    # match (their limit and CCCD check-in are lost), as a rotation without versions would do.
    op.execute("DELETE FROM hub_secrets WHERE name LIKE 'booking_hmac.%' AND name <> ("
               "SELECT name FROM hub_secrets WHERE name LIKE 'booking_hmac.%' "
               "ORDER BY CAST(substr(name, 14) AS INTEGER) DESC LIMIT 1)")
    op.execute("UPDATE hub_secrets SET name = 'booking_hmac' WHERE name LIKE 'booking_hmac.%'")
    op.drop_column("hub_bookings", "key_id")
