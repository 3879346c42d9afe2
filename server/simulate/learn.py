"""A profile learned from the site's own past days in the event store: arrivals per hour per
service, priority share, service times (mean and spread), no-shows, and when counters opened
and closed. `qms simulate --learn-days 20` plays such days again with other counters."""
import statistics
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from .profile import CounterPlan, Profile, ServiceLoad


def _hhmm(minutes):
    minutes = int(round(minutes))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def learn_profile(site, store, first_day, last_day):
    """The average day of the business days between first_day and last_day that had tickets,
    or ValueError if there were none."""
    zone = timezone(timedelta(minutes=site.utc_offset_minutes))

    def minute(at):
        local = datetime.fromtimestamp(at, zone)
        return local.hour * 60 + local.minute + local.second / 60.0

    arrivals = defaultdict(lambda: defaultdict(int))  # service -> hour -> count
    issued, priority, calls, no_shows = (defaultdict(int) for _ in range(4))
    durations = defaultdict(list)
    opened, closed = defaultdict(list), defaultdict(list)
    days, started, service_of = set(), {}, {}
    for e in store.events_for_days(site.id, first_day, last_day):
        kind = e["type"]
        if kind == "ticket_issued":
            days.add(datetime.fromtimestamp(e["at"], zone).strftime("%Y-%m-%d"))
            arrivals[e["service"]][int(minute(e["at"]) // 60)] += 1
            issued[e["service"]] += 1
            priority[e["service"]] += bool(e["priority"])
            service_of[e["ticket_id"]] = e["service"]
        elif kind == "ticket_transferred":
            service_of[e["new_ticket_id"]] = e["to_service"]
        elif kind == "ticket_called":
            started[e["ticket_id"]] = e["at"]
            calls[service_of.get(e["ticket_id"])] += 1
        elif kind == "ticket_no_show":
            no_shows[service_of.get(e["ticket_id"])] += 1
        elif kind == "ticket_completed" and e["ticket_id"] in started:
            code = service_of.get(e["ticket_id"])
            durations[code].append((e["at"] - started.pop(e["ticket_id"])) / 60.0)
        elif kind == "counter_opened":
            opened[e["counter"]].append(minute(e["at"]))
        elif kind == "counter_closed":
            closed[e["counter"]].append(minute(e["at"]))
    if not days:
        raise ValueError(f"no tickets between {first_day} and {last_day}")
    n = len(days)
    services = {}
    for svc in site.services:
        times = durations.get(svc.code, [])
        mean = statistics.fmean(times) if times else None
        cv = statistics.stdev(times) / mean if len(times) > 2 and mean else 0.5
        services[svc.code] = ServiceLoad(
            per_hour={h: count / n for h, count in sorted(arrivals[svc.code].items())},
            priority_share=priority[svc.code] / issued[svc.code] if issued[svc.code] else 0.0,
            minutes=mean, cv=round(cv, 3),
            no_show=min(1.0, no_shows[svc.code] / calls[svc.code]) if calls[svc.code] else 0.0)
    counters = tuple(
        CounterPlan(number=number, opens=_hhmm(statistics.median(opened[number])),
                    closes=_hhmm(statistics.median(closed[number])) if closed.get(number) else None,
                    absent=round(1 - min(1.0, len(opened[number]) / n), 3))
        for number in sorted(opened))
    first_open = min((statistics.median(v) for v in opened.values()), default=7.5 * 60)
    last_close = max((statistics.median(v) for v in closed.values()), default=17 * 60)
    hours = [h for per in arrivals.values() for h in per]
    opens = min(first_open, min(hours) * 60)
    closes = max(last_close, (max(hours) + 1) * 60)
    return Profile(name=f"learned {first_day}..{last_day} ({n} days)", opens=_hhmm(opens),
                   closes=_hhmm(min(closes, 24 * 60 - 1)), services=services, counters=counters)

