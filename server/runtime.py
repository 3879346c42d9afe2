"""One site's live queue: the engine's state in memory, kept in step with the store.

Every command goes: catch up with the store (another process may have written), decide,
append the events in one transaction, apply them, tell the listeners (the realtime layer).
A conflict means another writer got there first: catch up and decide again.
"""
import threading

from .engine import Refused, SiteState, decide
from .engine.commands import IssueTicket
from .store import Conflict

MAX_ATTEMPTS = 20


class SiteRuntime:
    def __init__(self, site, store):
        self.site = site
        self.store = store
        self.state = SiteState(site)
        # Under eventlet this lock is green (monkey-patched), so a waiting greenlet yields.
        self._lock = threading.Lock()
        self._listeners = []
        for event in store.load_current_day(site.id):
            self.state.apply(event)
        if self.state.seq == 0:
            # No day opened yet, or an empty store: sequence numbers must still continue.
            self.state.seq = store.last_seq(site.id)

    def subscribe(self, listener):
        """listener(events, state) runs after each change, outside the lock."""
        self._listeners.append(listener)

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
        request_id = command.request_id if isinstance(command, IssueTicket) else None
        caught, events = [], []
        try:
            with self._lock:
                events = self._decide_and_append(command, request_id, caught)
        finally:
            # What we caught up on is news for the screens, also when the command is refused.
            self._notify(caught + events)
        return events

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
                self.store.append(self.site.id, events, request_id=request_id)
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
        if events:
            for listener in self._listeners:
                listener(events, self.state)

    def ticket_for_request(self, request_id):
        """The ticket already issued for this request_id today, or None."""
        ticket_id = self.state.requests.get(request_id)
        return self.state.tickets.get(ticket_id) if ticket_id is not None else None
