"""Numbering: per service, per business day, number ranges, wrap, daily caps."""
import pytest

from server.engine import commands as c
from server.engine.lifecycle import WAITING

from engine_support import DAY1, DAY2, Sim, demo_site, make_site, replay, service


def test_numbers_count_up_per_service():
    sim = Sim(make_site(services=["S1", "S2"]))
    labels = [sim.issue("S1").label, sim.issue("S1").label, sim.issue("S2").label,
              sim.issue("S1").label, sim.issue("S2").label]
    assert labels == ["A001", "A002", "B001", "A003", "B002"]
    assert sim.state.issued_today == {"S1": 3, "S2": 2}
    assert [sim.state.tickets[t].number for t in sorted(sim.state.tickets)] == [1, 2, 1, 3, 2]


def test_demo_site_letters():
    sim = Sim(demo_site())
    assert [sim.issue(code).label for code in ("CCCD", "VNEID", "PICKUP", "CORRECT", "VEHICLE")] \
        == ["A001", "B001", "C001", "D001", "E001"]


def test_issued_ticket_event_and_state():
    sim = Sim(make_site())
    events = sim.do(c.IssueTicket(service="S", priority=None, request_id="k1-1", at=sim.tick(),
                                  kiosk="k1"))
    [event] = events
    assert event["type"] == "ticket_issued"
    assert event["ticket_id"] == event["seq"] == event["order"]
    assert event["site_id"] == "test" and event["label"] == "A001" and event["next_number"] == 2
    ticket = sim.state.tickets[event["ticket_id"]]
    assert ticket.status == WAITING and ticket.day == DAY1 and ticket.kiosk == "k1"
    assert ticket.issued_at == ticket.enqueued_at == event["at"]
    assert sim.state.requests["k1-1"] == ticket.id


@pytest.mark.parametrize("end,label", [(99, "A001"), (999, "A001"), (9999, "A0001")])
def test_label_width_follows_number_end(end, label):
    sim = Sim(make_site(services=[service("S", "A", number_end=end)]))
    assert sim.issue().label == label


def test_two_letter_prefix_and_number_start():
    sim = Sim(make_site(services=[service("S", "VN", number_start=100, number_end=9999)]))
    assert [sim.issue().label for _ in range(2)] == ["VN0100", "VN0101"]


def test_number_zero_is_a_number():
    sim = Sim(make_site(services=[service("S", "A", number_start=0, number_end=5)]))
    assert sim.issue().label == "A000"


def test_duplicate_request_and_bad_request_id_refused():
    sim = Sim(make_site())
    sim.issue(request_id="same")
    sim.refused(c.IssueTicket(service="S", priority=None, request_id="same", at=sim.tick()),
                "duplicate_request")
    sim.refused(c.IssueTicket(service="S", priority=None, request_id="", at=sim.tick()),
                "bad_request_id")
    sim.refused(c.IssueTicket(service="S", priority=None, request_id="x" * 65, at=sim.tick()),
                "bad_request_id")
    sim.refused(c.IssueTicket(service="NOPE", priority=None, request_id="n", at=sim.tick()),
                "unknown_service")


def test_issue_needs_an_open_day():
    sim = Sim(make_site(), open_day=False)
    sim.refused(c.IssueTicket(service="S", priority=None, request_id="r", at=sim.tick()),
                "day_closed")
    sim.do(c.OpenDay(day=DAY1, at=sim.tick()))
    sim.issue()
    sim.do(c.CloseDay(at=sim.tick()))
    sim.refused(c.IssueTicket(service="S", priority=None, request_id="late", at=sim.tick()),
                "day_closed")


def test_new_day_restarts_numbering_and_keeps_the_events():
    sim = Sim(make_site(services=["S1", "S2"]), counters=[1])
    first = sim.issue("S1")
    sim.issue("S1")
    sim.issue("S2")
    sim.call_next(1)
    events = sim.do(c.OpenDay(day=DAY2, at=sim.tick()))
    # The open day is closed first (both kinds of events come from this one command).
    assert [e["type"] for e in events] == ["ticket_cancelled"] * 3 + ["day_closed", "day_opened"]
    assert all(e["reason"] == "day_closed" for e in events[:3])
    assert sim.state.day == DAY2 and sim.state.day_open
    assert sim.state.tickets == {} and sim.state.requests == {}
    assert sim.state.issued_today == {"S1": 0, "S2": 0}
    assert all(counter.state == "closed" and counter.current is None
               for counter in sim.state.counters.values())
    # Numbering starts again; ticket ids do not (they are sequence numbers).
    again = sim.issue("S1")
    assert again.label == "A001" and again.day == DAY2 and again.id > first.id
    assert sim.issue("S2").label == "B001"
    # Yesterday's tickets live on in the events.
    issued = [e for e in sim.events if e["type"] == "ticket_issued"]
    assert [e["label"] for e in issued] == ["A001", "A002", "B001", "A001", "B001"]
    assert [e["seq"] for e in sim.events] == list(range(1, len(sim.events) + 1))
    # The same request id may be used again on a new day.
    sim.issue("S1", request_id="r1")


def test_wrap_skips_labels_still_in_use():
    sim = Sim(make_site(services=[service("S", "A", number_start=1, number_end=3)]),
              counters=[1])
    a1, a2, a3 = (sim.issue() for _ in range(3))
    assert [a1.label, a2.label, a3.label] == ["A001", "A002", "A003"]
    assert sim.state.next_number["S"] == 1  # wraps to number_start
    sim.call(1, a2)
    sim.complete(a2)
    # A001 and A003 still wait: the wrapped numbering skips A001 and hands out A002 again.
    a2_again = sim.issue()
    assert a2_again.label == "A002" and a2_again.id != a2.id
    # Every number is in use now.
    sim.refused(c.IssueTicket(service="S", priority=None, request_id="full", at=sim.tick()),
                "numbers_exhausted")
    sim.call(1, a1)
    sim.complete(a1)
    assert sim.issue().label == "A001"


def test_wrap_skips_a_label_kept_by_a_transferred_ticket():
    site = make_site(services=[service("S", "A", number_end=3), service("T", "B")],
                     counters=[["S", "T"]])
    sim = Sim(site, counters=[1])
    a1 = sim.issue("S")
    sim.do(c.Transfer(ticket_id=a1.id, to_service="T", at=sim.tick()))
    sim.issue("S"), sim.issue("S")  # A002, A003
    for t in list(sim.state.tickets.values()):
        if t.label in ("A002", "A003"):
            sim.do(c.Cancel(ticket_id=t.id, at=sim.tick()))
    # A001 now waits in service T under its old label; S must not hand A001 out twice.
    assert sim.issue("S").label == "A002"


def test_no_wrap_refuses_when_the_range_is_used_up():
    sim = Sim(make_site(services=[service("S", "A", number_start=1, number_end=3, wrap=False)]),
              counters=[1])
    tickets = [sim.issue() for _ in range(3)]
    for ticket in tickets:  # even with every ticket finished, the numbers are used for today
        sim.call(1, ticket)
        sim.complete(ticket)
    refusal = sim.refused(c.IssueTicket(service="S", priority=None, request_id="x", at=sim.tick()),
                          "numbers_exhausted")
    assert refusal.status == 409 and refusal.message_vi and refusal.message_en
    sim.do(c.OpenDay(day=DAY2, at=sim.tick()))
    assert sim.issue().label == "A001"


def test_daily_cap():
    site = make_site(services=[service("S", "A", daily_cap=2), service("T", "B")])
    sim = Sim(site)
    sim.issue("S")
    cancelled = sim.issue("S")
    sim.do(c.Cancel(ticket_id=cancelled.id, at=sim.tick()))  # a cancelled ticket still counts
    sim.refused(c.IssueTicket(service="S", priority="elderly", request_id="x", at=sim.tick()),
                "daily_cap_reached")
    assert sim.issue("T").label == "B001"  # other services are not capped
    sim.do(c.OpenDay(day=DAY2, at=sim.tick()))
    assert sim.issue("S").label == "A001"


def test_demo_vehicle_cap_is_80():
    sim = Sim(demo_site())
    for _ in range(80):
        sim.issue("VEHICLE")
    sim.refused(c.IssueTicket(service="VEHICLE", priority=None, request_id="81", at=sim.tick()),
                "daily_cap_reached")


def test_reopening_a_closed_day_continues_its_numbering_and_cap():
    """Closing today and opening it again (the server does so by itself on the next ticket
    with auto_open_day) must not hand out A001 a second time today, nor reset the cap."""
    sim = Sim(make_site(services=[service("S", "A", daily_cap=3)]))
    sim.issue(), sim.issue()
    sim.do(c.CloseDay(at=sim.tick()))
    sim.do(c.OpenDay(day=DAY1, at=sim.tick()))
    assert sim.issue().label == "A003"
    sim.refused(c.IssueTicket(service="S", priority=None, request_id="x", at=sim.tick()),
                "daily_cap_reached")
    assert replay(sim.site, sim.events) == sim.state
    # The morning's tickets stay in the state, ended by the close.
    assert [(t.label, t.status, t.end_reason) for t in sim.state.tickets.values()] == [
        ("A001", "cancelled", "day_closed"), ("A002", "cancelled", "day_closed"),
        ("A003", WAITING, "")]
    closing = [e for e in sim.events if e["type"] == "ticket_cancelled"]
    assert len(closing) == 2 and all(e["reason"] == "day_closed" for e in closing)
