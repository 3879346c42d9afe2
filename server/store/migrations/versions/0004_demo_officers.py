"""Demo officers (admin/admin123 ...) are marked, so a store once served with --demo does not
keep them usable when served for real.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The accounts `qms serve --demo` seeded, with the passwords the README publishes.
DEMO_ACCOUNTS = (("canbo", "canbo123"), ("truongdiem", "truongdiem123"), ("admin", "admin123"))


def upgrade():
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()))
    # A store of an earlier release seeded by --demo: its demo accounts are those names whose
    # password is still the published one (three hash checks, once).
    from werkzeug.security import check_password_hash
    officers = sa.table("officers", sa.column("username", sa.String), sa.column(
        "password_hash", sa.String), sa.column("demo", sa.Boolean))
    bind = op.get_bind()
    for name, password in DEMO_ACCOUNTS:
        stored = bind.execute(sa.select(officers.c.password_hash).where(
            officers.c.username == name)).scalar()
        if stored and check_password_hash(stored, password):
            bind.execute(officers.update().where(officers.c.username == name).values(demo=True))


def downgrade():
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("demo")
