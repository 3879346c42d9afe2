"""What bookings cost the engine's hot path (issue 13): a call-next (the counter's line rebuilt,
queue.py rule 4 merging booked and walk-in tickets) and the wait forecast every screen shows
(estimate.py playing the lines forward, booked citizens joining at their slot), on a busy
morning with bookings, against the same number of tickets all walk-ins (the baseline).

    python bench/booked_lines.py --walk-ins 300 --booked 100 --rounds 200
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from server.engine import SiteState, commands as c, decide, run  # noqa: E402
from server.engine.estimate import Forecast  # noqa: E402
from server.engine.queue import counter_lines  # noqa: E402
from server.engine.site import site_from_dict, site_to_dict  # noqa: E402
from server.site_file import DEMO_SITE, load_site  # noqa: E402

T0 = 1_767_574_800.0  # 2026-01-05 08:00 in Vietnam


def morning(walk_ins, booked):
    data = site_to_dict(load_site(DEMO_SITE))
    data["booking"] = {"enabled": True, "max_booked_streak": 2}
    site = site_from_dict(data)
    state = SiteState(site)
    t = T0
    run(state, c.OpenDay("2026-01-05", t))
    for counter in site.counters:
        run(state, c.OpenCounter(counter.number, t))
    codes = [s.code for s in site.services]
    for i in range(walk_ins):
        t += 1
        run(state, c.IssueTicket(codes[i % len(codes)], None, f"w{i}", t))
    for i in range(booked):
        t += 1
        start = T0 - 1800 + (i % 8) * 900  # half already due, half later this morning
        run(state, c.CheckIn(f"bk{i}", codes[i % len(codes)], start, start + 1800, f"b{i}", t))
    return state, t


def timed(state, at, rounds):
    calls, forecasts = [], []
    for _ in range(rounds):
        state._counter_lines = None  # as after any event: the lines are rebuilt
        started = time.perf_counter()
        decide(state, c.CallNext(state.site.counters[0].number, at))
        calls.append(time.perf_counter() - started)
        started = time.perf_counter()
        Forecast(state, at)
        forecasts.append(time.perf_counter() - started)
    return calls, forecasts


def figures(values):
    return statistics.median(values), common.percentile(values, 99)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--walk-ins", type=int, default=300)
    parser.add_argument("--booked", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    total = args.walk_ins + args.booked
    base_state, base_at = morning(total, 0)
    state, at = morning(args.walk_ins, args.booked)
    at = max(at, base_at)
    base = timed(base_state, at, args.rounds)
    ours = timed(state, at, args.rounds)
    rows = []
    for name, b, o in (("call-next (line rebuilt)", base[0], ours[0]),
                       ("wait forecast", base[1], ours[1])):
        (bm, bp), (om, op) = figures(b), figures(o)
        rows.append([name, common.ms(bm), common.ms(bp), common.ms(om), common.ms(op),
                     f"{om / bm:.2f}"])
    print(f"{total} waiting tickets: {args.walk_ins} walk-ins + {args.booked} booked "
          f"vs {total} walk-ins; {args.rounds} rounds")
    common.table(["", "walk-ins median ms", "p99", "with bookings median ms", "p99",
                  "ratio (median)"], rows)


if __name__ == "__main__":
    main()
