"""Reports count bookings checked in (in time and late) and booked no-shows, from the events,
on the site and on the hub's scrubbed copy alike."""
import sys
import os

from server.engine import commands as c
from server.hub.scrub import scrub
from server.reports.fold import fold
from server.reports.tables import COUNT_COLUMNS

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "engine"))
from engine_support import DAY1, Sim  # noqa: E402
from test_engine_bookings import booking_site, check_in  # noqa: E402


def test_check_ins_late_ones_and_booked_no_shows_are_counted():
    sim = Sim(booking_site(), counters=[3])
    on_time = [check_in(sim, f"bk-{i}", sim.t - 60) for i in range(3)]
    check_in(sim, "bk-late", sim.t - 3 * 3600)  # a walk-in number: late
    sim.issue("S1")
    absent = sim.call_next(3)
    assert absent.id == on_time[0].id
    sim.do(c.NoShow(absent.id, sim.tick()))
    for events in (sim.events, [scrub(e) for e in sim.events]):
        report = fold(sim.site, events, DAY1, DAY1).as_dict()
        total = report["total"]
        assert (total["issued"], total["checked_in"], total["checked_in_late"],
                total["booked_no_show"], total["no_show"]) == (5, 4, 1, 1, 1)
        assert report["services"]["S1"]["checked_in"] == 4
    assert {"checked_in", "checked_in_late", "booked_no_show"} <= {col.key for col in COUNT_COLUMNS}
