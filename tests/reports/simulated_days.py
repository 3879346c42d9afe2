"""Simulated business days run through the real runtime and store, with a ledger of the truth.

The driver decides everything that happens (arrivals, which counter is open with which officer,
no-shows, transfers, cancellations, outcomes, times) from a seeded random generator and writes
it down in its own ledger as it acts. The engine decides only who is called next; the driver
reads that from the call's event. The ledger then gives the true figures, computed here without
the report code, for the report to be compared with.
"""
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from server.engine import Refused
from server.engine import commands as c

VN = timezone(timedelta(hours=7))
OUTCOMES = ("accepted", "accepted", "accepted", "returned_missing_info", "returned_wrong_info",
            "other")
LEVELS = ("very_satisfied", "satisfied", "satisfied", "neutral", "unsatisfied")
CANCEL_REASONS = ("citizen_left", "wrong_service", "", "citizen_left")


def at(day, hour, minute=0.0):
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, tzinfo=VN).timestamp() + minute * 60


@dataclass
class TrueTicket:
    id: int
    service: str
    priority: bool
    day: str
    enqueued_at: float
    issued: bool  # False for a transfer's successor
    first_call: tuple | None = None  # (at, counter, officer)
    calls: list = field(default_factory=list)  # (counter, officer) of every call
    start: float | None = None
    no_show: tuple | None = None  # (counter, officer) of the first no-show
    waiting: bool = True
    rating: str | None = None
    end: tuple | None = None  # (kind, counter, officer, outcome, service_seconds)


class Ledger:
    """What really happened, written by the driver."""

    def __init__(self):
        self.tickets = {}
        self.waiting_steps = defaultdict(list)  # day -> [(at, waiting count after)]
        self.open_steps = defaultdict(list)  # day -> [(at, open counters after)]
        self.waiting = 0
        self.open = set()

    def step_waiting(self, day, when, delta):
        self.waiting += delta
        self.waiting_steps[day].append((when, self.waiting))

    def step_open(self, day, when):
        self.open_steps[day].append((when, len(self.open)))


class Driver:
    """Runs one site's days through `runtime.execute`, the same door the server uses."""

    def __init__(self, runtime, seed):
        self.rt = runtime
        self.rng = random.Random(seed)
        self.ledger = Ledger()
        self.plans = {}  # counter -> (due, action, ticket id)
        self.officer_at = {}
        self.serial = 0
        self.day = None
        self.day_open = False

    def do(self, command):
        return self.rt.execute(command)

    def open_day(self, day, when):
        events = self.do(c.OpenDay(day, when))
        if self.day_open:
            self._day_closed(when, events)
        self.day, self.day_open = day, True
        self.ledger.waiting = 0
        self.ledger.open = set()
        self.ledger.step_waiting(day, when, 0)
        self.ledger.step_open(day, when)
        self.plans, self.officer_at = {}, {}

    def close_day(self, when):
        self._day_closed(when, self.do(c.CloseDay(when)))
        self.day_open = False

    def _day_closed(self, when, events):
        """Every open ticket ends cancelled by the day close, at its counter if it had one."""
        for t in self.ledger.tickets.values():
            if t.day == self.day and t.end is None:
                t.waiting = False
                counter = next((k for k, (_, _, tid) in self.plans.items() if tid == t.id), None)
                t.end = ("cancelled_day_close", counter, self.officer_at.get(counter), None, None)
        cancelled = {e["ticket_id"] for e in events if e["type"] == "ticket_cancelled"}
        assert cancelled == {t.id for t in self.ledger.tickets.values()
                             if t.day == self.day and t.end[0] == "cancelled_day_close"}
        self.ledger.waiting = 0
        self.ledger.step_waiting(self.day, when, 0)
        self.ledger.open = set()
        self.ledger.step_open(self.day, when)

    def issue(self, when, service, priority):
        self.serial += 1
        events = self.do(c.IssueTicket(service, priority, f"sim-{self.serial}", when))
        tid = events[-1]["ticket_id"]
        self.ledger.tickets[tid] = TrueTicket(tid, service, bool(priority), self.day, when, True)
        self.ledger.step_waiting(self.day, when, +1)

    def open_counter(self, when, counter, officer):
        self.do(c.OpenCounter(counter, when, officer))
        self.officer_at[counter] = officer
        self.ledger.open.add(counter)
        self.ledger.step_open(self.day, when)

    def pause(self, when, counter, resume=False):
        self.do((c.ResumeCounter if resume else c.PauseCounter)(counter, when))
        (self.ledger.open.add if resume else self.ledger.open.discard)(counter)
        self.ledger.step_open(self.day, when)

    def close_counter(self, when, counter):
        self.do(c.CloseCounter(counter, when))
        self.officer_at.pop(counter, None)
        self.ledger.open.discard(counter)
        self.ledger.step_open(self.day, when)

    def call(self, when, counter):
        try:
            events = self.do(c.CallNext(counter, when))
        except Refused as refusal:
            assert refusal.code == "nobody_waiting"
            return
        t = self.ledger.tickets[events[-1]["ticket_id"]]
        assert t.waiting
        t.waiting = False
        officer = self.officer_at[counter]
        if t.first_call is None:
            t.first_call = (when, counter, officer)
        t.calls.append((counter, officer))
        t.start = when
        self.ledger.step_waiting(self.day, when, -1)
        # What happens to this citizen, and when.
        roll = self.rng.random()
        if roll < 0.12:
            self.plans[counter] = (when + 120, "no_show", t.id)
        elif roll < 0.17:
            self.plans[counter] = (when + 180, "transfer", t.id)
        elif roll < 0.22:
            self.plans[counter] = (when + 90, "cancel", t.id)
        else:
            if self.rng.random() < 0.8:
                self.plans[counter] = (when + 30, "start", t.id)
            else:
                self.plans[counter] = (when + self.rng.randint(120, 1500), "complete", t.id)

    def act(self, now, counter):
        """Carry out the counter's plan, now (the plan's due time has come)."""
        _, action, tid = self.plans.pop(counter)
        t = self.ledger.tickets[tid]
        officer = self.officer_at[counter]
        if action == "start":
            self.do(c.StartServing(tid, now))
            t.start = now
            self.plans[counter] = (now + self.rng.randint(60, 900), "complete", tid)
        elif action == "complete":
            outcome = self.rng.choice(OUTCOMES)
            self.do(c.Complete(tid, outcome, now))
            t.end = ("served", counter, officer, outcome, now - t.start)
            if self.rng.random() < 0.6:
                self.rate(now, t, counter, officer)
        elif action == "no_show":
            events = self.do(c.NoShow(tid, now))
            if t.no_show is None:
                t.no_show = (counter, officer)
                assert events[-1]["requeued"]  # the site's policy: requeue_once
                t.waiting = True
                self.ledger.step_waiting(self.day, now, +1)
            else:
                assert not events[-1]["requeued"]
                t.end = ("no_show_final", counter, officer, None, None)
        elif action == "transfer":
            others = [s.code for s in self.rt.site.services if s.code != t.service]
            events = self.do(c.Transfer(tid, now, to_service=self.rng.choice(others)))
            e = events[-1]
            t.end = ("transferred", counter, officer, None, None)
            self.ledger.tickets[e["new_ticket_id"]] = TrueTicket(
                e["new_ticket_id"], e["to_service"], t.priority, self.day, now, False)
            self.ledger.step_waiting(self.day, now, +1)
        elif action == "cancel":
            reason = self.rng.choice(CANCEL_REASONS)
            self.do(c.Cancel(tid, now, reason))
            kind = "cancelled_citizen" if reason == "citizen_left" else "cancelled_officer"
            t.end = (kind, counter, officer, None, None)

    def rate(self, now, t, counter, officer):
        """The citizen rates at the counter's tablet: once; a second try and a tablet of another
        counter are refused."""
        level = self.rng.choice(LEVELS)
        other = next(n.number for n in self.rt.site.counters if n.number != counter)
        for wrong in (c.RateTicket(t.id, other, level, now),):
            try:
                self.do(wrong)
                raise AssertionError("a rating from another counter's tablet was accepted")
            except Refused as refusal:
                assert refusal.code == "not_rateable"
        self.do(c.RateTicket(t.id, counter, level, now, self.rng.choice(("", "long_wait"))))
        t.rating = level
        try:
            self.do(c.RateTicket(t.id, counter, "satisfied", now))
            raise AssertionError("a second rating was accepted")
        except Refused as refusal:
            assert refusal.code == "already_rated"

    def cancel_waiting(self, when):
        """An officer cancels a waiting ticket from the queue list (no counter involved)."""
        waiting = [t for t in self.ledger.tickets.values() if t.day == self.day and t.waiting]
        if waiting:
            t = self.rng.choice(waiting)
            self.do(c.Cancel(t.id, when, "wrong_service"))
            t.end = ("cancelled_officer", None, None, None, None)
            t.waiting = False
            self.ledger.step_waiting(self.day, when, -1)

    def run_day(self, day, shifts, close="close", until=(17, 0)):
        """A day from 7:30: arrivals each minute, counters by `shifts`
        {counter: [(start_h, end_h, officer, pause)]} where pause is (h, h) or None."""
        self.open_day(day, at(day, 7, 30))
        services = [s.code for s in self.rt.site.services]
        weights = [5, 3, 2, 1, 1][:len(services)]
        minute = at(day, 7, 31)
        end = at(day, *until)
        while minute < end:
            # Within each minute: counters open/close (+0 s), arrivals (+5 s), the counters'
            # plans (+10 s), calls (+20 s), a queue-list cancellation (+40 s): times only rise.
            for counter, sessions in shifts.items():
                for start_h, end_h, officer, pause in sessions:
                    if minute == at(day, start_h):
                        self.open_counter(minute, counter, officer)
                    if pause and minute == at(day, pause[0]):
                        self._finish(counter, minute)
                        self.pause(minute, counter)
                    if pause and minute == at(day, pause[1]):
                        self.pause(minute, counter, resume=True)
                    if minute == at(day, end_h):
                        self._finish(counter, minute)
                        self.close_counter(minute, counter)
            hour = datetime.fromtimestamp(minute, VN).hour
            busy_hour = hour in (8, 9, 14)
            for _ in range(self.rng.choice((0, 0, 0, 0, 1, 1) if busy_hour else (0, 0, 0, 0, 0, 0, 1))):
                if hour < 16:
                    priority = "elderly" if self.rng.random() < 0.15 else None
                    self.issue(minute + 5, self.rng.choices(services, weights)[0], priority)
            for counter in sorted(self.ledger.open):
                plan = self.plans.get(counter)
                if plan and plan[0] <= minute + 10:
                    self.act(minute + 10, counter)
                if counter not in self.plans:
                    self.call(minute + 20, counter)
            if self.rng.random() < 0.02:
                self.cancel_waiting(minute + 40)
            minute += 60
        if close == "close":
            self.close_day(end)

    def _finish(self, counter, when):
        """Before a pause or close: carry out the current citizen's plans at once."""
        while counter in self.plans:
            self.act(when, counter)
