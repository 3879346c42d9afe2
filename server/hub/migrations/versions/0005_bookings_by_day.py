"""The reports read a site's bookings of a period (server/reports/bookings.py): by site and
day, not by a scan of the site's whole history (a month out of a year of 100 bookings a day:
30 ms a site without it, for each of a province's sites).

Revision ID: h0005
Revises: h0004
"""
from alembic import op

revision = "h0005"
down_revision = "h0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("hub_bookings_site_day", "hub_bookings", ["site_id", "day"])


def downgrade():
    op.drop_index("hub_bookings_site_day", "hub_bookings")
