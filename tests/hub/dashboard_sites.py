"""Sites that feed a real hub, for the dashboard tests and the dashboard bench.

A `LiveSite` is a real site runtime (the demo site's rules, its own SQLite store) driven with
real commands at the wall clock's time; `send()` posts what the hub has not acknowledged yet,
over HTTP with the site's key, as the sync agent does (its privacy scrub, server/hub/scrub.py,
and the site's settings with the first batch).
"""
import time

import requests

from server.engine import commands as c
from server.engine.site import site_to_dict
from server.hub.scrub import scrub
from server.runtime import SiteRuntime
from server.site_file import DEMO_SITE, load_site
from server.store.sql import SqlStore


class LiveSite:
    def __init__(self, folder, site_id, key, hub_url):
        self.site_id, self.key, self.hub_url = site_id, key, hub_url
        self.site = load_site(DEMO_SITE)
        self.store = SqlStore(f"sqlite:///{folder}/{site_id}.sqlite3", sqlite_synchronous="OFF")
        self.runtime = SiteRuntime(self.site, self.store)
        self.sent = 0
        self.serial = 0
        self.http = requests.Session()

    def do(self, command):
        return self.runtime.execute(command)

    def open_day(self):
        self.do(c.OpenDay(None, time.time()))

    def issue(self, n=1, service="CCCD"):
        for _ in range(n):
            self.serial += 1
            self.do(c.IssueTicket(service, None, f"{self.site_id}-{self.serial}", time.time()))

    def open_counter(self, number):
        self.do(c.OpenCounter(number, time.time(), "canbo"))

    def call(self, number):
        return self.do(c.CallNext(number, time.time()))[-1]

    def send(self):
        """Post every event the hub has not acknowledged; returns the hub's answer."""
        events = [scrub(dict(e, site_id=self.site_id))
                  for e in self.store.events_after(self.site.id, self.sent)]
        batch = {"sent_at": time.time(), "events": events}
        if not self.sent:
            batch["site"] = dict(site_to_dict(self.site), site=dict(
                site_to_dict(self.site)["site"], id=self.site_id))
        answer = self.http.post(f"{self.hub_url}/api/hub/sites/{self.site_id}/events",
                                json=batch,
                                headers={"Authorization": f"Bearer {self.key}"}, timeout=30)
        self.last_answer = answer
        answer.raise_for_status()
        self.sent = answer.json()["last_seq"]
        return answer.json()

    def close(self):
        self.store.close()


def sign_in(http, base_url, username, password):
    answer = http.post(base_url + "/api/hub/login",
                       json={"username": username, "password": password}, timeout=10)
    answer.raise_for_status()
    return http

