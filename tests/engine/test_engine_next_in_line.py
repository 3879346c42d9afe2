"""One rule for who is next: the counter's line (the tablet's "next" list), call-next, a
ticket's place and the kiosk's "people ahead" all come from `queue.counter_line`.

Hypothesis builds random queues (services shared by counters with different preferences,
priority tickets, streaks part-way, requeued no-shows, tickets transferred to a counter,
tickets waiting past the escalation time) and checks, for every open counter:
- the head of its line is exactly what call-next takes;
- the whole line is what successive call-nexts take if nothing else happens;
- each waiting ticket's "people ahead" is how many calls come before it at the counter
  where it comes soonest; and a new ticket's "people ahead", as the kiosk shows it before
  the touch, is the place the ticket then gets.
"""
import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.engine import Refused, decide, run
from server.engine import commands as c
from server.engine.lifecycle import WAITING
from server.engine.queue import counter_line, people_ahead, people_ahead_of_new
from server.engine.state import OPEN
from server.views import counter_view, public_view

from engine_support import Sim, demo_site, drive_random_day, make_site, service

SERVICES = ("S1", "S2", "S3")
COUNTERS = (("S1", "S2"), ("S2", "S1", "S3"), ("S3", "S1"), ("S1",))
GROUPS = (None, None, "elderly", "disability")
OPS = ["issue"] * 8 + ["call_next"] * 4 + ["complete"] * 3 + [
    "no_show", "transfer_counter", "wait", "wait", "open_counter", "call_ticket"]

steps = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 99), st.integers(0, 99)),
                 min_size=5, max_size=45)


def random_site(k, escalate):
    return make_site(services=[service(code, "ABC"[i], number_end=9999)
                               for i, code in enumerate(SERVICES)],
                     counters=[list(cs) for cs in COUNTERS],
                     policy={"max_priority_streak": k, "no_show": "requeue_once",
                             "escalate_after_minutes": escalate})


def drive(site, ops):
    return drive_random_day(site, ops, issue=lambda a, b, request_id, at: c.IssueTicket(
        SERVICES[a % 3], GROUPS[b % len(GROUPS)], request_id, at))


def calls_in_turn(state, counter, at):
    """What successive call-nexts take at `counter` if nothing else happens (on a copy)."""
    state = copy.deepcopy(state)
    current = state.counters[counter].current
    if current:
        run(state, c.Complete(current, "accepted", at))
    taken = []
    while True:
        try:
            events = run(state, c.CallNext(counter, at))
        except Refused as refusal:
            assert refusal.code == "nobody_waiting"
            return taken
        taken.append(events[-1]["ticket_id"])
        run(state, c.Complete(taken[-1], "accepted", at))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=steps, k=st.integers(1, 3), escalate=st.sampled_from([5, 30, 10_000]))
def test_the_head_of_every_counters_line_is_what_call_next_takes(ops, k, escalate):
    state, at = drive(random_site(k, escalate), ops)
    for number, live in state.counters.items():
        if live.state != OPEN or live.current is not None:
            continue
        line = [t.id for t in counter_line(state, number, at).tickets()]
        view = counter_view(state, number, at=at)
        assert [t["id"] for t in view["queue"]["next"]] == line[:len(view["queue"]["next"])]
        try:
            called = decide(state, c.CallNext(number, at))[-1]["ticket_id"]
        except Refused as refusal:
            assert refusal.code == "nobody_waiting" and line == []
        else:
            assert line and line[0] == called


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=steps, k=st.integers(1, 3), escalate=st.sampled_from([5, 30, 10_000]))
def test_the_whole_line_and_people_ahead_follow_successive_calls(ops, k, escalate):
    state, at = drive(random_site(k, escalate), ops)
    turns = {}
    for number, live in state.counters.items():
        if live.state == OPEN:
            turns[number] = calls_in_turn(state, number, at)
            assert turns[number] == [t.id for t in counter_line(state, number, at).tickets()]
    if set(turns) != {n for n, live in state.counters.items() if live.state != "closed"}:
        return  # a paused counter: its line is not checked by calling
    for ticket in state.tickets.values():
        if ticket.status != WAITING:
            continue
        places = [turn.index(ticket.id) for turn in turns.values() if ticket.id in turn]
        if places:
            assert people_ahead(state, ticket, at) == min(places)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=steps, k=st.integers(1, 3), escalate=st.sampled_from([5, 30, 10_000]),
       code=st.sampled_from(SERVICES), priority=st.sampled_from([None, "elderly"]))
def test_people_ahead_shown_before_a_touch_is_the_place_the_ticket_gets(ops, k, escalate, code,
                                                                         priority):
    state, at = drive(random_site(k, escalate), ops)
    promised = people_ahead_of_new(state, code, at, priority=bool(priority))
    if priority is None:
        shown = {s["code"]: s["ahead"] for s in public_view(state, at=at)["services"]}
        assert shown[code] == promised
    try:
        events = run(state, c.IssueTicket(code, priority, "the-touch", at))
    except Refused:
        return
    assert people_ahead(state, state.tickets[events[-1]["ticket_id"]], at) == promised


def test_counter_2_shows_and_calls_the_normal_ticket_after_two_priority_calls():
    """The demo's counter 2 after two priority calls in a row: the old list put priority
    B002 first while "Gọi tiếp" called A016 (the streak rule); now both say A016."""
    sim = Sim(demo_site(), counters=[2])
    normals = [sim.issue("CCCD") for _ in range(16)]
    b1 = sim.issue("VNEID", priority="elderly")
    first = sim.issue("CCCD", priority="pregnant")
    sim.complete(sim.call_next(2))  # priority: A017 (counter 2 prefers CCCD)
    sim.complete(sim.call_next(2))  # priority: B001; the streak is now 2 = the limit
    b2 = sim.issue("VNEID", priority="elderly")
    line = counter_view(sim.state, 2, at=sim.t)["queue"]["next"]
    called = sim.call_next(2)
    assert line[0]["number"] == called.label == normals[0].label == "A001"
    assert {first.id, b1.id} == {t.id for t in sim.state.tickets.values()
                                 if t.status == "done"}
    assert b2.label == "B002"
