"""SQLite's WAL checkpoints between calls (issue 15, server/checkpoints.py), on a real store:
after every EVERY commits a change starts one copy, never two at once, and the WAL then holds
only what came after."""
from server.checkpoints import Checkpoints
from server.store import open_store


def test_a_checkpoint_follows_every_so_many_commits(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    started = []
    checkpoints = Checkpoints(store, started.append, every=20)
    try:
        for seq in range(1, 20):
            store.append("s1", [{"seq": seq, "type": "ticket_called", "at": 1.0}])
            checkpoints.on_change([], None)
        assert started == []
        store.append("s1", [{"seq": 20, "type": "ticket_called", "at": 1.0}])
        checkpoints.on_change([], None)
        assert len(started) == 1
        checkpoints.on_change([], None)
        store.append("s1", [{"seq": 21, "type": "ticket_called", "at": 1.0}])
        checkpoints.on_change([], None)
        assert len(started) == 1  # one at a time, and the count starts again
        started[0]()  # the background task: here, in this thread
        assert checkpoints.done == 1 and not checkpoints.running
        store.append("s1", [{"seq": 22, "type": "ticket_called", "at": 1.0}])
        frames, copied = store.checkpoint()
        assert frames == copied and frames < 10  # the WAL started over after the copy
    finally:
        store.close()


def test_nothing_to_do_on_postgresql():
    class Postgres:
        appended = 0

        def checkpoint(self):
            return None

    class Runtime:
        store = Postgres()

    from server import checkpoints
    assert checkpoints.start(Runtime(), socketio=None) is None
