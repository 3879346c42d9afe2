"""How right are the waits we promise? (issue 12)

Over many simulated days (server/simulate, the real engine) on named profiles, every ticket's
estimate at the moment of issue is compared with the wait the citizen then had (issue to first
call). Two estimators side by side:
- ours: server/engine/estimate.py, the one every screen and the printed ticket show;
- naive: people ahead x the service's running average service time / open counters serving
  the service (what the site showed before).
"Over 60 min" (what ours shows past an hour) is counted wrong only by how much less than 60
the wait was. Reported: median and p90 absolute error (minutes), the median error as a share
of the median actual wait, the median relative error for waits of 10 minutes or more, and how
often the actual wait fell inside the range shown.

    python bench/eta_accuracy.py --days 20
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from server.engine.estimate import LONG_MINUTES, Forecast, ticket_wait  # noqa: E402
from server.engine.queue import people_ahead  # noqa: E402
from server.simulate import load_profile, simulate_days  # noqa: E402
from server.site_file import DEMO_SITE, load_site  # noqa: E402

PROFILES = os.path.join(common.ROOT, "server", "simulate", "profiles")
NAMED = ("quiet-commune", "city-peak", "counters-pausing")


def naive_minutes(state, ticket):
    """People ahead x running average / open counters serving it (all of them if none open)."""
    serving = state.site.counters_serving(ticket.service)
    open_now = [c for c in serving if state.counters[c.number].state == "open"]
    counters = len(open_now) or len(serving)
    return people_ahead(state, ticket) * state.service_minutes[ticket.service] / counters


def record_estimates(state, record, minute):
    ticket = state.tickets[record.id]
    wait = ticket_wait(state, ticket)
    record.estimate["ours"] = wait
    # The same estimator without the one-hour cap: how right its figure is past an hour.
    record.estimate["point"] = Forecast(state, state.last_at, horizon_minutes=600).ticket(ticket) \
        if wait is not None and wait.kind == "long" else wait
    record.estimate["naive"] = naive_minutes(state, ticket)


def error(estimate, actual):
    if estimate.kind == "long":
        return max(0.0, LONG_MINUTES - actual)
    return abs(estimate.minutes - actual)


def score(tickets):
    rows = [(t.first_called_at - t.issued_at, t.estimate) for t in tickets
            if t.first_called_at is not None and t.estimate.get("ours") is not None
            and t.estimate["ours"].kind != "closed"]
    actual = [a for a, _ in rows]
    ours = [error(e["ours"], a) for a, e in rows]
    naive = [abs(e["naive"] - a) for a, e in rows]
    point = [abs(e["point"].minutes - a) for a, e in rows]
    longer = [(a, e) for a, e in rows if a >= 10]
    inside = [e["ours"].low <= a <= e["ours"].high if e["ours"].kind in ("minutes", "soon")
              else a >= LONG_MINUTES - 0 if e["ours"].kind == "long" else False for a, e in rows]
    med_actual = statistics.median(actual)
    return {
        "tickets": len(rows), "median_actual": med_actual,
        "p90_actual": common.percentile(actual, 90),
        "ours_median": statistics.median(ours), "ours_p90": common.percentile(ours, 90),
        "point_median": statistics.median(point), "point_p90": common.percentile(point, 90),
        "point_share": statistics.median(point) / med_actual if med_actual else None,
        "naive_median": statistics.median(naive), "naive_p90": common.percentile(naive, 90),
        "ours_share": statistics.median(ours) / med_actual if med_actual else None,
        "naive_share": statistics.median(naive) / med_actual if med_actual else None,
        "point_rel_10": statistics.median(abs(e["point"].minutes - a) / a for a, e in longer) if longer else None,
        "naive_rel_10": statistics.median(abs(e["naive"] - a) / a for a, e in longer) if longer else None,
        "in_range": sum(inside) / len(inside) if inside else None,
        "closed_at_issue": sum(1 for t in tickets if t.estimate.get("ours") is not None
                               and t.estimate["ours"].kind == "closed"),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--profiles", default=",".join(NAMED))
    args = ap.parse_args(argv)
    site = load_site(DEMO_SITE)
    out = {}
    for name in args.profiles.split(","):
        profile = load_profile(os.path.join(PROFILES, name + ".toml"))
        days = simulate_days(site, profile, days=args.days, seed=args.seed,
                             on_issue=record_estimates)
        out[name] = score([t for d in days for t in d.tickets])
        out[name]["days"] = args.days
    pct = lambda v: "—" if v is None else f"{100 * v:.0f} %"  # noqa: E731
    mins = lambda v: f"{v:.1f}"  # noqa: E731
    common.table(
        ["profile", "tickets", "actual med/p90", "shown med/p90", "point med/p90",
         "naive med/p90", "shown/actual", "point/actual", "naive/actual", "point rel≥10",
         "naive rel≥10", "point vs naive", "in range"],
        [[n, r["tickets"], f"{mins(r['median_actual'])}/{mins(r['p90_actual'])}",
          f"{mins(r['ours_median'])}/{mins(r['ours_p90'])}",
          f"{mins(r['point_median'])}/{mins(r['point_p90'])}",
          f"{mins(r['naive_median'])}/{mins(r['naive_p90'])}",
          pct(r["ours_share"]), pct(r["point_share"]), pct(r["naive_share"]),
          pct(r["point_rel_10"]), pct(r["naive_rel_10"]),
          pct(1 - r["point_median"] / r["naive_median"]) if r["naive_median"] else "—",
          pct(r["in_range"])] for n, r in out.items()])
    print(f"load average {os.getloadavg()}")
    common.write_results("eta_accuracy", {"args": vars(args), "results": out})
    return out


if __name__ == "__main__":
    main()
