"""SQLite's WAL checkpoints off the call path (issue 15).

SQLite copies the WAL back into the database file (a checkpoint) inside the commit that takes
the WAL past 1000 pages: about one call in 300 waited for ~1000 page writes and an fsync of
the database file before its push could leave (179 ms once on the loaded box, where a commit
takes 3 ms). `qms serve` makes that copy itself, in a real OS thread (server/blocking.py),
every EVERY commits, right after a change has been pushed: the WAL never reaches SQLite's own
threshold, and the commit after a checkpoint simply starts the WAL over. PASSIVE: the copy
neither waits for a writer nor makes one wait. SQLite's threshold stays, as the safety net
for any process without this task (the `qms` command) or a copy that falls behind.
"""
import logging
import time

from .blocking import run_blocking
from .store import StoreUnavailable

log = logging.getLogger(__name__)

EVERY = 50  # commits, 3-6 WAL frames each: far below SQLite's 1000 frames


class Checkpoints:
    """A runtime listener that starts a checkpoint after every EVERY commits, one at a time."""

    def __init__(self, store, spawn, every=EVERY):
        self.store = store
        self.spawn = spawn  # starts a background task (socketio.start_background_task)
        self.every = every
        self.last = store.appended
        self.running = False
        self.done = 0

    def on_change(self, events, state):
        if self.running or self.store.appended - self.last < self.every:
            return
        self.running = True
        self.last = self.store.appended
        self.spawn(self._copy)

    def _copy(self):
        started = time.perf_counter()
        try:
            frames, copied = run_blocking(self.store.checkpoint)
            self.done += 1
            log.info("WAL checkpoint: %d of %d frames copied in %.1f ms", copied, frames,
                     (time.perf_counter() - started) * 1000,
                     extra={"frames": frames, "copied": copied})
        except StoreUnavailable as exc:  # SQLite's own threshold still applies
            log.warning("WAL checkpoint failed: %s", exc)
        except Exception:  # a bug here must not stop the next ones
            log.exception("WAL checkpoint failed")
        finally:
            self.running = False


def start(runtime, socketio):
    """Checkpoint an SQLite store between calls; nothing to do on PostgreSQL."""
    if runtime.store.checkpoint() is None:
        return None
    checkpoints = Checkpoints(runtime.store, socketio.start_background_task)
    runtime.subscribe(checkpoints.on_change)
    return checkpoints
