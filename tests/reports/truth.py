"""The true figures of simulated days, from the driver's ledger alone (no report code)."""
import math
from collections import defaultdict
from datetime import datetime

from simulated_days import VN

KINDS = ("issued", "called", "served", "no_show", "cancelled_officer", "cancelled_day_close",
         "cancelled_citizen", "transferred", "priority")
OUTCOMES = ("accepted", "returned_missing_info", "returned_wrong_info", "other")


def nearest_rank(values, share):
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1] if ordered else None


def middle(values):
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


class Row:
    def __init__(self):
        self.n = dict.fromkeys(KINDS, 0)
        self.outcomes = dict.fromkeys(OUTCOMES, 0)
        self.waits, self.services = [], []
        self.ratings = {}

    def result(self):
        def stats(values):
            return {"median": middle(values), "p90": nearest_rank(values, 0.9),
                    "max": max(values) if values else None, "n": len(values)}
        base = self.n["issued"] or self.n["called"]
        return {**self.n, "outcomes": self.outcomes, "ratings": self.ratings, "wait": stats(self.waits),
                "service": stats(self.services),
                "priority_share": self.n["priority"] / base if base else None}


def true_figures(ledger, days):
    total, services, counters, officers, by_day = (Row(), defaultdict(Row), defaultdict(Row),
                                                   defaultdict(Row), defaultdict(Row))
    for t in ledger.tickets.values():
        if t.day not in days:
            continue
        mine = [total, services[t.service], by_day[t.day]]  # the ticket's own rows
        for row in mine:
            if t.issued:
                row.n["issued"] += 1
                row.n["priority"] += t.priority
            if t.first_call:
                row.n["called"] += 1
                row.waits.append(t.first_call[0] - t.enqueued_at)
            if t.no_show:
                row.n["no_show"] += 1
        # Each counter and officer that called the ticket: once each; the wait to the first.
        for key, place in ((1, counters), (2, officers)):
            seen = []
            for call in t.calls:
                who = call[key - 1]
                if who in seen:
                    continue
                seen.append(who)
                place[who].n["called"] += 1
                place[who].n["priority"] += t.priority
            if t.first_call:
                place[t.first_call[key]].waits.append(t.first_call[0] - t.enqueued_at)
        if t.no_show:
            counters[t.no_show[0]].n["no_show"] += 1
            officers[t.no_show[1]].n["no_show"] += 1
        if t.end is None:
            raise AssertionError(f"ticket {t.id} never ended")
        kind, counter, officer, outcome, seconds = t.end
        rows = list(mine)
        if counter is not None:
            rows += [counters[counter], officers[officer]]
        for row in rows:
            if t.rating:
                row.ratings[t.rating] = row.ratings.get(t.rating, 0) + 1
            if kind == "served":
                row.n["served"] += 1
                row.outcomes[outcome] += 1
                row.services.append(seconds)
            elif kind in KINDS:
                row.n[kind] += 1
            # "no_show_final": the ticket already counts as a no-show from its first one
    as_dict = lambda rows: {str(k): v.result() for k, v in rows.items()}  # noqa: E731
    return {"total": total.result(), "services": as_dict(services), "counters": as_dict(counters),
            "officers": as_dict(officers), "days": as_dict(by_day),
            "hours": _hours(ledger, days)}


def _hour(at):
    return datetime.fromtimestamp(at, VN).hour


def _peaks(steps):
    """Peak of a step function per hour: its level when the hour starts, or any level it takes
    within the hour, between the first and the last step of the day."""
    peaks = {}
    level = 0
    previous = None
    for at, value in steps:
        hour = _hour(at)
        if previous is not None:
            for h in range(previous + 1, hour + 1):
                peaks[h] = max(peaks.get(h, 0), level)  # carried into hours without steps
        level = value
        peaks[hour] = max(peaks.get(hour, 0), level)
        previous = hour
    return peaks


def _hours(ledger, days):
    hours = defaultdict(lambda: {"arrivals": 0, "waiting_peak": 0, "open_counters_peak": 0,
                                 "waits": []})
    for t in ledger.tickets.values():
        if t.day not in days:
            continue
        if t.issued:
            hours[_hour(t.enqueued_at)]["arrivals"] += 1
        if t.first_call:
            hours[_hour(t.first_call[0])]["waits"].append(t.first_call[0] - t.enqueued_at)
    for day in days:
        # A day closed by the next day's opening ends the next morning: that close lowers the
        # levels, it adds no peak, so only the day's own changes count; and both levels last
        # until the day's last change of either (12 people still wait when the last counter
        # closes at 17:00).
        same_day = {key: [(at, v) for at, v in steps
                          if datetime.fromtimestamp(at, VN).date().isoformat() == day]
                    for key, steps in (("waiting_peak", ledger.waiting_steps[day]),
                                       ("open_counters_peak", ledger.open_steps[day]))}
        last = max(steps[-1][0] for steps in same_day.values())
        for key, steps in same_day.items():
            for hour, peak in _peaks(steps + [(last, steps[-1][1])]).items():
                hours[hour][key] = max(hours[hour][key], peak)
    return {h: {"arrivals": v["arrivals"], "waiting_peak": v["waiting_peak"],
                "open_counters_peak": v["open_counters_peak"], "wait_median": middle(v["waits"])}
            for h, v in hours.items()}
