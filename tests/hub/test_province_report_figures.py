"""The province report against what really happened at three sites.

Three sites' days are driven through the real runtime (the report tests' driver keeps a ledger
of the truth), their events go into the hub's PostgreSQL store as the sync agent sends them,
and the province report read back from the hub is checked figure for figure: each site's row
against its own ledger, the province's totals and services against all ledgers pooled (the
median wait of all the province's citizens, not a median of medians), and campaign progress
(accepted so far, % of target, needed per working day left, on track or not) worked out by
hand from the ledgers.
"""
import datetime
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "reports"))

from server.reports import period_of  # noqa: E402
from server.hub.province import HubSite, Province, build_province_document  # noqa: E402
from simulated_days import Ledger  # noqa: E402
from truth import true_figures  # noqa: E402
from province_sites import DAYS, three_sites  # noqa: E402

FIELDS = ("issued", "called", "served", "no_show", "cancelled_officer", "cancelled_day_close",
          "cancelled_citizen", "transferred", "outcomes")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with three_sites(tmp_path_factory.mktemp("province")) as found:
        yield found


def pooled(ledgers):
    """All sites' tickets as one ledger (keys made unique), for the province's true figures."""
    combined = Ledger()
    for i, ledger in enumerate(ledgers):
        for key, ticket in ledger.tickets.items():
            combined.tickets[(i, key)] = ticket
        for day, steps in ledger.waiting_steps.items():
            combined.waiting_steps[day] = sorted(combined.waiting_steps[day] + steps)
        for day, steps in ledger.open_steps.items():
            combined.open_steps[day] = sorted(combined.open_steps[day] + steps)
    return combined


def check(row, columns, want, where):
    got = dict(zip([c.key for c in columns], row))
    for field in FIELDS:
        if field == "outcomes":
            for outcome, n in want["outcomes"].items():
                assert got["outcome:" + outcome] == n, f"{where}: {outcome}"
        else:
            assert got[field] == want[field], f"{where}: {field}"
    assert got["priority_share"] == pytest.approx(want["priority_share"]), f"{where}: priority"
    for stat in ("median", "p90", "max"):
        seconds = want["wait"][stat]
        assert got["wait." + stat] == (None if seconds is None else round(seconds / 60, 1)), \
            f"{where}: wait {stat}"


@pytest.mark.parametrize("period", [period_of(DAYS[0]), period_of(DAYS[0], "week")],
                         ids=["day", "week"])
def test_each_site_and_the_province_match_the_truth(hub, period):
    reader, sites, ledgers = hub
    doc = build_province_document(reader, sites, period, datetime.date(2026, 12, 3),
                                  Province("Công an tỉnh Thử Nghiệm"))
    days = {d for d in DAYS if period.first <= d <= period.last}
    table = doc.table("sites")
    assert [row[0] for row in table.rows] == [s.name for s in sites]
    for row, ledger, site in zip(table.rows, ledgers, sites):
        check(row, table.columns, true_figures(ledger, days)["total"], site.name)
        assert row[1] == site.district
    province = true_figures(pooled(ledgers), days)
    check(table.total, table.columns, province["total"], "province")
    services = doc.table("services")
    for row in services.rows:
        check(row, services.columns, province["services"][row[0]], f"service {row[0]}")
    assert len(services.rows) == len(province["services"])
    districts = {row[0]: row for row in doc.table("districts").rows}
    assert set(districts) == {"Huyện Củ Chi", "Quận 1"}
    # Two sites in Củ Chi: their figures together.
    cu_chi = true_figures(pooled(ledgers[1:]), days)["total"]
    check(districts["Huyện Củ Chi"], doc.table("districts").columns, cu_chi, "Củ Chi")
    if len(days) > 1:
        by_day = {row[0]: row for row in doc.table("days").rows}
        for day in days:
            vi = f"{day[8:]}/{day[5:7]}/{day[:4]}"
            check(by_day[vi], doc.table("days").columns, province["days"][day], vi)


def accepted(ledger, days):
    return sum(1 for t in ledger.tickets.values()
               if t.day in days and t.end and t.end[0] == "served" and t.end[3] == "accepted")


def test_campaign_progress_per_site(hub):
    reader, sites, ledgers = hub
    # As of Wednesday 2 December: days 1 and 2 happened; the deadline is Friday 11 December,
    # seven working days after (3, 4, 7, 8, 9, 10, 11).
    doc = build_province_document(reader, sites, period_of(DAYS[1]), datetime.date(2026, 12, 2))
    rows = {row[0]: dict(zip([c.key for c in doc.table("campaign").columns], row))
            for row in doc.table("campaign").rows}
    so_far = set(DAYS[:2])
    first, second, third = sites
    done = accepted(ledgers[0], so_far)
    target = first.eligible_citizens
    assert rows[first.name]["done"] == done > 0
    assert rows[first.name]["share"] == pytest.approx(done / target)
    assert rows[first.name]["remaining"] == target - done
    assert rows[first.name]["days_left"] == 7
    assert rows[first.name]["needed_per_day"] == math.ceil((target - done) / 7)
    assert rows[first.name]["pace"] == round(done / 5, 1)  # its last five working days
    assert rows[first.name]["status_vi"] == "Chậm tiến độ"  # needs far more than it does
    # The second site's target is already met; the third has none set.
    assert rows[second.name]["done"] == accepted(ledgers[1], so_far) >= second.eligible_citizens
    assert rows[second.name]["status_vi"] == "Hoàn thành"
    assert rows[second.name]["remaining"] == 0
    assert rows[third.name]["status_vi"] == "Chưa đặt mục tiêu"
    assert rows[third.name]["share"] is None
    total = doc.table("campaign").total
    assert total[1] == "1/2 điểm hoàn thành"
    assert total[2] == first.eligible_citizens + second.eligible_citizens


def test_a_site_on_pace_is_on_track(hub):
    reader, sites, ledgers = hub
    first = sites[0]
    done = accepted(ledgers[0], set(DAYS[:2]))
    # A target the site's pace covers: what is left spread over seven days is below its pace.
    easy = HubSite(first.site_id, first.name, first.district, eligible_citizens=done + 7,
                   deadline="2026-12-11")
    doc = build_province_document(reader, [easy], period_of(DAYS[1]), datetime.date(2026, 12, 2))
    row = dict(zip([c.key for c in doc.table("campaign").columns], doc.table("campaign").rows[0]))
    assert row["needed_per_day"] == 1 and row["status_vi"] == "Đúng tiến độ"
    late = HubSite(first.site_id, first.name, first.district, eligible_citizens=done + 500,
                   deadline="2026-12-01")
    doc = build_province_document(reader, [late], period_of(DAYS[1]), datetime.date(2026, 12, 2))
    row = dict(zip([c.key for c in doc.table("campaign").columns], doc.table("campaign").rows[0]))
    assert row["days_left"] == 0 and row["status_vi"] == "Quá hạn"
