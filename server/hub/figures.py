"""A site's live figures on the hub: its business day replayed by the site's own engine.

The hub never interprets a site's events a second way: each event goes through
`SiteState.apply` (server/engine/state.py), the very code that builds the site's own state
after a restart, and the tile and the drill-down read that state with the site's view code
(server/views.py). The site's settings come with its sync agent's first batch
(`HubStore.site_settings`); a site whose settings the hub has not got yet is learnt from the
events themselves (a ticket's label gives its service letter, a call at counter 3 says
counter 3 serves that ticket's service), and so is a service or counter the settings do not
name.

Fields that never leave the site (server/hub/scrub.py: tracking tokens; request ids become
the seq) are given neutral stand-ins before an event is applied, so the engine's replay
takes it.
"""
import dataclasses
import re

from ..engine.site import Counter, Service, Site
from ..engine.state import CounterState, SiteState
from ..engine.lifecycle import CALLED, SERVING, WAITING
from ..views import public_view

LETTERS = re.compile(r"^[A-Z]{1,2}")
SITE_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# A print agent or printer in one of these states prints no slips: a fault on the tile.
PRINTER_FAULTS = ("paper_out", "offline", "paper_low")


class Gap(Exception):
    """Events did not follow on from what the hub has applied: read the day again."""


def blank_site(site_id, name):
    return Site(id=site_id if SITE_ID.match(site_id or "") else "hub-site", name=name or site_id)


class SiteFigures:
    """One site's current day on the hub, kept in step by `apply(events)`."""

    def __init__(self, site_id, name="", district="", site=None):
        """`site`: the site's settings as its sync agent sent them (`site_from_dict`), when
        the hub has them; without, a blank site that learns from the events."""
        self.site_id, self.name, self.district = site_id, name or site_id, district
        self.state = SiteState(site or blank_site(site_id, self.name))
        self._letters = {}  # service code -> ticket letter, learnt from labels
        self._served_by = {}  # counter -> service codes called there, in order first seen
        self.unplaced = 0  # events the replay could not place (see apply)

    # -- keeping in step ----------------------------------------------------------------
    def apply(self, events):
        """Apply events in seq order; already-applied ones are skipped (a batch sent again);
        raises Gap when one is missing (a seq skipped)."""
        applied = []
        for event in events:
            if event["seq"] <= self.state.seq:
                continue
            if self.state.seq and event["seq"] != self.state.seq + 1 and event["type"] != "day_opened":
                raise Gap(f"{self.site_id}: seq {event['seq']} after {self.state.seq}")
            event = self._prepared(event)
            try:
                self.state.apply(event)
            except (KeyError, ValueError, TypeError):
                # An event the replay cannot place (a ticket of a day whose opening is not in
                # the log: never so for a real site's log, which the hub holds without gaps
                # from the day's opening). Skipped, and the seq moves on, so one odd event
                # neither stops the site's tile nor makes every beat read its day again.
                self.unplaced += 1
                self.state.seq = event["seq"]
                continue
            applied.append(event)
        return applied

    def _prepared(self, e):
        """Stand-ins for what never leaves the site, and the services and counters the hub
        has not seen yet, so the engine's replay accepts the event."""
        e = dict(e)
        kind = e["type"]
        if kind == "ticket_issued":
            e.setdefault("request_id", f"hub:{e['ticket_id']}")
            e.setdefault("token", None)
            self._learn_service(e["service"], e.get("label", ""))
        elif kind == "ticket_transferred":
            self._learn_service(e["to_service"], "")
        if "counter" in e and isinstance(e.get("counter"), int):
            ticket = self.state.tickets.get(e.get("ticket_id"))
            self._learn_counter(e["counter"], ticket.service if ticket else None)
        if kind == "site_changed":
            self._letters, self._served_by = {}, {}
        return e

    def _learn_service(self, code, label):
        if code in self._letters or self.state.site.service(code) is not None:
            return
        found = LETTERS.match(label or "")
        taken = set(self._letters.values()) | {s.letter for s in self.state.site.services}
        letter = found.group(0) if found and found.group(0) not in taken else None
        self._letters[code] = letter or _free_letter(taken)
        self._rebuild()

    def _learn_counter(self, number, service):
        site_counter = self.state.site.counter(number)
        seen = self._served_by.setdefault(number, [])
        new_service = service and service not in seen and not (
            site_counter and service in site_counter.services)
        if new_service:
            seen.append(service)
        if new_service or number not in self.state.counters:
            self._rebuild()

    def _rebuild(self):
        """The site as far as the hub knows it: the real one (from `site_changed`) or a blank
        one, plus the services and counters learnt from events."""
        site = self.state.site
        services = list(site.services) + [
            Service(code=code, letter=letter, name_vi=code, name_en=code)
            for code, letter in self._letters.items() if site.service(code) is None]
        codes = [s.code for s in services]
        counters = {c.number: c for c in site.counters}
        for number, seen in self._served_by.items():
            if not codes:
                continue
            old = counters.get(number)
            served = list(old.services) if old else []
            served += [code for code in seen if code not in served and code in codes]
            counters[number] = Counter(number=number, services=tuple(served or codes),
                                       name=old.name if old else "")
        self.state.site = dataclasses.replace(site, services=tuple(services),
                                              counters=tuple(counters[n] for n in sorted(counters)))
        self.state.__post_init__()  # counters and service times for what is new
        for number in self._served_by:  # a counter seen before any service is known
            self.state.counters.setdefault(number, CounterState(number))
        for code in self._letters:
            self.state.next_number.setdefault(code, 1)

    # -- reading -------------------------------------------------------------------------
    def tile(self, today, site_now):
        """The dashboard tile: figures of the site's day `today` read at the site's clock
        `site_now` (seconds); all zeros while the site has not opened today."""
        state = self.state
        current = state.day == today
        tickets = list(state.tickets.values()) if current else []
        waiting = [t for t in tickets if t.status == WAITING]
        counters = list(state.counters.values()) if current and state.day_open else []
        faults = []
        if current and state.day_open:
            for kiosk, agent in sorted(state.agents.items()):
                if not agent.get("online"):
                    faults.append({"kind": "agent", "kiosk": kiosk, "since": agent.get("at")})
            for kiosk, printer in sorted(state.printers.items()):
                if printer.get("status") in PRINTER_FAULTS and state.agent_online(kiosk):
                    faults.append({"kind": "printer", "kiosk": kiosk,
                                   "status": printer["status"], "since": printer.get("at")})
        oldest = min((t.enqueued_at for t in waiting), default=None)
        return {
            "site_id": self.site_id, "name": self.name, "district": self.district,
            "seq": state.seq, "day": state.day, "day_open": bool(current and state.day_open),
            "waiting": len(waiting),
            "priority_waiting": sum(1 for t in waiting if t.priority),
            "serving": sum(1 for t in tickets if t.status in (CALLED, SERVING)),
            "longest_wait_s": None if oldest is None else max(0, round(site_now - oldest)),
            "oldest_waiting_at": oldest,
            "open_counters": sum(1 for c in counters if c.state == "open"),
            "paused_counters": sum(1 for c in counters if c.state == "paused"),
            "issued_today": sum(state.issued_today.values()) if current else 0,
            "served_today": sum(1 for t in tickets if t.status == "done"),
            "faults": faults,
        }

    def queue(self, site_now):
        """The drill-down: the site's live queue as its own wall display sees it (counts,
        counters and the numbers called; no names, notes or tracking links), plus the
        longest wait per service."""
        view = public_view(self.state, at=site_now)
        oldest = {}
        for t in self.state.tickets.values():
            if t.status == WAITING:
                oldest[t.service] = min(oldest.get(t.service, t.enqueued_at), t.enqueued_at)
        services = [{"code": s["code"], "letter": s["letter"], "name_vi": s["name_vi"],
                     "name_en": s["name_en"], "waiting": s["waiting"],
                     "longest_wait_s": None if s["code"] not in oldest
                     else max(0, round(site_now - oldest[s["code"]]))}
                    for s in view["services"]]
        counters = [{"number": c["number"], "name": c["name"], "state": c["state"],
                     "serving": c["serving"], "serving_service": c["serving_service"]}
                    for c in view["counters"]]
        calls = [{"number": c["number"], "counter": c["counter"], "at": c["at"]}
                 for c in view["recent_calls"]]
        return {"site_id": self.site_id, "name": self.name, "district": self.district,
                "seq": self.state.seq, "day": self.state.day, "day_open": self.state.day_open,
                "services": services, "counters": counters, "recent_calls": calls}


def _free_letter(taken):
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if a not in taken:
            return a
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if a + b not in taken:
                return a + b
    raise ValueError("more than 702 services")
