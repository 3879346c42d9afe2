"""A call reaches the displays while its commit is synced to disk, not after (issue 15), and
nothing the officer or the kiosk is told comes before the sync: the runtime commits without
the commit's fdatasync, tells the displays, syncs the WAL, then tells everything else and
answers. On real SQLite files."""
import os
import subprocess
import sys
import textwrap

import pytest

from server.app import DEMO_SITE, load_site
from server.engine import Refused
from server.engine import commands as c
from server.runtime import SiteRuntime
from server.store import open_store

T = 1_796_090_400.0  # 2026-12-01 08:00 in Vietnam
DAY = "2026-12-01"


def event(seq):
    return {"site_id": "s1", "seq": seq, "type": "ticket_issued", "at": 1000.0 + seq}


def synced_files(monkeypatch):
    """The files os.fdatasync is called on, from now on (the real sync still happens)."""
    paths, real = [], os.fdatasync

    def recording(fd):
        paths.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)
    monkeypatch.setattr(os, "fdatasync", recording)
    return paths


def test_a_deferred_commit_is_synced_by_make_durable(tmp_path, monkeypatch):
    store = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        store.append("s1", [event(1)], durable=False)
        # Committed: another connection (another process of the site) reads it at once.
        assert open_store(store.url).last_seq("s1") == 1
        with store.engine.connect() as conn:  # the pooled connection is back at FULL
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        synced = synced_files(monkeypatch)
        store.make_durable()
        assert synced == [str(tmp_path / "store.sqlite3-wal")]
    finally:
        store.close()
    store.make_durable()  # no WAL left (the last connection checkpointed it): nothing to do
    unsynced = open_store(f"sqlite:///{tmp_path}/normal.sqlite3", sqlite_synchronous="NORMAL")
    try:
        unsynced.append("s1", [event(1)], durable=False)
        synced = synced_files(monkeypatch)
        unsynced.make_durable()  # an operator who chose NORMAL chose no sync per commit
        assert synced == []
    finally:
        unsynced.close()


def test_a_deferred_commit_survives_the_process_dying_before_its_sync(tmp_path):
    """A crash between the commit and make_durable loses nothing: the bytes are the kernel's
    (only a power cut in that millisecond could, and then no one was told of the call)."""
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    open_store(url).close()
    script = textwrap.dedent(f"""
        import os
        from server.store import open_store
        store = open_store({url!r})
        store.append("s1", [{event(1)!r}], durable=False)
        os._exit(9)  # killed before make_durable: no close, no checkpoint
    """)
    done = subprocess.run([sys.executable, "-c", script], timeout=60,
                          env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert done.returncode == 9
    store = open_store(url)
    try:
        assert [e["seq"] for e in store.events_after("s1", 0)] == [1]
    finally:
        store.close()


@pytest.fixture
def runtime(tmp_path):
    store = open_store("sqlite:///" + str(tmp_path / "qms.sqlite3"))
    rt = SiteRuntime(load_site(DEMO_SITE), store)
    rt.execute(c.OpenDay(DAY, T))
    rt.execute(c.OpenCounter(1, T, "lan"))
    rt.execute(c.IssueTicket("CCCD", None, "r-1", T + 10))
    yield rt
    store.close()


def test_the_displays_hear_of_a_call_before_the_sync_and_everyone_else_after(
        runtime, monkeypatch):
    seen = []
    real_sync = runtime.store.make_durable

    def sync():
        seen.append("sync")
        real_sync()
    monkeypatch.setattr(runtime.store, "make_durable", sync)
    runtime.subscribe(lambda events, state: seen.append(("displays", state.seq)),
                      before_sync=True)
    runtime.subscribe(lambda events, state: seen.append(("others", state.seq)))
    events = runtime.execute(c.CallNext(1, T + 20))
    seq = events[-1]["seq"]
    assert seen == [("displays", seq), "sync", ("others", seq)]
    # The call was committed before the displays were told: another process reads it.
    assert open_store(runtime.store.url).last_seq(runtime.site.id) == seq

    seen.clear()
    with pytest.raises(Refused):  # nothing appended, nothing to sync, no one told
        runtime.execute(c.CallNext(1, T + 30))
    assert seen == []


def test_a_store_behind_a_symbolic_link_syncs_the_wal_sqlite_writes(tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    (tmp_path / "qms.sqlite3").symlink_to(tmp_path / "real" / "qms.sqlite3")
    store = open_store(f"sqlite:///{tmp_path}/qms.sqlite3")
    try:
        synced = synced_files(monkeypatch)
        store.append("s1", [event(1)])
        assert synced == [str(tmp_path / "real" / "qms.sqlite3-wal")]
    finally:
        store.close()


def test_a_change_made_during_a_sync_is_synced_before_anyone_else_hears_of_it(
        runtime, monkeypatch):
    """While a worker thread syncs, the loop goes on: another officer's change can be
    committed then. The first change's other listeners see the state with it, so it must
    be on disk before they run."""
    syncs, heard = [], []
    real_sync = runtime.store.make_durable

    def sync():
        syncs.append(runtime.state.seq)
        if len(syncs) == 1:  # another greenlet commits while this sync runs
            runtime._decide_and_append(c.IssueTicket("CCCD", None, "r-2", T + 21), "r-2", [])
        real_sync()
    monkeypatch.setattr(runtime.store, "make_durable", sync)
    runtime.subscribe(lambda events, state: heard.append(state.seq))
    runtime.execute(c.CallNext(1, T + 20))
    assert heard == [syncs[-1]] and len(syncs) == 2  # synced again, up to what they saw


def test_a_failed_sync_tells_no_one_but_the_displays(runtime, monkeypatch):
    from server.store import StoreUnavailable
    heard = []

    def broken():
        raise StoreUnavailable("could not sync the write-ahead log: EIO")
    monkeypatch.setattr(runtime.store, "make_durable", broken)
    runtime.subscribe(lambda events, state: heard.append("displays"), before_sync=True)
    runtime.subscribe(lambda events, state: heard.append("others"))
    with pytest.raises(StoreUnavailable):
        runtime.execute(c.CallNext(1, T + 20))
    assert heard == ["displays"]  # no counter view, no print job, no answer


def test_a_retried_ticket_is_answered_once_it_is_on_disk(runtime, monkeypatch):
    ticket, created = runtime.take_ticket("CCCD", None, "r-9", None)
    assert created
    syncs = []
    monkeypatch.setattr(runtime.store, "make_durable", lambda: syncs.append(runtime.state.seq))
    runtime._durable_seq -= 1  # its first answer still waiting on the sync
    again, created = runtime.take_ticket("CCCD", None, "r-9", None)
    assert (again.id, created, syncs) == (ticket.id, False, [runtime.state.seq])


def test_another_processs_change_is_synced_before_its_news_goes_further(runtime, monkeypatch):
    """A second server process (or `qms`) may be syncing what it just committed: whoever reads
    it syncs the file too before acting on it (any process's fdatasync does)."""
    other = open_store(runtime.store.url)
    try:
        seq = runtime.state.seq + 1
        other.append(runtime.site.id, [{"site_id": runtime.site.id, "seq": seq,
                                        "type": "counter_paused", "counter": 1, "at": T + 30}],
                     durable=False)
    finally:
        other.close()
    order = []
    real_sync = runtime.store.make_durable
    monkeypatch.setattr(runtime.store, "make_durable",
                        lambda: order.append("sync") or real_sync())
    runtime.subscribe(lambda events, state: order.append(("others", state.seq)))
    runtime.refresh()
    assert order == ["sync", ("others", seq)]


def test_a_busy_database_is_not_tried_twice(tmp_path):
    """Another process holding the write lock past the timeout: StoreUnavailable at once, and
    the held connection is kept (a second try would only wait as long again)."""
    import sqlite3

    from server.store import StoreUnavailable
    from server.store.sql import EVENTS_INSERT
    from server.store.sqlite_held import HeldSqlite
    store = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    held = HeldSqlite(str(tmp_path / "store.sqlite3"), "NORMAL", timeout=0.1)
    blocker = sqlite3.connect(str(tmp_path / "store.sqlite3"), isolation_level=None)
    try:
        held.write([(EVENTS_INSERT, [{"site_id": "s1", "seq": 1, "type": "x", "at": 1.0,
                                      "body": "{}", "day": None}])])
        conn = held.conn
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailable, match="locked"):
            held.write([(EVENTS_INSERT, [{"site_id": "s1", "seq": 2, "type": "x", "at": 2.0,
                                          "body": "{}", "day": None}])])
        assert held.conn is conn
    finally:
        blocker.close()
        held.close()
        store.close()
