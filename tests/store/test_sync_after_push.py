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
