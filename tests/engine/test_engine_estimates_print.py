"""Positions, print jobs and printer health; and that no refusal ever changes the state.
(Estimated waits: test_engine_waits.py.)"""
import copy

import pytest

from server.engine import Refused, decide
from server.engine import commands as c
from server.engine.queue import people_ahead, service_summary

from engine_support import Sim, demo_site, make_site, service


def test_position_counts_priority_ahead_of_normal_and_earlier_of_the_same_class():
    site = make_site(services=["S1", "S2"], counters=[["S1", "S2"]])
    sim = Sim(site)
    n1, n2 = sim.issue("S1"), sim.issue("S1")
    sim.issue("S2")  # another service: not ahead on the wall display's count
    p1 = sim.issue("S1", priority="elderly")
    n3 = sim.issue("S1")
    p2 = sim.issue("S1", priority="pregnant")
    assert [people_ahead(sim.state, sim.ticket(t)) for t in (n1, n2, n3, p1, p2)] == [
        2, 3, 4, 0, 1]


def test_service_summary():
    sim = Sim(demo_site(), counters=[1, 2])
    for _ in range(4):
        sim.issue("CCCD")
    sim.issue("CCCD", priority="elderly")
    sim.issue("VNEID")
    sim.call_next(2)  # the elderly citizen, CCCD
    summary = service_summary(sim.state)
    assert set(summary) == {"CCCD", "VNEID", "PICKUP", "CORRECT", "VEHICLE"}
    # CCCD: 4 waiting, 4 before a new normal ticket.
    assert summary["CCCD"] == {"waiting": 4, "ahead": 4}
    # VNEID: only counter 2 is open (3 and 4 are closed), and it calls its 4 CCCD tickets
    # before any VNEID ticket that has not waited past the escalation time: 5 ahead.
    assert summary["VNEID"] == {"waiting": 1, "ahead": 5}
    assert summary["PICKUP"] == {"waiting": 0, "ahead": 0}
    assert summary["VEHICLE"] == {"waiting": 0, "ahead": 0}


# -- printing ------------------------------------------------------------------------------
def test_print_job_reported_printed_once():
    sim = Sim(make_site())
    ticket = sim.issue(kiosk="k1")
    assert ticket.print_job == 1 and ticket.printed_job == 0
    events = sim.do(c.ReportPrint(ticket_id=ticket.id, job=1, printed=True, at=sim.tick()))
    assert [(e["type"], e["kiosk"], e["job"]) for e in events] == [("ticket_printed", "k1", 1)]
    assert sim.ticket(ticket).printed_job == 1
    sim.refused(c.ReportPrint(ticket_id=ticket.id, job=1, printed=True, at=sim.tick()),
                "already_printed")
    sim.refused(c.ReportPrint(ticket_id=ticket.id, job=1, printed=False, at=sim.tick()),
                "already_printed")
    sim.refused(c.ReportPrint(ticket_id=ticket.id, job=2, printed=True, at=sim.tick()),
                "unknown_print_job")
    sim.refused(c.ReportPrint(ticket_id=ticket.id, job=0, printed=True, at=sim.tick()),
                "unknown_print_job")
    sim.refused(c.ReportPrint(ticket_id=999, job=1, printed=True, at=sim.tick()), "unknown_ticket")
    # Print ownership is the engine's: an agent reports only its own kiosk's jobs.
    other = sim.issue(kiosk="k2")
    sim.refused(c.ReportPrint(ticket_id=other.id, job=1, printed=True, at=sim.tick(), kiosk="k1"),
                "unknown_print_job")
    sim.refused(c.ReportPrint(ticket_id=999, job=1, printed=True, at=sim.tick(), kiosk="k1"),
                "unknown_print_job")
    sim.do(c.ReportPrint(ticket_id=other.id, job=1, printed=True, at=sim.tick(), kiosk="k2"))


def test_print_failure_then_reprint():
    sim = Sim(make_site())
    ticket = sim.issue(kiosk="k1")
    events = sim.do(c.ReportPrint(ticket_id=ticket.id, job=1, printed=False, reason="paper_out",
                                  at=sim.tick()))
    assert events[0]["type"] == "print_failed" and events[0]["reason"] == "paper_out"
    assert sim.ticket(ticket).print_error == "paper_out"
    events = sim.do(c.RequestPrint(ticket_id=ticket.id, at=sim.tick()))
    assert [(e["type"], e["job"], e["kiosk"]) for e in events] == [("print_requested", 2, "k1")]
    assert sim.ticket(ticket).print_job == 2 and sim.ticket(ticket).print_error == ""
    sim.do(c.ReportPrint(ticket_id=ticket.id, job=2, printed=True, at=sim.tick()))
    # The first, failed job comes back late as printed: the ticket is printed already.
    sim.refused(c.ReportPrint(ticket_id=ticket.id, job=1, printed=True, at=sim.tick()),
                "already_printed")
    sim.refused(c.ReportPrint(ticket_id=ticket.id, job=2, printed=True, at=sim.tick()),
                "already_printed")
    assert sim.ticket(ticket).printed_job == 2


def test_print_failure_without_reason():
    sim = Sim(make_site())
    ticket = sim.issue(kiosk="k1")
    sim.do(c.ReportPrint(ticket_id=ticket.id, job=1, printed=False, at=sim.tick()))
    assert sim.ticket(ticket).print_error == "print failed"


def test_request_print_of_a_ticket_not_from_a_kiosk_refused():
    sim = Sim(make_site())
    ticket = sim.issue()
    assert ticket.print_job == 0
    refusal = sim.refused(c.RequestPrint(ticket_id=ticket.id, at=sim.tick()), "not_from_kiosk")
    assert refusal.status == 422
    sim.refused(c.ReportPrint(ticket_id=ticket.id, job=1, printed=True, at=sim.tick()),
                "unknown_print_job")
    sim.refused(c.RequestPrint(ticket_id=12345, at=sim.tick()), "unknown_ticket")


def test_report_printer_only_on_change():
    sim = Sim(make_site(), open_day=False)  # printers report before the day opens too
    events = sim.do(c.ReportPrinter(kiosk="k1", status="ok", message="", at=sim.tick()))
    assert [e["type"] for e in events] == ["printer_status"]
    assert sim.state.printers == {"k1": {"status": "ok", "message": "", "at": sim.t}}
    seq = sim.state.seq
    assert sim.do(c.ReportPrinter(kiosk="k1", status="ok", message="", at=sim.tick())) == []
    assert sim.state.seq == seq
    assert len(sim.do(c.ReportPrinter(kiosk="k1", status="ok", message="warm", at=sim.tick()))) == 1
    assert len(sim.do(c.ReportPrinter(kiosk="k1", status="paper_out", message="warm",
                                      at=sim.tick()))) == 1
    assert len(sim.do(c.ReportPrinter(kiosk="k2", status="paper_out", message="warm",
                                      at=sim.tick()))) == 1
    assert sim.state.printers["k1"]["status"] == "paper_out"
    sim.refused(c.ReportPrinter(kiosk="k1", status="on_fire", message="", at=sim.tick()),
                "bad_printer_status")


# -- refusals change nothing ------------------------------------------------------------------
def test_every_refusal_leaves_the_state_unchanged():
    """A state with something of everything, then a battery of commands that must all be
    refused; after each, the state is exactly what it was (deep comparison)."""
    site = make_site(services=[service("S1", "A", daily_cap=6, number_end=9),
                               service("S2", "B", wrap=False, number_end=2)],
                     counters=[["S1"], ["S1", "S2"], ["S2"]])
    sim = Sim(site, counters=[1, 2])
    waiting = sim.issue("S1", kiosk="k1")
    called = sim.issue("S1", priority="elderly")
    sim.call(1, called)
    serving = sim.issue("S2")
    sim.call(2, serving)
    sim.do(c.StartServing(ticket_id=serving.id, at=sim.tick()))
    done = sim.issue("S2")
    sim.do(c.Cancel(ticket_id=done.id, at=sim.tick()))
    for _ in range(3):
        sim.issue("S1")
    sim.do(c.ReportPrint(ticket_id=waiting.id, job=1, printed=True, at=sim.tick()))
    at = sim.tick()
    refused = [
        (c.OpenDay(day="2026-01-05", at=at), "day_already_open"),
        (c.OpenDay(day="2025-12-31", at=at), "day_in_past"),
        (c.OpenDay(day="tomorrow", at=at), "bad_day"),
        (c.IssueTicket(service="S1", priority=None, request_id="r1", at=at), "duplicate_request"),
        (c.IssueTicket(service="S1", priority="king", request_id="n", at=at), "unknown_priority"),
        (c.IssueTicket(service="S9", priority=None, request_id="n", at=at), "unknown_service"),
        (c.IssueTicket(service="S2", priority=None, request_id="n", at=at), "numbers_exhausted"),
        (c.OpenCounter(counter=1, at=at), "counter_already_open"),
        (c.CloseCounter(counter=1, at=at), "counter_busy"),
        (c.CloseCounter(counter=3, at=at), "counter_not_open"),
        (c.PauseCounter(counter=3, at=at), "counter_not_open"),
        (c.ResumeCounter(counter=1, at=at), "counter_not_paused"),
        (c.CallNext(counter=1, at=at), "counter_busy"),
        (c.CallNext(counter=3, at=at), "counter_not_open"),
        (c.CallTicket(counter=3, ticket_id=waiting.id, at=at), "counter_not_open"),
        (c.Recall(ticket_id=waiting.id, at=at), "bad_ticket_status"),
        (c.StartServing(ticket_id=serving.id, at=at), "bad_ticket_status"),
        (c.NoShow(ticket_id=serving.id, at=at), "bad_ticket_status"),
        (c.Transfer(ticket_id=called.id, to_counter=1, at=at), "same_counter"),
        (c.Transfer(ticket_id=called.id, to_service="S1", at=at), "same_service"),
        (c.Transfer(ticket_id=done.id, to_service="S1", at=at), "bad_ticket_status"),
        (c.Complete(ticket_id=called.id, outcome="nope", at=at), "bad_outcome"),
        (c.Complete(ticket_id=waiting.id, outcome="accepted", at=at), "bad_ticket_status"),
        (c.Cancel(ticket_id=done.id, at=at), "bad_ticket_status"),
        (c.Cancel(ticket_id=99999, at=at), "unknown_ticket"),
        (c.RequestPrint(ticket_id=called.id, at=at), "not_from_kiosk"),
        (c.ReportPrint(ticket_id=waiting.id, job=1, printed=True, at=at), "already_printed"),
        (c.ReportPrinter(kiosk="k1", status="sad", message="", at=at), "bad_printer_status"),
    ]
    sim.issue("S1")  # the sixth S1 ticket: the cap is reached now
    refused.append((c.IssueTicket(service="S1", priority=None, request_id="cap", at=at),
                    "daily_cap_reached"))
    for command, code in refused:
        sim.refused(command, code)
    sim.do(c.CloseDay(at=sim.tick()))
    before = copy.deepcopy(sim.state)
    for command in (c.CloseDay(at=at), c.CallNext(counter=1, at=at),
                    c.Cancel(ticket_id=waiting.id, at=at),
                    c.IssueTicket(service="S1", priority=None, request_id="zz", at=at)):
        with pytest.raises(Refused):
            decide(sim.state, command)
        assert sim.state == before


def test_a_refusal_carries_both_languages():
    sim = Sim(make_site())
    refusal = sim.refused(c.CallNext(counter=1, at=sim.tick()), "counter_not_open")
    assert refusal.as_dict() == {"code": "counter_not_open", "message": refusal.message_vi,
                                 "message_en": refusal.message_en}
    assert "Quầy 1" in refusal.message_vi


def test_not_a_command():
    sim = Sim(make_site())
    with pytest.raises(TypeError):
        decide(sim.state, object())
