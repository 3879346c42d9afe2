"""The staffing planner on known cases: an M/M/c day against Erlang C, counters needed from
the closed form, campaigns by the calendar, and `qms plan`."""
import math
import statistics
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from server.simulate import Profile, ServiceLoad, load_profile, simulate_days
from server.simulate.plan import (counters_needed, erlang_c, mmc_mean_wait, mmc_wait_over,
                                  plan_campaign, plan_day)
from server.simulate.profile import CounterPlan
from server.site_file import load_site

ROOT = Path(__file__).resolve().parents[2]
TEN = load_site(ROOT / "bench" / "sites" / "ten-counters.toml")  # counters 3 and 4: CCCD only
DEMO = load_site(ROOT / "server" / "sites" / "demo.toml")


def test_erlang_c_known_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert mmc_mean_wait(1, 0.05, 10) == pytest.approx(10.0)  # rho 0.5: Wq = rho/(mu-lambda)
    assert mmc_mean_wait(2, 0.3, 10) == math.inf


def mmc_day(per_hour, minutes, counters):
    """One service, exponential service times, FIFO, nobody absent, no walk: M/M/c."""
    return Profile(opens="06:00", closes="22:00", overtime_minutes=0, walk_minutes=0,
                   services={"CCCD": ServiceLoad(per_hour={h: per_hour for h in range(6, 22)},
                                                 minutes=minutes, distribution="exponential",
                                                 priority_share=0, no_show=0)},
                   counters=tuple(CounterPlan(number=n) for n in counters))


def test_an_mmc_day_matches_erlang_c():
    # lambda 12/h, mean 10 min, three counters: offered load 2, rho 0.67.
    per_hour, minutes, c = 12.0, 10.0, 3
    days = simulate_days(TEN, mmc_day(per_hour, minutes, (1, 2, 3)), days=24, seed=1)
    # Near steady state: leave out the first two hours of each day (it starts empty).
    waits = [t.wait for d in days for t in d.tickets
             if 8 * 60 <= t.issued_at < 21 * 60 and t.wait is not None]
    assert len(waits) > 3500
    # Tolerances: successive waits are correlated, so 24 days' mean wait still varies by
    # about +-25 % from seed to seed (0.86-1.26 of the formula seen); the share who wait,
    # and who wait over 20 minutes, vary by a few points.
    assert statistics.fmean(waits) == pytest.approx(mmc_mean_wait(c, per_hour / 60, minutes),
                                                    rel=0.3)
    waited = sum(1 for w in waits if w > 1e-6) / len(waits)
    assert waited == pytest.approx(erlang_c(c, per_hour / 60 * minutes), abs=0.07)
    over = sum(1 for w in waits if w > 20) / len(waits)
    assert over == pytest.approx(mmc_wait_over(c, per_hour / 60, minutes, 20), abs=0.04)
    # And the simulator is not merely close to any formula: with two counters it is not.
    assert statistics.fmean(waits) < 0.5 * mmc_mean_wait(2, per_hour / 60, minutes)


def test_counters_needed_is_the_fewest_that_keep_p90_under_the_target():
    for per_hour, minutes, target in ((40, 12, 30), (90, 8, 15), (12, 15, 20)):
        c = counters_needed(per_hour, minutes, target)
        assert mmc_wait_over(c, per_hour / 60, minutes, target) <= 0.1
        assert mmc_wait_over(c - 1, per_hour / 60, minutes, target) > 0.1
    assert counters_needed(0, 10, 30) == 0


def test_a_day_plan_shows_hours_queue_waits_and_counters():
    profile = load_profile(ROOT / "server" / "simulate" / "profiles" / "quiet-commune.toml")
    plan = plan_day(DEMO, profile, days=4, seed=2, target_p90=30)
    assert [h.hour for h in plan.hours] == list(range(7, 17))
    by_hour = {h.hour: h for h in plan.hours}
    assert by_hour[8].counters_open == 2 and by_hour[11].counters_open == 1  # lunch at 11:30
    assert all(h.counters_needed <= 3 for h in plan.hours)  # a quiet commune
    assert by_hour[12].counters_needed < by_hour[8].counters_needed  # lunch hour is calm
    assert plan.queue[0][0] == 7 * 60 + 30 and len(plan.queue) > 100
    assert plan.wait_p90 is not None and plan.issued > 30


def _weekdays_after(start, n):
    day, left = start, n
    while True:
        if day.weekday() < 5:
            left -= 1
            if left == 0:
                return day
        day += timedelta(days=1)


def test_a_campaign_ends_when_the_counters_have_served_everyone():
    plan = plan_campaign(DEMO, 3000, "2026-03-02", "2026-12-31", counters=3)
    days = math.ceil(3000 / (3 * plan.per_counter_day))
    assert plan.finish == _weekdays_after(date(2026, 3, 2), days).isoformat()
    assert plan.on_time and plan.working_days == days
    # One CCCD counter, 15-minute citizens over 9.5 hours: at most 38 a day, less no-shows.
    assert 30 <= plan.per_counter_day <= 38


def test_a_late_campaign_says_what_to_add_and_it_is_enough():
    late = plan_campaign(DEMO, 12000, "2026-04-01", "2026-06-30", counters=4, mobile_per_week=2)
    assert not late.on_time and late.finish > "2026-06-30"
    k = late.extra_counters
    assert k and plan_campaign(DEMO, 12000, "2026-04-01", "2026-06-30", counters=4 + k,
                               mobile_per_week=2).on_time
    assert not plan_campaign(DEMO, 12000, "2026-04-01", "2026-06-30", counters=4 + k - 1,
                             mobile_per_week=2).on_time
    assert late.with_saturdays and late.with_saturdays < late.finish


def test_qms_plan_day_and_campaign(tmp_path):
    out = subprocess.run([sys.executable, "-m", "server.cli", "plan", "day", "--days", "2",
                          "--profile", "server/simulate/profiles/city-peak.toml",
                          "--svg-dir", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert "quầy cần" in out.stdout and "needed" in out.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "plan-counters.svg", "plan-queue.svg", "plan-waits.svg"]
    assert (tmp_path / "plan-waits.svg").read_text().startswith("<svg")
    out = subprocess.run([sys.executable, "-m", "server.cli", "plan", "campaign",
                          "--citizens", "12000", "--start", "2026-04-01",
                          "--deadline", "2026-06-30", "--counters", "4", "--mobile-per-week", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert "TRỄ HẠN · LATE" in out.stdout and "more counter" in out.stdout


def test_the_plan_page_writes_decimals_with_a_comma(tmp_path):
    """Officers read "2.5" as two thousand five hundred (the dot groups thousands in
    Vietnamese): the page's hourly table and its key figures use the decimal comma."""
    import re

    from support.inprocess import InProcessSite
    from support.server_process import Officer
    with InProcessSite(tmp_path / "instance") as site:
        chief = Officer(site.url, "admin", "admin123")
        page = chief.http.get(site.url + "/plan?run=day&days=2&target=30", timeout=60)
        assert page.status_code == 200, page.text[:300]
        table = page.text[page.text.index('id="table-hours"'):]
        table = table[:table.index("</table>")]
        cells = re.findall(r'<td class="count[^"]*">([^<]*)</td>', table)
        assert cells and all(re.fullmatch(r"\d+(,\d)?", c) for c in cells), cells
        assert any("," in c for c in cells)
        unserved = re.search(r'id="k-unserved">([^<]*)<', page.text).group(1)
        assert re.fullmatch(r"\d+,\d", unserved), unserved
