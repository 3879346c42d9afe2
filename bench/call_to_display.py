"""Benchmark 1: from an officer's "call next" to every wall display holding the new state.

    python bench/call_to_display.py --clients 50,200,1000,2000 --calls 500

For each N: start the real server (`qms serve --demo`, eventlet, SQLite synchronous=FULL) in a
subprocess with a fresh instance, pre-issue calls+10 CCCD tickets, open counter 1, connect N
display clients (bench/wsclients.py, spread over several processes) and then, `calls` times:
POST /api/counters/1/call-next (t0 = time.monotonic() just before the request is sent), wait
until every client holds a `state` with seq >= the call's seq, POST .../complete for the
called ticket and wait again (so pushes never queue behind each other). Latency = arrival of
the push carrying the call's seq at a client - t0, one sample per call per client.

The baseline runs in the same invocation with the same client harness and the same loop: a
bare python-socketio server (bench/baseline_server.py) whose POST /emit broadcasts a payload
of the same size as our last display push; two broadcasts per iteration, like call+complete.
CLOCK_MONOTONIC (time.monotonic) is one clock for every process on the machine.

Both servers get the same request: the officer's, with its session cookie and CSRF header
sent as plain headers (a tablet's browser sends them natively; the harness's Python cookie
jar is not server time), and the bare server gets those same headers, which it ignores.
`--rounds K` runs ours and the baseline K times per N, alternating which goes first, and
reports the median of the K runs' figures and ratios: on a box whose speed drifts (a shared
VM) one run each swings 2-3x.
"""
import argparse
import json
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import requests  # noqa: E402

WARMUP = 5


class ClientProc:
    """One bench/wsclients.py process, spoken to by lines."""

    def __init__(self, port, clients, join='{"role":"display"}', cookie="", parallel=8,
                 connect_deadline=60.0):
        cmd = [sys.executable, os.path.join(common.BENCH, "wsclients.py"), "--port", str(port),
               "--clients", str(clients), "--join", join, "--parallel", str(parallel),
               "--connect-deadline", str(connect_deadline)]
        if cookie:
            cmd += ["--cookie", cookie]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.split())
        self.lines.put(["EOF"])

    def send(self, line):
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def expect(self, word, timeout, match=None):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                parts = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if parts and parts[0] == "EOF":
                return None
            if parts and parts[0] == word and (match is None or parts[1] == match):
                return parts

    def close(self):
        self.send("QUIT")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def start_clients(port, n, procs, connect_timeout, **kw):
    per = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
    started = [ClientProc(port, k, connect_deadline=connect_timeout, **kw) for k in per if k]
    connected = failed = first_bytes = 0
    deadline = time.monotonic() + connect_timeout + 30
    for c in started:
        ready = c.expect("READY", max(1.0, deadline - time.monotonic()))
        if ready is None:
            failed += per[started.index(c)]
            continue
        connected += int(ready[1])
        failed += int(ready[2])
        first_bytes = first_bytes or int(ready[3])
    return started, connected, failed, first_bytes


def wait_all(procs, seq, timeout):
    """True when every client of every process holds seq >= `seq` within `timeout`."""
    for c in procs:
        c.send(f"WAIT {seq}")
    deadline = time.monotonic() + timeout
    ok = True
    for c in procs:
        if c.expect("DONE", max(0.01, deadline - time.monotonic()), match=str(seq)) is None:
            ok = False
    return ok


def latencies(procs, calls, workdir):
    path_in = os.path.join(workdir, "calls.json")
    with open(path_in, "w") as fh:
        json.dump(calls, fh)
    import array
    values = array.array("d")
    last_bytes = 0
    for i, c in enumerate(procs):
        out = os.path.join(workdir, f"lat-{i}.bin")
        c.send(f"LAT {path_in} {out}")
        done = c.expect("LATDONE", 120)
        if done is None:
            continue
        if len(done) > 1:
            last_bytes = max(last_bytes, int(done[1]))
        part = array.array("d")
        with open(out, "rb") as fh:
            part.frombytes(fh.read())
        values.extend(part)
    return values, last_bytes


def summarize(values, n_clients, n_calls):
    got = [v for v in values if not math.isnan(v)]
    expected = n_clients * n_calls
    return {"samples": len(got), "expected": expected, "missed": expected - len(got),
            "p50_ms": common.ms(common.percentile(got, 50)),
            "p90_ms": common.ms(common.percentile(got, 90)),
            "p99_ms": common.ms(common.percentile(got, 99)),
            "max_ms": common.ms(max(got)) if got else None}


def series(procs, do_call, do_after, calls, wait_timeout, max_seconds, answers=None):
    """The measured loop; returns [[seq, t0], ...] of the measured calls and the stalls.
    `answers` (a list) gets how long each measured call's HTTP answer took (the officer's
    wait)."""
    measured, stalls = [], 0
    deadline = time.monotonic() + max_seconds
    for i in range(calls + WARMUP):
        if time.monotonic() > deadline:
            print(f"  stopped after {i} iterations: --max-seconds reached", flush=True)
            break
        t0 = time.monotonic()
        seq = do_call()
        answered = time.monotonic() - t0
        if not wait_all(procs, seq, wait_timeout):
            stalls += 1
        if i >= WARMUP:
            measured.append([seq, t0])
            if answers is not None:
                answers.append(answered)
        after = do_after()
        if after is not None and not wait_all(procs, after, wait_timeout):
            stalls += 1
    return measured, stalls


def probe_env(args, path):
    """Environment that makes a server record its collections (bench/gc_probe)."""
    if not args.gc_probe:
        return {}
    return {"PYTHONPATH": os.path.join(common.BENCH, "gc_probe"), "QMS_GC_PROBE": path}


def gc_summary(path, measured, values, n_clients):
    """The collections a server made while the measured calls ran: pauses per generation, and
    how many calls had a full (generation 2) collection start between the officer's request
    and the last display's push (each such call made all its displays late)."""
    if not measured or not os.path.exists(path):
        return None
    n_calls = len(measured)
    last = [0.0] * n_calls
    for i, v in enumerate(values):
        if not math.isnan(v):
            k = i % n_calls
            last[k] = max(last[k], v)
    start, end = measured[0][1], measured[-1][1] + last[-1]
    pauses = {0: [], 1: [], 2: []}
    cpu = {0: [], 1: [], 2: []}
    full = []
    with open(path) as fh:
        for line in fh:
            at, pause, gen, _, *spent = line.split()
            at = float(at)
            if start <= at <= end:
                pauses[int(gen)].append(float(pause))
                cpu[int(gen)].extend(float(x) for x in spent)
                if gen == "2":
                    full.append(at)
    hit = sum(1 for (seq, t0), window in zip(measured, last)
              if any(t0 <= at <= t0 + window for at in full))
    out = {"calls": n_calls, "calls_meeting_full_gc": hit}
    for gen, xs in pauses.items():
        out[f"gen{gen}"] = {"count": len(xs), "p50_ms": common.ms(common.percentile(xs, 50)),
                            "p99_ms": common.ms(common.percentile(xs, 99)),
                            "max_ms": common.ms(max(xs)) if xs else None,
                            "total_ms": common.ms(sum(xs)),
                            "cpu_p50_ms": common.ms(common.percentile(cpu[gen], 50)),
                            "cpu_max_ms": common.ms(max(cpu[gen])) if cpu[gen] else None}
    return out


def run_ours(n, args, workdir, http):
    inst = tempfile.mkdtemp(prefix=f"ours-{n}-", dir=workdir)  # a fresh site each run
    gc_log = os.path.join(inst, "gc.log")
    # Every bench client comes from 127.0.0.1: lift the per-address cap (docs/security.md).
    env = dict(probe_env(args, gc_log), **dict(kv.split("=", 1) for kv in args.server_env))
    srv = common.server(inst, server_root=args.server_root, env=env,
                        extra_args=["--max-per-address", "65536"])
    srv.start(timeout=30)
    procs = []
    try:
        officer = common.Officer(srv.url)
        assert officer.post("/api/counters/1/open").status_code == 200
        args.officer_headers = {"Cookie": officer.cookie_header(), "X-CSRF-Token": officer.csrf}
        trigger = requests.Session()  # no cookie jar: the headers above, as they are
        kiosk = common.kiosk_headers(srv.url)  # the demo site gives numbers at its kiosks only
        for i in range(args.calls + WARMUP + 10):
            r = http.post(srv.url + "/api/tickets", timeout=10, headers=kiosk,
                          json={"service": "CCCD", "priority": None, "request_id": f"pre-{i}"})
            assert r.status_code == 201, r.text
        procs, connected, failed, first_bytes = start_clients(
            srv.port, n, args.procs or default_procs(n), args.connect_timeout, join=args.join)
        rss_connected = common.rss_kb(srv.proc.pid)
        print(f"  ours: {connected}/{n} displays connected ({failed} failed), "
              f"server RSS {rss_connected} kB", flush=True)
        current = {}

        def call():
            r = trigger.post(srv.url + "/api/counters/1/call-next", headers=args.officer_headers,
                             timeout=10)
            body = r.json()
            current["ticket"] = body["ticket"]["id"]
            return body["seq"]

        def complete():
            r = trigger.post(f"{srv.url}/api/tickets/{current['ticket']}/complete",
                             json={"outcome": "accepted"}, headers=args.officer_headers,
                             timeout=10)
            return r.json()["seq"]

        answers = []
        measured, stalls = series(procs, call, complete, args.calls, args.wait_timeout,
                                  args.max_seconds, answers)
        values, last_bytes = latencies(procs, measured, workdir)
        result = summarize(values, n, len(measured))
        result.update(connected=connected, connect_failed=failed, stalls=stalls,
                      push_bytes_first=first_bytes, push_bytes_last=last_bytes,
                      server_rss_kb=rss_connected, calls=len(measured),
                      answer_p50_ms=common.ms(common.percentile(answers, 50)),
                      answer_p99_ms=common.ms(common.percentile(answers, 99)),
                      gc=gc_summary(gc_log, measured, values, n))
        return result
    finally:
        for c in procs:
            c.close()
        srv.stop()


def run_baseline(n, args, workdir, payload_bytes, http):
    port = common.free_port()
    folder = tempfile.mkdtemp(prefix=f"baseline-{n}-", dir=workdir)  # each run its own
    log = open(os.path.join(folder, "server.log"), "w")
    gc_log = os.path.join(folder, "gc.log")
    proc = subprocess.Popen([sys.executable, os.path.join(common.BENCH, "baseline_server.py"),
                             "--port", str(port), "--payload-bytes", str(payload_bytes),
                             "--max-size", str(args.baseline_max_size)],
                            stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, **probe_env(args, gc_log)))
    procs = []
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if http.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        procs, connected, failed, first_bytes = start_clients(
            port, n, args.procs or default_procs(n), args.connect_timeout)
        rss_connected = common.rss_kb(proc.pid)
        print(f"  baseline: {connected}/{n} connected ({failed} failed), RSS {rss_connected} kB",
              flush=True)
        emitter = requests.Session()

        def emit():
            return emitter.post(url + "/emit", headers=args.officer_headers,
                                timeout=10).json()["seq"]

        measured, stalls = series(procs, emit, emit, args.calls, args.wait_timeout,
                                  args.max_seconds)
        values, last_bytes = latencies(procs, measured, workdir)
        result = summarize(values, n, len(measured))
        result.update(connected=connected, connect_failed=failed, stalls=stalls,
                      push_bytes=last_bytes or first_bytes, server_rss_kb=rss_connected,
                      calls=len(measured), gc=gc_summary(gc_log, measured, values, n))
        return result
    finally:
        for c in procs:
            c.close()
        common.stop(proc, log)


def run_pair(n, args, workdir, http, ours_first=True):
    """One run of our server and one of the baseline at N displays (the baseline pushes our
    last push's size: a first baseline run takes the size a run of ours had before)."""
    if ours_first or not getattr(args, "push_size", None):
        ours = run_ours(n, args, workdir, http)
        args.push_size = ours["push_bytes_last"] or ours["push_bytes_first"]
        return ours, run_baseline(n, args, workdir, args.push_size, http)
    base = run_baseline(n, args, workdir, args.push_size, http)
    return run_ours(n, args, workdir, http), base


def median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def median_run(results):
    """The figures of several runs of one server: the median of each number."""
    merged = {}
    for key, value in results[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            merged[key] = median([r.get(key) for r in results])
        else:
            merged[key] = value
    return merged


def default_procs(n):
    return max(1, min(8, math.ceil(n / 250)))


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", default="50,200,1000,2000", help="comma-separated N")
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--procs", type=int, default=0, help="client processes (default ceil(N/250), max 8)")
    ap.add_argument("--wait-timeout", type=float, default=10.0,
                    help="longest wait for all clients to see one push")
    ap.add_argument("--connect-timeout", type=float, default=60.0,
                    help="clients not connected by then count as failed")
    ap.add_argument("--max-seconds", type=float, default=300.0, help="bound on one series")
    ap.add_argument("--baseline-max-size", type=int, default=4096,
                    help="eventlet max_size of the baseline (it must hold 2000 clients)")
    ap.add_argument("--server-root", default=None,
                    help="run the server from this checkout (to measure a proposed patch)")
    ap.add_argument("--label", default="", help="tag for the results file")
    ap.add_argument("--join", default='{"role":"display","deltas":true}',
                    help="what our displays send to join (default: as the wall display page "
                         "does; a server without patches ignores deltas and pushes whole views)")
    ap.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                    help="environment for our server, e.g. QMS_PUSH_BEFORE_ANSWER=false")
    ap.add_argument("--gc-probe", action="store_true",
                    help="record every collection of both servers (bench/gc_probe) and report "
                         "the pauses and the calls that met a full collection")
    ap.add_argument("--quick", action="store_true", help="N=50,200,1000, 100 calls")
    ap.add_argument("--rounds", type=int, default=1,
                    help="runs of each server per N, alternating which goes first; the medians "
                         "are reported")
    args = ap.parse_args(argv)
    if args.quick:
        args.clients, args.calls = "50,200,1000", min(args.calls, 100)
    limits = common.raise_nofile()
    ns = [int(x) for x in args.clients.split(",") if x]
    http = requests.Session()
    rows, out = [], []
    with tempfile.TemporaryDirectory(prefix="qms-bench-") as workdir:
        for n in ns:
            print(f"N={n}", flush=True)
            runs = [run_pair(n, args, workdir, http, ours_first=k % 2 == 0)
                    for k in range(args.rounds)]
            ours, base = runs[0]
            if args.rounds > 1:
                ours, base = median_run([o for o, _ in runs]), median_run([b for _, b in runs])
            ratios = {f"{p}_ratio": median([ratio(o[f"{p}_ms"], b[f"{p}_ms"]) for o, b in runs])
                      for p in ("p50", "p99")}
            out.append({"clients": n, "ours": ours, "baseline": base, **ratios,
                        "rounds": [{"ours": o, "baseline": b} for o, b in runs]
                        if args.rounds > 1 else None})
            size = ours["push_bytes_last"] or ours["push_bytes_first"]
            rows.append([n, ours["connected"], ours["p50_ms"], ours["p99_ms"], ours["missed"],
                         base["connected"], base["p50_ms"], base["p99_ms"], base["missed"],
                         out[-1]["p50_ratio"], out[-1]["p99_ratio"], size])
    print()
    common.table(["N", "ours conn", "ours p50 ms", "ours p99 ms", "ours missed",
                  "base conn", "base p50 ms", "base p99 ms", "base missed",
                  "p50 ratio", "p99 ratio", "push B"], rows)
    print()
    extra = []
    for r in out:
        for side in ("ours", "baseline"):
            g = r[side].get("gc") or {}
            extra.append([r["clients"], side, r[side].get("answer_p50_ms"),
                          r[side].get("answer_p99_ms"),
                          *[(g.get(f"gen{k}") or {}).get(f) for k in (0, 1, 2)
                            for f in ("count", "p99_ms")],
                          (g.get("gen2") or {}).get("max_ms"),
                          (g.get("gen2") or {}).get("cpu_max_ms"), g.get("calls_meeting_full_gc")])
    common.table(["N", "server", "answer p50", "answer p99", "gen0 n", "gen0 p99", "gen1 n",
                  "gen1 p99", "gen2 n", "gen2 p99", "gen2 max", "gen2 CPU max",
                  "calls w/ gen2"], extra)
    print(f"load average {os.getloadavg()}")
    name = "call_to_display" + (f"-{args.label}" if args.label else "")
    common.write_results(name, {"args": vars(args), "nofile": list(limits), "results": out,
                                "loadavg_end": os.getloadavg(),
                                "warmup_iterations": WARMUP})
    return out


if __name__ == "__main__":
    main()
