"""Fresh stores for tests: an SQLite file in a folder, or a new database on the local
PostgreSQL server (trust auth, standard port), dropped afterwards."""
import contextlib
import uuid

import sqlalchemy as sa

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


@contextlib.contextmanager
def fresh_postgres(prefix="qms_test"):
    """The URL of a new, empty PostgreSQL database."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@contextlib.contextmanager
def fresh_store(kind, folder, prefix="qms_test"):
    """`kind` "sqlite" or "postgresql": the URL of an empty store of that kind."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/site.sqlite3"
    else:
        with fresh_postgres(prefix) as url:
            yield url
