"""Benchmark 5: what one `state` push weighs, per audience, with 500 people waiting.

    python bench/push_size.py --waiting 500

Starts the real server (demo site), takes `waiting`+11 tickets over the four uncapped
services, opens counters 1-4, calls and completes 10 tickets (10 recent calls show), calls
one more at counter 1 (so `waiting` people wait), then joins as a display, a kiosk and
counter 1 (officer session cookie) over a raw WebSocket (websocket-client) and reports the bytes of the Socket.IO packet
on the wire (`42["state",{...}]`, UTF-8, no compression), and the same gzip-compressed for
reference.
"""
import argparse
import gzip
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import requests  # noqa: E402
import websocket  # noqa: E402

SERVICES = ("CCCD", "VNEID", "PICKUP", "CORRECT")


def first_state(port, join, cookie=None, timeout=10):
    headers = [f"Cookie: {cookie}"] if cookie else []
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", header=headers,
        timeout=timeout)
    try:
        for _ in range(50):
            msg = ws.recv()
            if msg.startswith("0"):
                ws.send("40")
            elif msg.startswith("40"):
                ws.send("42" + json.dumps(["join", join]))
            elif msg == "2":
                ws.send("3")
            elif msg.startswith('42["state"'):
                return msg
            elif msg.startswith("44") or msg.startswith("43"):
                raise RuntimeError(f"refused: {msg}")
        raise RuntimeError("no state push received")
    finally:
        ws.close()


def call_pushes(port, officer, counter=1, timeout=10):
    """The `state` packets a display that joined with deltas (as the wall display page does)
    gets for one call at `counter`: [(bytes, kind)], kind "whole", "call" or "waits"."""
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=timeout)
    got = []
    try:
        seq = None
        while True:
            msg = ws.recv()
            if msg.startswith("0"):
                ws.send("40")
            elif msg.startswith("40"):
                ws.send("42" + json.dumps(["join", {"role": "display", "deltas": True}]))
            elif msg == "2":
                ws.send("3")
            elif msg.startswith('42["state"') and seq is None:
                # The first push after the room filled is whole: one change first, then the
                # measured call (the call's own patch, then its waits).
                r = officer.post(f"/api/counters/{counter}/call-next")
                r.raise_for_status()
                officer.post(f"/api/tickets/{r.json()['ticket']['id']}/complete",
                             {"outcome": "accepted"}).raise_for_status()
                r = officer.post(f"/api/counters/{counter}/call-next")
                r.raise_for_status()
                seq = r.json()["seq"]
            elif msg.startswith('42["state"') and json.loads(msg[2:])[1]["seq"] < seq:
                continue
            elif msg.startswith('42["state"'):
                body = json.loads(msg[2:])[1]
                kind = "whole" if "patch" not in body else (
                    "waits" if body["base"] == body["seq"] else "call")
                got.append((len(msg.encode()), kind))
                if body["seq"] >= seq:
                    ws.settimeout(1.0)  # the waits may follow the call's own patch
    except websocket.WebSocketTimeoutException:
        pass
    finally:
        ws.close()
    return got


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--waiting", type=int, default=500)
    ap.add_argument("--server-root", default=None)
    ap.add_argument("--label", default="")
    ap.add_argument("--quick", action="store_true", help="same as the full run (it is quick)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qms-bench-") as workdir:
        srv = common.server(os.path.join(workdir, "inst"), server_root=args.server_root)
        srv.start(timeout=30)
        try:
            http = requests.Session()
            kiosk = common.kiosk_headers(srv.url)  # the demo site gives numbers at kiosks only
            for i in range(args.waiting + 11):
                r = http.post(srv.url + "/api/tickets", timeout=10, headers=kiosk, json={
                    "service": SERVICES[i % len(SERVICES)], "priority": None,
                    "request_id": f"size-{i}"})
                assert r.status_code == 201, r.text
            officer = common.Officer(srv.url)
            for n in (1, 2, 3, 4):
                officer.post(f"/api/counters/{n}/open").raise_for_status()
            for i in range(10):
                r = officer.post(f"/api/counters/{1 + i % 4}/call-next")
                r.raise_for_status()
                officer.post(f"/api/tickets/{r.json()['ticket']['id']}/complete",
                             {"outcome": "accepted"}).raise_for_status()
            r = officer.post("/api/counters/1/call-next")  # counter 1 has someone at the desk
            r.raise_for_status()
            waiting = sum(s["waiting"] for s in http.get(srv.url + "/api/state").json()["services"])
            cookie = officer.cookie_header()
            audiences = [("display", {"role": "display"}, None),
                         ("display (counters 1,2)", {"role": "display", "counters": [1, 2]}, None),
                         ("kiosk", {"role": "kiosk"}, None),
                         ("counter 1", {"role": "counter", "counter": 1}, cookie)]
            rows, out = [], []
            for name, join, ck in audiences:
                msg = first_state(srv.port, join, ck)
                raw = msg.encode()
                body = json.loads(msg[2:])[1]
                entry = {"audience": name, "join": join, "bytes": len(raw),
                         "gzip_bytes": len(gzip.compress(raw)),
                         "keys": sorted(body.keys()),
                         "queue_next_shown": len(body.get("queue", {}).get("next", [])) or None}
                out.append(entry)
                rows.append([name, entry["bytes"], entry["gzip_bytes"], ",".join(entry["keys"])])
            # Issue 15: what a display that takes patches gets for one more call.
            officer.post(f"/api/tickets/{r.json()['ticket']['id']}/complete",
                         {"outcome": "accepted"}).raise_for_status()
            for size, kind in call_pushes(srv.port, officer):
                entry = {"audience": f"display, patch ({kind})", "bytes": size}
                out.append(entry)
                rows.append([entry["audience"], size, "", ""])
        finally:
            srv.stop()
    print(f"\nstate push per audience, {waiting} waiting, 10 recent calls")
    common.table(["audience", "bytes", "gzip", "top-level keys"], rows)
    name = "push_size" + (f"-{args.label}" if args.label else "")
    common.write_results(name, {"args": vars(args), "waiting": waiting, "results": out})
    return out


if __name__ == "__main__":
    main()
