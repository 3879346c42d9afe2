"""A kiosk's print agent online/offline, and which of its jobs are still worth printing when
it comes back (AgentOnline): only tickets still waiting whose job was asked for within the
resend window; the others become "not printed" (print_skipped), for staff to see."""
from server.engine import commands as c
from server.engine.decide import NOT_PRINTED_GONE, NOT_PRINTED_LATE
from server.views import counter_view, pending_print_jobs

from engine_support import Sim, demo_site, replay

WINDOW = 300.0


def test_online_and_offline_are_events_only_on_change_and_survive_a_restart():
    sim = Sim(demo_site())
    assert not sim.state.agent_online("K1")  # never seen: offline
    assert [e["type"] for e in sim.do(c.AgentOnline("K1", sim.tick(), WINDOW))] == ["agent_online"]
    assert sim.do(c.AgentOnline("K1", sim.tick(), WINDOW)) == []
    assert sim.state.agent_online("K1") and not sim.state.agent_online("K2")
    assert replay(sim.site, sim.events).agents == sim.state.agents
    assert [e["type"] for e in sim.do(c.AgentOffline("K1", sim.tick()))] == ["agent_offline"]
    assert sim.do(c.AgentOffline("K1", sim.tick())) == []
    assert not replay(sim.site, sim.events).agent_online("K1")


def test_presence_is_carried_into_the_next_day():
    sim = Sim(demo_site())
    sim.do(c.AgentOnline("K1", sim.tick(), WINDOW))
    sim.do(c.OpenDay(day="2026-01-06", at=sim.tick(86400)))
    assert replay(sim.site, sim.events).agent_online("K1")


def test_a_returning_agent_prints_only_waiting_tickets_asked_for_recently():
    sim = Sim(demo_site(), counters=[1])
    sim.do(c.AgentOnline("K1", sim.tick(), WINDOW))
    sim.do(c.AgentOffline("K1", sim.tick()))
    old = sim.issue("CCCD", kiosk="K1")
    done, cancelled, moved, called = (sim.issue("CCCD", kiosk="K1") for _ in range(4))
    other_kiosk = sim.issue("CCCD", kiosk="K2")
    sim.call(1, done)
    sim.complete(done)
    sim.call(1, cancelled)
    sim.do(c.Cancel(ticket_id=cancelled.id, at=sim.tick()))
    sim.call(1, moved)
    sim.do(c.Transfer(ticket_id=moved.id, at=sim.tick(), to_service="VNEID"))
    sim.call(1, called)
    sim.wait(WINDOW / 60)  # everything so far was asked for more than the window ago
    reprinted = sim.issue("CCCD", kiosk="K1")  # printed, then an officer asks again
    sim.do(c.ReportPrint(ticket_id=reprinted.id, job=1, printed=True, at=sim.tick()))
    sim.do(c.RequestPrint(ticket_id=reprinted.id, at=sim.tick()))
    fresh = sim.issue("CCCD", kiosk="K1")

    events = sim.do(c.AgentOnline("K1", sim.tick(), WINDOW))
    assert events[0]["type"] == "agent_online"
    skipped = {e["ticket_id"]: e["reason"] for e in events if e["type"] == "print_skipped"}
    assert skipped == {old.id: NOT_PRINTED_LATE, done.id: NOT_PRINTED_GONE,
                       cancelled.id: NOT_PRINTED_GONE, moved.id: NOT_PRINTED_GONE,
                       called.id: NOT_PRINTED_GONE}
    assert [(j["ticket_id"], j["job"]) for j in pending_print_jobs(sim.state, "K1")] == [
        (reprinted.id, 2), (fresh.id, 1)]
    # The officers' list: open tickets that did not print; finished ones are not listed.
    problems = {p["id"] for p in counter_view(sim.state, 1)["print_problems"]}
    assert problems == {old.id, called.id}
    assert sim.ticket(other_kiosk).print_error == ""  # K2's agent judges K2's jobs
    # A second connect finds nothing more to drop.
    assert sim.do(c.AgentOnline("K1", sim.tick(), WINDOW)) == []


def test_a_claim_drops_a_job_no_longer_worth_printing():
    sim = Sim(demo_site(), counters=[1])
    sim.do(c.AgentOnline("K1", sim.tick(), WINDOW))
    fresh, served, other = (sim.issue("CCCD", kiosk=k) for k in ("K1", "K1", "K2"))
    assert sim.do(c.ClaimPrint("K1", fresh.id, 1, sim.tick(), WINDOW)) == []  # print it
    sim.call(1, served)
    sim.complete(served)
    events = sim.do(c.ClaimPrint("K1", served.id, 1, sim.tick(), WINDOW))
    assert [(e["type"], e["reason"]) for e in events] == [("print_skipped", NOT_PRINTED_GONE)]
    sim.refused(c.ClaimPrint("K1", served.id, 1, sim.tick(), WINDOW), "print_not_wanted")
    sim.refused(c.ClaimPrint("K1", other.id, 1, sim.tick(), WINDOW), "unknown_print_job")
    sim.refused(c.ClaimPrint("K1", fresh.id, 2, sim.tick(), WINDOW), "unknown_print_job")
    sim.wait(WINDOW / 60 + 1)  # the citizen has long left the kiosk
    events = sim.do(c.ClaimPrint("K1", fresh.id, 1, sim.tick(), WINDOW))
    assert [e["reason"] for e in events] == [NOT_PRINTED_LATE]
