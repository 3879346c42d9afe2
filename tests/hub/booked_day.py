"""One booked day lived by a real site and a real hub, for the booking figures of both reports.

The hub takes the bookings (its BookingStore, with slots of today around now: the public page
offers only future ones), the site fetches them as its agent does (`GET …/bookings?after=REV`
into `site_bookings`), checks citizens in at its kiosk (`POST /api/checkin`), closes its day,
and its events go up as its agent sends them (scrubbed, `POST …/events` with the site's key).

Per service, what happened (EXPECTED): CCCD — two came in time, one came late (a walk-in
number), one never came, one cancelled online and never came (not a booking made), one came
although cancelled online meanwhile (the site was offline: it counts as made and checked in);
VNEID — one came in time, one never came.
"""
import time

from server.appointments import kept
from server.engine.commands import CloseDay
from server.engine.hours import business_day
from server.engine.site import site_to_dict
from server.hub.booking_slots import Slot
from server.hub.scrub import scrub
from support.inprocess import InProcessSite, post
from support.server_process import kiosk_headers
from support.site_files import ALL_DAY

from booking_kit import register_site

SITE_ID = "hen-gio"
SITE_FILE = f'''
[site]
id = "{SITE_ID}"
name = "Công an phường Hẹn Giờ"

[[services]]
code = "CCCD"
letter = "A"
name_vi = "Cấp CCCD"
name_en = "ID card"

[[services]]
code = "VNEID"
letter = "B"
name_vi = "Kích hoạt VNeID"
name_en = "VNeID"

[[counters]]
number = 1
services = ["CCCD", "VNEID"]

[[counters]]
number = 2
services = ["CCCD", "VNEID"]

[opening_hours]
{ALL_DAY}

[booking]
enabled = true
early_minutes = 720
grace_minutes = 0
'''

KEYS = ("booked", "checked_in", "checked_in_late", "booked_no_show", "booked_missed")
EXPECTED = {
    "CCCD": {"booked": 5, "checked_in": 4, "checked_in_late": 1, "booked_no_show": 0,
             "booked_missed": 1},
    "VNEID": {"booked": 2, "checked_in": 1, "checked_in_late": 0, "booked_no_show": 0,
              "booked_missed": 1},
}
EXPECTED_TOTAL = {k: sum(EXPECTED[s][k] for s in EXPECTED) for k in KEYS}


class BookedDay:
    def __init__(self, folder, hub_app):
        self.folder, self.hub_app = folder, hub_app
        self.site_file = folder / "site.toml"
        self.site_file.write_text(SITE_FILE, encoding="utf-8")
        self.site = InProcessSite(folder / "instance", site=self.site_file)
        self.rt = self.site.runtime
        self.hub_store = hub_app.extensions["qms.hub.store"]
        self.key = register_site(self.hub_store, SITE_ID, site_to_dict(self.rt.site))
        self.hub = hub_app.test_client()
        self.auth = {"Authorization": f"Bearer {self.key}"}
        self.now = time.time()
        self.day = business_day(self.rt.site, self.now)
        self.bookings = {}

    def book(self, name, service, start, end):
        made = self.hub_app.extensions["qms.hub.bookings"].create(
            SITE_ID, service, Slot(start, end, 10, 0), self.day,
            f"09{len(self.bookings) + 10:08d}", None, False, self.now)
        self.bookings[name] = made
        return made

    def fetch(self):
        """What `qms sync` does for bookings (server/appointments/fetch.py), one page."""
        after, _ = kept.fetched(self.rt.store, SITE_ID)
        data = self.hub.get(f"/api/hub/sites/{SITE_ID}/bookings?after={after}",
                            headers=self.auth).json
        kept.keep(self.rt.store, SITE_ID, data["bookings"], data["last_rev"], data["hmac_key"],
                  time.time())

    def check_in(self, name):
        answer = post(self.site.url + "/api/checkin", timeout=10,
                      json={"code": self.bookings[name]["code"], "request_id": "ci-" + name},
                      headers=kiosk_headers(self.site.url, "K1"))
        assert answer.status_code == 201, answer.text
        return answer.json()["ticket"]

    def send_events(self):
        """What `qms sync` does for events: everything after what the hub acknowledged."""
        acked = self.hub.get(f"/api/hub/sites/{SITE_ID}/ack", headers=self.auth).json["last_seq"]
        events = [scrub(e) for e in self.rt.store.events_after(SITE_ID, acked)]
        answer = self.hub.post(f"/api/hub/sites/{SITE_ID}/events", json={"events": events},
                               headers=self.auth)
        assert answer.status_code == 200, answer.json

    def live(self):
        now = self.now
        in_time = (now - 60, now + 1740)
        later = (now + 600, now + 2400)
        late_start = max(now - 1200, self._day_start())
        late = (late_start, late_start + 60)
        for name, service, slot in (("a", "CCCD", in_time), ("b", "CCCD", in_time),
                                    ("late", "CCCD", late), ("never", "CCCD", later),
                                    ("gone", "CCCD", in_time), ("came_gone", "CCCD", in_time),
                                    ("v_in", "VNEID", in_time), ("v_never", "VNEID", later)):
            self.book(name, service, *slot)
        self.hub.post(f"/api/book/{self.bookings['gone']['code']}/cancel")
        self.fetch()
        tickets = {name: self.check_in(name) for name in ("a", "b", "late", "came_gone", "v_in")}
        assert tickets["late"]["booked"] is False and tickets["a"]["booked"] is True
        # Cancelled online while the site (offline) had already checked the citizen in.
        assert self.hub.post(f"/api/book/{self.bookings['came_gone']['code']}/cancel") \
            .status_code == 200
        self.fetch()
        self.rt.execute(CloseDay(self.rt.now()))
        self.send_events()
        return self

    def _day_start(self):
        """The first second of today's business day at the site (a late slot stays today)."""
        at = self.now
        while business_day(self.rt.site, at - 60) == self.day:
            at -= 60
        return at

    def close(self):
        self.site.stop()
