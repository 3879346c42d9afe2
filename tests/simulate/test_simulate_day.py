"""The site-day simulator (issue 12): the real engine's commands, deterministic per seed, with
arrivals, priority, no-shows and requeues, breaks, absences, opening times and peaks."""
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from server.engine import SiteState
from server.engine.lifecycle import DONE
from server.simulate import Profile, ServiceLoad, load_profile, simulate_day, simulate_days
from server.simulate.learn import learn_profile
from server.simulate.profile import Break, CounterPlan, Peak
from server.site_file import DEMO_SITE, load_site
from server.store import open_store

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "server" / "simulate" / "profiles"
SITE = load_site(DEMO_SITE)


def flat(per_hour=20, **load):
    hours = {h: per_hour for h in range(7, 17)}
    return Profile(services={"CCCD": ServiceLoad(per_hour=hours, **load)},
                   counters=(CounterPlan(number=1), CounterPlan(number=2)))


def test_one_seed_one_day_another_seed_another():
    profile = load_profile(PROFILES / "city-peak.toml")
    first, again = simulate_day(SITE, profile, seed=7), simulate_day(SITE, profile, seed=7)
    other = simulate_day(SITE, profile, seed=8)
    key = [(t.service, t.priority, t.issued_at, t.called_at, t.status, t.counter)
           for t in first.tickets]
    assert key == [(t.service, t.priority, t.issued_at, t.called_at, t.status, t.counter)
                   for t in again.tickets]
    assert [t.issued_at for t in other.tickets] != [t.issued_at for t in first.tickets]


def test_the_day_is_the_engines_own_replaying_its_events_gives_its_figures():
    profile = load_profile(PROFILES / "counters-pausing.toml")
    result = simulate_day(SITE, profile, seed=3, keep_events=True)
    state = SiteState(SITE)
    for event in result.kept_events:
        state.apply(event)
    summary = state.last_summary  # the engine's own day summary, written at CloseDay
    assert summary["totals"]["issued"] == len(result.tickets)
    assert summary["totals"]["done"] == sum(1 for t in result.tickets if t.status == DONE)
    assert summary["totals"]["no_show"] == sum(1 for t in result.tickets if t.status == "no_show")
    types = {e["type"] for e in result.kept_events}
    assert {"ticket_issued", "ticket_called", "ticket_serving", "ticket_completed",
            "ticket_recalled", "ticket_no_show", "counter_paused", "counter_resumed",
            "counter_opened", "counter_closed", "day_closed"} <= types


def test_arrivals_follow_the_hourly_rates_and_the_priority_share():
    profile = flat(per_hour=30, priority_share=0.2)
    days = simulate_days(SITE, profile, days=8, seed=1)
    per_day = [len(d.tickets) for d in days]
    # 30 an hour from 07:30 to 17:00: 9.5 hours, 285 a day (Poisson: sd ~ 17).
    assert 255 <= statistics.fmean(per_day) <= 315
    share = sum(t.priority for d in days for t in d.tickets) / sum(per_day)
    assert 0.16 <= share <= 0.24


def test_a_campaign_peak_brings_more_citizens_in_its_hours():
    peak = flat(per_hour=20).model_copy(update={"peaks": (Peak(start="08:00", end="10:00",
                                                                factor=3.0),)})
    day = simulate_days(SITE, peak, days=4, seed=2)
    in_peak = sum(1 for d in day for t in d.tickets if 480 <= t.issued_at < 600)
    after = sum(1 for d in day for t in d.tickets if 600 <= t.issued_at < 720)
    assert in_peak > 2 * after


def test_no_shows_are_requeued_once_by_the_engine_and_some_come_back():
    profile = flat(per_hour=20, no_show=0.3)
    tickets = [t for d in simulate_days(SITE, profile, days=3, seed=4) for t in d.tickets]
    requeued_then_served = [t for t in tickets if t.no_shows == 1 and t.status == DONE]
    dropped = [t for t in tickets if t.status == "no_show"]
    assert requeued_then_served and dropped
    assert all(t.no_shows == 2 for t in dropped)  # requeue_once: the second no-show ends it


def test_breaks_absences_and_opening_times_are_kept():
    profile = flat(per_hour=25).model_copy(update={"counters": (
        CounterPlan(number=1, opens="09:00", breaks=(Break(at="11:00", minutes=30),)),
        CounterPlan(number=2, absent=1.0))})
    day = simulate_day(SITE, profile, seed=5)
    calls = [t for t in day.tickets if t.called_at is not None]
    assert calls and all(t.counter == 1 for t in calls)  # counter 2 is absent all day
    assert min(t.called_at for t in calls) >= 9 * 60
    # During the break nobody is called (the break starts when the citizen then served leaves).
    assert not [t for t in calls if 11 * 60 + 25 < t.called_at < 11 * 60 + 30]
    assert len(day.busy_minutes) == 1


def test_service_times_are_drawn_around_the_profile_mean():
    profile = flat(per_hour=6, minutes=12.0, cv=0.4, no_show=0.0)
    days = simulate_days(SITE, profile, days=4, seed=6, keep_events=True)
    durations = []
    for d in days:
        called = {}
        for e in d.kept_events:
            if e["type"] == "ticket_serving":
                called[e["ticket_id"]] = e["at"]
            elif e["type"] == "ticket_completed":
                durations.append((e["at"] - called[e["ticket_id"]]) / 60.0)
    assert 10.5 <= statistics.fmean(durations) <= 13.5
    assert 0.3 <= statistics.stdev(durations) / statistics.fmean(durations) <= 0.5


def test_a_profile_learned_from_the_store_matches_the_days_that_made_it(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'qms.sqlite3'}")
    truth = flat(per_hour=24, priority_share=0.25, minutes=10.0, cv=0.5, no_show=0.1)
    for day in simulate_days(SITE, truth, days=6, seed=9, keep_events=True):
        store.append(SITE.id, day.kept_events)
    learned = learn_profile(SITE, store, "2026-06-01", "2026-06-06")
    cccd = learned.services["CCCD"]
    assert 20 <= sum(cccd.per_hour.values()) / 9.5 <= 28
    assert 0.18 <= cccd.priority_share <= 0.32
    assert 9.0 <= cccd.minutes <= 11.5  # from the call: the walk to the counter counts too
    assert 0.05 <= cccd.no_show <= 0.15
    assert {c.number for c in learned.counters} == {1, 2}
    assert learned.counters[0].opens == "07:30"
    again = simulate_days(SITE, learned, days=3, seed=1)
    assert 180 <= statistics.fmean(len(d.tickets) for d in again) <= 280


def test_unknown_services_or_counters_in_a_profile_are_refused():
    with pytest.raises(ValueError, match="services not in the site"):
        simulate_day(SITE, Profile(services={"NOPE": ServiceLoad()}))
    with pytest.raises(ValueError, match="counters not in the site"):
        simulate_day(SITE, flat().model_copy(update={"counters": (CounterPlan(number=42),)}))
    with pytest.raises(ValueError):
        Profile(services={}, opens="17:00", closes="08:00")


def test_qms_simulate_prints_the_figures():
    out = subprocess.run([sys.executable, "-m", "server.cli", "simulate", "--days", "2",
                          "--profile", str(PROFILES / "quiet-commune.toml")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "2 ngày mô phỏng · simulated days" in out.stdout
    assert "CCCD" in out.stdout and "p90" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "server.cli", "simulate", "--counters", "42"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "counters not in the site" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_site_with_opening_hours_is_simulated_on_its_working_days_only():
    import dataclasses
    from server.engine.site import OpeningHours
    site = dataclasses.replace(SITE, opening_hours=OpeningHours(open="07:30", close="17:00"))
    days = simulate_days(site, flat(per_hour=10), days=6, seed=1)  # from Monday 1 June 2026
    assert [d.day for d in days] == ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04",
                                     "2026-06-05", "2026-06-08"]
    assert all(d.refused == 0 and d.tickets for d in days)
