"""Web Push for the tracking page (issue 13): the site's keys other than its session secret
(the VAPID key pair, made on first use), and a browser's push subscription kept with the
citizen's opt-in beside (or instead of) a phone number.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_keys",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text, nullable=False))
    # Batch mode: SQLite cannot make a column nullable in place.
    with op.batch_alter_table("site_notify_optins") as batch:
        batch.alter_column("phone", existing_type=sa.String(16), nullable=True)
        batch.add_column(sa.Column("push", sa.Text, nullable=True))


def downgrade():
    op.execute("DELETE FROM site_notify_optins WHERE phone IS NULL")
    with op.batch_alter_table("site_notify_optins") as batch:
        batch.drop_column("push")
        batch.alter_column("phone", existing_type=sa.String(16), nullable=False)
    op.drop_table("site_keys")
