"""Three sites' simulated days in the hub's store, with each site's ledger of the truth
(tests/reports/simulated_days.py), for the province report and dashboard tests."""
import contextlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "reports"))

from server.hub.province import HubSite  # noqa: E402
from server.runtime import SiteRuntime  # noqa: E402
from server.site_file import DEMO_SITE, load_site  # noqa: E402
from server.store.sql import SqlStore  # noqa: E402
from simulated_days import Driver  # noqa: E402

DAYS = ("2026-12-01", "2026-12-02")
SHIFTS = (
    {1: [(8, 12, "lan", None)], 2: [(8, 16, "hoa", (11, 13))], 3: [(9, 15, "tuan", None)]},
    {1: [(8, 16, "minh", (12, 13))], 2: [(8, 12, "lan", None)]},
    {1: [(8, 11, "binh", None)], 4: [(10, 16, "hoa", None)]},
)
SITES = (
    HubSite("ben-nghe", "Phường Bến Nghé", "Quận 1", eligible_citizens=4000, deadline="2026-12-11"),
    HubSite("tan-phu", "Xã Tân Phú", "Huyện Củ Chi", eligible_citizens=20, deadline="2026-12-31"),
    HubSite("an-nhon-tay", "Xã An Nhơn Tây", "Huyện Củ Chi"),
)
PRIVATE = ("request_id", "token", "note")


def site_days(folder, index):
    """One site's two days through the real runtime: (events as sent, ledger)."""
    store = SqlStore(f"sqlite:///{folder}/site{index}.sqlite3", sqlite_synchronous="OFF")
    driver = Driver(SiteRuntime(load_site(DEMO_SITE), store), seed=1100 + index)
    for day in DAYS:
        driver.run_day(day, SHIFTS[index])
    events = [{k: v for k, v in e.items() if k not in PRIVATE}
              for e in store.events_after(load_site(DEMO_SITE).id, 0)]
    store.close()
    return events, driver.ledger


@contextlib.contextmanager
def three_sites(folder):
    """(reader, hub sites, ledgers)."""
    streams = [site_days(folder, i) for i in range(len(SITES))]
    by_site = {site.site_id: events for site, (events, _) in zip(SITES, streams)}
    yield _ListReader(by_site), list(SITES), [ledger for _, ledger in streams]


class _ListReader:
    def __init__(self, by_site):
        self.by_site = by_site

    def events_for_days(self, site_id, first, last):
        out, inside = [], False
        for e in self.by_site[site_id]:
            if e["type"] == "day_opened":
                inside = first <= e["day"] <= last
            if inside:
                out.append(e)
        return out
