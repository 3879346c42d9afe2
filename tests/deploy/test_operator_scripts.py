"""The operator's scripts of deploy/: root's `qms ...` (deploy/sbin/qms) reaches the servers'
store through their site file and environment, and deploy/postgres.sh makes a role and database the server can
use (on the local PostgreSQL server)."""
import os
import re
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from support.databases import POSTGRES_SERVER
from support.server_process import ROOT

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

SITE_COMMAND = os.path.join(ROOT, "deploy", "sbin", "qms")
POSTGRES_SETUP = os.path.join(ROOT, "deploy", "postgres.sh")


def fake_install(tmp_path, store):
    """/etc/qms, /var/lib/qms and /opt/qms/venv in a folder: the venv's qms is this checkout."""
    etc, data, venv = tmp_path / "etc", tmp_path / "data", tmp_path / "venv"
    for folder in (etc, data, venv / "bin"):
        folder.mkdir(parents=True)
    with open(os.path.join(ROOT, "server", "sites", "demo.toml"), encoding="utf-8") as fh:
        (etc / "site.toml").write_text(
            fh.read() + f'\n[server]\nstore = "{store}"\ninstance = "{data}"\n', encoding="utf-8")
    (etc / "qms.env").write_text("# the servers' environment\n", encoding="utf-8")
    qms = venv / "bin" / "qms"
    qms.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m server.cli \"$@\"\n")
    qms.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "QMS_CONFIG"}
    return dict(env, QMS_ETC=str(etc), QMS_VENV=str(venv)), etc, data


def run(env, *args):
    return subprocess.run(["sh", SITE_COMMAND, *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_root_qms_acts_on_the_servers_store(tmp_path):
    store = tmp_path / "site.sqlite3"
    env, etc, data = fake_install(tmp_path, f"sqlite:///{store}")
    for command in (["open-day"], ["close-day"], ["officers", "list"]):
        done = run(env, *command)
        assert done.returncode == 0, done.stdout + done.stderr
    engine = sa.create_engine(f"sqlite:///{store}")
    with engine.connect() as conn:
        types = [row.type for row in conn.execute(sa.text("SELECT type FROM events ORDER BY seq"))]
        site_ids = {row.site_id for row in conn.execute(sa.text("SELECT site_id FROM events"))}
    engine.dispose()
    assert types[-1] == "day_closed" and "day_opened" in types
    assert site_ids == {"demo-ben-nghe"}
    assert run(env, "--help").returncode == 0
    # The environment file is read: a QMS_CONFIG there names another site file.
    (etc / "qms.env").write_text(f"QMS_CONFIG={tmp_path}/missing.toml\n", encoding="utf-8")
    refused = run(dict(env), "open-day")
    assert refused.returncode != 0 and "missing.toml" in refused.stderr


def test_postgres_setup_makes_a_role_and_database_the_server_uses(tmp_path):
    suffix = uuid.uuid4().hex[:8]
    db, role = f"qms_setup_{suffix}", f"qms_role_{suffix}"
    env = dict(os.environ, PSQL="psql -h 127.0.0.1 -U postgres")
    admin = sa.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        first = subprocess.run(["sh", POSTGRES_SETUP, db, role], env=env, capture_output=True,
                               text=True, timeout=60)
        assert first.returncode == 0, first.stderr
        url = first.stdout.strip().splitlines()[-1]
        assert re.fullmatch(rf"postgresql://{role}:[0-9a-f]{{32}}@127\.0\.0\.1:5432/{db}", url)
        again = subprocess.run(["sh", POSTGRES_SETUP, db, role], env=env, capture_output=True,
                               text=True, timeout=60)
        assert again.returncode == 0, again.stderr  # a second run keeps the database
        url = again.stdout.strip().splitlines()[-1]
        done = subprocess.run([sys.executable, "-m", "server.cli", "open-day", "--store", url,
                               "--site", os.path.join(ROOT, "server", "sites", "demo.toml"),
                               "--instance", str(tmp_path / "instance")],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        with admin.connect() as conn:
            owner = conn.execute(sa.text(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :db"), {"db": db}
            ).scalar()
        assert owner == role
        user = sa.create_engine(url)
        with user.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar() >= 1
            assert conn.execute(sa.text("SELECT tableowner FROM pg_tables WHERE tablename = 'events'")
                                ).scalar() == role
        user.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            conn.execute(sa.text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def test_the_packages_of_step_one_are_there_and_the_script_knows_them():
    """deploy/packages.sh is step 1 (tests/run.sh runs it before every test run, so CI installs
    by it); here it finds every package of both roles installed and installs nothing."""
    script = os.path.join(ROOT, "deploy", "packages.sh")
    for role in ("server", "agent"):
        done = subprocess.run(["sh", script, "--check", role], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert "all installed" in done.stdout
    listed = subprocess.run(["sh", script, "--check", "server"], capture_output=True,
                            text=True).stdout
    for package in ("nginx", "postgresql", "redis-server", "python3-venv", "openssl"):
        assert package in listed
    assert subprocess.run(["sh", script, "--check", "kiosk"], capture_output=True).returncode == 2
