"""The provincial dashboard's pushes under a peak morning (issue 11; docs/performance.md
"Provincial hub", dashboard part).

    python bench/hub_dashboard.py                 # 65 sites, 2 hub processes, 3 dashboards
    python bench/hub_dashboard.py --processes 1 --dashboards 10

The load is bench/hub_ingest.py's province run (its workers: the simulator's real site days,
written into real SQLite site stores at their simulated times, sent by the real sync agent to
real `qms hub` processes sharing one port and the Redis manager). Here, signed-in dashboard
Socket.IO clients measure, for every event a site committed, the time until a dashboard holds
a tile of that site at or past that event (`tiles`, throttled and coalesced per site, built by
the site's own engine replay: server/hub/board.py). The named baseline is hub-core's own
per-batch `site_changed` emit, heard by the same clients: the floor (no fold, no throttle),
which says "something changed" but not what. Also counted: messages and bytes per second that
each dashboard receives of each.
"""
import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ms, percentile, table, write_results  # noqa: E402
from hub_ingest import _province_worker, cpu_seconds, start_hubs  # noqa: E402


class Dashboard:
    """One signed-in dashboard: what it heard of `tiles` and `site_changed`, and when."""

    def __init__(self, url, cookie):
        import socketio
        self.tiles = defaultdict(list)  # site -> [(arrival, seq)]
        self.changed = defaultdict(list)
        self.bytes = {"tiles": 0, "site_changed": 0}
        self.messages = {"tiles": 0, "site_changed": 0}
        self.client = socketio.Client()
        self.client.on("tiles", self.on_tiles)
        self.client.on("site_changed", self.on_changed)
        self.client.connect(url, transports=["websocket"], headers={"Cookie": cookie})

    def on_tiles(self, message):
        now = time.time()
        self.messages["tiles"] += 1
        self.bytes["tiles"] += len(json.dumps(message, ensure_ascii=False).encode())
        for tile in message["tiles"]:
            self.tiles[tile["site_id"]].append((now, tile["seq"]))

    def on_changed(self, message):
        now = time.time()
        self.messages["site_changed"] += 1
        self.bytes["site_changed"] += len(json.dumps(message).encode())
        self.changed[message["site_id"]].append((now, message["last_seq"]))


def latencies(heard, committed):
    """For each committed (seq, time): the first arrival at or after it of a message at or
    past that seq; events never covered are counted apart."""
    out, missed = [], 0
    for site, times in committed.items():
        arrivals = sorted(heard.get(site, []))
        for seq, at in times.items():
            found = next((t for t, s in arrivals if s >= seq and t >= at), None)
            if found is None:
                missed += 1
            else:
                out.append(found - at)
    return out, missed


def run(args):
    import requests
    import sqlalchemy as sa
    from server.hub.store import HubStore
    from server.hub.viewers import create_user
    name = f"qms_bench_dash_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine("postgresql://postgres@127.0.0.1:5432/postgres",
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    db = f"postgresql://postgres@127.0.0.1:5432/{name}"
    folder = tempfile.mkdtemp(prefix="bench-hub-dash-")
    hubs = []
    try:
        store = HubStore(db)
        keys = {i: store.add_site(f"p{i:04d}", f"Phường {i}", f"Huyện {i % 9}", time.time())
                for i in range(args.sites)}
        create_user(store, "bench", "bench-password")
        hubs = start_hubs(db, folder, args.processes, "qms-hub-dash-" + uuid.uuid4().hex[:6])
        dashboards = []
        for i in range(args.dashboards):
            http = requests.Session()
            http.post(hubs[0].url + "/api/hub/login",
                      json={"username": "bench", "password": "bench-password"}, timeout=30)
            cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
            dashboards.append(Dashboard(hubs[0].url, cookie))
        start_at = time.time() + 25  # the workers simulate their days and catch up first
        stop_at = start_at + args.seconds
        shares = [list(range(args.sites))[w::args.workers] for w in range(args.workers)]
        cpu0 = {h.pid: cpu_seconds(h.pid) for h in hubs}
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            results = pool.map(_province_worker, [
                (s, keys, hubs[0].url, folder, args.per_hour, args.speed, start_at, stop_at)
                for s in shares])
        cpu = sum((cpu_seconds(h.pid) or 0) - (cpu0[h.pid] or 0) for h in hubs)
        time.sleep(2 * 1.0)  # the last beat's pushes
        committed = {site: times for r in results for site, times in r.items()}
        events = sum(len(t) for t in committed.values())
        tile_lat, tile_missed, base_lat, base_missed = [], 0, [], 0
        for d in dashboards:
            got, missed = latencies(d.tiles, committed)
            tile_lat += got
            tile_missed += missed
            got, missed = latencies(d.changed, committed)
            base_lat += got
            base_missed += missed
        for d in dashboards:
            d.client.disconnect()
        seconds = args.seconds + 5

        def per_dashboard(kind, what):
            return round(sum(getattr(d, what)[kind] for d in dashboards) / len(dashboards)
                         / seconds, 1)
        result = {
            "sites": args.sites, "processes": args.processes, "dashboards": args.dashboards,
            "speed": args.speed, "per_hour": args.per_hour, "seconds": args.seconds,
            "events": events, "events_per_s": round(events / args.seconds, 1),
            "tile_ms": {"p50": ms(percentile(tile_lat, 50)), "p99": ms(percentile(tile_lat, 99)),
                        "n": len(tile_lat), "never": tile_missed},
            "site_changed_ms": {"p50": ms(percentile(base_lat, 50)),
                                "p99": ms(percentile(base_lat, 99)),
                                "n": len(base_lat), "never": base_missed},
            "per_dashboard": {k: {"messages_per_s": per_dashboard(k, "messages"),
                                  "bytes_per_s": per_dashboard(k, "bytes")}
                              for k in ("tiles", "site_changed")},
            "hub_cpu_share": round(cpu / args.seconds, 2),
            "load_average": os.getloadavg()[0],
        }
        b50, b99 = result["site_changed_ms"]["p50"], result["site_changed_ms"]["p99"]
        result["ratio_to_baseline"] = {
            "p50": round(result["tile_ms"]["p50"] / b50, 2) if b50 else None,
            "p99": round(result["tile_ms"]["p99"] / b99, 2) if b99 else None}
        print(f"\n{args.sites} sites at x{args.speed} ({result['events_per_s']} events/s), "
              f"{args.processes} hub processes, {args.dashboards} dashboards; "
              f"load average {result['load_average']:.1f}")
        table(["push", "p50 ms", "p99 ms", "events", "never", "msgs/s", "bytes/s"],
              [["tile updated (tiles)", result["tile_ms"]["p50"], result["tile_ms"]["p99"],
                len(tile_lat), tile_missed, result["per_dashboard"]["tiles"]["messages_per_s"],
                result["per_dashboard"]["tiles"]["bytes_per_s"]],
               ["baseline site_changed", b50, b99, len(base_lat), base_missed,
                result["per_dashboard"]["site_changed"]["messages_per_s"],
                result["per_dashboard"]["site_changed"]["bytes_per_s"]]])
        write_results("hub_dashboard", result)
        store.close()
        return result
    finally:
        for hub in hubs:
            hub.stop()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=65)
    parser.add_argument("--per-hour", type=float, default=60.0, help="tickets per site-hour")
    parser.add_argument("--speed", type=float, default=10.0, help="simulated time / real time")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dashboards", type=int, default=3)
    run(parser.parse_args())


if __name__ == "__main__":
    threading.stack_size(512 * 1024)
    main()
