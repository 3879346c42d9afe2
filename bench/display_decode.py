"""Benchmark 7: what a push costs the wall display page on a slow device (issue 15).

    python bench/display_decode.py --calls 40 --throttle 6 [--server-root DIR]

Starts the real server (demo site), opens counter 1 with calls+5 tickets waiting, and opens
/display in headless Debian Chromium with the CPU slowed down `--throttle` times through the
DevTools protocol (Emulation.setCPUThrottlingRate: a cheap Android TV stick's profile). Then
`calls` times: call-next and complete at counter 1, each change pushed to the page. For every
`state` push that reaches the page it records, inside the page:

- bytes: the Socket.IO packet's length (what came over the WebSocket);
- decode: one JSON.parse of that packet (the cost Socket.IO's decoder pays before any handler);
- apply: from the first Socket.IO listener (onAny, after decoding) to a `state` listener added
  after the page's own, i.e. the page's whole handling: QMS.live (applying a patch) and the
  display's redraw, with the layout reads it forces.

Run it against another checkout with --server-root (the page's own scripts come from the
server it is served by) to compare before and after.
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import requests  # noqa: E402

HOOK = """() => {
  const socket = window.__displaySocket, engine = socket.io.engine;
  window.__costs = [];
  let pending = null;
  engine.on("packet", p => {
    if (p.type !== "message" || typeof p.data !== "string" || !p.data.startsWith('2["state"')) return;
    const t0 = performance.now();
    const body = JSON.parse(p.data.slice(1))[1];
    pending = {bytes: new TextEncoder().encode(p.data).length + 1, decode: performance.now() - t0,
               seq: body.seq,
               kind: !body.patch ? "whole" : body.base === body.seq ? "waits" : "call"};
  });
  socket.onAny((event) => { if (event === "state" && pending) pending.start = performance.now(); });
  socket.on("state", () => {
    if (!pending || pending.start === undefined) return;
    pending.apply = performance.now() - pending.start;
    window.__costs.push(pending);
    pending = null;
  });
}"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--throttle", type=float, default=6.0, help="CPU slow-down factor")
    ap.add_argument("--server-root", default=None)
    ap.add_argument("--label", default="")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    # The full browser, as a site's display runs (the tests' headless shell is lighter).
    from support.browser import CHROMIUM_ARGS, FULL_CHROMIUM
    with tempfile.TemporaryDirectory(prefix="qms-bench-") as workdir:
        srv = common.server(os.path.join(workdir, "inst"), server_root=args.server_root)
        srv.start(timeout=60)
        try:
            kiosk = common.kiosk_headers(srv.url)
            http = requests.Session()
            for i in range(args.calls + 5):
                http.post(srv.url + "/api/tickets", timeout=10, headers=kiosk, json={
                    "service": "CCCD", "priority": None, "request_id": f"d-{i}"}).raise_for_status()
            officer = common.Officer(srv.url)
            officer.post("/api/counters/1/open").raise_for_status()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=FULL_CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
                page.goto(srv.url + "/display")
                page.wait_for_function("() => window.__snapshots >= 1 && "
                                       "window.__displaySocket.io.engine.transport.name === 'websocket'",
                                       timeout=30_000)
                cdp = page.context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
                page.evaluate(HOOK)
                for _ in range(args.calls):
                    r = officer.post("/api/counters/1/call-next")
                    r.raise_for_status()
                    seq = r.json()["seq"]
                    page.wait_for_function(f"() => window.__displayState.seq >= {seq}", timeout=30_000)
                    r = officer.post(f"/api/tickets/{r.json()['ticket']['id']}/complete",
                                     {"outcome": "accepted"})
                    seq = r.json()["seq"]
                    page.wait_for_function(f"() => window.__displayState.seq >= {seq}", timeout=30_000)
                costs = page.evaluate("window.__costs")
                browser.close()
        finally:
            srv.stop()
    rows, out = [], {}
    for key in ("bytes", "decode", "apply"):
        xs = [c[key] for c in costs]
        out[key] = {"p50": common.percentile(xs, 50), "p99": common.percentile(xs, 99),
                    "max": max(xs) if xs else None}
        rows.append([key, round(out[key]["p50"], 2), round(out[key]["p99"], 2),
                     round(out[key]["max"], 2)])
    # Per change (a seq): what all its pushes cost the page (a call and its waits, or one
    # whole view before patches).
    per_change = {}
    for c in costs:
        per_change[c["seq"]] = per_change.get(c["seq"], 0.0) + c["decode"] + c["apply"]
    changes = list(per_change.values())
    out["per_change"] = {"p50": common.percentile(changes, 50),
                         "p99": common.percentile(changes, 99),
                         "max": max(changes) if changes else None}
    for kind in ("whole", "call", "waits"):
        xs = [c["decode"] + c["apply"] for c in costs if c["kind"] == kind]
        if xs:
            out[f"push_{kind}"] = {"count": len(xs), "p50": common.percentile(xs, 50),
                                   "p99": common.percentile(xs, 99), "max": max(xs),
                                   "bytes_p50": common.percentile(
                                       [c["bytes"] for c in costs if c["kind"] == kind], 50)}
            rows.append([f"{kind} push: decode+apply (bytes {out[f'push_{kind}']['bytes_p50']})",
                         round(out[f"push_{kind}"]["p50"], 2), round(out[f"push_{kind}"]["p99"], 2),
                         round(out[f"push_{kind}"]["max"], 2)])
    rows.append(["per change: all its pushes", round(out["per_change"]["p50"], 2),
                 round(out["per_change"]["p99"], 2), round(out["per_change"]["max"], 2)])
    total = [c["decode"] + c["apply"] for c in costs]
    out["decode+apply"] = {"p50": common.percentile(total, 50), "p99": common.percentile(total, 99),
                           "max": max(total) if total else None}
    rows.append(["decode+apply", round(out["decode+apply"]["p50"], 2),
                 round(out["decode+apply"]["p99"], 2), round(out["decode+apply"]["max"], 2)])
    print(f"\n{len(costs)} pushes, CPU throttled {args.throttle}x (bytes; times in ms)")
    common.table(["what", "p50", "p99", "max"], rows)
    name = "display_decode" + (f"-{args.label}" if args.label else "")
    common.write_results(name, {"args": vars(args), "pushes": len(costs), "results": out,
                                "samples": costs, "loadavg": os.getloadavg()})
    return out


if __name__ == "__main__":
    main()
