"""Records every garbage collection of a benchmarked server (ours or the bare baseline).

Put this folder first on PYTHONPATH and name a file in QMS_GC_PROBE: Python imports
`sitecustomize` at start-up, before the server's own code, so both servers are measured the
same way without a line of theirs changed. Each collection appends one line to the file:

    <start, time.monotonic()> <pause seconds> <generation> <objects collected> <CPU seconds>

The CPU seconds (the thread's own CPU time, time.thread_time) are what the collection cost
the server; the pause is what its clients saw, longer when other processes had the cores.

CLOCK_MONOTONIC is one clock for every process on Linux, so bench/call_to_display.py can put
the pauses next to the calls it timed. One unbuffered os.write per collection (a few µs):
a line survives the server being killed at the end of the run.
"""
import gc
import os
import time

_path = os.environ.get("QMS_GC_PROBE")
if _path:
    _fd = os.open(_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    _started = [0.0, 0.0, 0.0]
    _clock, _perf, _cpu = time.monotonic, time.perf_counter, time.thread_time

    def _probe(phase, info):
        if phase == "start":
            _started[0], _started[1], _started[2] = _clock(), _perf(), _cpu()
        else:
            os.write(_fd, b"%.6f %.6f %d %d %.6f\n" % (
                _started[0], _perf() - _started[1], info["generation"], info["collected"],
                _cpu() - _started[2]))

    gc.callbacks.append(_probe)
