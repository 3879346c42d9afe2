"""Garbage collection off the call path (issue 15, server/collector.py).

The served process is checked from outside: `qms serve` reports what its own collector holds
after start-up (gc.get_freeze_count(), gc.get_threshold() read in that process). The
scheduling rules are checked in this process against the real collector: a cycle of garbage
is freed only at a quiet moment, or when the backlog is too long to wait for one.
"""
import gc
import json
import time
import weakref

import pytest

from server import collector
from support.server_process import ServerProcess


def _settings(log):
    for line in log.splitlines():
        if line.startswith("{") and '"qms.collector"' in line:
            return json.loads(line)["gc"]
    return None


def test_served_process_has_frozen_its_start_up_heap(tmp_path):
    with ServerProcess(tmp_path / "instance") as server:
        deadline = time.monotonic() + 10
        settings = _settings(server.log())
        while settings is None and time.monotonic() < deadline:
            time.sleep(0.1)
            settings = _settings(server.log())
    assert settings is not None, server.log()
    # Flask, SQLAlchemy, eventlet, the app and the day's state: far more than a bare interpreter.
    assert settings["frozen"] > 50_000, settings
    assert settings["thresholds"] == list(collector.thresholds())
    assert settings["thresholds"] != [700, 10, 10]  # not the interpreter's defaults


class Cycle:
    def __init__(self):
        self.me = self  # only a collection can free it


@pytest.fixture
def real_gc():
    """The test process's own collector, put back as it was afterwards."""
    thresholds = gc.get_threshold()
    gc.collect()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    gc.collect()


def _garbage_cycle():
    cycle = Cycle()
    ref = weakref.ref(cycle)
    gc.collect(1)  # alive: moved to the oldest generation, as long-lived objects are
    del cycle      # garbage now, and only a full collection walks it
    return ref


def test_full_collection_waits_for_a_quiet_moment(real_gc):
    scheduled = collector.Collector(quiet=0.2, refreeze=3600, force_pending=10_000)
    ref = _garbage_cycle()
    scheduled.on_change([], None)  # a change is being pushed
    assert scheduled.tick() is None and ref() is not None  # not during a push
    time.sleep(0.25)
    frozen = gc.get_freeze_count()
    assert scheduled.tick() == "full"
    assert ref() is None
    assert gc.get_freeze_count() > frozen  # survivors frozen: the next one walks only newer
    assert scheduled.tick() is None  # nothing pending: no collection for nothing


def test_a_never_quiet_site_still_collects(real_gc):
    scheduled = collector.Collector(quiet=3600, refreeze=3600, force_pending=2)
    scheduled.on_change([], None)
    ref = _garbage_cycle()
    _garbage_cycle()
    assert scheduled.pending() >= 2
    assert scheduled.tick() == "full"
    assert ref() is None


def test_frozen_garbage_is_thawed_and_freed_at_a_quiet_moment(real_gc):
    scheduled = collector.Collector(quiet=0.05, refreeze=0.1, force_pending=10_000)
    cycle = Cycle()
    ref = weakref.ref(cycle)
    gc.freeze()  # frozen while alive, as a display's socket is after a scheduled collection
    del cycle
    gc.collect()
    assert ref() is not None  # a frozen cycle is never walked
    time.sleep(0.15)
    assert scheduled.tick() == "thaw"
    assert ref() is None
