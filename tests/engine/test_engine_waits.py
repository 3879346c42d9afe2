"""The one estimator (server/engine/estimate.py) and the one wording of a wait (issue 8:
"estimates that are honest"; issue 12: the estimator that plays the queue forward)."""
import re

from hypothesis import given, strategies as st

from server.engine import commands as c
from server.engine.estimate import LONG_MINUTES, Wait, forecast, service_wait, ticket_wait, wait_text

from engine_support import Sim, demo_site, make_site, service


def words(wait):
    return wait_text(wait)["vi"], wait_text(wait)["en"]


def test_every_counter_closed_says_no_counter_open_not_a_few_minutes():
    # Seen on the demo site: "0 people ahead, about 5 minutes" with every counter closed.
    sim = Sim(demo_site())
    first = sim.issue("CCCD")
    assert ticket_wait(sim.state, first).kind == "closed"
    assert words(ticket_wait(sim.state, first)) == ("Chưa mở quầy", "No counter open")
    for svc in demo_site().services:
        assert service_wait(sim.state, svc.code).kind == "closed"


def test_a_service_whose_only_counters_are_closed_says_no_counter_open():
    # Seen: "~60 phút" on the display for a service whose only counter was closed.
    site = make_site(services=["S1", "S2"], counters=[["S1"], ["S2"]])
    sim = Sim(site, counters=[1])
    waiting = sim.issue("S2")
    assert words(service_wait(sim.state, "S2")) == ("Chưa mở quầy", "No counter open")
    assert ticket_wait(sim.state, waiting).kind == "closed"
    assert service_wait(sim.state, "S1").kind == "soon"
    sim.open_counter(2)
    assert ticket_wait(sim.state, waiting).kind == "soon"


def test_a_long_queue_says_over_60_minutes_never_a_figure_like_181():
    site = make_site(services=[service("S", "A", expected_service_minutes=15)])
    sim = Sim(site, counters=[1])
    tickets = [sim.issue() for _ in range(13)]
    last = ticket_wait(sim.state, tickets[-1])
    assert last.kind == "long"
    assert words(last) == (f"trên {LONG_MINUTES} phút", f"over {LONG_MINUTES} min")
    assert words(service_wait(sim.state, "S"))[0] == "trên 60 phút"
    for t in tickets:
        assert not re.search(r"\d{3}", wait_text(ticket_wait(sim.state, t))["vi"])


def test_the_next_citizen_at_a_free_counter_is_told_soon_not_zero_minutes():
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    assert words(ticket_wait(sim.state, ticket)) == ("Sắp tới lượt", "Very soon")


@given(minutes=st.floats(0, 500), below=st.floats(0, 60), above=st.floats(0, 60))
def test_no_wording_ever_says_zero_or_more_than_60_minutes(minutes, below, above):
    text = wait_text(Wait(minutes, max(0.0, minutes - below), minutes + above))
    for said in text.values():
        numbers = [int(n) for n in re.findall(r"\d+", said)]
        assert 0 not in numbers and all(n <= LONG_MINUTES for n in numbers), said
        assert "~" not in said


def test_range_when_unsure_point_when_many_services_stand_between():
    site = make_site(services=[service("S", "A", expected_service_minutes=10)],
                     counters=[["S"]] * 4)
    sim = Sim(site, counters=[1, 2, 3, 4])
    tickets = [sim.issue() for _ in range(24)]
    fifth = ticket_wait(sim.state, tickets[4])  # one service time away: unsure
    assert 8 <= fifth.minutes <= 12 and fifth.high - fifth.low >= 5
    assert re.fullmatch(r"\d+–\d+ phút", words(fifth)[0])
    later = ticket_wait(sim.state, tickets[20])  # five service times away, per counter
    assert 48 <= later.minutes <= 52
    assert (later.high - later.low) / later.minutes < (fifth.high - fifth.low) / fifth.minutes


def test_waits_follow_the_counter_policy_priority_and_the_counters_open():
    site = make_site(services=[service("S", "A", expected_service_minutes=10)],
                     counters=[["S"], ["S"]])
    sim = Sim(site, counters=[1])
    normal = [sim.issue() for _ in range(4)]
    late_priority = sim.issue(priority="elderly")
    # One counter: the priority citizen goes before the four who came earlier.
    assert ticket_wait(sim.state, late_priority).kind == "soon"
    assert 38 <= ticket_wait(sim.state, normal[3]).minutes <= 42
    sim.open_counter(2)
    assert 18 <= ticket_wait(sim.state, normal[3]).minutes <= 22
    # Counter 2 goes on a break: it comes back after a typical break, not never.
    sim.do(c.PauseCounter(counter=2, at=sim.tick()))
    paused = ticket_wait(sim.state, normal[3]).minutes
    assert 20 < paused < 40


def test_service_times_are_learned_from_todays_tickets():
    site = make_site(services=[service("S", "A", expected_service_minutes=5)])
    sim = Sim(site, counters=[1])
    for _ in range(8):
        ticket = sim.issue()
        sim.call_next(1)
        sim.wait(20)  # every citizen takes 20 minutes, not the 5 the site file says
        sim.complete(ticket, after=0)
    waiting = [sim.issue() for _ in range(3)]
    # Learned: close to 20 minutes each (the running average weighed with today's tickets),
    # so the third waits about two of them, not 2 x 5.
    assert 36 <= ticket_wait(sim.state, waiting[2]).minutes <= 42


def test_expected_priority_arrivals_push_a_normal_ticket_back():
    site = make_site(services=[service("S", "A", expected_service_minutes=10)])
    quiet, busy = Sim(site, counters=[1]), Sim(site, counters=[1])
    for sim in (quiet, busy):
        for _ in range(3):
            sim.issue()
    for _ in range(6):  # six priority citizens came this last hour (and left again)
        came = busy.issue(priority="elderly")
        busy.do(c.Cancel(ticket_id=came.id, at=busy.tick()))
    for sim in (quiet, busy):
        sim.issue()
    last_quiet = ticket_wait(quiet.state, max(quiet.state.tickets.values(), key=lambda t: t.id))
    last_busy = ticket_wait(busy.state, max(busy.state.tickets.values(), key=lambda t: t.id))
    assert last_busy.minutes > last_quiet.minutes


def test_a_ticket_reserved_for_a_closed_counter_has_no_estimate():
    site = make_site(counters=[["S"], ["S"]])
    sim = Sim(site, counters=[1, 2])
    ticket = sim.issue()
    sim.call_next(1)
    sim.do(c.Transfer(ticket_id=ticket.id, to_counter=2, at=sim.tick()))
    moved = sim.state.tickets[ticket.id].transferred_to
    assert ticket_wait(sim.state, sim.state.tickets[moved]).kind == "soon"
    sim.do(c.CloseCounter(counter=2, at=sim.tick()))
    assert ticket_wait(sim.state, sim.state.tickets[moved]).kind == "closed"


def test_no_estimate_for_a_ticket_no_longer_waiting_and_one_forecast_per_change():
    sim = Sim(make_site(), counters=[1])
    ticket = sim.issue()
    first = forecast(sim.state)
    assert forecast(sim.state) is first
    sim.call_next(1)
    assert ticket_wait(sim.state, sim.ticket(ticket)) is None
    assert forecast(sim.state) is not first


def test_the_estimate_shrinks_as_time_passes_between_changes():
    site = make_site(services=[service("S", "A", expected_service_minutes=10)])
    sim = Sim(site, counters=[1])
    sim.issue()
    waiting = sim.issue()
    sim.call_next(1)
    at_call = ticket_wait(sim.state, sim.ticket(waiting))
    later = ticket_wait(sim.state, sim.ticket(waiting), now=sim.state.last_at + 6 * 60)
    assert 7 <= at_call.minutes <= 10  # about the median of one service time
    assert 1 <= later.minutes <= 5 < at_call.minutes
    # A reader's clock is taken to the quarter minute: readers of one moment share a forecast.
    assert forecast(sim.state, sim.state.last_at + 361) is forecast(sim.state, sim.state.last_at + 359)


def test_the_forecast_ends_when_new_tickets_of_several_services_tie_in_rank():
    # Seen in the concurrent-calls fault test: five open demo counters, twenty tickets of the
    # five services, and the 21st ticket never got its answer: the forecast took the same
    # "new ticket" of one service forever (its twin of another service stood at the same rank
    # and was removed in its place).
    mix = ("CCCD", "VNEID", "PICKUP", "CORRECT", "CCCD", "VNEID", "VEHICLE")
    sim = Sim(demo_site(), counters=[1, 2, 3, 4, 5])
    for i in range(30):
        sim.issue(mix[i % len(mix)])
        forecast(sim.state, sim.t)
    for svc in demo_site().services:
        assert service_wait(sim.state, svc.code).kind != "closed"
