"""The event store on real SQLite files and a real PostgreSQL server (local, standard port)."""
import pytest

from server.store import Conflict, open_store
from support.databases import fresh_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
        yield s
        s.close()
        return
    pytest.importorskip("psycopg")
    with fresh_postgres() as url:
        s = open_store(url)
        try:
            yield s
        finally:
            s.close()


def event(seq, type_="ticket_issued", **data):
    return {"site_id": "s1", "seq": seq, "type": type_, "at": 1000.0 + seq, **data}


def test_append_and_read_back(store):
    store.append("s1", [event(1, "day_opened", day="2026-11-20"), event(2, label="A001")])
    assert [e["seq"] for e in store.events_after("s1", 0)] == [1, 2]
    assert store.events_after("s1", 1)[0]["label"] == "A001"
    assert store.last_seq("s1") == 2 and store.last_seq("other") == 0


def test_the_same_seq_is_taken_once(store):
    store.append("s1", [event(1)])
    with pytest.raises(Conflict):
        store.append("s1", [event(1, label="other writer")])
    # The losing transaction left nothing behind, not even part of a multi-event append.
    with pytest.raises(Conflict):
        store.append("s1", [event(2), event(1)])
    assert [e["seq"] for e in store.events_after("s1", 0)] == [1]


def test_a_request_id_is_claimed_once(store):
    store.append("s1", [event(1)], request_id="r-1")
    with pytest.raises(Conflict):
        store.append("s1", [event(2)], request_id="r-1")
    assert store.request_known("s1", "r-1") == 1
    assert store.request_known("s1", "r-2") is None
    assert store.last_seq("s1") == 1


def test_start_up_reads_only_the_current_day(store):
    store.append("s1", [event(1, "day_opened", day="2026-11-20"), event(2)])
    store.append("s1", [event(3, "day_closed"), event(4, "day_opened", day="2026-11-21"), event(5)])
    store.append("s1", [event(6, "day_closed"), event(7, "day_opened", day="2026-11-21"), event(8)])
    # The 21st was closed and reopened: it is still one day, read from its first opening.
    assert [e["seq"] for e in store.load_current_day("s1")] == [4, 5, 6, 7, 8]


def test_officers_and_devices(store):
    store.add_officer("s1", "canbo", "hash-1", "Cán bộ", "officer")
    store.add_officer("s1", "canbo", "hash-2", "Cán bộ Một", "admin")
    assert store.officer("s1", "canbo")["password_hash"] == "hash-2"
    assert store.officer("s1", "nobody") is None
    store.add_device("s1", "K1", "abc", 1.0)
    assert store.device_by_token_hash("s1", "abc")["kiosk"] == "K1"
    assert store.device_by_token_hash("s1", "zzz") is None
    # Each site its own: the same name is another officer elsewhere; a token is not valid there.
    assert store.officer("s2", "canbo") is None and store.device_by_token_hash("s2", "abc") is None
    store.add_officer("s2", "canbo", "hash-3", "Cán bộ khác", "officer")
    store.add_device("s2", "K1", "abc", 2.0)  # the same token hash, another site: no clash
    assert store.officer("s1", "canbo")["password_hash"] == "hash-2"
    assert [o["display_name"] for o in store.all_officers("s2")] == ["Cán bộ khác"]
    assert store.update_officer("s2", "canbo", disabled=True)
    assert not store.officer("s1", "canbo")["disabled"]
    assert store.remove_devices("s2", "K1") == 1
    assert store.device_by_token_hash("s1", "abc")["kiosk"] == "K1"


def test_vietnamese_text_round_trips(store):
    store.append("s1", [event(1, note="Trả lại – thiếu ảnh, sai địa chỉ Phường Bến Nghé")])
    assert store.events_after("s1", 0)[0]["note"] == "Trả lại – thiếu ảnh, sai địa chỉ Phường Bến Nghé"


def test_a_session_ended_elsewhere_is_read_as_ended_at_once(store):
    """The session read (every officer request) sees another process's revocation at its
    next read, though it keeps its connection between reads (issue 15)."""
    store.add_session("s1", "h1", "canbo", "officer", 1000.0, 9000.0)
    assert store.session("s1", "h1")["revoked_at"] is None
    other = open_store(store.url)  # another process of the site, or the `qms` command
    try:
        other.revoke_sessions("s1", 2000.0, username="canbo")
        assert store.session("s1", "h1")["revoked_at"] == 2000.0
        other.add_session("s1", "h2", "canbo", "chief", 2100.0, 9000.0)
        assert store.session("s1", "h2")["role"] == "chief"
    finally:
        other.close()
    assert store.session("s1", "nope") is None and store.session("s2", "h2") is None


def test_the_session_read_survives_a_lost_connection(tmp_path):
    """A held connection cut by the database server (a restart) is replaced at the next read,
    not answered as 'store unavailable'."""
    pytest.importorskip("psycopg")
    import sqlalchemy as sa
    with fresh_postgres() as url:
        store = open_store(url)
        try:
            store.add_session("s1", "h1", "canbo", "officer", 1000.0, 9000.0)
            assert store.session("s1", "h1")["username"] == "canbo"
            admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                cut = conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
            admin.dispose()
            assert cut  # the held connection was among them
            assert store.session("s1", "h1")["username"] == "canbo"
        finally:
            store.close()


def test_a_serving_store_starts_with_a_full_size_wal(tmp_path):
    """`qms serve` makes the WAL full size first (issue 15): commits then overwrite it and its
    size never changes (no journal commit of the file size in each fsync), and the room was
    made without committing anything."""
    store = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        size = store.presize_wal()
        wal = tmp_path / "store.sqlite3-wal"
        assert size == wal.stat().st_size >= 1000 * (24 + 4096)
        for seq in range(1, 401):  # past the first checkpoint, which starts the WAL over
            store.append("s1", [event(seq)], request_id=f"r-{seq}")
        assert wal.stat().st_size == size
        assert store.last_seq("s1") == 400 and store.audit_entries("") == []
        assert open_store(store.url).presize_wal() == size  # a second process: nothing to do
    finally:
        store.close()
    unsynced = open_store(f"sqlite:///{tmp_path}/normal.sqlite3", sqlite_synchronous="NORMAL")
    assert unsynced.presize_wal() is None  # no fsync per commit: nothing to gain
    unsynced.close()


def test_a_checkpoint_sends_the_wal_back_to_its_start(tmp_path):
    """SqlStore.checkpoint copies what the WAL holds into the database file, so that the next
    commit starts the WAL over (what server/checkpoints.py runs between calls)."""
    store = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        store.presize_wal()
        for seq in range(1, 51):
            store.append("s1", [event(seq)])
        frames, copied = store.checkpoint()
        assert frames == copied > 50  # every committed frame, one commit a few frames
        store.append("s1", [event(51)])
        frames, copied = store.checkpoint()
        assert frames == copied < 10  # only the last commit's: the WAL started over
        assert store.last_seq("s1") == 51 and store.appended == 51
    finally:
        store.close()
