"""Schema versions: a new store is at the newest revision with exactly the app's tables; a
store made by the release before migrations (checked-in dumps) upgrades in place at start and
serves its data; two processes starting together migrate once."""
import pathlib
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from server.site_file import DEMO_SITE
from server.store import open_store
from server.store.migrations import current, head, upgrade
from server.store.sql import metadata
from support.databases import fresh_store
from support.inprocess import InProcessSite

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
KINDS = ["sqlite", "postgresql"]


def load_old_store(kind, url):
    """Recreate the old release's store from its dump."""
    dump = (FIXTURES / f"store-before-migrations.{kind}.sql").read_text(encoding="utf-8")
    if kind == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            db.executescript(dump)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(dump)
    engine.dispose()


def version_and_drift(url):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = current(conn), compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_store_is_at_the_newest_revision_with_the_apps_tables(kind, tmp_path):
    with fresh_store(kind, tmp_path) as url:
        open_store(url).close()
        revision, drift = version_and_drift(url)
        assert revision == head()
        # The revisions build exactly what server/store/sql.py queries: a table added to one
        # and not the other shows here.
        assert drift == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_store_of_the_release_before_upgrades_in_place_and_serves(kind, tmp_path):
    with fresh_store(kind, tmp_path) as url:
        load_old_store(kind, url)
        assert version_and_drift(url)[0] is None  # no version: made before migrations
        # The app in this process: its start-up (create_app) is what upgrades the store.
        with InProcessSite(tmp_path / "instance", site=DEMO_SITE, demo=False,
                           config={"STORE_URL": url}) as server:
            state = server.get("/api/state").json()
            assert state["seq"] == 4 and state["day"] == "2026-11-20"
            waiting = {s["code"]: s["waiting"] for s in state["services"]}
            assert waiting["CCCD"] == 2 and waiting["VNEID"] == 1
            # The old store's canbo still has the published demo password: the upgrade marks it
            # a demo account, refused when serving for real (docs/security.md).
            refused = server.post("/api/login",
                                  json={"username": "canbo", "password": "canbo123"})
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "demo_account"
        revision, drift = version_and_drift(url)
        assert revision == head() and drift == []
        store = open_store(url)
        try:
            assert [e["seq"] for e in store.events_after("demo-ben-nghe", 0)] == [1, 2, 3, 4]
            # The old officers and devices belong to the store's one site (revision 0005).
            assert store.device_by_token_hash("demo-ben-nghe", "0" * 64)["kiosk"] == "K1"
            assert store.officer("demo-ben-nghe", "canbo")["role"] == "officer"
            assert store.officer("another-site", "canbo") is None
            assert store.device_by_token_hash("another-site", "0" * 64) is None
        finally:
            store.close()


@pytest.mark.parametrize("kind", KINDS)
def test_two_processes_starting_together_migrate_once(kind, tmp_path):
    with fresh_store(kind, tmp_path) as url:
        errors = []

        def start():
            try:
                upgrade(url)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert version_and_drift(url) == (head(), [])


def store_at(url, revision):
    """A store built up to `revision` only, as an older release left it."""
    from alembic import command
    from server.store.migrations import alembic_config
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    return engine


@pytest.mark.parametrize("kind", KINDS)
def test_officers_and_devices_of_an_older_store_go_to_its_sites(kind, tmp_path):
    """Revision 0005: officers and devices made when they belonged to no site. A store of one
    site gives them to it; a store two sites share gives each site a copy (nobody locked out)."""
    with fresh_store(kind, tmp_path) as url:
        engine = store_at(url, "0004")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO officers (username, password_hash, display_name, "
                                 "role) VALUES ('lan', 'h', 'Lan', 'admin')"))
            conn.execute(sa.text("INSERT INTO devices (kiosk, token_hash, created_at) "
                                 "VALUES ('K1', 'abc', 1)"))
            for site in ("site-a", "site-b"):
                conn.execute(sa.text("INSERT INTO site_secrets VALUES (:s, 'x')"), {"s": site})
        engine.dispose()
        store = open_store(url)
        try:
            for site in ("site-a", "site-b"):
                assert store.officer(site, "lan")["role"] == "admin"
                assert store.device_by_token_hash(site, "abc")["kiosk"] == "K1"
            assert store.officer("site-c", "lan") is None
            store.add_device("site-a", "K2", "def", 2.0)  # ids go on after the copied ones
            assert store.remove_devices("site-b", "K1") == 1
            assert store.device_by_token_hash("site-a", "abc")["kiosk"] == "K1"
        finally:
            store.close()
        assert version_and_drift(url) == (head(), [])


def test_a_store_that_names_no_site_gives_its_officers_to_the_site_opening_it(tmp_path):
    url = f"sqlite:///{tmp_path}/site.sqlite3"
    store_at(url, "0004").dispose()
    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.text("INSERT INTO officers (username, password_hash, display_name, role) "
                             "VALUES ('lan', 'h', 'Lan', 'officer')"))
    store = open_store(url, site_id="xa-abc")
    try:
        assert store.officer("xa-abc", "lan")["display_name"] == "Lan"
    finally:
        store.close()
