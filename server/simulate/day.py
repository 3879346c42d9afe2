"""One simulated site-day, run through the real engine.

Every step is an engine command (`decide` then `apply`, via `engine.run`): citizens take
tickets, officers open counters, press "Gọi tiếp", wait for a citizen who does not come and
mark the no-show, serve, finish, take breaks, close. Nothing of the queue rules is copied here:
who is called next, requeues, priority streaks and escalation are the engine's. No store, no
clock: times are made up from the profile, and one seed gives the same day every time.
"""
import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ..engine import Refused, SiteState, run
from ..engine import commands as c
from ..engine.lifecycle import CALLED, DONE, SERVING, WAITING
from .profile import minutes_of

SAMPLE_MINUTES = 5  # the queue length is sampled this often


@dataclass
class TicketRecord:
    id: int
    service: str
    priority: bool
    issued_at: float  # minutes of the day
    called_at: float | None = None  # the call the citizen answered (minutes of the day)
    first_called_at: float | None = None  # the first call, answered or not
    status: str = WAITING
    no_shows: int = 0
    counter: int | None = None
    estimate: dict = field(default_factory=dict)  # estimator name -> minutes, at issue

    @property
    def wait(self):
        return None if self.called_at is None else self.called_at - self.issued_at


@dataclass
class DayResult:
    day: str
    seed: int
    tickets: list  # TicketRecord, in order of issue
    samples: list  # (minute of day, waiting) every SAMPLE_MINUTES
    refused: int = 0  # arrivals the engine refused (daily cap, numbers exhausted...)
    events: int = 0
    busy_minutes: dict = field(default_factory=dict)  # counter -> minutes with a citizen
    kept_events: list | None = None  # the engine's events, when asked for

    def waits(self, service=None):
        return [t.wait for t in self.tickets
                if t.wait is not None and (service is None or t.service == service)]


def day_start(site, day):
    """Epoch seconds of midnight of `day` in the site's time zone."""
    zone = timezone(timedelta(minutes=site.utc_offset_minutes))
    return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=zone).timestamp()


class _Citizen:
    __slots__ = ("service_minutes", "absent_first", "returns")

    def __init__(self, service_minutes, absent_first, returns):
        self.service_minutes, self.absent_first, self.returns = \
            service_minutes, absent_first, returns


def _service_minutes(rng, load, mean):
    if load.distribution == "exponential":
        return rng.expovariate(1.0 / mean)
    if load.cv <= 0:
        return mean
    sigma2 = math.log(1.0 + load.cv ** 2)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2))


def arrivals(profile, rng):
    """(minute of day, service) of every citizen, by thinning a Poisson process whose rate
    changes by the hour and with campaign peaks."""
    start = minutes_of(profile.opens)
    end = minutes_of(profile.last_ticket or profile.closes)
    found = []
    for code in sorted(profile.services):
        top = max((profile.rate(code, m) for m in range(start, end)), default=0.0)
        if top <= 0:
            continue
        t = float(start)
        while True:
            t += rng.expovariate(top)
            if t >= end:
                break
            if rng.random() * top < profile.rate(code, t):
                found.append((t, code))
    found.sort()
    return found


class DaySimulation:
    """Runs one day on `state` (a SiteState, kept across days by `simulate_days` so learned
    service times carry over as they do on a real site). `on_issue(state, record, minute)` is
    called right after each ticket is issued (the accuracy benchmark asks its estimators)."""

    def __init__(self, site, profile, seed, day="2026-06-01", state=None, on_issue=None,
                 keep_events=False):
        self.site, self.profile, self.seed, self.day = site, profile, seed, day
        self.kept = [] if keep_events else None  # every event, for a store (tests, demos)
        self.state = state if state is not None else SiteState(site)
        self.rng = random.Random(seed)
        self.t0 = day_start(site, day)
        self.on_issue = on_issue
        self.queue = []  # (minute, order, action, data)
        self._order = 0
        self.records, self.by_ticket, self.citizens = [], {}, {}
        self.counter_phase = {}  # number -> "closed" | "idle" | "busy" | "break"
        self.pending = {}  # number -> "break:<minutes>" / "close", waiting for the citizen to go
        self.busy_since, self.busy = {}, {}
        self.result = DayResult(day=day, seed=seed, tickets=self.records, samples=[])
        self.priority_code = site.priority_groups[0].code if site.priority_groups else None

    # -- scheduling ----------------------------------------------------------------------
    def at(self, minute, action, *data):
        self._order += 1
        heapq.heappush(self.queue, (minute, self._order, action, data))

    def command(self, command):
        events = run(self.state, command)
        self.result.events += len(events)
        if self.kept is not None:
            self.kept.extend(events)
        return events

    def seconds(self, minute):
        return self.t0 + minute * 60.0

    # -- the day -------------------------------------------------------------------------
    def run(self):
        p, rng = self.profile, self.rng
        opens, closes = minutes_of(p.opens), minutes_of(p.closes)
        self.command(c.OpenDay(day=self.day, at=self.seconds(opens - 1)))
        plans = {plan.number: plan for plan in p.counters} or {
            cfg.number: None for cfg in self.site.counters}
        for cfg in self.site.counters:
            self.counter_phase[cfg.number] = "closed"
            if cfg.number not in plans:
                continue
            plan = plans[cfg.number]
            if plan is not None and plan.absent and rng.random() < plan.absent:
                continue  # absent today: the counter stays closed
            self.at(minutes_of(plan.opens) if plan and plan.opens else opens, "open", cfg.number)
            self.at(minutes_of(plan.closes) if plan and plan.closes else closes, "close",
                    cfg.number)
            for brk in (plan.breaks if plan else ()):
                self.at(minutes_of(brk.at), "break", cfg.number, brk.minutes)
        for minute, code in arrivals(p, rng):
            self.at(minute, "arrive", code)
        for minute in range(opens, closes + int(p.overtime_minutes) + 1, SAMPLE_MINUTES):
            self.at(minute, "sample")
        self.hard_stop = closes + p.overtime_minutes
        self.at(self.hard_stop, "end")
        while self.queue:
            minute, _, action, data = heapq.heappop(self.queue)
            if getattr(self, "_" + action)(minute, *data) == "stop":
                break
        return self.result

    def _end(self, minute):
        for number, phase in self.counter_phase.items():
            if phase == "busy":
                self.busy[number] = self.busy.get(number, 0.0) + minute - self.busy_since[number]
        if self.state.day_open:
            self.command(c.CloseDay(at=self.seconds(minute)))
        for record in self.records:
            if record.status in (WAITING, CALLED, SERVING):
                record.status = "cancelled"
        self.result.busy_minutes = self.busy
        self.result.kept_events = self.kept
        return "stop"

    def _sample(self, minute):
        waiting = sum(1 for r in self.records if r.status == WAITING)
        self.result.samples.append((minute, waiting))

    def _arrive(self, minute, code):
        load = self.profile.services[code]
        mean = load.minutes or self.site.service(code).expected_service_minutes
        priority = self.priority_code if self.rng.random() < load.priority_share else None
        citizen = _Citizen(_service_minutes(self.rng, load, mean),
                           self.rng.random() < load.no_show,
                           self.rng.random() < self.profile.returns)
        try:
            events = self.command(c.IssueTicket(service=code, priority=priority,
                                                request_id=f"sim-{len(self.records) + self.result.refused}",
                                                at=self.seconds(minute)))
        except Refused:
            self.result.refused += 1
            return
        ticket_id = events[-1]["ticket_id"]
        record = TicketRecord(ticket_id, code, bool(priority), minute)
        self.records.append(record)
        self.by_ticket[ticket_id] = record
        self.citizens[ticket_id] = citizen
        if self.on_issue is not None:
            self.on_issue(self.state, record, minute)
        for number in self.site.counters:
            if self.counter_phase[number.number] == "idle" and code in number.services:
                self.at(minute, "free", number.number)

    # -- counters ------------------------------------------------------------------------
    def _open(self, minute, number):
        self.command(c.OpenCounter(counter=number, at=self.seconds(minute), officer="sim"))
        self.counter_phase[number] = "idle"
        self.at(minute, "free", number)

    def _close(self, minute, number):
        phase = self.counter_phase[number]
        if phase == "closed":
            return
        if phase == "busy" or (phase == "idle" and self._anyone_for(number)
                               and minute < self.hard_stop):
            self.pending[number] = "close"  # serves who holds a ticket, until overtime ends
            if phase == "idle":
                self.at(minute, "free", number)
            return
        if phase == "break":
            self.command(c.ResumeCounter(counter=number, at=self.seconds(minute)))
        self.command(c.CloseCounter(counter=number, at=self.seconds(minute)))
        self.counter_phase[number] = "closed"

    def _anyone_for(self, number):
        cfg = self.site.counter(number)
        return any(t.status == WAITING and (t.reserved_counter == number or (
            t.reserved_counter is None and t.service in cfg.services))
            for t in self.state.tickets.values())

    def _break(self, minute, number, length):
        phase = self.counter_phase[number]
        if phase == "busy":
            self.pending[number] = f"break:{length}"
        elif phase == "idle":
            self.command(c.PauseCounter(counter=number, at=self.seconds(minute)))
            self.counter_phase[number] = "break"
            self.at(minute + length, "resume", number)

    def _resume(self, minute, number):
        if self.counter_phase[number] != "break":
            return
        self.command(c.ResumeCounter(counter=number, at=self.seconds(minute)))
        self.counter_phase[number] = "idle"
        self.at(minute, "free", number)

    def _free(self, minute, number):
        """The officer is free: a break or closing that was due, else "Gọi tiếp"."""
        if self.counter_phase[number] != "idle":
            return
        due = self.pending.pop(number, None)
        if due and due.startswith("break:"):
            self._break(minute, number, float(due.split(":")[1]))
            return
        if due == "close" and (minute >= self.hard_stop or not self._anyone_for(number)):
            self._close(minute, number)
            return
        if due == "close":
            self.pending[number] = "close"
        try:
            events = self.command(c.CallNext(counter=number, at=self.seconds(minute)))
        except Refused as refusal:
            if refusal.code != "nobody_waiting":
                raise
            if due == "close":
                self._close(minute, number)
            return  # idle until someone comes
        ticket_id = events[-1]["ticket_id"]
        self.counter_phase[number] = "busy"
        self.busy_since[number] = minute
        citizen = self.citizens.get(ticket_id)
        ticket = self.state.tickets[ticket_id]
        record = self.by_ticket.get(ticket_id)
        if record is not None and record.first_called_at is None:
            record.first_called_at = minute
        absent = citizen is not None and (citizen.absent_first if ticket.no_shows == 0
                                          else not citizen.returns)
        if absent:
            self.at(minute + self.profile.recall_minutes / 2, "recall", number, ticket_id)
            self.at(minute + self.profile.recall_minutes, "no_show", number, ticket_id)
            return
        if record is not None:
            record.called_at, record.status, record.counter = minute, CALLED, number
        walk = self.profile.walk_minutes
        pace = self._pace(number)
        service = citizen.service_minutes if citizen else \
            self.site.service(ticket.service).expected_service_minutes
        self.at(minute + walk, "start", number, ticket_id)
        self.at(minute + walk + service * pace, "complete", number, ticket_id)

    def _pace(self, number):
        for plan in self.profile.counters:
            if plan.number == number:
                return plan.pace
        return 1.0

    def _recall(self, minute, number, ticket_id):
        self.command(c.Recall(ticket_id=ticket_id, at=self.seconds(minute)))

    def _no_show(self, minute, number, ticket_id):
        events = self.command(c.NoShow(ticket_id=ticket_id, at=self.seconds(minute)))
        record = self.by_ticket.get(ticket_id)
        if record is not None:
            record.no_shows += 1
            record.status = WAITING if events[-1]["requeued"] else "no_show"
        self._release(minute, number)

    def _start(self, minute, number, ticket_id):
        self.command(c.StartServing(ticket_id=ticket_id, at=self.seconds(minute)))
        self.by_ticket[ticket_id].status = SERVING

    def _complete(self, minute, number, ticket_id):
        self.command(c.Complete(ticket_id=ticket_id, outcome="accepted", at=self.seconds(minute)))
        self.by_ticket[ticket_id].status = DONE
        self._release(minute, number)

    def _release(self, minute, number):
        self.busy[number] = self.busy.get(number, 0.0) + minute - self.busy_since.pop(number)
        self.counter_phase[number] = "idle"
        self.at(minute, "free", number)


def simulate_day(site, profile, seed=0, day="2026-06-01", state=None, on_issue=None,
                 keep_events=False):
    return DaySimulation(site, profile.check_against(site), seed, day, state, on_issue,
                         keep_events).run()


def simulate_days(site, profile, days=1, seed=0, first_day="2026-06-01", on_issue=None,
                  keep_events=False):
    """`days` working days in a row on one state (learned service times carry over); the i-th
    uses seed seed + i, so any one day can be run again alone."""
    state = SiteState(site)
    day = datetime.strptime(first_day, "%Y-%m-%d")
    results = []
    while len(results) < days:
        # Days the site's opening hours close (weekends, usually) are skipped: the engine
        # would refuse every ticket of them.
        if site.opening_hours is None or site.opening_hours.spans(day.weekday()):
            results.append(simulate_day(site, profile, seed + len(results),
                                        day.strftime("%Y-%m-%d"), state, on_issue, keep_events))
        day += timedelta(days=1)
    return results
