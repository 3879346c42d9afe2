"""Three sites' simulated days in the hub's store, with each site's ledger of the truth
(tests/reports/simulated_days.py), for the province report and dashboard tests."""
import contextlib
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "reports"))

from server.hub.province import HubSite  # noqa: E402
from server.hub.scrub import scrub  # noqa: E402
from server.hub.store import HubStore  # noqa: E402
from server.runtime import SiteRuntime  # noqa: E402
from server.site_file import DEMO_SITE, load_site  # noqa: E402
from server.store.sql import SqlStore  # noqa: E402
from simulated_days import Driver  # noqa: E402
from support.databases import fresh_postgres  # noqa: E402

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


def site_days(folder, index):
    """One site's two days through the real runtime: (its events, ledger)."""
    store = SqlStore(f"sqlite:///{folder}/site{index}.sqlite3", sqlite_synchronous="OFF")
    driver = Driver(SiteRuntime(load_site(DEMO_SITE), store), seed=1100 + index)
    for day in DAYS:
        driver.run_day(day, SHIFTS[index])
    events = store.events_after(load_site(DEMO_SITE).id, 0)
    store.close()
    return events, driver.ledger


@contextlib.contextmanager
def three_sites(folder):
    """(the hub's store on a fresh PostgreSQL database, hub sites, ledgers): each site's
    events scrubbed as its sync agent sends them, stored by the hub's own ingest."""
    streams = [site_days(folder, i) for i in range(len(SITES))]
    with fresh_postgres("qms_hub_report") as url:
        store = HubStore(url)
        for site, (events, _) in zip(SITES, streams):
            store.add_site(site.site_id, site.name, site.district, time.time(),
                           site.eligible_citizens, site.deadline)
            for start in range(0, len(events), 500):
                batch = [scrub(dict(e, site_id=site.site_id)) for e in events[start:start + 500]]
                store.ingest(site.site_id, batch, time.time())
        try:
            yield store, list(SITES), [ledger for _, ledger in streams]
        finally:
            store.close()
