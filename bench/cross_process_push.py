"""Benchmark: a change written by another process, to a display connected to the server.

    python bench/cross_process_push.py --writes 200 [--stores sqlite,postgresql]

For each store: start the real server (`qms serve --demo`, eventlet) on a fresh store, connect
a display (python-socketio, WebSocket), then `writes` times: append one ticket to the same store
from this benchmark process through the runtime, as `qms open-day`/`close-day` or a second
server process do (t0 = time.monotonic() just before the append), and wait until the display
holds a `state` with that ticket's seq. Latency = arrival - t0: the store watch
(server/store_watch.py) — PostgreSQL's NOTIFY, or SQLite read every STORE_WATCH_SECONDS (0.2 s)
— plus the catch-up and the push. Writes are spaced by a random 0-300 ms so they fall anywhere
in SQLite's read interval.
"""
import argparse
import os
import queue
import random
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import socketio  # noqa: E402

from support.databases import fresh_store  # noqa: E402

WARMUP = 5


def measure(kind, writes, workdir, watch_seconds=None):
    from server import clock
    from server.app import DEMO_SITE, load_site
    from server.engine.commands import IssueTicket
    from server.runtime import SiteRuntime
    from server.store import open_store

    with fresh_store(kind, workdir, "qms_bench_push") as url:
        env = {"QMS_STORE_WATCH_SECONDS": str(watch_seconds)} if watch_seconds else None
        server = common.server(os.path.join(workdir, kind), store=url, env=env).start(timeout=60)
        seqs = queue.Queue()
        display = socketio.Client(reconnection=False)
        display.on("state", lambda data: seqs.put((time.monotonic(), data["seq"])))
        try:
            display.connect(server.url, transports=["websocket"], wait_timeout=10)
            display.call("join", {"role": "display"}, timeout=10)
            writer = SiteRuntime(load_site(DEMO_SITE), open_store(url))
            samples = []
            for i in range(WARMUP + writes):
                time.sleep(random.uniform(0, 0.3))
                t0 = time.monotonic()
                events = writer.execute(IssueTicket("CCCD", None, uuid.uuid4().hex, clock.now()))
                target = events[-1]["seq"]
                while True:
                    at, seq = seqs.get(timeout=10)
                    if seq >= target:
                        break
                if i >= WARMUP:
                    samples.append(at - t0)
            writer.store.close()
        finally:
            display.disconnect()
            server.stop()
    return samples


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument("--watch-seconds", type=float, default=None,
                    help="QMS_STORE_WATCH_SECONDS for the server (default: its own, 0.2); "
                         "a long one shows PostgreSQL's NOTIFY alone")
    args = ap.parse_args(argv)
    print(f"load average before: {os.getloadavg()}", flush=True)
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as workdir:
        for kind in args.stores.split(","):
            samples = measure(kind, args.writes, workdir, args.watch_seconds)
            figures = {"n": len(samples), "median_ms": common.ms(common.percentile(samples, 50)),
                       "p99_ms": common.ms(common.percentile(samples, 99)),
                       "max_ms": common.ms(max(samples))}
            results[kind] = figures
            rows.append([kind, figures["n"], figures["median_ms"], figures["p99_ms"],
                         figures["max_ms"]])
    print(f"load average after: {os.getloadavg()}")
    common.table(["store", "writes", "median ms", "p99 ms", "max ms"], rows)
    common.write_results("cross_process_push", {"writes": args.writes, "results": results,
                                                "watch_seconds": args.watch_seconds})


if __name__ == "__main__":
    main()
