"""Property tests: random command sequences (with rising `at`) against the engine's invariants.

After every step: labels unique, tickets and counters agree both ways, every refusal and
every decision left the state alone, and a state rebuilt from the events (as after a crash)
equals the live one. At every call-next pick: reserved tickets first (oldest first), the
priority bound (at most K priority picks in a row while a normal ticket waits for that
counter, and priority first otherwise) and FIFO within a class and service. At the end the
day is closed and every ticket has exactly one final state.
"""
from collections import Counter as Tally

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.engine import FINAL_STATUSES, OPEN_STATUSES, OUTCOMES, Refused, SiteState, decide
from server.engine import commands as c
from server.engine.lifecycle import CALLED, SERVING, TRANSFERRED, WAITING

from engine_support import T0, make_site, replay, service, snapshot

SERVICES = ("S1", "S2", "S3")
COUNTERS = (("S1", "S2"), ("S2", "S1", "S3"), ("S3",), ("S1",))
GROUPS = (None, None, None, "elderly", "disability", "pregnant")

# Weighted: issuing and calling are what a real day is mostly made of.
OPS = (["issue"] * 6 + ["call_next"] * 6 + ["complete"] * 3 + ["open_counter"] * 3
       + ["start", "recall", "no_show", "no_show", "call_ticket", "transfer_service",
          "transfer_counter", "cancel", "pause", "resume", "close_counter", "new_day",
          "close_day", "reopen_day"])

step_strategy = st.tuples(st.sampled_from(OPS), st.integers(0, 99), st.integers(0, 99),
                          st.integers(1, 900))


def property_site(k, no_show):
    # Escalation out of the way (FIFO is checked strictly); a range large enough never to wrap.
    return make_site(services=[service(code, "ABC"[i], number_end=9999)
                               for i, code in enumerate(SERVICES)],
                     counters=[list(cs) for cs in COUNTERS],
                     policy={"max_priority_streak": k, "no_show": no_show,
                             "escalate_after_minutes": 10_000_000})


class Run:
    def __init__(self, site):
        self.site = site
        self.k = site.policy.max_priority_streak
        self.state = SiteState(site)
        self.events = []
        self.t = T0
        self.day_index = 0
        self.requests = 0
        # Per counter: priority call-next picks since its last normal call-next pick.
        self.runs = {n: 0 for n in self.state.counters}
        self.picks = Tally()

    # -- driving ---------------------------------------------------------------------------
    def day_name(self):
        return f"2026-02-{self.day_index + 1:02d}"

    def execute(self, command):
        self.before = before = snapshot(self.state)
        try:
            events = decide(self.state, command)
        except Refused:
            assert self.state == before, f"refused {command} changed the state"
            return None
        assert self.state == before, f"deciding {command} changed the state"
        if any(e["type"] == "day_opened" for e in events):
            self.runs = dict.fromkeys(self.runs, 0)
        for event in events:
            self.state.apply(event)
        if any(e["type"] == "day_closed" for e in events):
            self.runs = dict.fromkeys(self.runs, 0)
        self.events.extend(events)
        assert [e["seq"] for e in self.events] == list(range(1, len(self.events) + 1))
        return events

    def ticket_id(self, a):
        """Mostly a ticket at a counter or an open one, sometimes any ticket of the day."""
        at_counters = sorted(cs.current for cs in self.state.counters.values() if cs.current)
        open_ids = sorted(t.id for t in self.state.open_tickets())
        all_ids = sorted(self.state.tickets)
        if at_counters and a % 5 in (1, 2):
            return at_counters[a % len(at_counters)]
        if open_ids and a % 5:
            return open_ids[a % len(open_ids)]
        if all_ids:
            return all_ids[a % len(all_ids)]
        return 10_000 + a

    def command(self, op, a, b):
        at = self.t
        counter = b % len(COUNTERS) + 1
        if op == "issue":
            self.requests += 1
            return c.IssueTicket(service=SERVICES[a % 3], priority=GROUPS[b % len(GROUPS)],
                                 request_id=f"r{self.requests}", at=at,
                                 kiosk="k1" if a % 2 else None)
        if op == "call_next":
            return c.CallNext(counter=counter, at=at)
        if op == "call_ticket":
            return c.CallTicket(counter=counter, ticket_id=self.ticket_id(a), at=at)
        if op == "recall":
            return c.Recall(ticket_id=self.ticket_id(a), at=at)
        if op == "start":
            return c.StartServing(ticket_id=self.ticket_id(a), at=at)
        if op == "no_show":
            return c.NoShow(ticket_id=self.ticket_id(a), at=at)
        if op == "complete":
            return c.Complete(ticket_id=self.ticket_id(a), outcome=OUTCOMES[b % len(OUTCOMES)],
                              at=at)
        if op == "cancel":
            return c.Cancel(ticket_id=self.ticket_id(a), at=at)
        if op == "transfer_service":
            return c.Transfer(ticket_id=self.ticket_id(a), to_service=SERVICES[b % 3], at=at)
        if op == "transfer_counter":
            return c.Transfer(ticket_id=self.ticket_id(a), to_counter=counter, at=at)
        if op == "open_counter":
            return c.OpenCounter(counter=counter, at=at, officer=f"o{counter}")
        if op == "pause":
            return c.PauseCounter(counter=counter, at=at)
        if op == "resume":
            return c.ResumeCounter(counter=counter, at=at)
        if op == "close_counter":
            return c.CloseCounter(counter=counter, at=at)
        if op == "new_day":
            self.day_index += 1
            return c.OpenDay(day=self.day_name(), at=at)
        if op == "reopen_day":
            return c.OpenDay(day=self.day_name(), at=at)
        if op == "close_day":
            return c.CloseDay(at=at)
        raise AssertionError(op)

    def step(self, op, a, b, dt, replay_too=True):
        self.t += dt
        command = self.command(op, a, b)
        if isinstance(command, c.CallNext):
            self.call_next(command)
        else:
            self.execute(command)
        self.check(replay_too)

    # -- the call-next rules -----------------------------------------------------------------
    def call_next(self, command):
        number = command.counter
        cfg = self.site.counter(number)
        streak_before = self.runs[number]
        events = self.execute(command)
        if events is None:
            return
        before = self.before  # the state the pick was decided on
        [event] = events
        picked = before.tickets[event["ticket_id"]]
        waiting = [t for t in before.tickets.values() if t.status == WAITING]
        reserved = [t for t in waiting if t.reserved_counter == number]
        general = [t for t in waiting if t.reserved_counter is None and t.service in cfg.services]
        assert picked.status == WAITING
        if reserved:
            # A ticket transferred to this counter goes first, oldest first.
            assert picked.id == min(reserved, key=lambda t: t.order).id
            self.picks["reserved"] += 1
            return
        assert picked in general
        normals_wait = any(not t.priority for t in general)
        priorities_wait = any(t.priority for t in general)
        if picked.priority:
            if normals_wait:
                assert streak_before < self.k, (
                    f"counter {number}: priority call #{streak_before + 1} in a row while a "
                    f"normal ticket waited (K={self.k})")
                self.picks["priority_over_normal"] += 1
            self.runs[number] = streak_before + 1
        else:
            if priorities_wait:
                # Priority goes first unless K priority calls in a row were already made.
                assert streak_before >= self.k
                self.picks["normal_over_priority"] += 1
            self.runs[number] = 0
        # FIFO within a class, per service (escalation is off in these tests).
        same = [t for t in general if t.service == picked.service
                and bool(t.priority) == bool(picked.priority)]
        assert picked.order == min(t.order for t in same), "FIFO broken within a class"
        # The engine's own streak is exactly the picks counted here.
        assert self.state.counters[number].priority_streak == self.runs[number]

    # -- invariants after every step -------------------------------------------------------------
    def check(self, replay_too=True):
        state = self.state
        tickets = state.tickets.values()
        # Labels: unique among the tickets issued today, per service (no wrap here), and
        # among all open tickets (a transfer ends the old ticket before its successor waits).
        for code in SERVICES:
            labels = [t.label for t in tickets if t.service == code and t.transferred_from is None]
            assert len(labels) == len(set(labels)), f"duplicate labels in {code}"
        live = [t.label for t in tickets if t.status in OPEN_STATUSES]
        assert len(live) == len(set(live)), "two open tickets share a label"
        for t in tickets:
            if t.transferred_from is None:
                assert t.label == self.site.service(t.service).label(t.number)
            assert t.day == state.day
        # A ticket is with at most one counter and a counter has at most one ticket: both ways.
        holders = Tally()
        for number, counter in state.counters.items():
            if counter.current is not None:
                ticket = state.tickets[counter.current]
                assert ticket.status in (CALLED, SERVING) and ticket.counter == number
                assert counter.state != "closed"
                holders[ticket.id] += 1
        for t in tickets:
            if t.status in (CALLED, SERVING):
                assert t.counter is not None and state.counters[t.counter].current == t.id
            else:
                assert t.counter is None
            assert holders[t.id] <= 1
            if t.status == TRANSFERRED:
                successor = state.tickets[t.transferred_to]
                assert successor.transferred_from == t.id and successor.label == t.label
            if t.status in FINAL_STATUSES:
                assert t.ended_at is not None
            if t.reserved_counter is not None:
                assert t.status not in (CALLED, SERVING)  # a call clears the reservation
        # The engine's priority streak at each counter is exactly the number of priority
        # call-next picks there since its last normal one (closing a counter resets nothing).
        assert {n: cs.priority_streak for n, cs in state.counters.items()} == self.runs
        # A closed day has no open tickets and no busy counters.
        if state.day is not None and not state.day_open:
            assert all(t.status in FINAL_STATUSES for t in tickets)
            assert all(cs.current is None and cs.state == "closed"
                       for cs in state.counters.values())
        # Replay: the state rebuilt from the events (crash recovery) is the live state.
        if replay_too:
            assert replay(self.site, self.events) == state, "replay differs from the live state"

    def close(self):
        if self.state.day_open:
            open_before = {t.id for t in self.state.open_tickets()}
            events = self.execute(c.CloseDay(at=self.t + 1))
            cancelled = [e["ticket_id"] for e in events if e["type"] == "ticket_cancelled"]
            assert sorted(cancelled) == sorted(open_before)  # each exactly once
            assert all(e["reason"] == "day_closed" for e in events[:-1])
            self.check()
        tickets = list(self.state.tickets.values())
        assert all(t.status in FINAL_STATUSES for t in tickets)
        summary = self.state.last_summary
        if summary is not None and summary["day"] == self.state.day and tickets:
            totals = summary["totals"]
            ends = totals["done"] + totals["no_show"] + totals["cancelled"] + totals["transferred"]
            assert ends == len(tickets)
            assert totals["issued"] == sum(t.transferred_from is None for t in tickets)
            assert totals["transferred"] == sum(t.status == TRANSFERRED for t in tickets)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k=st.integers(1, 3), no_show=st.sampled_from(["requeue_once", "drop"]),
       warmup=st.lists(st.integers(1, 4), max_size=4, unique=True),
       steps=st.lists(step_strategy, max_size=60))
def test_random_days_keep_the_invariants(k, no_show, warmup, steps):
    run = Run(property_site(k, no_show))
    run.execute(c.OpenDay(day=run.day_name(), at=run.t))
    for number in warmup:
        run.step("open_counter", 0, number - 1, 1)
    for step in steps:
        run.step(*step)
    run.close()


# A busier mix: many tickets, few counters, so the priority bound and FIFO are hit often.
busy_step = st.tuples(st.sampled_from(["issue", "issue", "call_next", "call_next", "complete",
                                       "complete", "no_show", "transfer_service",
                                       "transfer_counter", "close_counter", "open_counter",
                                       "pause", "resume"]),
                      st.integers(0, 99), st.integers(0, 99), st.integers(1, 120))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k=st.integers(1, 3), steps=st.lists(busy_step, min_size=10, max_size=80))
def test_busy_counters_respect_priority_bound_and_fifo(k, steps):
    run = Run(property_site(k, "requeue_once"))
    run.execute(c.OpenDay(day=run.day_name(), at=run.t))
    for number in range(1, len(COUNTERS) + 1):
        run.step("open_counter", 0, number - 1, 1)
    for _ in range(6):  # a crowd at the door, some of them priority
        run.step("issue", 0, 0, 1), run.step("issue", 1, 3, 1), run.step("issue", 2, 4, 1)
    for step in steps:
        run.step(*step)
    run.close()


def test_the_property_driver_exercises_the_rules():
    """Guard against a vacuous property test: a long, busy, scripted day through the same
    checks hits the interesting picks many times."""
    import random
    rng = random.Random(7)
    run = Run(property_site(1, "requeue_once"))
    run.execute(c.OpenDay(day=run.day_name(), at=run.t))
    for number in range(1, 5):
        run.step("open_counter", 0, number - 1, 1)
    for i in range(300):
        replay_now = i % 20 == 0  # the rebuild is O(events): now and then is enough here
        run.step("issue", rng.randrange(100), rng.randrange(100), rng.randrange(1, 30), replay_now)
        number = rng.randrange(1, 5)
        current = run.state.counters[number].current
        if current is None:
            run.step("call_next", 0, number - 1, 1, replay_now)
            continue
        roll = rng.random()
        run.t += 1
        if roll < 0.1:
            run.execute(c.NoShow(ticket_id=current, at=run.t))
        elif roll < 0.2:
            run.execute(c.Transfer(ticket_id=current, to_counter=rng.randrange(1, 5), at=run.t))
        else:
            run.execute(c.Complete(ticket_id=current, outcome="accepted", at=run.t))
        run.check(replay_now)
    run.close()
    assert run.picks["priority_over_normal"] > 20
    assert run.picks["normal_over_priority"] > 20
    assert run.picks["reserved"] > 5
