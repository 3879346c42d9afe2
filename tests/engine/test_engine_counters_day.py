"""Counters (open, pause, resume, close) and the business day (open, close, summary)."""
import pytest

from server.engine import FINAL_STATUSES, OUTCOMES, day_summary
from server.engine import commands as c
from server.engine.lifecycle import CALLED, CANCELLED, DONE, NO_SHOW, SERVING, TRANSFERRED, WAITING

from engine_support import DAY1, DAY2, Sim, make_site, replay


def test_counter_open_pause_resume_close():
    sim = Sim(make_site())
    counter = sim.state.counters[1]
    assert counter.state == "closed"
    events = sim.open_counter(1, officer="thu.nguyen")
    assert events[0]["type"] == "counter_opened" and events[0]["officer"] == "thu.nguyen"
    assert counter.state == "open" and counter.officer == "thu.nguyen"
    sim.refused(c.OpenCounter(counter=1, at=sim.tick()), "counter_already_open")
    sim.refused(c.ResumeCounter(counter=1, at=sim.tick()), "counter_not_paused")
    sim.do(c.PauseCounter(counter=1, at=sim.tick()))
    assert counter.state == "paused"
    sim.refused(c.PauseCounter(counter=1, at=sim.tick()), "counter_not_open")
    sim.refused(c.OpenCounter(counter=1, at=sim.tick()), "counter_already_open")
    sim.do(c.ResumeCounter(counter=1, at=sim.tick()))
    assert counter.state == "open"
    sim.do(c.CloseCounter(counter=1, at=sim.tick()))
    assert counter.state == "closed" and counter.officer is None
    sim.refused(c.CloseCounter(counter=1, at=sim.tick()), "counter_not_open")
    sim.refused(c.PauseCounter(counter=1, at=sim.tick()), "counter_not_open")
    sim.refused(c.ResumeCounter(counter=1, at=sim.tick()), "counter_not_paused")
    for command in (c.OpenCounter, c.CloseCounter, c.PauseCounter, c.ResumeCounter):
        sim.refused(command(counter=9, at=sim.tick()), "unknown_counter")


def test_a_paused_counter_can_be_closed():
    sim = Sim(make_site(), counters=[1])
    sim.do(c.PauseCounter(counter=1, at=sim.tick()))
    sim.do(c.CloseCounter(counter=1, at=sim.tick()))
    assert sim.state.counters[1].state == "closed"


@pytest.mark.parametrize("how", ["closed", "paused"])
def test_calls_at_a_closed_or_paused_counter_refused(how):
    sim = Sim(make_site(), counters=[1] if how == "paused" else [])
    ticket = sim.issue()
    if how == "paused":
        sim.do(c.PauseCounter(counter=1, at=sim.tick()))
    refusal = sim.refused(c.CallNext(counter=1, at=sim.tick()), "counter_not_open")
    assert how in refusal.message_en
    sim.refused(c.CallTicket(counter=1, ticket_id=ticket.id, at=sim.tick()), "counter_not_open")


def test_a_counter_cannot_pause_with_a_citizen_called_or_served_there():
    """Issue 8: a counter paused with a citizen called to it left them standing at a counter
    that serves no one. Pausing waits until the citizen is finished, transferred or absent."""
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    sim.issue()
    sim.call_next(1)
    refusal = sim.refused(c.PauseCounter(counter=1, at=sim.tick()), "counter_busy")
    assert "A001" in refusal.message_vi and "A001" in refusal.message_en
    sim.do(c.StartServing(ticket_id=ticket.id, at=sim.tick()))
    sim.refused(c.PauseCounter(counter=1, at=sim.tick()), "counter_busy")
    sim.complete(ticket)
    sim.do(c.PauseCounter(counter=1, at=sim.tick()))
    sim.refused(c.CallNext(counter=1, at=sim.tick()), "counter_not_open")
    sim.do(c.CloseCounter(counter=1, at=sim.tick()))


def test_transfer_to_a_closed_counter_is_refused():
    sim = Sim(make_site(counters=[["S"], ["S"], ["S"]]), counters=[1, 3])
    ticket = sim.issue()
    sim.call_next(1)
    refusal = sim.refused(c.Transfer(ticket_id=ticket.id, at=sim.tick(), to_counter=2),
                          "counter_closed")
    assert "2" in refusal.message_vi
    sim.do(c.PauseCounter(counter=3, at=sim.tick()))
    sim.do(c.Transfer(ticket_id=ticket.id, at=sim.tick(), to_counter=3))  # paused comes back


def test_close_a_busy_counter_refused():
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    sim.call_next(1)
    refusal = sim.refused(c.CloseCounter(counter=1, at=sim.tick()), "counter_busy")
    assert "A001" in refusal.message_vi
    sim.complete(ticket)
    sim.do(c.CloseCounter(counter=1, at=sim.tick()))


def test_counter_commands_need_an_open_day():
    sim = Sim(make_site(), open_day=False)
    sim.refused(c.OpenCounter(counter=1, at=sim.tick()), "day_closed")
    sim.refused(c.CallNext(counter=1, at=sim.tick()), "day_closed")
    sim.refused(c.CloseDay(at=sim.tick()), "day_closed")


def test_open_day_checks():
    sim = Sim(make_site(), open_day=False)
    sim.refused(c.OpenDay(day="5/1/2026", at=sim.tick()), "bad_day")
    sim.refused(c.OpenDay(day=None, at=sim.tick()), "bad_day")
    events = sim.do(c.OpenDay(day=DAY2, at=sim.tick()))
    assert [e["type"] for e in events] == ["day_opened"] and events[0]["day"] == DAY2
    assert sim.state.day_open and sim.state.day == DAY2
    sim.refused(c.OpenDay(day=DAY2, at=sim.tick()), "day_already_open")
    sim.refused(c.OpenDay(day=DAY1, at=sim.tick()), "day_in_past")
    sim.do(c.CloseDay(at=sim.tick()))
    sim.refused(c.OpenDay(day=DAY1, at=sim.tick()), "day_in_past")


def busy_day():
    """One of everything: done (two outcomes), no-show, transferred, waiting, called,
    serving, cancelled, a priority ticket; on a site with two services."""
    site = make_site(services=["S1", "S2"], counters=[["S1"], ["S1", "S2"], ["S2"]],
                     policy={"no_show": "drop"})
    sim = Sim(site, counters=[1, 2, 3])
    t = {name: sim.issue(service) for name, service in [
        ("done", "S1"), ("done2", "S2"), ("noshow", "S1"), ("moved", "S1"), ("cancel", "S2"),
        ("called", "S1"), ("serving", "S2"), ("waiting", "S1")]}
    t["prio"] = sim.issue("S2", priority="merit")
    sim.call(1, t["done"]), sim.complete(t["done"], "accepted")
    sim.call(3, t["done2"]), sim.complete(t["done2"], "returned_wrong_info")
    sim.call(1, t["noshow"]), sim.do(c.NoShow(ticket_id=t["noshow"].id, at=sim.tick()))
    sim.call(1, t["moved"])
    moved = sim.do(c.Transfer(ticket_id=t["moved"].id, to_service="S2", at=sim.tick()))
    t["successor"] = sim.ticket(moved[0]["new_ticket_id"])
    sim.do(c.Cancel(ticket_id=t["cancel"].id, at=sim.tick()))
    sim.call(1, t["called"])
    sim.call(3, t["serving"]), sim.do(c.StartServing(ticket_id=t["serving"].id, at=sim.tick()))
    return sim, t


def test_close_day_ends_every_open_ticket_once():
    sim, t = busy_day()
    open_before = {x.id for x in sim.state.open_tickets()}
    assert {x.id for x in (t["called"], t["serving"], t["waiting"], t["prio"], t["successor"])} \
        == open_before
    events = sim.do(c.CloseDay(at=sim.tick()))
    assert [e["type"] for e in events] == ["ticket_cancelled"] * 5 + ["day_closed"]
    assert sorted(e["ticket_id"] for e in events[:-1]) == sorted(open_before)
    assert all(e["reason"] == "day_closed" for e in events[:-1])
    state = sim.state
    assert not state.day_open and state.day == DAY1
    assert all(ticket.status in FINAL_STATUSES for ticket in state.tickets.values())
    assert all(ticket.counter is None for ticket in state.tickets.values())
    for ticket_id in open_before:
        assert state.tickets[ticket_id].status == CANCELLED
        assert state.tickets[ticket_id].end_reason == "day_closed"
    # The tickets that had already ended keep their end.
    assert [sim.ticket(t[n]).status for n in ("done", "done2", "noshow", "moved", "cancel")] == [
        DONE, DONE, NO_SHOW, TRANSFERRED, CANCELLED]
    assert sim.ticket(t["cancel"]).end_reason == "cancelled"
    assert all(counter.state == "closed" and counter.current is None
               for counter in state.counters.values())
    assert state.last_summary == events[-1]["summary"]
    sim.refused(c.CloseDay(at=sim.tick()), "day_closed")
    assert replay(sim.site, sim.events) == sim.state


def test_day_summary_counts():
    sim, t = busy_day()
    events = sim.do(c.CloseDay(at=sim.tick()))
    summary = events[-1]["summary"]
    assert summary["day"] == DAY1 and summary["closed_at"] == sim.t
    s1, s2 = summary["services"]["S1"], summary["services"]["S2"]
    zero = {o: 0 for o in OUTCOMES}
    assert {k: s1[k] for k in ("issued", "done", "no_show", "cancelled", "transferred",
                               "priority")} == {
        "issued": 5, "done": 1, "no_show": 1, "cancelled": 2, "transferred": 1, "priority": 0}
    assert s1["outcomes"] == {**zero, "accepted": 1}
    # S2: done2, cancel, serving, prio issued there; the transferred successor ends there too.
    assert {k: s2[k] for k in ("issued", "done", "no_show", "cancelled", "transferred",
                               "priority")} == {
        "issued": 4, "done": 1, "no_show": 0, "cancelled": 4, "transferred": 0, "priority": 1}
    assert s2["outcomes"] == {**zero, "returned_wrong_info": 1}
    assert summary["totals"] == {"issued": 9, "done": 2, "no_show": 1, "cancelled": 6,
                                 "transferred": 1, "priority": 1}
    # Every ticket (the successor too) ends in exactly one way.
    ends = sum(summary["totals"][k] for k in ("done", "no_show", "cancelled", "transferred"))
    assert ends == len(sim.state.tickets) == summary["totals"]["issued"] + 1
    assert s1["avg_service_minutes"] is not None and s1["avg_wait_minutes"] is not None


def test_day_summary_before_the_close_counts_open_tickets_as_cancelled():
    sim, _ = busy_day()
    before = day_summary(sim.state, sim.t)
    after = sim.do(c.CloseDay(at=sim.t))[-1]["summary"]
    assert before == after


def test_day_summary_times():
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    sim.wait(6)
    sim.do(c.CallNext(counter=1, at=sim.t))
    sim.wait(1)
    sim.do(c.StartServing(ticket_id=ticket.id, at=sim.t))
    sim.wait(9)
    sim.do(c.Complete(ticket_id=ticket.id, outcome="accepted", at=sim.t))
    row = sim.do(c.CloseDay(at=sim.tick()))[-1]["summary"]["services"]["S"]
    assert row["avg_wait_minutes"] == pytest.approx(6.0, abs=0.02)
    assert row["avg_service_minutes"] == pytest.approx(9.0, abs=0.02)


def test_opening_a_new_day_while_one_is_open_closes_it_first():
    sim, t = busy_day()
    open_before = {x.id for x in sim.state.open_tickets()}
    events = sim.do(c.OpenDay(day=DAY2, at=sim.tick()))
    assert [e["type"] for e in events] == ["ticket_cancelled"] * len(open_before) + [
        "day_closed", "day_opened"]
    assert events[-2]["day"] == DAY1 and events[-2]["summary"]["totals"]["issued"] == 9
    assert sim.state.day == DAY2 and sim.state.day_open and sim.state.tickets == {}
    assert sim.state.last_summary == events[-2]["summary"]


def test_new_day_after_a_closed_one():
    sim = Sim(make_site(), counters=[1])
    sim.issue()
    sim.do(c.CloseDay(at=sim.tick()))
    events = sim.do(c.OpenDay(day=DAY2, at=sim.tick()))
    assert [e["type"] for e in events] == ["day_opened"]
    assert sim.state.tickets == {}


def test_state_carried_across_days_survives_a_restart():
    """After a restart the server rebuilds today from the events of today only: what the
    live state carries over from yesterday (learned service times, printer health, the last
    summary) must come back the same."""
    sim = Sim(make_site(), counters=[1])
    sim.do(c.ReportPrinter(kiosk="k1", status="paper_low", message="Sắp hết giấy", at=sim.tick()))
    ticket = sim.issue()
    sim.call_next(1)
    sim.wait(30)
    sim.complete(ticket)
    assert sim.state.service_minutes["S"] != 10.0
    sim.do(c.OpenDay(day=DAY2, at=sim.tick()))
    assert replay(sim.site, sim.events) == sim.state
    sim.do(c.CloseDay(at=sim.tick()))
    sim.do(c.OpenDay(day="2026-01-07", at=sim.tick()))
    assert replay(sim.site, sim.events) == sim.state


def test_statuses_reached_by_busy_day():
    sim, t = busy_day()
    assert sim.ticket(t["called"]).status == CALLED
    assert sim.ticket(t["serving"]).status == SERVING
    assert sim.ticket(t["waiting"]).status == WAITING
