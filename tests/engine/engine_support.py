"""Helpers for the engine tests: small sites built from dicts, and a driver with a clock."""
import copy
import dataclasses
import pathlib
import tomllib

import pytest

from server.engine import Refused, SiteState, decide, run, site_from_dict
from server.engine import commands as c

DEMO_TOML = pathlib.Path(__file__).resolve().parents[2] / "server" / "sites" / "demo.toml"

T0 = 1_767_574_800.0  # 2026-01-05 08:00 in Vietnam (UTC+7); the engine never reads a clock
DAY1 = "2026-01-05"
DAY2 = "2026-01-06"


def demo_site():
    with open(DEMO_TOML, "rb") as f:
        return site_from_dict(tomllib.load(f))


def service(code, letter, **extra):
    return {"code": code, "letter": letter, "name_vi": f"Dịch vụ {code}",
            "name_en": f"Service {code}", **extra}


def make_site(services=None, counters=None, policy=None, priority_groups=None, site_id="test"):
    """A site from a dict. `services`: list of dicts (see `service`) or of codes, lettered
    A, B, C…; `counters`: list of service-code lists (numbered 1, 2, …) or full dicts;
    default: one service S (letter A) and one counter serving it."""
    services = services or ["S"]
    services = [service(s, chr(ord("A") + i)) if isinstance(s, str) else s
                for i, s in enumerate(services)]
    codes = [s["code"] for s in services]
    counters = counters or [codes]
    counters = [{"number": i + 1, "services": list(cs)} if not isinstance(cs, dict) else cs
                for i, cs in enumerate(counters)]
    data = {"site": {"id": site_id, "name": "Điểm thử"}, "services": services,
            "counters": counters, "policy": dict(policy or {})}
    if priority_groups is not None:
        data["priority_groups"] = priority_groups
    return site_from_dict(data)


ATOMS = (str, int, float, bool, type(None))


def snapshot(state):
    """A deep copy of the state for before/after comparisons, made fast enough to take at
    every step of the property tests: the frozen site is shared, tickets and counters hold
    only scalars (so a shallow copy each is a deep one), everything else is deep-copied."""
    fresh = copy.copy(state)
    for f in dataclasses.fields(state):
        value = getattr(state, f.name)
        if f.name == "site":
            continue
        if f.name in ("tickets", "counters"):
            copied = {k: copy.copy(v) for k, v in value.items()}
            assert all(isinstance(x, ATOMS) for v in copied.values() for x in vars(v).values())
        elif isinstance(value, dict) and all(isinstance(v, ATOMS) for v in value.values()):
            copied = dict(value)
        else:
            copied = copy.deepcopy(value)
        setattr(fresh, f.name, copied)
    return fresh


class Sim:
    """Drives one SiteState with commands; every command is one second after the previous
    unless told otherwise. Keeps every event, across days, like the store does."""

    def __init__(self, site, day=DAY1, open_day=True, counters=()):
        self.site = site
        self.state = SiteState(site)
        self.t = T0
        self.events = []
        self._requests = 0
        if open_day:
            self.do(c.OpenDay(day=day, at=self.tick(0)))
        for number in counters:
            self.open_counter(number)

    # -- time ----------------------------------------------------------------------------
    def tick(self, seconds=1.0):
        self.t += seconds
        return self.t

    def wait(self, minutes):
        self.t += minutes * 60.0

    # -- commands ------------------------------------------------------------------------
    def do(self, command):
        """Decide (checking decide does not touch the state), then apply."""
        before = snapshot(self.state)
        events = decide(self.state, command)
        assert self.state == before, "decide changed the state"
        for event in events:
            self.state.apply(event)
        self.events.extend(events)
        return events

    def refused(self, command, code):
        """The command is refused with `code` and the state is left exactly as it was."""
        before = snapshot(self.state)
        with pytest.raises(Refused) as info:
            decide(self.state, command)
        assert info.value.code == code, info.value
        assert self.state == before, "a refusal changed the state"
        with pytest.raises(Refused):
            run(self.state, command)
        assert self.state == before, "a refused run changed the state"
        return info.value

    def issue(self, service=None, priority=None, kiosk=None, request_id=None):
        self._requests += 1
        service = service or self.site.services[0].code
        events = self.do(c.IssueTicket(service=service, priority=priority,
                                       request_id=request_id or f"r{self._requests}",
                                       at=self.tick(), kiosk=kiosk))
        return self.state.tickets[events[-1]["ticket_id"]]

    def open_counter(self, number, officer=None):
        return self.do(c.OpenCounter(counter=number, at=self.tick(), officer=officer))

    def call_next(self, counter):
        events = self.do(c.CallNext(counter=counter, at=self.tick()))
        return self.state.tickets[events[-1]["ticket_id"]]

    def call(self, counter, ticket):
        return self.do(c.CallTicket(counter=counter, ticket_id=_id(ticket), at=self.tick()))

    def complete(self, ticket, outcome="accepted", after=None):
        return self.do(c.Complete(ticket_id=_id(ticket), outcome=outcome,
                                  at=self.tick(after if after is not None else 1.0)))

    def serve_next(self, counter):
        """Call next at the counter and complete it; returns the ticket's label."""
        ticket = self.call_next(counter)
        self.complete(ticket)
        return ticket.label

    def ticket(self, ticket):
        return self.state.tickets[_id(ticket)]


def _id(ticket):
    return ticket if isinstance(ticket, int) else ticket.id


def replay(site, events):
    """A fresh state rebuilt from the events the store loads after a restart: those from the
    first opening of the newest business day on (a day closed and opened again is one day),
    or all of them if no day was ever opened."""
    opened = [(i, e["day"]) for i, e in enumerate(events) if e["type"] == "day_opened"]
    start = min(i for i, day in opened if day == opened[-1][1]) if opened else 0
    state = SiteState(site)
    for event in events[start:]:
        state.apply(event)
    return state


def drive_random_day(site, ops, issue, wait_unit=60, more=None, before_call=None):
    """Play a Hypothesis-drawn day: (op, a, b) steps, 20 s apart, on counters 1 and 2 opened at
    T0. `issue(a, b, request_id, at)` makes the walk-in's IssueTicket; `more` maps other op
    names to `(state, a, b, request_id, at) -> command`; `before_call(state, counter, at)`
    watches every call-next before it runs. Refused commands are part of a random day."""
    from server.engine import Refused, SiteState, run
    from server.engine import commands as c
    from server.engine.lifecycle import WAITING
    state = SiteState(site)
    t = T0
    run(state, c.OpenDay(DAY1, t))
    for n in (1, 2):
        run(state, c.OpenCounter(n, t))
    for step, (op, a, b) in enumerate(ops, 1):
        t += 20
        counters = sorted(state.counters)
        counter = counters[a % len(counters)]
        current = state.counters[counter].current
        try:
            if op == "issue":
                run(state, issue(a, b, f"r{step}", t))
            elif op == "call_next":
                if before_call:
                    before_call(state, counter, t)
                run(state, c.CallNext(counter, t))
            elif op == "complete" and current:
                run(state, c.Complete(current, "accepted", t))
            elif op == "no_show" and current:
                run(state, c.NoShow(current, t))
            elif op == "transfer_counter" and current:
                run(state, c.Transfer(current, t, to_counter=counters[b % len(counters)]))
            elif op == "wait":
                t += b * wait_unit
            elif op == "open_counter":
                run(state, c.OpenCounter(counter, t))
            elif op == "call_ticket":
                waiting = sorted(x.id for x in state.tickets.values() if x.status == WAITING)
                if waiting:
                    run(state, c.CallTicket(counter, waiting[b % len(waiting)], t))
            elif more and op in more:
                run(state, more[op](state, a, b, f"r{step}", t))
        except Refused:
            pass
    return state, t + 1
