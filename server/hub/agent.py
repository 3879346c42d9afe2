"""The site's sync agent (`qms sync`): sends the site's events to the hub, in order, from the
last one the hub acknowledged.

A process of its own next to `qms serve`, reading the site's store and nothing else: the site
never waits for it, and a hub that is down for hours only makes it wait and try again (backoff
doubling to a minute). It asks the hub what it holds when it starts, then sends batches of the
events after that (scrubbed: server/hub/scrub.py) and moves on by what the hub answers; a gap
answer (the hub lost events, e.g. restored from a backup) sends it back to where the hub
says. With nothing to send it still reports every `idle` seconds (its clock, for the skew,
and that the link works). New events are sent at once: PostgreSQL notifies it of a commit,
an SQLite store is looked at every `poll` seconds.
"""
import logging
import random
import time

import requests

from ..engine.site import site_to_dict
from ..store import StoreUnavailable
from .scrub import scrub

log = logging.getLogger("qms.sync")


class Refusal(Exception):
    """The hub answered no (bad key, another site's key, a batch it cannot read)."""


class TooLarge(Refusal):
    """The batch is over the hub's body limit (413): send fewer events at a time."""


class HubLink:
    """The hub's two doors, for one site and its key."""

    def __init__(self, url, site_id, key, timeout=(5, 30), session=None):
        self.base = f"{url.rstrip('/')}/api/hub/sites/{site_id}"
        self.http = session or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {key}"
        self.timeout = timeout

    def acknowledged(self):
        answer = self.http.get(self.base + "/ack", timeout=self.timeout)
        return self._read(answer)["last_seq"]

    def send(self, events, **extra):
        """The hub's acknowledged seq after the batch (with a gap: the seq before the one the
        hub asks for, so the next batch starts there)."""
        answer = self.http.post(self.base + "/events", timeout=self.timeout,
                                json={"sent_at": time.time(), "events": events, **extra})
        if answer.status_code == 409:
            return answer.json()["error"]["send_from"] - 1
        return self._read(answer)["last_seq"]

    @staticmethod
    def _read(answer):
        if answer.status_code >= 500:
            raise requests.ConnectionError(f"hub answered {answer.status_code}")
        if answer.status_code == 413:
            raise TooLarge("HTTP 413: the batch is over the hub's body limit")
        if answer.status_code != 200:
            try:
                error = answer.json()["error"]
                reason = f"{error['code']}: {error.get('message_en', '')}"
            except (ValueError, KeyError, TypeError):
                reason = answer.text[:200]
            raise Refusal(f"HTTP {answer.status_code} {reason}")
        return answer.json()


class SyncAgent:
    def __init__(self, store, site, link, batch_size=500, poll=0.5, idle=30.0,
                 max_backoff=60.0, campaign=None):
        self.store, self.site, self.link = store, site, link
        self.batch_size, self.idle, self.max_backoff = batch_size, idle, max_backoff
        self.campaign = {k: v for k, v in (campaign or {}).items() if v is not None}
        self.wait_for_change = store.change_waiter(poll)
        self.acked = None  # unknown until the hub says
        self.last_contact = 0.0
        self.problem = None  # what went wrong last, logged once until it changes
        # Appointments (issue 13): the site's bookings come down the same link.
        self.bookings = None
        if site.booking.enabled:
            from ..appointments.fetch import BookingFetcher
            self.bookings = BookingFetcher(store, site, link, every=min(15.0, idle))

    def step(self):
        """Do one thing: learn what the hub holds, send a batch, report in, or wait. True when
        the hub holds everything the site has."""
        if self.acked is None:
            self.acked = self.link.acknowledged()
            # The first batch of a run carries the site's settings and campaign target.
            self.acked = self.link.send([], site=site_to_dict(self.site),
                                        **({"campaign": self.campaign} if self.campaign else {}))
            self._contact(f"hub holds seq {self.acked}")
        if self.bookings is not None:
            self.bookings.step()
        events = self.store.events_after(self.site.id, self.acked, limit=self.batch_size)
        if events:
            # The server may still be syncing the newest (server/runtime.py): the hub is never
            # sent what a power cut could take back from the site.
            self.store.make_durable()
            try:
                self.acked = self.link.send([scrub(e) for e in events])
            except TooLarge:
                if len(events) == 1:
                    raise  # one event over the limit: only the hub's operator can help
                # Big events (a day's summary, a site's settings): fewer at a time, from now on.
                self.batch_size = max(1, len(events) // 2)
                log.warning("batch over the hub's limit: sending %s events at a time",
                            self.batch_size)
                return False
            self._contact()
            return False
        if time.monotonic() - self.last_contact >= self.idle:
            self.acked = self.link.send([])
            self._contact()
        return True

    def _contact(self, message=None):
        self.last_contact = time.monotonic()
        if self.problem is not None:
            log.warning("hub reachable again; sending from seq %s", self.acked + 1)
            self.problem = None
        elif message:
            log.info(message)

    def run(self, stop=lambda: False, until_caught_up=False):
        backoff = 1.0
        while not stop():
            try:
                caught_up = self.step()
                backoff = 1.0
                if caught_up:
                    if until_caught_up:
                        return self.acked
                    self.wait_for_change()
                continue
            except (requests.RequestException, ValueError) as exc:
                self._trouble(f"hub unreachable: {exc}")
            except Refusal as exc:
                # A wrong key or a refused batch will not mend by itself: say so, try slowly.
                self._trouble(f"hub refused: {exc}", level=logging.ERROR)
                backoff = self.max_backoff
            except StoreUnavailable as exc:
                self._trouble(f"site store unreadable: {exc}")
            time.sleep(backoff * random.uniform(0.8, 1.2))  # jitter: sites do not return in step
            backoff = min(backoff * 2, self.max_backoff)
        return self.acked

    def _trouble(self, message, level=logging.WARNING):
        if message != self.problem:
            log.log(level, message)
        self.problem = message
