"""Booked tickets (docs/appointments.md, docs/queue-rules.md rule 4): a booking checked in at
the kiosk becomes a ticket of the booked series, called from its slot time, interleaved with
walk-ins by the booked streak so no walk-in waits without bound; early citizens wait for
their slot, late ones become walk-ins (or are refused) by the site's rule, no-shows release
the slot.

Hypothesis drives random days (walk-ins, priority walk-ins, check-ins with slots in the
past, now and later, calls, hand-picked calls, no-shows, transfers, time passing) and checks
the bound at every call, that no booked ticket is called before its slot, and that the line
the tablet shows is what successive calls take, with bookings in it.
"""
import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.engine import Refused, decide, run
from server.engine import commands as c
from server.engine.lifecycle import WAITING
from server.engine.queue import counter_line, people_ahead
from server.engine.state import OPEN
from server.hub.scrub import scrub

from engine_support import Sim, drive_random_day, make_site, replay, service

SERVICES = ("S1", "S2")
COUNTERS = (("S1", "S2"), ("S2", "S1"), ("S1",))


def booking_site(streak=2, late="walk_in", k=2, grace=15, early=120):
    return make_site(services=[service("S1", "A", number_end=9999),
                               service("S2", "B", number_end=9999)],
                     counters=[list(cs) for cs in COUNTERS],
                     policy={"max_priority_streak": k, "no_show": "requeue_once"},
                     ) if streak is None else _with_booking(streak, late, k, grace, early)


def _with_booking(streak, late, k, grace, early):
    from server.engine.site import site_from_dict, site_to_dict
    data = site_to_dict(booking_site(None, k=k))
    data["booking"] = {"enabled": True, "max_booked_streak": streak, "late": late,
                       "grace_minutes": grace, "early_minutes": early}
    return site_from_dict(data)


def check_in(sim, booking, slot_start, minutes=30, service="S1", request_id=None):
    events = sim.do(c.CheckIn(booking=booking, service=service, slot_start=slot_start,
                              slot_end=slot_start + minutes * 60,
                              request_id=request_id or f"b-{booking}", at=sim.tick()))
    return sim.state.tickets[events[-1]["ticket_id"]]


# -- the rules, one by one -------------------------------------------------------------------
def test_a_checked_in_booking_gets_a_number_of_the_booked_series():
    sim = Sim(booking_site(), counters=[1])
    ticket = check_in(sim, "bk-1", sim.t - 60)
    assert (ticket.label, ticket.booked, ticket.booking) == ("H001", True, "bk-1")
    assert check_in(sim, "bk-2", sim.t).label == "H002"
    assert sim.issue("S1").label == "A0001"  # the walk-ins' numbering is untouched


def test_booked_tickets_go_first_but_a_walk_in_after_the_streak():
    sim = Sim(booking_site(streak=2), counters=[3])
    walk_in = sim.issue("S1")
    booked = [check_in(sim, f"bk-{i}", sim.t - 60) for i in range(5)]
    calls = [sim.serve_next(3) for _ in range(6)]
    assert calls == [booked[0].label, booked[1].label, walk_in.label,
                     booked[2].label, booked[3].label, booked[4].label]


def test_an_early_citizen_waits_until_the_slot_begins():
    sim = Sim(booking_site(), counters=[3])
    early = check_in(sim, "bk-early", sim.t + 40 * 60)
    walk_in = sim.issue("S1")
    assert sim.serve_next(3) == walk_in.label
    sim.refused(c.CallNext(3, sim.tick()), "nobody_waiting")
    assert [t.id for t in counter_line(sim.state, 3, sim.t).tickets()] == []
    sim.wait(40)
    assert sim.serve_next(3) == early.label


def test_check_in_before_the_window_is_refused_and_changes_nothing():
    sim = Sim(booking_site(early=60), counters=[1])
    sim.refused(c.CheckIn("bk-1", "S1", sim.t + 3 * 3600, sim.t + 3 * 3600 + 1800, "r", sim.t),
                "too_early")


def test_a_late_citizen_becomes_a_walk_in_or_is_refused_by_the_site_rule():
    sim = Sim(booking_site(late="walk_in", grace=15), counters=[1])
    start = sim.t - 3600
    late = check_in(sim, "bk-late", start, minutes=30)  # ended 30 min ago, grace 15
    assert (late.booked, late.label, late.booking) == (False, "A0001", "bk-late")
    strict = Sim(booking_site(late="refuse", grace=15), counters=[1])
    strict.refused(c.CheckIn("bk-late", "S1", start, start + 1800, "r", strict.t), "booking_late")
    within = Sim(booking_site(late="refuse", grace=15), counters=[1])
    assert check_in(within, "bk-ok", within.t - 40 * 60, minutes=30).booked  # 10 min late


def test_a_booking_checks_in_once_and_bad_input_changes_nothing():
    sim = Sim(booking_site(), counters=[1])
    check_in(sim, "bk-1", sim.t)
    sim.refused(c.CheckIn("bk-1", "S1", sim.t, sim.t + 600, "other", sim.t), "already_checked_in")
    sim.refused(c.CheckIn("bk-2", "NOPE", sim.t, sim.t + 600, "r2", sim.t), "unknown_service")
    sim.refused(c.CheckIn("bk-2", "S1", sim.t + 86400, sim.t + 86400 + 600, "r2", sim.t),
                "not_today")
    sim.refused(c.CheckIn("bk-2", "S1", sim.t, sim.t - 1, "r2", sim.t), "bad_booking")
    off = Sim(booking_site(None), counters=[1])
    off.refused(c.CheckIn("bk-1", "S1", off.t, off.t + 600, "r", off.t), "booking_off")


def test_a_booked_no_show_releases_the_slot_and_waits_as_a_walk_in():
    sim = Sim(booking_site(streak=3), counters=[3])
    booked = check_in(sim, "bk-1", sim.t - 60)
    walk_ins = [sim.issue("S1") for _ in range(2)]
    assert sim.call_next(3).id == booked.id
    sim.do(c.NoShow(booked.id, sim.tick()))
    assert sim.ticket(booked).booked is False and sim.ticket(booked).status == WAITING
    # Back at the end of the walk-ins, not ahead of them as a booking.
    assert [sim.serve_next(3) for _ in range(3)] == [walk_ins[0].label, walk_ins[1].label,
                                                     booked.label]


def test_bookings_replay_and_survive_the_hub_scrub():
    sim = Sim(booking_site(), counters=[1, 3])
    check_in(sim, "bk-1", sim.t - 60)
    check_in(sim, "bk-2", sim.t + 3600)
    sim.issue("S1")
    sim.serve_next(1)
    sim.serve_next(3)
    check_in(sim, "bk-3", sim.t - 7200, minutes=30)  # late: a walk-in
    again = replay(sim.site, sim.events)
    assert again == sim.state or vars(again)["tickets"] == sim.state.tickets
    hub = replay(sim.site, [scrub(e) for e in sim.events])
    assert {t.label: (t.booked, t.booking, t.slot_start) for t in hub.tickets.values()} == \
        {t.label: (t.booked, t.booking, t.slot_start) for t in sim.state.tickets.values()}
    assert hub.bookings == sim.state.bookings and hub.next_booked == sim.state.next_booked


# -- properties ------------------------------------------------------------------------------
OPS = ["issue"] * 5 + ["check_in"] * 5 + ["call_next"] * 6 + ["complete"] * 4 + [
    "no_show", "transfer_counter", "wait", "call_ticket", "open_counter"]
steps = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 99), st.integers(0, 99)),
                 min_size=20, max_size=80)


def _check_in(state, a, b, request_id, at):
    start = at + (b - 40) * 60  # slots from 40 minutes ago to an hour ahead
    return c.CheckIn(f"bk-{request_id}", SERVICES[a % 2], start, start + 1800, request_id, at)


def drive(site, ops, watch=None):
    return drive_random_day(
        site, ops, wait_unit=30, before_call=watch, more={"check_in": _check_in},
        issue=lambda a, b, request_id, at: c.IssueTicket(
            SERVICES[a % 2], (None, "elderly")[b % 2 and a % 3 == 0], request_id, at))


class BoundWatch:
    """At every call-next: how many booked calls in a row each counter made while a walk-in
    waited in its line; and that no booked ticket is called before its slot."""

    def __init__(self):
        self.runs, self.longest, self.early_calls = {}, 0, []

    def __call__(self, state, counter, at):
        line = counter_line(state, counter, at)
        walk_in_waits = bool(line.priority or line.normal)
        try:
            event = decide(state, c.CallNext(counter, at))[-1]
        except Refused:
            return
        ticket = state.tickets[event["ticket_id"]]
        if ticket.booked and ticket.reserved_counter is None:
            if ticket.slot_start > at:
                self.early_calls.append(ticket.label)
            if walk_in_waits:
                self.runs[counter] = self.runs.get(counter, 0) + 1
                self.longest = max(self.longest, self.runs[counter])
        elif ticket.reserved_counter is None:
            self.runs[counter] = 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=steps, streak=st.integers(1, 3), k=st.integers(1, 3))
def test_a_walk_in_never_waits_more_than_the_booked_streak_behind_bookings(ops, streak, k):
    watch = BoundWatch()
    drive(booking_site(streak=streak, k=k), ops, watch)
    assert watch.longest <= streak
    assert watch.early_calls == []


def test_the_bound_holds_against_an_endless_stream_of_bookings():
    """A walk-in behind 50 bookings whose slots have all begun is called within B+1 calls."""
    sim = Sim(booking_site(streak=2), counters=[3])
    for i in range(50):
        check_in(sim, f"bk-{i}", sim.t - 60)
    walk_in = sim.issue("S1")
    assert people_ahead(sim.state, walk_in) == 2
    labels = [sim.serve_next(3) for _ in range(3)]
    assert labels[2] == walk_in.label


def calls_in_turn(state, counter, at):
    state = copy.deepcopy(state)
    current = state.counters[counter].current
    if current:
        run(state, c.Complete(current, "accepted", at))
    taken = []
    while True:
        try:
            events = run(state, c.CallNext(counter, at))
        except Refused:
            return taken
        taken.append(events[-1]["ticket_id"])
        run(state, c.Complete(taken[-1], "accepted", at))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=steps, streak=st.integers(1, 3), k=st.integers(1, 3))
def test_the_line_and_people_ahead_with_bookings_follow_successive_calls(ops, streak, k):
    state, at = drive(booking_site(streak=streak, k=k), ops)
    turns = {}
    for number, live in state.counters.items():
        if live.state == OPEN:
            turns[number] = calls_in_turn(state, number, at)
            assert turns[number] == [t.id for t in counter_line(state, number, at).tickets()]
    if set(turns) != {n for n, live in state.counters.items() if live.state != "closed"}:
        return
    for ticket in state.tickets.values():
        if ticket.status != WAITING:
            continue
        places = [turn.index(ticket.id) for turn in turns.values() if ticket.id in turn]
        if places:
            assert people_ahead(state, ticket, at) == min(places)


def test_the_wait_of_a_booked_citizen_counts_from_the_slot_and_the_walk_ins_count_it():
    from server.engine.estimate import ticket_wait
    sim = Sim(booking_site(), counters=[3])
    early = check_in(sim, "bk-early", sim.t + 20 * 60)
    assert 19 <= ticket_wait(sim.state, early, sim.t).minutes <= 21  # called when the slot begins
    due = check_in(sim, "bk-due", sim.t - 60)
    walk_in = sim.issue("S1")
    assert ticket_wait(sim.state, due, sim.t).minutes < ticket_wait(sim.state, walk_in, sim.t).minutes
