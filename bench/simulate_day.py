"""How long one simulated site-day takes: a 10-hour day of a 10-counter site (~650 citizens,
breaks, no-shows, requeues) through the real engine, no store (issue 12: "well under a
second"). Run on demand; median and p99 of the wall time per day go to docs/performance.md.

    python bench/simulate_day.py --days 30
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from server.simulate import load_profile, simulate_day  # noqa: E402
from server.site_file import load_site  # noqa: E402

SITES = os.path.join(common.BENCH, "sites")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=30)
    args = ap.parse_args(argv)
    site = load_site(os.path.join(SITES, "ten-counters.toml"))
    profile = load_profile(os.path.join(SITES, "ten-counters-day.toml"))
    times, tickets, events = [], [], []
    simulate_day(site, profile, seed=0)  # warm imports and caches
    for seed in range(args.days):
        t0 = time.perf_counter()
        result = simulate_day(site, profile, seed=seed)
        times.append(time.perf_counter() - t0)
        tickets.append(len(result.tickets))
        events.append(result.events)
    row = {"days": args.days, "tickets_per_day": sum(tickets) / len(tickets),
           "events_per_day": sum(events) / len(events),
           "median_s": common.percentile(times, 50), "p99_s": common.percentile(times, 99),
           "max_s": max(times)}
    common.table(["days", "tickets/day", "events/day", "median s", "p99 s", "max s"],
                       [[row["days"], f"{row['tickets_per_day']:.0f}", f"{row['events_per_day']:.0f}",
                         f"{row['median_s']:.3f}", f"{row['p99_s']:.3f}", f"{row['max_s']:.3f}"]])
    print(f"load average {os.getloadavg()}")
    common.write_results("simulate_day", {"args": vars(args), "result": row})
    return row


if __name__ == "__main__":
    main()
