"""The provincial hub under load (issue 11; docs/performance.md "Provincial hub").

    python bench/hub_ingest.py province   # 65 sites, a peak morning: lag site commit -> hub,
                                          # and -> a dashboard's site_changed
    python bench/hub_ingest.py national   # 3,300 senders against 1, 2 and 4 hub processes
    python bench/hub_ingest.py size       # PostgreSQL bytes per event -> per site-year
    python bench/hub_ingest.py all        # the three, ~5 minutes on the shared 2-core box

Everything is real but the sites' servers: real `qms hub` processes (eventlet, PostgreSQL,
Redis manager, several on one port with SO_REUSEPORT), the real sync agent (`SyncAgent`, the
code of `qms sync`) reading real SQLite site stores, a real dashboard Socket.IO client. The
sites' events come from the simulator (server/simulate: tickets, calls, completions through
the real engine), written into each site's store at their simulated times, time-compressed.
The national run's senders are light HTTP clients (eventlet green threads) that send what an
agent sends, as 3,300 agents would; they share the two cores with the hub.
"""
import argparse
import dataclasses
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, ms, percentile, table, write_results  # noqa: E402

REDIS = "redis://127.0.0.1:6379/0"
PEAK = (8, 10)  # local hours of the peak morning replayed


# -- shared ---------------------------------------------------------------------------------
HUB_ARGS = []  # --async-commit (bench option)


def start_hubs(db, folder, count, channel):
    from support.hub_process import HubProcess
    from support.server_process import free_port
    port = free_port()
    hubs = [HubProcess(os.path.join(folder, f"hub{i}"), db, port=port, message_queue=REDIS,
                       channel=channel, reuse_port=True, extra_args=HUB_ARGS)
            for i in range(count)]
    for hub in hubs:
        hub.start()
    return hubs


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def site_events(index, per_hour, seed):
    """One simulated site-day of the demo site under the id p<index>: its events."""
    from server.simulate import simulate_days, uniform_profile
    from server.site_file import DEMO_SITE, load_site
    site = dataclasses.replace(load_site(DEMO_SITE), id=f"p{index:04d}")
    day = simulate_days(site, uniform_profile(site, per_hour), days=1, seed=seed,
                        keep_events=True)[0]
    return site, day.kept_events


# -- 65 sites, a peak morning ---------------------------------------------------------------
def _province_worker(args):
    """Writers and agents of a share of the sites, in a process of their own (no shared GIL
    with the other shares): each site's events are appended to its own SQLite store at their
    simulated time / speed, and its SyncAgent sends them. Returns {site: {seq: commit time}}."""
    (indexes, keys, hub_url, folder, per_hour, speed, start_at, stop_at) = args
    from server.engine.hours import local
    from server.hub.agent import HubLink, SyncAgent
    from server.store import open_store
    committed, threads, agents = {}, [], []
    stopping = threading.Event()
    for index in indexes:
        site, events = site_events(index, per_hour, seed=index)
        store = open_store(f"sqlite:///{folder}/site-{index}.sqlite3")
        window = [e for e in events if PEAK[0] <= local(site, e["at"]).hour < PEAK[1]]
        before = [e for e in events if e["seq"] < window[0]["seq"]]
        store.append(site.id, before)  # the early morning: sent as the agents start
        times = committed.setdefault(site.id, {})
        t0 = window[0]["at"]

        def write(store=store, site=site, window=window, times=times, t0=t0):
            for event in window:
                due = start_at + (event["at"] - t0) / speed
                if due > stop_at or stopping.is_set():
                    return
                time.sleep(max(0.0, due - time.time()))
                store.append(site.id, [event])
                times[event["seq"]] = time.time()  # acknowledged at the site: committed
        agent = SyncAgent(store, site, HubLink(hub_url, site.id, keys[index]), poll=0.5)
        agents.append(agent)
        threads += [threading.Thread(target=write, daemon=True),
                    threading.Thread(target=agent.run, kwargs={"stop": stopping.is_set},
                                     daemon=True)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, stop_at - time.time()))
    writers = threads[0::2]
    for writer in writers:
        writer.join(timeout=30)

    def drained():
        return all(agent.acked is not None and agent.acked >= max(committed[agent.site.id],
                                                                  default=0) for agent in agents)
    deadline = time.time() + 120
    while not drained() and time.time() < deadline:
        time.sleep(0.2)
    stopping.set()
    return committed


def province(args, db, folder):
    from server.hub.store import HubStore
    from server.hub.viewers import create_user
    store = HubStore(db)
    keys = {i: store.add_site(f"p{i:04d}", f"Phường {i}", f"Huyện {i % 9}", time.time())
            for i in range(args.sites)}
    create_user(store, "bench", "bench-password")
    hubs = start_hubs(db, folder, args.processes, "qms-hub-bench-" + uuid.uuid4().hex[:6])
    try:
        return _province_run(args, store, keys, hubs, folder)
    finally:
        for hub in hubs:
            hub.stop()
        store.close()


def _province_run(args, store, keys, hubs, folder):
    import socketio
    import requests
    url = hubs[0].url
    heard, tiles, drops = [], [], []
    http = requests.Session()
    http.post(url + "/api/hub/login", json={"username": "bench", "password": "bench-password"})
    dashboard = socketio.Client()
    dashboard.on("site_changed", lambda d: heard.append((d["site_id"], d["last_seq"],
                                                         time.time())))
    # What the dashboard page shows: the board's throttled `tiles` pushes (server/hub/board.py).
    dashboard.on("tiles", lambda d: tiles.extend((t["site_id"], t["seq"], time.time())
                                                 for t in d["tiles"]))
    dashboard.on("disconnect", lambda *a: drops.append(time.time()))
    dashboard.connect(url, transports=["websocket"], headers={
        "Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items())})
    start_at = time.time() + 25  # the workers simulate their days and catch up first
    stop_at = start_at + args.seconds
    shares = [list(range(args.sites))[w::args.workers] for w in range(args.workers)]
    cpu0 = {h.pid: cpu_seconds(h.pid) for h in hubs}
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(_province_worker, [(s, keys, url, folder, args.per_hour, args.speed,
                                               start_at, stop_at) for s in shares])
    cpu = sum((cpu_seconds(h.pid) or 0) - (cpu0[h.pid] or 0) for h in hubs)
    dashboard.disconnect()
    committed = {site: times for r in results for site, times in r.items()}
    import sqlalchemy as sa
    lags = []
    with store.engine.connect() as conn:
        for site, times in committed.items():
            rows = conn.execute(sa.text("SELECT seq, received_at FROM hub_events WHERE "
                                        "site_id = :s"), {"s": site}).all()
            got = dict(rows)
            lags += [got[seq] - t for seq, t in times.items() if seq in got]
            missing = [seq for seq in times if seq not in got]
            assert not missing, f"{site}: {len(missing)} committed events not on the hub"
    pushes = [t - committed[site][seq] for site, seq, t in heard
              if seq in committed.get(site, {})]
    tile_pushes = [t - committed[site][seq] for site, seq, t in tiles
                   if seq in committed.get(site, {})]
    events = sum(len(t) for t in committed.values())
    result = {"sites": args.sites, "processes": args.processes, "speed": args.speed,
              "per_hour": args.per_hour, "seconds": args.seconds, "events": events,
              "events_per_s": round(events / args.seconds, 1),
              "ingest_lag_ms": {"p50": ms(percentile(lags, 50)), "p99": ms(percentile(lags, 99)),
                                "max": ms(max(lags))},
              "push_ms": {"p50": ms(percentile(pushes, 50)), "p99": ms(percentile(pushes, 99)),
                          "n": len(pushes)},
              "tiles_ms": {"p50": ms(percentile(tile_pushes, 50)),
                           "p99": ms(percentile(tile_pushes, 99)), "n": len(tile_pushes)},
              "dashboard_disconnects": len(drops),
              "hub_cpu_share": round(cpu / args.seconds, 2),
              "load_average": os.getloadavg()[0]}
    print(f"\n{args.sites} sites, peak morning {PEAK[0]}:00-{PEAK[1]}:00 at x{args.speed} "
          f"({result['events_per_s']} events/s), {args.processes} hub processes")
    table(["what", "p50 ms", "p99 ms", "n"],
          [["site commit -> hub (ingest lag)", result["ingest_lag_ms"]["p50"],
            result["ingest_lag_ms"]["p99"], len(lags)],
           ["site commit -> site_changed", result["push_ms"]["p50"], result["push_ms"]["p99"],
            len(pushes)],
           ["site commit -> dashboard tile", result["tiles_ms"]["p50"],
            result["tiles_ms"]["p99"], len(tile_pushes)]])
    print(f"dashboard disconnects: {len(drops)}; hub CPU {result['hub_cpu_share']} s/s; "
          f"box load average {result['load_average']:.1f}")
    return result


# -- a national run -------------------------------------------------------------------------
def _national_sender(args):
    """Green senders for a share of the sites, in a process of their own under eventlet."""
    import eventlet
    eventlet.monkey_patch()
    import requests
    (sites, url, seconds, batch, interval, start_at) = args
    done, latencies, errors = [0], [], {}
    stop_at = start_at + seconds

    def sender(site_id, key):
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {key}"
        seq = 0
        eventlet.sleep(max(0.0, start_at - time.time()) + random.uniform(0, interval or 0.5))
        while time.time() < stop_at:
            events = [{"site_id": site_id, "seq": seq + i + 1, "type": "ticket_called",
                       "at": time.time(), "ticket_id": seq + i + 1, "counter": 1,
                       "priority_streak": 0} for i in range(batch)]
            began = time.time()
            try:
                answer = http.post(f"{url}/api/hub/sites/{site_id}/events", timeout=30,
                                   json={"sent_at": began, "events": events})
                if answer.status_code == 200:
                    seq = answer.json()["last_seq"]
                    done[0] += batch
                    latencies.append(time.time() - began)
                else:
                    errors[f"HTTP {answer.status_code}"] = errors.get(
                        f"HTTP {answer.status_code}", 0) + 1
            except requests.RequestException as exc:
                name = type(exc).__name__
                errors[name] = errors.get(name, 0) + 1
                eventlet.sleep(1.0)  # as an agent backs off
            if interval:
                eventlet.sleep(random.expovariate(1.0 / interval))
    pool = eventlet.GreenPool(len(sites) + 1)
    for site_id, key in sites:
        pool.spawn(sender, site_id, key)
    pool.waitall()
    return done[0], latencies, errors


def national_round(db, folder, senders, processes, seconds, batch, interval, workers, sites):
    import sqlalchemy as sa
    hubs = start_hubs(db, folder, processes, "qms-hub-bench-" + uuid.uuid4().hex[:6])
    try:
        return _national_run(db, hubs, senders, processes, seconds, batch, interval, workers,
                             sites)
    finally:
        for hub in hubs:
            hub.stop()


def _national_run(db, hubs, senders, processes, seconds, batch, interval, workers, sites):
    import sqlalchemy as sa
    engine = sa.create_engine(db)
    start_at = time.time() + 8
    shares = [sites[w::workers] for w in range(workers)]
    cpu0 = {h.pid: cpu_seconds(h.pid) for h in hubs}
    peak_conns = [0]
    watching = threading.Event()

    def watch_connections():
        while not watching.is_set():
            with engine.connect() as conn:
                peak_conns[0] = max(peak_conns[0], conn.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                )).scalar())
            time.sleep(1)
    threading.Thread(target=watch_connections, daemon=True).start()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.map(_national_sender, [(s, hubs[0].url, seconds, batch, interval,
                                               start_at) for s in shares])
    watching.set()
    cpu = [round(((cpu_seconds(h.pid) or 0) - (cpu0[h.pid] or 0)) / seconds, 2) for h in hubs]
    alive = sum(h.proc.poll() is None for h in hubs)
    engine.dispose()
    events = sum(r[0] for r in results)
    latencies = [x for r in results for x in r[1]]
    errors = {}
    for r in results:
        for k, v in r[2].items():
            errors[k] = errors.get(k, 0) + v
    return {"senders": senders, "processes": processes, "batch": batch,
            "load_average": os.getloadavg()[0],
            "interval_s": interval, "events_per_s": round(events / seconds, 1),
            "requests_per_s": round(len(latencies) / seconds, 1),
            "latency_ms": {"p50": ms(percentile(latencies, 50)),
                           "p99": ms(percentile(latencies, 99))},
            "errors": errors, "hub_cpu": cpu, "pg_connections_peak": peak_conns[0],
            "processes_alive_after": alive}


def national(args, db, folder):
    from server.hub.store import HubStore
    store = HubStore(db)
    sites = [(f"n{i:04d}", store.add_site(f"n{i:04d}", f"Xã {i}", f"Tỉnh {i % 63}", time.time()))
             for i in range(args.senders)]
    store.close()
    rounds = []
    for processes in args.process_counts:
        for label, batch, interval in (("real pace", 1, args.real_interval),
                                       ("flat out", args.flat_batch, 0)):
            # A fresh run of seqs per round: the sites' logs start again in a new database.
            with _fresh_db() as round_db:
                _copy_sites(db, round_db)
                result = national_round(round_db, folder, args.senders, processes,
                                        args.seconds, batch, interval, args.workers, sites)
            result["load"] = label
            rounds.append(result)
            print(f"  {processes} process(es), {label}: {result['events_per_s']} events/s, "
                  f"p99 {result['latency_ms']['p99']} ms, errors {result['errors']}, "
                  f"hub CPU {result['hub_cpu']}, PG conns {result['pg_connections_peak']}")
    print(f"\nNational run: {args.senders} senders")
    table(["processes", "load", "events/s", "req/s", "p50 ms", "p99 ms", "errors", "hub CPU",
           "PG conns", "box load avg"],
          [[r["processes"], r["load"], r["events_per_s"], r["requests_per_s"],
            r["latency_ms"]["p50"], r["latency_ms"]["p99"], sum(r["errors"].values()),
            "+".join(str(c) for c in r["hub_cpu"]), r["pg_connections_peak"],
            r["load_average"]] for r in rounds])
    return rounds


def _fresh_db():
    from support.databases import fresh_postgres
    return fresh_postgres("qms_hub_bench")


def _copy_sites(source, target):
    import sqlalchemy as sa
    from server.hub.store import HubStore, hub_sites
    HubStore(target).close()  # migrate
    src, dst = sa.create_engine(source), sa.create_engine(target)
    with src.connect() as a, dst.begin() as b:
        rows = [dict(r._mapping) for r in a.execute(sa.select(hub_sites))]
        b.execute(hub_sites.insert(), rows)
    src.dispose()
    dst.dispose()


# -- PostgreSQL size per site-year ----------------------------------------------------------
def size(args, db, folder):
    """Ingest whole simulated site-days through the real store code and measure the bytes
    PostgreSQL holds for them (table, TOAST and indexes, after VACUUM)."""
    import sqlalchemy as sa
    from server.hub.scrub import scrub
    from server.hub.store import HubStore
    store = HubStore(db)
    events_total, days, tickets = 0, [], 0
    for i in range(args.size_sites):
        site, events = site_events(i, args.size_per_hour, seed=100 + i)
        tickets += sum(e["type"] == "ticket_issued" for e in events)
        store.add_site(site.id, site.name, "", time.time())
        sent = [scrub(e) for e in events]
        for start in range(0, len(sent), 500):
            store.ingest(site.id, sent[start:start + 500], time.time())
        events_total += len(sent)
        days.append(len(sent))
    engine = sa.create_engine(db, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE hub_events"))
        total = conn.execute(sa.text("SELECT pg_total_relation_size('hub_events')")).scalar()
        heap = conn.execute(sa.text("SELECT pg_relation_size('hub_events')")).scalar()
    engine.dispose()
    store.close()
    per_event = total / events_total
    per_day = events_total / len(days)
    tickets_per_day = tickets / len(days)
    result = {"site_days": len(days), "events": events_total, "bytes_total": total,
              "bytes_heap": heap, "bytes_per_event": round(per_event, 1),
              "events_per_site_day": round(per_day, 1),
              "events_per_ticket": round(per_day / tickets_per_day, 2),
              "working_days": args.working_days}
    rows = []
    for label, tickets in (("busy site (simulated)", tickets_per_day),
                           ("typical commune", args.typical_tickets)):
        events_day = tickets * result["events_per_ticket"]
        year = per_event * events_day * args.working_days
        rows.append([label, round(tickets), round(events_day), round(year / 2**20, 1),
                     round(year * 3300 / 2**30, 1)])
        result[label] = {"tickets_per_day": round(tickets), "events_per_day": round(events_day),
                         "mb_per_site_year": round(year / 2**20, 1),
                         "gb_national_year": round(year * 3300 / 2**30, 1)}
    print(f"\nPostgreSQL: {per_event:.0f} bytes per event (table+TOAST+indexes), "
          f"{result['events_per_ticket']} events per ticket")
    table(["site", "tickets/day", "events/day", "MB per site-year", "GB national-year (3,300)"],
          rows)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["province", "national", "size", "all"])
    parser.add_argument("--sites", type=int, default=65)
    parser.add_argument("--per-hour", type=float, default=60.0,
                        help="citizens per hour at each simulated site (the demo site)")
    parser.add_argument("--speed", type=float, default=10.0,
                        help="time compression of the peak morning")
    parser.add_argument("--seconds", type=float, default=40.0, help="length of each run")
    parser.add_argument("--processes", type=int, default=2, help="hub processes (province)")
    parser.add_argument("--workers", type=int, default=2, help="load-generating processes")
    parser.add_argument("--senders", type=int, default=3300)
    parser.add_argument("--process-counts", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 2, 4])
    parser.add_argument("--real-interval", type=float, default=6.0,
                        help="national 'real pace': seconds between a site's events (a busy "
                             "site's morning: ~600 events an hour)")
    parser.add_argument("--flat-batch", type=int, default=20,
                        help="national 'flat out': events per batch, sent back to back")
    parser.add_argument("--size-sites", type=int, default=4)
    parser.add_argument("--size-per-hour", type=float, default=60.0)
    parser.add_argument("--typical-tickets", type=float, default=150.0)
    parser.add_argument("--working-days", type=int, default=250)
    parser.add_argument("--async-commit", action="store_true",
                        help="run the hubs with --async-commit")
    args = parser.parse_args()
    if args.async_commit:
        HUB_ARGS.append("--async-commit")
    from common import raise_nofile
    raise_nofile()
    results = {}
    with tempfile.TemporaryDirectory(prefix="qms-hub-bench-") as folder:
        for what, run in (("province", province), ("national", national), ("size", size)):
            if args.what in (what, "all"):
                with _fresh_db() as db:
                    results[what] = run(args, db, folder)
    write_results(f"hub_ingest-{args.what}{'-async' if args.async_commit else ''}", {"args": {k: v for k, v in vars(args).items()},
                                              **results})


if __name__ == "__main__":
    main()
