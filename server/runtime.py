"""One site's live queue: the engine's state in memory, kept in step with the store.

Every command goes: catch up with the store (another process may have written), decide,
append the events in one transaction, apply them, tell the listeners (the realtime layer).
A conflict means another writer got there first: catch up and decide again.

The commit is synced to disk while the displays' call goes out, not before (issue 15): the
append commits without its fdatasync, the listeners subscribed `before_sync` (the displays'
calls) run, then the store makes the commit durable, then every other listener runs and the
caller answers. A crash of the process loses nothing written; a power cut in that
millisecond can only take back a call the officer was never told had happened (no answer, no
printed ticket, no counter view yet), which calling again shows anew.
"""
import dataclasses
import secrets
import threading

from . import clock, collector
from .blocking import run_blocking
from .engine import Refused, SiteState, decide, ticket_gate
from .engine import hours
from .engine.commands import CheckIn, IssueTicket, OpenDay, VoidDays
from .store import Conflict

MAX_ATTEMPTS = 20


class SiteRuntime:
    def __init__(self, site, store):
        self.file_site = site
        self.store = store
        self.state = SiteState(site)
        self._restore_site_changes()
        # Under eventlet this lock is green (monkey-patched), so a waiting greenlet yields.
        self._lock = threading.Lock()
        self._listeners = []
        self._before_sync = []
        file_base = self.file_settings()
        for event in store.load_current_day(site.id):
            if event["type"] == "site_changed" and event.get("base") != file_base:
                self.state.seq = event["seq"]  # made on a site file edited since: the file wins
                continue
            self.state.apply(event)
        if self.state.seq == 0:
            # No day opened yet, or an empty store: sequence numbers must still continue.
            self.state.seq = store.last_seq(site.id)
        store.make_durable()  # what another process left unsynced (it may have died)
        self._durable_seq = self.state.seq

    @property
    def site(self):
        """The site's settings now: the site file's, or as changed on the admin pages since."""
        return self.state.site

    def _restore_site_changes(self):
        """Settings changed on the admin pages (the newest `site_changed` event) outlive a
        restart, unless the site file was edited after them: then the file wins."""
        changed = self.store.last_event_of_type(self.file_site.id, "site_changed")
        if changed is not None and changed.get("base") == self.file_settings():
            self.state.apply(dict(changed, seq=self.state.seq))

    def file_settings(self):
        from .engine.site import site_to_dict
        return site_to_dict(self.file_site)

    def subscribe(self, listener, before_sync=False):
        """listener(events, state) runs after each change, outside the lock. `before_sync`:
        it runs once the change is committed, before the commit is synced to disk; only for
        what a power cut could simply have to tell again (the displays' calls)."""
        (self._before_sync if before_sync else self._listeners).append(listener)

    def execute(self, command):
        """Decide and durably record a command; returns its events or raises Refused.

        Every command is decided on the store's latest version, at the cost of a read only
        when it matters: if another process appended meanwhile, our events take sequence
        numbers it already took, the append fails with Conflict, and we catch up and decide
        again; a refusal (counter 2 "not open" here, opened through another process) is
        checked against the store the same way before it is answered. A request_id claimed
        on an earlier day (not in today's state, yet refused by the store) is refused rather
        than retried.
        """
        if isinstance(command, OpenDay):
            command = self._day_to_open(command)
        # A check-in is a citizen's request too: its id is kept with it, like a ticket's.
        request_id = command.request_id if isinstance(command, (IssueTicket, CheckIn)) else None
        caught, events = [], []
        try:
            with collector.none_inside():
                try:
                    with self._lock:
                        events = self._decide_and_append(command, request_id, caught)
                finally:
                    # What we caught up on is news for the screens, also when refused.
                    self._tell(self._before_sync, caught + events)
        finally:
            # Nothing goes further (counter views, print jobs, the answer) before it is on
            # disk: a sync that fails raises StoreUnavailable before anyone else is told.
            self._make_durable()
            self._tell(self._listeners, caught + events)
        return events

    def _make_durable(self):
        """Sync the store until every change in memory now is on disk. The loop goes on
        while a worker thread syncs, so a change made meanwhile (not covered by a sync that
        had already begun) gets another one."""
        while self._durable_seq < self.state.seq:
            seq = self.state.seq
            run_blocking(self.store.make_durable)
            self._durable_seq = max(self._durable_seq, seq)

    def _decide_and_append(self, command, request_id, caught):
        for _ in range(MAX_ATTEMPTS):
            try:
                events = decide(self.state, command)
            except Refused:
                newer = self._catch_up()
                if not newer:
                    raise
                caught += newer
                continue
            if not events:
                return events
            try:
                self.store.append(self.site.id, events, request_id=request_id, durable=False)
            except Conflict:
                caught += self._catch_up()
                if request_id and request_id not in self.state.requests and \
                        self.store.request_known(self.site.id, request_id):
                    raise Refused("request_id_used", "request_id này đã được dùng vào ngày trước.",
                                  "This request_id was used on an earlier day.", 409)
                continue
            for event in events:
                self.state.apply(event)
            return events
        raise Conflict("too many concurrent writers")

    def refresh(self):
        """Catch up with writes of other processes (before answering a read)."""
        with self._lock:
            caught = self._catch_up()
        self._notify(caught)

    def _catch_up(self):
        caught = self.store.events_after(self.site.id, self.state.seq)
        for event in caught:
            self.state.apply(event)
        return caught

    def _notify(self, events):
        """Changes another process made: every listener, the later ones once the changes are
        on disk (that process may still be syncing them; any process's sync of the file
        does)."""
        self._tell(self._before_sync, events)
        self._make_durable()
        self._tell(self._listeners, events)

    def _tell(self, listeners, events):
        if events:
            for listener in listeners:
                listener(events, self.state)

    # -- the clock and the day: read here, once, for every door (HTTP, Socket.IO, CLI) ---
    def now(self):
        return clock.now()

    def today(self, at=None):
        return hours.business_day(self.site, self.now() if at is None else at)

    def _day_to_open(self, command):
        """No day given: today. A day given: a real date, not after today."""
        today = self.today(command.at)
        if command.day is None:
            return dataclasses.replace(command, day=today)
        if not hours.real_day(command.day):
            raise Refused("bad_day", "Ngày không hợp lệ (YYYY-MM-DD).",
                          "Day must be YYYY-MM-DD.", 400)
        if command.day > today:
            raise Refused("day_in_future", f"Không thể mở ngày {command.day}: chưa tới ngày này.",
                          f"Cannot open {command.day}: that day has not come yet.")
        return command

    def take_ticket(self, service, priority, request_id, kiosk=None, public=False):
        """A citizen's ticket: (ticket, created). The same request_id answers the ticket it
        already has (a retried touch); the first ticket of a new business day opens the day
        (auto_open_day) unless the day was closed, lies too far ahead, or the site is outside
        its opening hours (refused with the time it opens)."""
        return self._issue(request_id, lambda at, token: IssueTicket(
            service, priority, request_id, at, kiosk, token=token, public=public))

    def check_in(self, booking, request_id, kiosk):
        """A booked citizen's ticket (the booked series): (ticket, created), with the same
        request_id and day-opening rules as a walk-in's ticket."""
        return self._issue(request_id, lambda at, token: CheckIn(
            booking["id"], booking["service"], booking["slot_start"], booking["slot_end"],
            request_id, at, kiosk=kiosk, token=token))

    def _issue(self, request_id, command_at):
        existing = self.ticket_for_request(request_id)
        if existing is not None:
            self._make_durable()  # a retried touch may come while the first one is syncing
            return existing, False
        at = self.now()
        opening = ticket_gate(self.state, at)
        if opening is not None:
            try:
                self.execute(opening)
            except Refused as refusal:
                if refusal.code != "day_already_open":  # another process opened it first
                    raise
        try:
            # The public links' key: random, so ticket pages cannot be walked by number.
            events = self.execute(command_at(at, secrets.token_urlsafe(16)))
        except Refused as refusal:
            if refusal.code != "duplicate_request":  # another process took it a moment ago
                raise
            # (on disk already: execute synced what it caught up on before refusing)
            return self.ticket_for_request(request_id), False
        return self.state.tickets[events[-1]["ticket_id"]], True

    def repair_day(self):
        """Recover from a clock that ran ahead once: the business days after today found in
        the store are made void, so today's day can open (`qms repair-day`)."""
        with self._lock:
            self._notify(self._catch_up())
        at = self.now()
        today = self.today(at)
        days = self.store.days_opened_after(self.site.id, today)
        return self.execute(VoidDays(today, tuple(days), at))

    def ticket_for_request(self, request_id):
        """The ticket already issued for this request_id today, or None."""
        ticket_id = self.state.requests.get(request_id)
        return self.state.tickets.get(ticket_id) if ticket_id is not None else None

