"""A ticket's life at the counters: call, recall, start, no-show, transfer, complete, cancel."""
import pytest

from server.engine import OUTCOMES
from server.engine import commands as c
from server.engine.lifecycle import CALLED, CANCELLED, DONE, NO_SHOW, SERVING, TRANSFERRED, WAITING

from engine_support import Sim, make_site

TWO = dict(services=["S1", "S2"], counters=[["S1"], ["S1", "S2"], ["S2"]])


def test_call_next():
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    events = sim.do(c.CallNext(counter=1, at=sim.tick()))
    assert [(e["type"], e["ticket_id"], e["counter"]) for e in events] == [
        ("ticket_called", ticket.id, 1)]
    ticket = sim.ticket(ticket)
    assert ticket.status == CALLED and ticket.counter == 1 and ticket.called_at == sim.t
    assert sim.state.counters[1].current == ticket.id
    assert sim.state.recent_calls[0] == {"ticket_id": ticket.id, "label": "A001", "counter": 1,
                                         "at": sim.t, "seq": events[0]["seq"]}
    sim.refused(c.CallNext(counter=1, at=sim.tick()), "counter_busy")
    sim.complete(ticket)
    sim.refused(c.CallNext(counter=1, at=sim.tick()), "nobody_waiting")
    sim.refused(c.CallNext(counter=9, at=sim.tick()), "unknown_counter")


def test_call_a_given_ticket():
    sim = Sim(make_site(**TWO), counters=[1, 2])
    a1, a2 = sim.issue("S1"), sim.issue("S1")
    sim.call(1, a2)  # out of turn: the officer's choice
    assert sim.ticket(a2).status == CALLED and sim.state.counters[1].current == a2.id
    refusal = sim.refused(c.CallTicket(counter=2, ticket_id=a2.id, at=sim.tick()), "ticket_taken")
    assert "1" in refusal.message_en
    sim.refused(c.CallTicket(counter=1, ticket_id=a1.id, at=sim.tick()), "counter_busy")
    sim.refused(c.CallTicket(counter=2, ticket_id=999, at=sim.tick()), "unknown_ticket")
    sim.do(c.StartServing(ticket_id=a2.id, at=sim.tick()))
    sim.refused(c.CallTicket(counter=2, ticket_id=a2.id, at=sim.tick()), "ticket_taken")
    sim.complete(a2)
    sim.refused(c.CallTicket(counter=2, ticket_id=a2.id, at=sim.tick()), "bad_ticket_status")
    sim.call(2, a1)


def test_call_ticket_reserved_for_another_counter_refused():
    sim = Sim(make_site(**TWO), counters=[1, 2])
    a1 = sim.issue("S1")
    sim.call_next(1)
    events = sim.do(c.Transfer(ticket_id=a1.id, to_counter=2, at=sim.tick()))
    successor = events[0]["new_ticket_id"]
    sim.do(c.OpenCounter(counter=3, at=sim.tick()))
    sim.refused(c.CallTicket(counter=3, ticket_id=successor, at=sim.tick()), "reserved_elsewhere")
    sim.call(2, successor)


def test_recall_announces_again_and_stays_called():
    sim = Sim(make_site(), counters=[1])
    sim.issue()
    ticket = sim.call_next(1)
    events = sim.do(c.Recall(ticket_id=ticket.id, at=sim.tick()))
    assert [e["type"] for e in events] == ["ticket_recalled"] and events[0]["counter"] == 1
    ticket = sim.ticket(ticket)
    assert ticket.status == CALLED and ticket.counter == 1 and ticket.recalls == 1
    assert sim.state.counters[1].current == ticket.id
    assert sim.state.recent_calls[0]["recall"] is True
    assert len(sim.state.recent_calls) == 2
    sim.do(c.Recall(ticket_id=ticket.id, at=sim.tick()))
    assert sim.ticket(ticket).recalls == 2
    sim.do(c.StartServing(ticket_id=ticket.id, at=sim.tick()))
    sim.refused(c.Recall(ticket_id=ticket.id, at=sim.tick()), "bad_ticket_status")


def test_recall_of_a_waiting_ticket_refused():
    sim = Sim(make_site())
    ticket = sim.issue()
    sim.refused(c.Recall(ticket_id=ticket.id, at=sim.tick()), "bad_ticket_status")


def test_recent_calls_keep_the_last_ten():
    sim = Sim(make_site(), counters=[1])
    for _ in range(12):
        sim.issue()
    for _ in range(12):
        sim.serve_next(1)
    assert [r["label"] for r in sim.state.recent_calls] == [f"A{n:03d}" for n in range(12, 2, -1)]


def test_start_serving():
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    sim.refused(c.StartServing(ticket_id=ticket.id, at=sim.tick()), "bad_ticket_status")
    sim.call_next(1)
    events = sim.do(c.StartServing(ticket_id=ticket.id, at=sim.tick()))
    assert events[0]["type"] == "ticket_serving" and events[0]["counter"] == 1
    ticket = sim.ticket(ticket)
    assert ticket.status == SERVING and ticket.serving_at == sim.t
    assert sim.state.counters[1].current == ticket.id
    sim.refused(c.StartServing(ticket_id=ticket.id, at=sim.tick()), "bad_ticket_status")
    sim.refused(c.NoShow(ticket_id=ticket.id, at=sim.tick()), "bad_ticket_status")


def test_no_show_requeue_once():
    sim = Sim(make_site(policy={"no_show": "requeue_once"}), counters=[1])
    a1, a2 = sim.issue(), sim.issue()
    prio = sim.issue(priority="elderly")
    assert sim.call_next(1).id == prio.id
    sim.complete(prio)
    assert sim.call_next(1).id == a1.id
    events = sim.do(c.NoShow(ticket_id=a1.id, at=sim.tick()))
    assert events[0]["requeued"] is True and events[0]["counter"] == 1
    a1 = sim.ticket(a1)
    assert a1.status == WAITING and a1.no_shows == 1 and a1.counter is None
    assert a1.order > sim.ticket(a2).order and a1.enqueued_at == sim.t and a1.called_at is None
    assert sim.state.counters[1].current is None
    # Back to the end of its class: A002 first, then A001 again.
    assert sim.call_next(1).id == a2.id
    sim.complete(a2)
    assert sim.call_next(1).id == a1.id
    events = sim.do(c.NoShow(ticket_id=a1.id, at=sim.tick()))
    assert events[0]["requeued"] is False
    a1 = sim.ticket(a1)
    assert a1.status == NO_SHOW and a1.no_shows == 2 and a1.ended_at == sim.t
    assert sim.state.counters[1].current is None
    sim.refused(c.NoShow(ticket_id=a1.id, at=sim.tick()), "bad_ticket_status")


def test_requeued_priority_ticket_goes_to_the_end_of_the_priority_class():
    sim = Sim(make_site(), counters=[1])
    normal = sim.issue()
    p1, p2 = sim.issue(priority="elderly"), sim.issue(priority="elderly")
    assert sim.call_next(1).id == p1.id
    sim.do(c.NoShow(ticket_id=p1.id, at=sim.tick()))
    assert sim.call_next(1).id == p2.id
    sim.complete(p2)
    assert sim.call_next(1).id == normal.id  # K = 2 priority calls in a row
    sim.complete(normal)
    assert sim.call_next(1).id == p1.id


def test_no_show_drop():
    sim = Sim(make_site(policy={"no_show": "drop"}), counters=[1])
    ticket = sim.issue()
    sim.call_next(1)
    events = sim.do(c.NoShow(ticket_id=ticket.id, at=sim.tick()))
    assert events[0]["requeued"] is False
    assert sim.ticket(ticket).status == NO_SHOW and sim.state.counters[1].current is None
    sim.refused(c.NoShow(ticket_id=ticket.id, at=sim.tick()), "bad_ticket_status")


def test_no_show_of_a_waiting_ticket_refused():
    sim = Sim(make_site())
    ticket = sim.issue()
    sim.refused(c.NoShow(ticket_id=ticket.id, at=sim.tick()), "bad_ticket_status")


@pytest.mark.parametrize("stage", [WAITING, CALLED, SERVING])
def test_transfer_to_a_service(stage):
    sim = Sim(make_site(**TWO, policy={"escalate_after_minutes": 10_000}), counters=[1, 3])
    a1 = sim.issue("S1")
    b1 = sim.issue("S2")  # issued after A001: the transferred citizen goes before B001
    if stage != WAITING:
        sim.call_next(1)
    if stage == SERVING:
        sim.do(c.StartServing(ticket_id=a1.id, at=sim.tick()))
    events = sim.do(c.Transfer(ticket_id=a1.id, to_service="S2", at=sim.tick()))
    [event] = events
    assert event["type"] == "ticket_transferred" and event["to_service"] == "S2"
    assert event["new_ticket_id"] == event["seq"] and event["to_counter"] is None
    old, new = sim.ticket(a1), sim.ticket(event["new_ticket_id"])
    assert old.status == TRANSFERRED and old.transferred_to == new.id and old.counter is None
    assert old.ended_at == sim.t
    assert sim.state.counters[1].current is None
    assert new.status == WAITING and new.service == "S2" and new.transferred_from == old.id
    assert (new.label, new.number, new.order, new.issued_at, new.priority) == (
        old.label, old.number, old.order, old.issued_at, old.priority)
    assert new.enqueued_at == sim.t and new.reserved_counter is None
    assert sim.call_next(3).id == new.id
    sim.complete(new)
    assert sim.call_next(3).id == b1.id


def test_transfer_refusals():
    sim = Sim(make_site(**TWO), counters=[1])
    a1 = sim.issue("S1")
    sim.call_next(1)
    at = sim.tick
    sim.refused(c.Transfer(ticket_id=a1.id, at=at()), "bad_transfer")
    sim.refused(c.Transfer(ticket_id=a1.id, to_service="S2", to_counter=2, at=at()), "bad_transfer")
    sim.refused(c.Transfer(ticket_id=a1.id, to_service="S1", at=at()), "same_service")
    sim.refused(c.Transfer(ticket_id=a1.id, to_service="NOPE", at=at()), "unknown_service")
    sim.refused(c.Transfer(ticket_id=a1.id, to_counter=1, at=at()), "same_counter")
    sim.refused(c.Transfer(ticket_id=a1.id, to_counter=42, at=at()), "unknown_counter")
    sim.refused(c.Transfer(ticket_id=777, to_service="S2", at=at()), "unknown_ticket")
    sim.complete(a1)
    sim.refused(c.Transfer(ticket_id=a1.id, to_service="S2", at=at()), "bad_ticket_status")


def test_transfer_to_a_counter_reserves_the_ticket_for_it_first():
    sim = Sim(make_site(**TWO), counters=[1, 2])
    a1 = sim.issue("S1")
    others = [sim.issue("S1") for _ in range(2)]
    prio = sim.issue("S1", priority="elderly")
    assert sim.call_next(1).id == prio.id
    sim.complete(prio)
    assert sim.call_next(1).id == a1.id
    events = sim.do(c.Transfer(ticket_id=a1.id, to_counter=2, at=sim.tick()))
    new = sim.ticket(events[0]["new_ticket_id"])
    # Counter 2 serves S1 too: the ticket keeps its service.
    assert new.service == "S1" and new.reserved_counter == 2 and new.label == "A001"
    # Counter 1 (also S1) does not get it, though it is the oldest S1 ticket.
    assert sim.call_next(1).id == others[0].id
    # A priority ticket waits at counter 2 too: the transferred ticket still goes first.
    sim.issue("S1", priority="elderly")
    called = sim.call_next(2)
    assert called.id == new.id and called.reserved_counter is None
    assert sim.state.counters[2].priority_streak == 0  # a reserved pick is not a priority pick


def test_transfer_to_a_counter_of_another_service_and_to_a_closed_counter():
    sim = Sim(make_site(**TWO), counters=[1])
    a1 = sim.issue("S1")
    sim.call_next(1)
    # A closed counter would never call the citizen (issue 8): refused until it opens.
    sim.refused(c.Transfer(ticket_id=a1.id, to_counter=3, at=sim.tick()), "counter_closed")
    sim.open_counter(3)
    events = sim.do(c.Transfer(ticket_id=a1.id, to_counter=3, at=sim.tick()))
    new = sim.ticket(events[0]["new_ticket_id"])
    assert new.service == "S2" and new.reserved_counter == 3  # counter 3's first service
    assert sim.call_next(3).id == new.id


def test_reserved_tickets_oldest_first():
    sim = Sim(make_site(**TWO), counters=[1, 2])
    a1, a2 = sim.issue("S1"), sim.issue("S1")
    sim.call(1, a2)
    new2 = sim.do(c.Transfer(ticket_id=a2.id, to_counter=2, at=sim.tick()))[0]["new_ticket_id"]
    sim.call(1, a1)
    new1 = sim.do(c.Transfer(ticket_id=a1.id, to_counter=2, at=sim.tick()))[0]["new_ticket_id"]
    assert sim.call_next(2).id == new1  # A001 came first (its original order)
    sim.complete(new1)
    assert sim.call_next(2).id == new2


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_complete_with_each_outcome(outcome):
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    sim.call_next(1)
    sim.do(c.StartServing(ticket_id=ticket.id, at=sim.tick()))
    events = sim.do(c.Complete(ticket_id=ticket.id, outcome=outcome, note="ghi chú",
                               at=sim.tick(60)))
    assert events[0]["type"] == "ticket_completed" and events[0]["outcome"] == outcome
    assert events[0]["note"] == "ghi chú" and events[0]["counter"] == 1
    ticket = sim.ticket(ticket)
    assert ticket.status == DONE and ticket.outcome == outcome and ticket.ended_at == sim.t
    assert ticket.counter is None and sim.state.counters[1].current is None


def test_complete_straight_from_called_and_refusals():
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    sim.refused(c.Complete(ticket_id=ticket.id, outcome="accepted", at=sim.tick()),
                "bad_ticket_status")
    sim.call_next(1)
    refusal = sim.refused(c.Complete(ticket_id=ticket.id, outcome="great", at=sim.tick()),
                          "bad_outcome")
    assert refusal.status == 422
    sim.complete(ticket, "returned_missing_info")
    assert sim.ticket(ticket).status == DONE
    sim.refused(c.Complete(ticket_id=ticket.id, outcome="accepted", at=sim.tick()),
                "bad_ticket_status")
    sim.refused(c.Complete(ticket_id=404, outcome="accepted", at=sim.tick()), "unknown_ticket")


def test_complete_feeds_the_running_average_of_service_times():
    site = make_site(policy={"service_time_weight": 0.2})
    assert site.services[0].expected_service_minutes == 10.0
    sim = Sim(site, counters=[1])
    ticket = sim.issue()
    sim.call_next(1)
    sim.wait(5)  # the walk to the counter is not service time
    sim.do(c.StartServing(ticket_id=ticket.id, at=sim.t))
    sim.wait(20)
    sim.do(c.Complete(ticket_id=ticket.id, outcome="accepted", at=sim.t))
    assert sim.state.service_minutes["S"] == pytest.approx(0.8 * 10 + 0.2 * 20)
    # Completed straight from "called": measured from the call.
    other = sim.issue()
    sim.call_next(1)
    sim.wait(2)
    sim.do(c.Complete(ticket_id=other.id, outcome="other", at=sim.t))
    assert sim.state.service_minutes["S"] == pytest.approx(0.8 * 12 + 0.2 * 2)


@pytest.mark.parametrize("stage", [WAITING, CALLED, SERVING])
def test_cancel(stage):
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    if stage != WAITING:
        sim.call_next(1)
    if stage == SERVING:
        sim.do(c.StartServing(ticket_id=ticket.id, at=sim.tick()))
    events = sim.do(c.Cancel(ticket_id=ticket.id, at=sim.tick(), reason="left"))
    assert events[0]["type"] == "ticket_cancelled" and events[0]["reason"] == "left"
    ticket = sim.ticket(ticket)
    assert ticket.status == CANCELLED and ticket.end_reason == "left" and ticket.counter is None
    assert sim.state.counters[1].current is None
    sim.refused(c.Cancel(ticket_id=ticket.id, at=sim.tick()), "bad_ticket_status")


def test_cancel_default_reason():
    sim = Sim(make_site())
    ticket = sim.issue()
    sim.do(c.Cancel(ticket_id=ticket.id, at=sim.tick()))
    assert sim.ticket(ticket).end_reason == "cancelled"
