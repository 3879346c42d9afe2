"""Benchmark 3: start-up of a server whose store holds 1,000,000 tickets of past days.

    python bench/startup.py --tickets 1000000 --repeat 3

Builds (once, cached under bench/results/) a SQLite store with the server's own schema
(server.store.sql.metadata): `days` past business days of `tickets/days` tickets each over
the four uncapped services, every ticket issued, called at its service's counter and
completed, each day opened (with its counters) and closed with a summary, plus one request
row per ticket, then a last day still open with `today` tickets (a restart in the middle of
a working day). Events have the engine's shapes (server/engine/decide.py) and the last past
day is replayed through SiteState.apply as a check.

Then starts `python -m server.cli serve` (eventlet, no --demo: a plain restart) on it and
measures from just before the process is spawned to the first 200 of GET /healthz, and then
of GET /api/state (polling every 10 ms). Same for an empty store, for comparison. The page
cache is warm (the file was just built or read): a cold disk adds its read time.
"""
import argparse
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import requests  # noqa: E402

SITE_ID = "demo-ben-nghe"
SERVICES = (("CCCD", "A", 1), ("VNEID", "B", 2), ("PICKUP", "C", 3), ("CORRECT", "D", 4))
COUNTERS = (1, 2, 3, 4, 5)


def build_store(path, tickets, days, today_tickets):
    from server.store.sql import SqlStore
    tmp = path + ".building"
    for p in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(p):
            os.remove(p)
    SqlStore("sqlite:///" + tmp).close()  # the server's schema, indexes included
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    per_day = tickets // days
    first_day = datetime.date.today() - datetime.timedelta(days=days)
    seq = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    t_build = time.monotonic()

    def day_events(day, count, close):
        nonlocal seq
        evs, reqs = [], []
        base = datetime.datetime.combine(day, datetime.time(1, 0)).timestamp()  # 08:00 +07

        def add(type_, at, **data):
            nonlocal seq
            seq += 1
            e = {"site_id": SITE_ID, "seq": seq, "type": type_, "at": at}
            e.update(data)
            evs.append(event_row(e, dumps(e)))
            return seq

        add("day_opened", base, day=day.isoformat())
        for n in COUNTERS:
            add("counter_opened", base + 1, counter=n, officer="canbo")
        numbers = {code: 0 for code, _, _ in SERVICES}
        done = {code: 0 for code, _, _ in SERVICES}
        pending = []
        for i in range(count):
            code, letter, counter = SERVICES[i % len(SERVICES)]
            numbers[code] += 1
            number = numbers[code]
            at = base + 60 + i * 10.0
            rid = f"{day.isoformat()}-{i}"
            tid = seq + 1
            add("ticket_issued", at, ticket_id=tid, service=code, number=number,
                label=f"{letter}{number:03d}", priority=None, request_id=rid, order=tid,
                kiosk=None, next_number=number + 1)
            reqs.append((SITE_ID, rid, tid))
            pending.append((tid, counter, code))
            if len(pending) > 8 or i == count - 1:  # serve in small batches, counters busy
                while pending and (close or len(pending) > 4):
                    t, c, code2 = pending.pop(0)
                    add("ticket_called", at + 1, ticket_id=t, counter=c, priority_streak=0)
                    add("ticket_completed", at + 2, ticket_id=t, counter=c, outcome="accepted",
                        note="")
                    done[code2] += 1
        if close:
            svc = {code: {"issued": numbers[code], "done": done[code], "no_show": 0,
                          "cancelled": 0, "transferred": 0,
                          "outcomes": {"accepted": done[code], "returned_missing_info": 0,
                                       "returned_wrong_info": 0, "other": 0},
                          "priority": 0, "avg_wait_minutes": 1.0, "avg_service_minutes": 0.02}
                   for code, _, _ in SERVICES}
            svc["VEHICLE"] = {"issued": 0, "done": 0, "no_show": 0, "cancelled": 0,
                              "transferred": 0, "outcomes": {"accepted": 0, "returned_missing_info": 0,
                                                             "returned_wrong_info": 0, "other": 0},
                              "priority": 0, "avg_wait_minutes": None, "avg_service_minutes": None}
            totals = {k: sum(r[k] for r in svc.values())
                      for k in ("issued", "done", "no_show", "cancelled", "transferred", "priority")}
            at = base + 60 + count * 10.0 + 60
            add("day_closed", at, day=day.isoformat(),
                summary={"day": day.isoformat(), "closed_at": at, "services": svc, "totals": totals})
        return evs, reqs

    made = 0
    last_past = None
    for d in range(days):
        day = first_day + datetime.timedelta(days=d)
        count = per_day + (1 if d < tickets % days else 0)
        evs, reqs = day_events(day, count, close=True)
        db.executemany(INSERT_EVENT, evs)
        db.executemany("INSERT INTO ticket_requests (site_id, request_id, seq) VALUES (?,?,?)", reqs)
        made += count
        last_past = evs
        if d % 50 == 0:
            db.commit()
            print(f"  built {d}/{days} days, {made} tickets, {seq} events "
                  f"({time.monotonic() - t_build:.0f} s)", flush=True)
    evs, reqs = day_events(datetime.date.today(), today_tickets, close=False)
    db.executemany(INSERT_EVENT, evs)
    db.executemany("INSERT INTO ticket_requests (site_id, request_id, seq) VALUES (?,?,?)", reqs)
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    _check_shapes(last_past, tmp, today_tickets)
    os.replace(tmp, path)
    for p in (tmp + "-wal", tmp + "-shm"):
        if os.path.exists(p):
            os.remove(p)
    return {"tickets_past": made, "events": seq, "today_tickets": today_tickets,
            "build_s": round(time.monotonic() - t_build, 1)}


def _check_shapes(rows, path, today_tickets):
    """Replay one generated day through the engine's own SiteState.apply, and check that the
    server's store finds only the open day (columns it reads at start-up are filled in)."""
    from server.app import DEMO_SITE, load_site
    from server.engine import SiteState
    from server.store.sql import SqlStore
    state = SiteState(load_site(DEMO_SITE))
    for row in rows:
        state.apply(json.loads(row[EVENT_COLUMNS.index("body")]))
    assert not state.day_open and all(t.status == "done" for t in state.tickets.values())
    store = SqlStore("sqlite:///" + path)
    today = store.load_current_day(SITE_ID)
    store.close()
    issued = sum(1 for e in today if e["type"] == "ticket_issued")
    assert today[0]["type"] == "day_opened" and issued == today_tickets, (
        f"the store's start-up query reads {len(today)} events: the generator no longer "
        "matches server/store/sql.py")


def _schema():
    from server.store.sql import events
    return [c.name for c in events.columns]


EVENT_COLUMNS = _schema()
INSERT_EVENT = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})")


def event_row(e, body):
    """One events row as SqlStore.append writes it (see server/store/sql.py)."""
    values = {"site_id": e["site_id"], "seq": e["seq"], "type": e["type"], "at": e["at"],
              "body": body, "day": e.get("day") if e["type"] == "day_opened" else None}
    unknown = set(EVENT_COLUMNS) - set(values)
    if unknown:
        raise SystemExit(f"events has new columns {unknown}: teach bench/startup.py event_row")
    return tuple(values[c] for c in EVENT_COLUMNS)


def schema_tag():
    import hashlib
    import sqlalchemy as sa
    from server.store.sql import metadata
    text = "".join(str(sa.schema.CreateTable(t)) for t in metadata.sorted_tables)
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def cpu_seconds(pid):
    """User+system CPU time of a process so far: robust to other load on the machine."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 3)
    except (OSError, IndexError, ValueError):
        return None


def time_start(store_path, args, workdir, tag):
    inst = os.path.join(workdir, f"inst-{tag}")
    os.makedirs(inst, exist_ok=True)
    port = common.free_port()
    root = os.path.abspath(args.server_root) if args.server_root else common.ROOT
    cmd = [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--instance", inst,
           "--async-mode", "eventlet", "--store", "sqlite:///" + store_path,
           "--site", os.path.join(root, "server", "sites", "demo.toml")]
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(inst, "server.log"), "wb")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        healthz = state = cpu = None
        deadline = t0 + args.timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = requests.get(url + "/healthz", timeout=2)
                if r.status_code == 200:
                    healthz = time.monotonic() - t0
                    cpu = cpu_seconds(proc.pid)
                    break
            except requests.RequestException:
                pass
            time.sleep(0.01)
        if healthz is not None:
            r = requests.get(url + "/api/state", timeout=10)
            if r.status_code == 200:
                state = time.monotonic() - t0
                waiting = sum(s["waiting"] for s in r.json()["services"])
        rss = common.rss_kb(proc.pid)
        return {"healthz_s": None if healthz is None else round(healthz, 3),
                "state_s": None if state is None else round(state, 3),
                "cpu_s_at_healthz": cpu,
                "waiting_today": waiting if state else None, "rss_kb": rss}
    finally:
        common.stop(proc, log)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=1_000_000, help="tickets of past days")
    ap.add_argument("--days", type=int, default=500)
    ap.add_argument("--today", type=int, default=300, help="tickets of the open day")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached store")
    ap.add_argument("--server-root", default=None)
    ap.add_argument("--label", default="")
    ap.add_argument("--quick", action="store_true", help="two starts each")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeat = min(args.repeat, 2)
    os.makedirs(common.RESULTS, exist_ok=True)
    print(f"load average before: {os.getloadavg()}", flush=True)
    store = os.path.join(common.RESULTS, f"startup-store-{args.tickets}-{args.days}-{args.today}"
                                         f"-{schema_tag()}.sqlite3")
    meta_path = store + ".json"
    if args.rebuild or not os.path.exists(store) or not os.path.exists(meta_path):
        print(f"building {store} ...", flush=True)
        meta = build_store(store, args.tickets, args.days, args.today)
        with open(meta_path, "w") as fh:
            json.dump(meta, fh)
    with open(meta_path) as fh:
        meta = json.load(fh)
    meta["file_mb"] = round(os.path.getsize(store) / 2**20, 1)
    print(f"store: {meta}", flush=True)
    runs = {"large": [], "empty": []}
    with tempfile.TemporaryDirectory(prefix="qms-bench-") as workdir:
        # The server opens the store read-write: run on a copy so the cached file stays as built.
        work_store = os.path.join(workdir, "large.sqlite3")
        shutil.copyfile(store, work_store)
        for i in range(args.repeat):
            runs["large"].append(time_start(work_store, args, workdir, f"l{i}"))
            runs["empty"].append(time_start(os.path.join(workdir, f"empty{i}.sqlite3"), args,
                                            workdir, f"e{i}"))
    rows, summary = [], {}
    for kind, label in (("large", f"{meta['tickets_past']:,} past tickets + {args.today} today"),
                        ("empty", "empty store")):
        h = [r["healthz_s"] for r in runs[kind] if r["healthz_s"] is not None]
        s = [r["state_s"] for r in runs[kind] if r["state_s"] is not None]
        cpu = [r["cpu_s_at_healthz"] for r in runs[kind] if r["cpu_s_at_healthz"] is not None]
        summary[kind] = {"healthz_median_s": common.percentile(h, 50), "healthz_max_s": max(h) if h else None,
                         "cpu_median_s": common.percentile(cpu, 50),
                         "state_median_s": common.percentile(s, 50), "state_max_s": max(s) if s else None,
                         "runs": runs[kind]}
        rows.append([label, summary[kind]["healthz_median_s"], summary[kind]["healthz_max_s"],
                     summary[kind]["cpu_median_s"],
                     summary[kind]["state_median_s"], summary[kind]["state_max_s"],
                     runs[kind][-1]["rss_kb"]])
    print()
    common.table(["store", "healthz p50 s", "healthz max s", "CPU s", "/api/state p50 s", "/api/state max s",
                  "RSS kB"], rows)
    name = "startup" + (f"-{args.label}" if args.label else "")
    common.write_results(name, {"args": vars(args), "store": meta, "results": summary})
    return summary


if __name__ == "__main__":
    main()
