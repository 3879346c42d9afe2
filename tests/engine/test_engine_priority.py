"""Who is called next: priority groups and interleaving, FIFO, service preference, escalation."""
import pytest

from server.engine import commands as c

from engine_support import Sim, demo_site, make_site

HUGE = {"escalate_after_minutes": 10_000}


def labels_called(sim, counter, n):
    return [sim.serve_next(counter) for _ in range(n)]


def test_default_priority_groups():
    site = make_site()
    assert [g.code for g in site.priority_groups] == [
        "elderly", "disability", "pregnant", "young_child", "merit"]
    sim = Sim(site)
    for group in ("elderly", "disability", "pregnant", "young_child", "merit"):
        assert sim.issue(priority=group).priority == group


def test_unknown_priority_group_refused():
    sim = Sim(make_site(priority_groups=[{"code": "veteran", "name_vi": "Cựu chiến binh"}]))
    assert sim.issue(priority="veteran").priority == "veteran"
    refusal = sim.refused(c.IssueTicket(service="S", priority="elderly", request_id="x",
                                        at=sim.tick()), "unknown_priority")
    assert refusal.status == 422
    sim.refused(c.IssueTicket(service="S", priority="", request_id="y", at=sim.tick()),
                "unknown_priority")


def test_priority_goes_first():
    sim = Sim(make_site(), counters=[1])
    n1 = sim.issue()
    p1 = sim.issue(priority="elderly")
    assert sim.call_next(1).id == p1.id
    sim.complete(p1)
    assert sim.call_next(1).id == n1.id


@pytest.mark.parametrize("k,expected", [
    (1, ["P1", "N1", "P2", "N2", "P3", "N3", "P4", "P5"]),
    (2, ["P1", "P2", "N1", "P3", "P4", "N2", "P5", "N3"]),
    (3, ["P1", "P2", "P3", "N1", "P4", "P5", "N2", "N3"]),
])
def test_interleaving_at_most_k_priority_calls_in_a_row(k, expected):
    sim = Sim(make_site(policy={"max_priority_streak": k, **HUGE}), counters=[1])
    names = {}
    for i in range(1, 4):
        names[sim.issue().id] = f"N{i}"
    for i in range(1, 6):
        names[sim.issue(priority="pregnant").id] = f"P{i}"
    called = []
    for _ in range(8):
        ticket = sim.call_next(1)
        called.append(names[ticket.id])
        sim.complete(ticket)
    assert called == expected


def test_streak_does_not_hold_back_priority_when_nobody_else_waits():
    sim = Sim(make_site(policy={"max_priority_streak": 2}), counters=[1])
    for _ in range(4):
        sim.issue(priority="elderly")
    assert [sim.serve_next(1) for _ in range(4)] == ["A001", "A002", "A003", "A004"]
    assert sim.state.counters[1].priority_streak == 4
    # Now a normal ticket arrives after 4 priority calls in a row: it goes next.
    normal = sim.issue()
    sim.issue(priority="elderly")
    assert sim.call_next(1).id == normal.id
    assert sim.state.counters[1].priority_streak == 0


def test_streak_is_per_counter():
    sim = Sim(make_site(counters=[["S"], ["S"]], policy={"max_priority_streak": 1}),
              counters=[1, 2])
    sim.issue()
    p1, p2 = sim.issue(priority="elderly"), sim.issue(priority="elderly")
    assert sim.call_next(1).id == p1.id
    assert sim.state.counters[1].priority_streak == 1
    # Counter 2 has not called a priority ticket yet: priority goes first there.
    assert sim.call_next(2).id == p2.id


def test_streak_survives_closing_the_counter():
    """Closing and opening a counter again is no normal call: the normal tickets that
    waited through K priority calls there still go next."""
    sim = Sim(make_site(policy={"max_priority_streak": 2}), counters=[1])
    normal = sim.issue()
    for _ in range(4):
        sim.issue(priority="elderly")
    sim.serve_next(1), sim.serve_next(1)
    sim.do(c.CloseCounter(counter=1, at=sim.tick()))
    sim.open_counter(1)
    assert sim.call_next(1).id == normal.id


def test_hand_picked_call_does_not_count_towards_the_streak():
    sim = Sim(make_site(policy={"max_priority_streak": 1}), counters=[1])
    normal = sim.issue()
    p1, p2 = sim.issue(priority="elderly"), sim.issue(priority="elderly")
    sim.call(1, p2)
    sim.complete(p2)
    assert sim.state.counters[1].priority_streak == 0
    assert sim.call_next(1).id == p1.id
    sim.complete(p1)
    assert sim.call_next(1).id == normal.id


def test_fifo_within_a_class():
    sim = Sim(make_site(), counters=[1])
    normals = [sim.issue() for _ in range(3)]
    prios = [sim.issue(priority=g) for g in ("merit", "elderly", "disability")]
    called = []
    for _ in range(6):
        ticket = sim.call_next(1)
        called.append(ticket)
        sim.complete(ticket)
    # K = 2 (default): P P N P N N, each class in issue order whatever the group.
    assert [t.id for t in called] == [prios[0].id, prios[1].id, normals[0].id, prios[2].id,
                                      normals[1].id, normals[2].id]


def test_counter_service_preference():
    site = make_site(services=["S1", "S2"], counters=[["S1", "S2"], ["S2", "S1"]], policy=HUGE)
    sim = Sim(site, counters=[1, 2])
    a1 = sim.issue("S1")
    b1 = sim.issue("S2")
    a2 = sim.issue("S1")
    assert sim.call_next(2).id == b1.id   # prefers S2 though A001 came first
    assert sim.call_next(1).id == a1.id
    sim.complete(b1)
    assert sim.call_next(2).id == a2.id   # nobody waits for S2: then S1


def test_class_comes_before_service_preference():
    site = make_site(services=["S1", "S2"], counters=[["S2", "S1"]])
    sim = Sim(site, counters=[1])
    sim.issue("S2")
    prio = sim.issue("S1", priority="elderly")
    assert sim.call_next(1).id == prio.id


def test_counter_only_calls_its_services():
    site = make_site(services=["S1", "S2"], counters=[["S1"], ["S2"]])
    sim = Sim(site, counters=[1, 2])
    sim.issue("S2")
    sim.refused(c.CallNext(counter=1, at=sim.tick()), "nobody_waiting")


def test_escalation_after_waiting_long_oldest_first_across_services():
    site = make_site(services=["S1", "S2"], counters=[["S2", "S1"]],
                     policy={"escalate_after_minutes": 30})
    sim = Sim(site, counters=[1])
    old_a = sim.issue("S1")
    sim.wait(5)
    b1 = sim.issue("S2")
    b2 = sim.issue("S2")
    sim.wait(10)
    # 15 minutes: no one has waited 30, the counter's preference (S2) holds.
    assert sim.call_next(1).id == b1.id
    sim.complete(b1)
    sim.wait(16)
    # A001 has waited 31 minutes: it is called before B002 despite the preference.
    assert sim.call_next(1).id == old_a.id
    sim.complete(old_a)
    assert sim.call_next(1).id == b2.id


def test_escalated_tickets_go_oldest_first():
    site = make_site(services=["S1", "S2"], counters=[["S2", "S1"]],
                     policy={"escalate_after_minutes": 30})
    sim = Sim(site, counters=[1])
    a = sim.issue("S1")
    b = sim.issue("S2")
    sim.wait(60)  # both escalated: the older one first, whatever the preference
    assert sim.call_next(1).id == a.id
    sim.complete(a)
    assert sim.call_next(1).id == b.id


def test_escalation_does_not_cross_the_priority_rule():
    site = make_site(services=["S1", "S2"], counters=[["S2", "S1"]],
                     policy={"escalate_after_minutes": 30})
    sim = Sim(site, counters=[1])
    old_normal = sim.issue("S1")
    sim.wait(60)
    prio = sim.issue("S2", priority="elderly")
    assert sim.call_next(1).id == prio.id
    sim.complete(prio)
    assert sim.call_next(1).id == old_normal.id


def test_demo_site_counter_preferences():
    sim = Sim(demo_site(), counters=[3, 4])
    cccd = sim.issue("CCCD")
    pickup = sim.issue("PICKUP")
    vneid = sim.issue("VNEID")
    assert sim.call_next(4).id == pickup.id   # 4 prefers PICKUP
    assert sim.call_next(3).id == vneid.id    # 3 prefers VNEID over CCCD
    sim.refused(c.CallNext(counter=4, at=sim.tick()), "counter_busy")
    assert sim.ticket(cccd).status == "waiting"
