"""The site's settings on the hub (services, counters, names as its file has them), so the
hub can replay a site's day with the engine; sent by the site's agent.

Revision ID: h0002
Revises: h0001
"""
import sqlalchemy as sa
from alembic import op

revision = "h0002"
down_revision = "h0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("hub_sites", sa.Column("site_json", sa.Text, nullable=True))


def downgrade():
    op.drop_column("hub_sites", "site_json")
