"""Garbage collection off the call path (issue 15).

One event loop serves every display: a full (generation 2) collection stops it for as long as
it takes to walk every tracked object — 55–80 ms with 1000 displays connected — and a call
whose push meets one reaches all its displays that much later. So `qms serve`:

1. freezes the start-up heap (`gc.freeze()`: imports, the app, the day's state). Those
   objects live as long as the process; no collection walks them again.
2. leaves the young generations to the interpreter at its own thresholds and pushes the
   automatic full collection far out (FULL_AFTER generation-1 runs instead of 10). A larger
   first threshold (5000) was measured and dropped: each young collection then cost ~6 ms
   of CPU instead of 0.05 ms, twice the young-collection CPU per call at 1000 displays
   (docs/performance.md).
3. runs the full collection itself, between calls: a background task collects when the
   site has been quiet for QUIET_SECONDS after its last change (a push to 1000 TV sticks
   leaves in well under that), then freezes what survived, so the next full collection only
   walks what is newer. Objects frozen that later become cyclic garbage (a display that
   disconnected) would never be freed, so every REFREEZE_SECONDS a quiet moment also thaws
   the frozen heap, collects it whole and freezes it again.
4. never lets pending work grow without bound on a site that is never quiet: past
   FORCE_PENDING young-generation-1 runs since the last full collection it collects anyway
   (still right after a tick, never inside a push), as the interpreter would have.

The same scheme costs nothing to correctness: a collection never frees a reachable object,
whenever it runs.
"""
import contextlib
import gc
import logging
import time

log = logging.getLogger(__name__)

YOUNG_THRESHOLD = 700    # allocations between young collections (the interpreter's own)
MIDDLE_THRESHOLD = 10    # young collections per generation-1 collection (default 10)
FULL_AFTER = 1000        # generation-1 collections before an automatic full one (default 10)
QUIET_SECONDS = 0.5
TICK_SECONDS = 0.25
FORCE_PENDING = 200
REFREEZE_SECONDS = 600.0


@contextlib.contextmanager
def none_inside():
    """No collection while the block runs: a call's way from the officer's command to the
    displays' push (SiteRuntime.execute). A young collection there (0.05–0.3 ms, one call in
    three or four) made those displays late; deferred, it runs at the next allocation after
    the block, with the rest of the change's work. A block inside another leaves the switch to
    the outer one."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def thresholds():
    return (YOUNG_THRESHOLD, MIDDLE_THRESHOLD, FULL_AFTER)


class Collector:
    """Schedules the full collections of one server process (see the module's docstring)."""

    def __init__(self, clock=time.monotonic, quiet=QUIET_SECONDS, refreeze=REFREEZE_SECONDS,
                 force_pending=FORCE_PENDING):
        self.clock = clock
        self.quiet = quiet
        self.refreeze = refreeze
        self.force_pending = force_pending
        self.last_change = clock()
        self.last_thaw = clock()
        self.full_collections = 0

    def configure(self):
        """At start-up, once everything long-lived exists: freeze it, set the thresholds."""
        gc.collect()  # what start-up left as garbage is not frozen for life
        gc.freeze()
        gc.set_threshold(*thresholds())
        self.last_thaw = self.clock()
        return {"frozen": gc.get_freeze_count(), "thresholds": list(gc.get_threshold())}

    def on_change(self, events, state):
        """A runtime listener: a change is being pushed now; the next quiet moment is later."""
        self.last_change = self.clock()

    def pending(self):
        """Generation-1 collections since the last full one: the full collection's backlog."""
        return gc.get_count()[2]

    def tick(self):
        """Collect now if this is a good moment; returns what was done (None, "full", "thaw")."""
        now = self.clock()
        quiet = now - self.last_change >= self.quiet
        if quiet and now - self.last_thaw >= self.refreeze:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.last_thaw = self.clock()
            self.full_collections += 1
            return "thaw"
        if (quiet and self.pending() > 0) or self.pending() >= self.force_pending:
            gc.collect()
            gc.freeze()
            self.full_collections += 1
            return "full"
        return None

    def run(self, sleep):
        """The background task: `sleep` is the async mode's (socketio.sleep)."""
        while True:
            sleep(TICK_SECONDS)
            try:
                self.tick()
            except Exception:  # a collector that stops must not take the server with it
                log.exception("scheduled garbage collection failed")


def start(runtime, socketio):
    """Freeze the start-up heap, set the thresholds and start the scheduled collections."""
    collector = Collector()
    settings = collector.configure()
    runtime.subscribe(collector.on_change)
    socketio.start_background_task(collector.run, socketio.sleep)
    return collector, settings
