"""The hub's live figures of a site, folded by the site's own engine from its event stream.

A site's day is driven through the real runtime into a real SQLite store (the driver of the
report tests writes down what really happened); the events, scrubbed as the sync agent sends
them (server/hub/scrub.py: no notes, officer names, tracking tokens or request ids), are fed
to the hub's `SiteFigures` in batches, and every tile figure is checked against the driver's
ledger, not against the engine.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "reports"))

from server.engine import commands as c  # noqa: E402
from server.hub.figures import Gap, SiteFigures  # noqa: E402
from server.hub.scrub import scrub  # noqa: E402
from server.runtime import SiteRuntime  # noqa: E402
from server.site_file import DEMO_SITE, load_site  # noqa: E402
from server.store.sql import SqlStore  # noqa: E402
from simulated_days import Driver, at  # noqa: E402

DAY = "2026-12-01"
SHIFTS = {1: [(8, 12, "lan", None)], 2: [(8, 17, "hoa", (10, 13))], 3: [(9, 15, "tuan", None)]}
def sent(events):
    """What the sync agent lets leave the site."""
    return [scrub(dict(e, site_id="ben-nghe")) for e in events]


@pytest.fixture(scope="module")
def morning(tmp_path_factory):
    store = SqlStore("sqlite:///" + str(tmp_path_factory.mktemp("hubsite") / "qms.sqlite3"),
                     sqlite_synchronous="OFF")
    site = load_site(DEMO_SITE)
    runtime = SiteRuntime(site, store)
    driver = Driver(runtime, seed=1107)
    driver.run_day(DAY, SHIFTS, close=None, until=(10, 40))
    yield site, store, runtime, driver
    store.close()


def truth(driver):
    tickets = [t for t in driver.ledger.tickets.values() if t.day == DAY]
    return {
        "waiting": sum(1 for t in tickets if t.waiting),
        "issued_today": sum(1 for t in tickets if t.issued),
        "served_today": sum(1 for t in tickets if t.end and t.end[0] == "served"),
        "open_counters": len(driver.ledger.open),
    }


def test_tile_figures_match_what_happened(morning):
    site, store, runtime, driver = morning
    events = sent(store.events_after(site.id, 0))
    live = SiteFigures(site.id, "Phường Bến Nghé", "Quận 1")
    for start in range(0, len(events), 7):  # batches as the sync agent sends them
        live.apply(events[start:start + 7])
    now = at(DAY, 10, 40)
    tile = live.tile(DAY, now)
    want = truth(driver)
    assert tile["day_open"] is True
    assert tile["waiting"] == want["waiting"] > 0
    assert tile["issued_today"] == want["issued_today"]
    assert tile["served_today"] == want["served_today"]
    assert tile["open_counters"] == want["open_counters"] == 2  # counter 2 is on its break
    assert tile["paused_counters"] == 1
    # The serving count: tickets called and not ended, from the driver's plans per counter.
    assert tile["serving"] == sum(1 for t in driver.ledger.tickets.values()
                                  if t.day == DAY and not t.waiting and t.end is None)
    assert tile["seq"] == events[-1]["seq"]
    assert tile["district"] == "Quận 1"


def test_longest_wait_is_the_oldest_waiting_ticket(morning):
    site, store, runtime, driver = morning
    live = SiteFigures(site.id)
    live.apply(sent(store.events_after(site.id, 0)))
    now = at(DAY, 10, 40)
    # Which tickets wait comes from the ledger; a requeued no-show waits again from its
    # requeue, which the ledger does not time, so the times are the store's.
    waiting_ids = {t.id for t in driver.ledger.tickets.values() if t.day == DAY and t.waiting}
    oldest = min(runtime.state.tickets[i].enqueued_at for i in waiting_ids)
    assert live.tile(DAY, now)["longest_wait_s"] == round(now - oldest)


def test_a_batch_sent_twice_or_overlapping_changes_nothing(morning):
    site, store, _, _ = morning
    events = sent(store.events_after(site.id, 0))
    once, twice = SiteFigures(site.id), SiteFigures(site.id)
    once.apply(events)
    twice.apply(events[:50])
    twice.apply(events[:50])
    twice.apply(events[30:])
    now = at(DAY, 10, 40)
    assert twice.tile(DAY, now) == once.tile(DAY, now)
    assert twice.queue(now) == once.queue(now)


def test_a_missing_event_is_a_gap_not_a_wrong_figure(morning):
    site, store, _, _ = morning
    events = sent(store.events_after(site.id, 0))
    live = SiteFigures(site.id)
    live.apply(events[:40])
    with pytest.raises(Gap):
        live.apply(events[41:])


def test_before_the_site_opens_today_the_tile_is_empty(morning):
    site, store, _, _ = morning
    live = SiteFigures(site.id)
    live.apply(sent(store.events_after(site.id, 0)))
    tile = live.tile("2026-12-02", at("2026-12-02", 7, 0))
    assert (tile["day_open"], tile["waiting"], tile["issued_today"], tile["open_counters"]) == \
        (False, 0, 0, 0)


def test_queue_drill_down_has_counts_and_numbers_only(morning):
    site, store, runtime, driver = morning
    live = SiteFigures(site.id)
    live.apply(sent(store.events_after(site.id, 0)))
    view = live.queue(at(DAY, 10, 40))
    waiting = {}
    for t in driver.ledger.tickets.values():
        if t.day == DAY and t.waiting:
            waiting[t.service] = waiting.get(t.service, 0) + 1
    assert {s["code"]: s["waiting"] for s in view["services"] if s["waiting"]} == waiting
    # Letters learnt from the labels: the hub has no site file.
    assert {s["code"]: s["letter"] for s in view["services"]} == \
        {s.code: s.letter for s in site.services if s.code in {x["code"] for x in view["services"]}}
    states = {c["number"]: c["state"] for c in view["counters"]}
    assert states[2] == "paused" and states[1] == "open" and states[3] == "open"
    text = repr(view)
    for private in ("lan", "hoa", "tuan", "token", "request_id", "note"):
        assert private not in text  # no officer names, no links, no notes


def test_printer_and_agent_faults_reach_the_tile(tmp_path):
    store = SqlStore("sqlite:///" + str(tmp_path / "qms.sqlite3"), sqlite_synchronous="OFF")
    site = load_site(DEMO_SITE)
    runtime = SiteRuntime(site, store)
    runtime.execute(c.OpenDay(DAY, at(DAY, 7, 30)))
    runtime.execute(c.AgentOnline("K1", at(DAY, 7, 31)))
    runtime.execute(c.AgentOnline("K2", at(DAY, 7, 31)))
    runtime.execute(c.ReportPrinter("K1", "paper_out", "Hết giấy", at(DAY, 8, 0)))
    runtime.execute(c.AgentOffline("K2", at(DAY, 8, 5)))
    live = SiteFigures(site.id)
    live.apply(sent(store.events_after(site.id, 0)))
    faults = live.tile(DAY, at(DAY, 8, 10))["faults"]
    assert [(f["kind"], f["kiosk"]) for f in faults] == [("agent", "K2"), ("printer", "K1")]
    assert faults[1]["status"] == "paper_out"
    runtime.execute(c.ReportPrinter("K1", "ok", "", at(DAY, 8, 20)))
    runtime.execute(c.AgentOnline("K2", at(DAY, 8, 21)))
    live.apply(sent(store.events_after(site.id, live.state.seq)))
    assert live.tile(DAY, at(DAY, 8, 22))["faults"] == []
    store.close()
