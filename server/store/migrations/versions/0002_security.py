"""Security (issue 9, issue 16): sign-in failures, server-side officer sessions, the audit log
and each site's session secret.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_failures",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", sa.Float, nullable=False))
    op.create_table(
        "officer_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float, nullable=True))
    op.create_index("officer_sessions_by_user", "officer_sessions", ["site_id", "username"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("target", sa.String(64), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text, nullable=True))
    op.create_index("audit_log_by_site", "audit_log", ["site_id", "id"])
    op.create_table(
        "site_secrets",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("secret", sa.String(128), nullable=False))


def downgrade():
    for table in ("site_secrets", "audit_log", "officer_sessions", "sign_in_failures"):
        op.drop_table(table)
