"""Benchmark 2: taking tickets through POST /api/tickets at several concurrencies.

    python bench/issuance.py --concurrency 1,8,32 --tickets 2000

The real server (eventlet, demo site, SQLite in WAL mode with synchronous=FULL unless
--synchronous says otherwise: every 201 is a committed, fsynced transaction) runs in a
subprocess; C client threads, each with its own keep-alive requests.Session, take tickets
from 127.0.0.1 (a kiosk address: not rate limited) spread over the services that have no
daily cap. Reports tickets/s (201s over the wall time of the run) and p50/p99 latency.
Each concurrency gets a fresh server and store.
"""
import argparse
import os
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import requests  # noqa: E402

SERVICES = ("CCCD", "VNEID", "PICKUP", "CORRECT")  # VEHICLE has a daily cap of 80


def run(concurrency, tickets, args, workdir):
    env = {"QMS_SQLITE_SYNCHRONOUS": args.synchronous} if args.synchronous else None
    srv = common.server(os.path.join(workdir, f"c{concurrency}"), server_root=args.server_root,
                        env=env)
    srv.start(timeout=30)
    try:
        latencies, statuses, lock = [], {}, threading.Lock()
        per_thread = [tickets // concurrency + (1 if i < tickets % concurrency else 0)
                      for i in range(concurrency)]
        start_gate = threading.Barrier(concurrency + 1)
        deadline = [0.0]

        def worker(count, index):
            http = requests.Session()
            http.get(srv.url + "/healthz", timeout=10)  # open the keep-alive connection
            mine, codes = [], {}
            start_gate.wait()
            for i in range(count):
                if time.monotonic() > deadline[0]:
                    break
                body = {"service": SERVICES[(index + i) % len(SERVICES)], "priority": None,
                        "request_id": uuid.uuid4().hex}
                t0 = time.monotonic()
                try:
                    r = http.post(srv.url + "/api/tickets", json=body, timeout=30)
                    code = r.status_code
                except requests.RequestException:
                    code = "error"
                mine.append(time.monotonic() - t0)
                codes[code] = codes.get(code, 0) + 1
            with lock:
                latencies.extend(mine)
                for k, v in codes.items():
                    statuses[k] = statuses.get(k, 0) + v

        threads = [threading.Thread(target=worker, args=(k, i)) for i, k in enumerate(per_thread)]
        for t in threads:
            t.start()
        deadline[0] = time.monotonic() + args.max_seconds
        start_gate.wait()
        t_start = time.monotonic()
        for t in threads:
            t.join(args.max_seconds + 60)
        wall = time.monotonic() - t_start
        ok = statuses.get(201, 0)
        health = requests.get(srv.url + "/healthz", timeout=10).json()
        return {"concurrency": concurrency, "requests": len(latencies), "created": ok,
                "statuses": {str(k): v for k, v in statuses.items()},
                "wall_s": round(wall, 3), "tickets_per_s": round(ok / wall, 1) if wall else None,
                "p50_ms": common.ms(common.percentile(latencies, 50)),
                "p99_ms": common.ms(common.percentile(latencies, 99)),
                "server_seq_after": health.get("seq"),
                "server_rss_kb": common.rss_kb(srv.proc.pid)}
    finally:
        srv.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--tickets", type=int, default=2000, help="tickets per concurrency level")
    ap.add_argument("--synchronous", default=None,
                    help="SQLite synchronous for the server (default: the server's, FULL)")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="bound on one level")
    ap.add_argument("--server-root", default=None)
    ap.add_argument("--label", default="")
    ap.add_argument("--quick", action="store_true", help="600 tickets per level")
    args = ap.parse_args(argv)
    if args.quick:
        args.tickets = min(args.tickets, 600)
    common.raise_nofile()
    rows, out = [], []
    with tempfile.TemporaryDirectory(prefix="qms-bench-") as workdir:
        for c in [int(x) for x in args.concurrency.split(",") if x]:
            r = run(c, args.tickets, args, workdir)
            out.append(r)
            rows.append([c, r["created"], r["requests"], r["tickets_per_s"], r["p50_ms"],
                         r["p99_ms"], ",".join(f"{k}:{v}" for k, v in sorted(r["statuses"].items()))])
            print(f"  concurrency {c}: {r['tickets_per_s']} tickets/s", flush=True)
    sync = args.synchronous or "FULL (server default)"
    print(f"\nPOST /api/tickets, SQLite WAL, synchronous={sync}")
    common.table(["concurrency", "created", "requests", "tickets/s", "p50 ms", "p99 ms",
                  "statuses"], rows)
    name = "issuance" + (f"-{args.label}" if args.label else "")
    common.write_results(name, {"args": vars(args), "synchronous": sync, "results": out})
    return out


if __name__ == "__main__":
    main()
