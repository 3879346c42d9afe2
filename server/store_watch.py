"""Changes written by another process reach this process's screens at once.

Another server process of the same site, or a `qms` command (`close-day`, `open-day`), appends
to the same store. A background task of `qms serve` watches the store and, when the site's log
grew, catches the runtime up: the runtime's listeners then push the new state to this process's
displays, kiosks, counters and print agents, as for a change made here.

PostgreSQL wakes the watcher at once (every append sends NOTIFY); SQLite is read a few times a
second (`STORE_WATCH_SECONDS`): one indexed range read of the events after the last seq seen,
on a pooled connection that goes back to the pool at once, so no read transaction stays open
to hold back SQLite's WAL checkpoints.
"""
import logging

from .store import StoreUnavailable

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0


def start_store_watch(app, socketio):
    """Start the watcher as a background task of the app's async mode (a green thread under
    eventlet); it runs for the life of the process."""
    runtime = app.extensions["qms.runtime"]
    wait = runtime.store.change_waiter(float(app.config["STORE_WATCH_SECONDS"]))

    def watch():
        while True:
            try:
                wait()
                with app.app_context():
                    runtime.refresh()
            except StoreUnavailable as exc:
                log.warning("store watch: store unavailable (%s); retrying", exc)
                socketio.sleep(RETRY_SECONDS)
            except Exception:  # a bug here must not end the watch for the day
                log.exception("store watch failed; retrying")
                socketio.sleep(RETRY_SECONDS)

    return socketio.start_background_task(watch)
