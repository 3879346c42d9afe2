"""The sync agent's second errand: fetch the site's bookings from the hub and keep them.

`qms sync` asks `GET /api/hub/sites/<site>/bookings?after=REV` every `every` seconds (and at
start), keeps each page of changes with the rev reached in one transaction (server/appointments/
kept.py) and asks again at once while a page came full. Its failures never stop the events
going up: they are logged and tried at the next turn."""
import logging
import time

from . import kept

log = logging.getLogger("qms.sync")


class BookingFetcher:
    def __init__(self, store, site, link, every=15.0):
        self.store, self.site, self.link, self.every = store, site, link, every
        self.next_at = 0.0
        self.problem = None

    def due(self):
        return time.monotonic() >= self.next_at

    def fetch(self):
        """Fetch every change the hub has; how many bookings were kept."""
        total = 0
        while True:
            after, _ = kept.fetched(self.store, self.site.id)
            answer = self.link.http.get(self.link.base + "/bookings", params={"after": after},
                                        timeout=self.link.timeout)
            data = self.link._read(answer)
            # A hub of the release before sends its one key only (key 1).
            kept.keep(self.store, self.site.id, data["bookings"], data["last_rev"],
                      data.get("hmac_keys") or data["hmac_key"], time.time())
            total += len(data["bookings"])
            if len(data["bookings"]) < 1000:
                return total

    def step(self):
        """Fetch if it is time; never raises (the events' sync goes on)."""
        if not self.due():
            return
        self.next_at = time.monotonic() + self.every
        try:
            count = self.fetch()
        except Exception as exc:  # noqa: BLE001 — any trouble waits for the next turn
            message = f"bookings not fetched: {exc}"
            if message != self.problem:
                log.warning(message)
            self.problem = message
            return
        if self.problem:
            log.warning("bookings fetched again")
        self.problem = None
        if count:
            log.info("kept %d booking changes", count)
