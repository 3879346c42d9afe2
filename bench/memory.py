"""Benchmark 4: the server's resident size, idle and with 2000 connected displays.

    python bench/memory.py --clients 2000

Starts the real server (demo site, eventlet), takes 500 tickets, reads VmRSS from
/proc/PID/status when idle, then connects `clients` displays (bench/wsclients.py, several
processes), reads VmRSS again, drives 20 call/complete pairs (every display gets 40 pushes)
and reads it once more. Reports how many displays actually connected: with eventlet's
default max_size=1024 the server holds at most 1024 connections at once.
"""
import argparse
import math
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from call_to_display import start_clients, wait_all  # noqa: E402

import requests  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=2000)
    ap.add_argument("--tickets", type=int, default=500)
    ap.add_argument("--connect-timeout", type=float, default=60.0)
    ap.add_argument("--server-root", default=None)
    ap.add_argument("--label", default="")
    ap.add_argument("--quick", action="store_true", help="same as the full run")
    args = ap.parse_args(argv)
    limits = common.raise_nofile()
    with tempfile.TemporaryDirectory(prefix="qms-bench-") as workdir:
        srv = common.server(os.path.join(workdir, "inst"), server_root=args.server_root)
        srv.start(timeout=30)
        procs = []
        try:
            http = requests.Session()
            officer = common.Officer(srv.url)
            officer.post("/api/counters/1/open").raise_for_status()
            for i in range(args.tickets):
                http.post(srv.url + "/api/tickets", timeout=10, json={
                    "service": "CCCD", "priority": None, "request_id": f"m{i}"}).raise_for_status()
            time.sleep(1)
            idle = common.rss_kb(srv.proc.pid)
            print(f"idle: {idle} kB", flush=True)
            procs, connected, failed, _ = start_clients(
                srv.port, args.clients, max(1, min(8, math.ceil(args.clients / 250))),
                args.connect_timeout)
            time.sleep(1)
            with_clients = common.rss_kb(srv.proc.pid)
            print(f"{connected}/{args.clients} displays connected ({failed} failed): "
                  f"{with_clients} kB", flush=True)
            delivered = 0
            for _ in range(20):
                r = officer.post("/api/counters/1/call-next").json()
                delivered += wait_all(procs, r["seq"], 10)
                r = officer.post(f"/api/tickets/{r['ticket']['id']}/complete",
                                 {"outcome": "accepted"}).json()
                delivered += wait_all(procs, r["seq"], 10)
            after_pushes = common.rss_kb(srv.proc.pid)
            print(f"after 40 pushes to each: {after_pushes} kB", flush=True)
        finally:
            for c in procs:
                c.close()
            srv.stop()
    result = {"idle_kb": idle, "clients_requested": args.clients, "clients_connected": connected,
              "connect_failed": failed, "with_clients_kb": with_clients,
              "after_pushes_kb": after_pushes, "pushes_fully_delivered": delivered,
              "pushes_sent": 40, "nofile": list(limits)}
    print()
    common.table(["state", "displays", "VmRSS MB"], [
        ["idle (500 waiting)", 0, round(idle / 1024, 1)],
        ["displays connected", connected, round(with_clients / 1024, 1)],
        ["after 40 pushes", connected, round(after_pushes / 1024, 1)]])
    name = "memory" + (f"-{args.label}" if args.label else "")
    common.write_results(name, {"args": vars(args), "results": result})
    return result


if __name__ == "__main__":
    main()
