"""The event log folded into a period's figures: per service, counter and officer, and by hour.

A report reads the store's events of the period again (`Store.events_for_days`), so any past
day, week or month can be produced at any time, and the figures follow from what happened,
never from a summary written at the time. What each figure means (docs/reports.md):

- issued: tickets taken (a transfer's successor is not a new ticket).
- called: tickets called at least once (per counter/officer: tickets it called).
- served: tickets completed; with their outcome.
- no_show: tickets that had a no-show, also when requeued once and served later, so a ticket
  can count both as a no-show and as served.
- cancelled by officer / by day close / by citizen (reason "citizen_left"), transferred out.
- checked_in: bookings checked in at the kiosk (docs/appointments.md), of which
  checked_in_late came past the grace and got a walk-in number; booked_no_show: booked
  tickets marked absent (their slot released). The bookings made and never checked in are
  rows of the bookings table, not events: server/reports/bookings.py adds them from the
  booking ids checked in here (`Report.checked_in_bookings`).
- waits: from joining the queue (issue, or the transfer that put it there) to the first call.
- service times: from serving start (or the call, when no start was pressed) to completion.

Counters and officers are credited with what happened at the counter: the ticket it called
first (wait), and the no-show, transfer, cancellation or completion done there. The officer is
the one who opened the counter (`counter_opened.officer`).
"""
from collections import defaultdict
from dataclasses import dataclass, field

from ..engine.hours import local
from ..engine.lifecycle import OUTCOMES

CANCEL_KINDS = ("cancelled_officer", "cancelled_day_close", "cancelled_citizen")
COUNTS = ("issued", "called", "served", "no_show") + CANCEL_KINDS + ("transferred", "priority",
                                                                     "checked_in",
                                                                     "checked_in_late",
                                                                     "booked_no_show",
                                                                     # server/reports/bookings.py
                                                                     "booked", "booked_missed")
CITIZEN_REASONS = frozenset({"citizen_left"})
NO_OFFICER = ""  # a counter opened without a signed-in officer (e.g. from the command line)


def cancel_kind(reason):
    if reason == "day_closed":
        return "cancelled_day_close"
    if reason in CITIZEN_REASONS:
        return "cancelled_citizen"
    return "cancelled_officer"


def percentile(values, share):
    """Nearest rank: the smallest value that `share` of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil without floats drifting
    return ordered[int(rank) - 1]


def median(values):
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass
class Figures:
    """One row of a report: counts, outcomes, and the wait and service times in seconds."""
    counts: dict = field(default_factory=lambda: {k: 0 for k in COUNTS})
    outcomes: dict = field(default_factory=lambda: {o: 0 for o in OUTCOMES})
    waits: list = field(default_factory=list)
    service_times: list = field(default_factory=list)
    ratings: dict = field(default_factory=dict)  # level code -> count

    def add(self, key, n=1):
        self.counts[key] += n

    @property
    def priority_share(self):
        base = self.counts["issued"] or self.counts["called"]
        return self.counts["priority"] / base if base else None

    def times(self, which):
        values = self.waits if which == "wait" else self.service_times
        return {"median": median(values), "p90": percentile(values, 0.9),
                "max": max(values) if values else None, "n": len(values)}

    def merge(self, other):
        """Add another row's figures to this one (a province's sum of its sites): counts add
        up, and waits and service times are pooled, so the province's median is the median
        of all its citizens, not a median of medians."""
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, n in other.outcomes.items():
            self.outcomes[key] = self.outcomes.get(key, 0) + n
        for key, n in other.ratings.items():
            self.ratings[key] = self.ratings.get(key, 0) + n
        self.waits.extend(other.waits)
        self.service_times.extend(other.service_times)
        return self

    def as_dict(self):
        return {**self.counts, "outcomes": dict(self.outcomes),
                "priority_share": self.priority_share, "wait": self.times("wait"),
                "service": self.times("service"), "ratings": dict(self.ratings)}


@dataclass
class HourLoad:
    arrivals: int = 0
    waiting_peak: int = 0
    open_counters_peak: int = 0
    waits: list = field(default_factory=list)  # waits of the tickets called in this hour


@dataclass
class Report:
    site_id: str
    first_day: str
    last_day: str
    total: Figures = field(default_factory=Figures)
    services: dict = field(default_factory=lambda: defaultdict(Figures))
    counters: dict = field(default_factory=lambda: defaultdict(Figures))
    officers: dict = field(default_factory=lambda: defaultdict(Figures))
    days: dict = field(default_factory=lambda: defaultdict(Figures))
    hours: dict = field(default_factory=lambda: defaultdict(HourLoad))  # local hour 0..23
    checked_in_bookings: set = field(default_factory=set)  # the hub's booking ids

    def as_dict(self):
        def rows(groups):
            return {str(k): v.as_dict() for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))}
        return {
            "site_id": self.site_id, "first_day": self.first_day, "last_day": self.last_day,
            "total": self.total.as_dict(), "services": rows(self.services),
            "counters": rows(self.counters), "officers": rows(self.officers),
            "days": rows(self.days),
            "hours": {h: {"arrivals": v.arrivals, "waiting_peak": v.waiting_peak,
                          "open_counters_peak": v.open_counters_peak,
                          "wait_median": median(v.waits)}
                      for h, v in sorted(self.hours.items())},
        }


@dataclass
class _Ticket:
    service: str
    priority: bool
    day: str
    enqueued_at: float
    waiting: bool = True
    called: bool = False
    counter: int | None = None  # the counter it is with, while called or serving
    started_at: float | None = None
    no_show: bool = False
    booked: bool = False
    called_by_counter: set = field(default_factory=set)
    called_by_officer: set = field(default_factory=set)


class _Fold:
    def __init__(self, site, report):
        self.site, self.report = site, report
        self.day = None
        self.tickets = {}
        self.counter_officer = {}  # counter -> officer while open or paused
        self.counter_open = set()  # counters open and not paused: serving citizens
        self.waiting = 0
        self.last_hour = None  # local hour of the previous event of the current day

    def hour(self, at):
        return local(self.site, at).hour

    # Every ticket event is credited to the ticket's service, the day, the whole period, and
    # (when it happened at a counter) the counter and its officer.
    def rows(self, ticket, counter=None):
        r = self.report
        rows = [r.total, r.services[ticket.service], r.days[ticket.day]]
        if counter is not None:
            rows += [r.counters[counter], r.officers[self.counter_officer.get(counter, NO_OFFICER)]]
        return rows

    def credit(self, ticket, key, counter=None):
        for row in self.rows(ticket, counter):
            row.add(key)

    def set_waiting(self, at, delta):
        self.waiting += delta
        if delta > 0:  # only a rise makes a peak (a day closed next morning is no load then)
            load = self.report.hours[self.hour(at)]
            load.waiting_peak = max(load.waiting_peak, self.waiting)

    def set_open(self, at):
        load = self.report.hours[self.hour(at)]
        load.open_counters_peak = max(load.open_counters_peak, len(self.counter_open))

    def leave_queue(self, ticket, at):
        if ticket.waiting:
            ticket.waiting = False
            self.set_waiting(at, -1)

    def end(self, ticket):
        ticket.counter = None

    # -- events ------------------------------------------------------------------------
    def apply(self, e):
        handler = getattr(self, "on_" + e["type"], None)
        if handler is not None:
            self.carry_to(e["at"])
            handler(e)

    def carry_to(self, at):
        """Queue and counters stay as they were through hours without events: a counter open
        from 8:00 to 11:30 is open in hours 8 to 11, and people waiting at 9:55 still wait at
        10:00."""
        hour = self.hour(at)
        if self.last_hour is not None and hour != self.last_hour:
            for h in range(self.last_hour + 1, hour + 1):
                load = self.report.hours[h]
                load.waiting_peak = max(load.waiting_peak, self.waiting)
                load.open_counters_peak = max(load.open_counters_peak, len(self.counter_open))
        self.last_hour = hour

    def on_day_opened(self, e):
        if e["day"] != self.day:
            self.tickets, self.waiting = {}, 0
        self.day = e["day"]
        self.counter_open.clear()
        self.counter_officer.clear()
        self.last_hour = None

    def on_day_closed(self, e):
        self.counter_open.clear()
        self.counter_officer.clear()

    def on_ticket_issued(self, e):
        ticket = _Ticket(e["service"], bool(e.get("priority")), self.day, e["at"])
        self.tickets[e["ticket_id"]] = ticket
        self.credit(ticket, "issued")
        if ticket.priority:
            self.credit(ticket, "priority")
        if e.get("booking"):
            self.report.checked_in_bookings.add(e["booking"])
            ticket.booked = bool(e.get("booked"))
            self.credit(ticket, "checked_in")
            if not ticket.booked:
                self.credit(ticket, "checked_in_late")
        self.report.hours[self.hour(e["at"])].arrivals += 1
        self.set_waiting(e["at"], +1)

    def on_ticket_called(self, e):
        ticket = self.tickets.get(e["ticket_id"])
        if ticket is None:
            return
        self.leave_queue(ticket, e["at"])
        counter = e["counter"]
        officer = self.counter_officer.get(counter, NO_OFFICER)
        ticket.counter, ticket.started_at = counter, e["at"]
        wait = None
        if not ticket.called:
            # The citizen's wait ends at the first call; a requeued no-show's second call is
            # not a new wait.
            ticket.called = True
            wait = e["at"] - ticket.enqueued_at
            for row in self.rows(ticket):
                row.add("called")
                row.waits.append(wait)
            self.report.hours[self.hour(e["at"])].waits.append(wait)
        # A counter (and an officer) counts each ticket it called once, and the ticket's wait
        # when it made the first call.
        for seen, key, row in ((ticket.called_by_counter, counter, self.report.counters[counter]),
                               (ticket.called_by_officer, officer, self.report.officers[officer])):
            if key in seen:
                continue
            seen.add(key)
            row.add("called")
            if ticket.priority:
                row.add("priority")
            if wait is not None:
                row.waits.append(wait)

    def on_ticket_serving(self, e):
        ticket = self.tickets.get(e["ticket_id"])
        if ticket is not None:
            ticket.started_at = e["at"]

    def on_ticket_no_show(self, e):
        ticket = self.tickets.get(e["ticket_id"])
        if ticket is None:
            return
        if not ticket.no_show:
            ticket.no_show = True
            self.credit(ticket, "no_show", e.get("counter", ticket.counter))
            if ticket.booked:
                self.credit(ticket, "booked_no_show", e.get("counter", ticket.counter))
        self.end(ticket)
        if e.get("requeued"):
            ticket.waiting = True
            self.set_waiting(e["at"], +1)

    def on_ticket_transferred(self, e):
        old = self.tickets.get(e["ticket_id"])
        if old is None:
            return
        self.leave_queue(old, e["at"])
        self.credit(old, "transferred", old.counter)
        self.end(old)
        new = _Ticket(e["to_service"], old.priority, self.day, e["at"])
        self.tickets[e["new_ticket_id"]] = new
        self.set_waiting(e["at"], +1)

    def on_ticket_completed(self, e):
        ticket = self.tickets.get(e["ticket_id"])
        if ticket is None:
            return
        counter = e.get("counter", ticket.counter)
        for row in self.rows(ticket, counter):
            row.add("served")
            row.outcomes[e["outcome"]] = row.outcomes.get(e["outcome"], 0) + 1
            if ticket.started_at is not None:
                row.service_times.append(e["at"] - ticket.started_at)
        self.end(ticket)

    def on_ticket_cancelled(self, e):
        ticket = self.tickets.get(e["ticket_id"])
        if ticket is None:
            return
        self.leave_queue(ticket, e["at"])
        self.credit(ticket, cancel_kind(e.get("reason", "")), ticket.counter)
        self.end(ticket)

    def on_counter_opened(self, e):
        self.counter_officer[e["counter"]] = e.get("officer") or NO_OFFICER
        self.counter_open.add(e["counter"])
        self.set_open(e["at"])

    def on_counter_paused(self, e):
        self.counter_open.discard(e["counter"])

    def on_counter_resumed(self, e):
        self.counter_open.add(e["counter"])
        self.set_open(e["at"])

    def on_counter_closed(self, e):
        self.counter_open.discard(e["counter"])
        self.counter_officer.pop(e["counter"], None)

    def on_ticket_rated(self, e):
        ticket = self.tickets.get(e["ticket_id"])
        if ticket is None:
            return
        rows = [self.report.total, self.report.services[ticket.service],
                self.report.days[ticket.day]]
        if e.get("counter") is not None:
            rows += [self.report.counters[e["counter"]],
                     self.report.officers[e.get("officer") or NO_OFFICER]]
        for row in rows:
            row.ratings[e["level"]] = row.ratings.get(e["level"], 0) + 1


def fold(site, events, first_day, last_day):
    """The report of business days first_day..last_day from the site's events (in seq order)."""
    report = Report(site.id, first_day, last_day)
    folder = _Fold(site, report)
    for event in events:
        folder.apply(event)
    return report

