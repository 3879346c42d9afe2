"""The state of one site's business day, and how each event changes it.

`SiteState.apply(event)` is the only way state changes, both when a command is decided and
when state is rebuilt from the store after a restart, so both paths cannot disagree.
Only the current business day is held: a new day starts from empty queues, and past days
live on in the store for reports.
"""
import copy
from collections import deque
from dataclasses import dataclass, field

from .counters import CLOSED, COUNTER_MOVES, OPEN, PAUSED  # noqa: F401 (re-exported)
from .lifecycle import OPEN_STATUSES, TRANSITIONS, WAITING

RECENT_CALLS = 10


@dataclass
class Ticket:
    id: int
    day: str
    service: str
    number: int
    label: str
    priority: str | None
    order: int  # place in its class: lower is called first (FIFO within a class)
    issued_at: float
    request_id: str
    status: str = WAITING
    kiosk: str | None = None
    counter: int | None = None  # the counter that called it, while called/serving
    last_counter: int | None = None  # the counter that called it last, kept after the end
    reserved_counter: int | None = None  # only this counter may call it (transfer to a counter)
    enqueued_at: float = 0.0  # when it last started waiting (issue, requeue, transfer)
    called_at: float | None = None
    serving_at: float | None = None
    ended_at: float | None = None
    no_shows: int = 0
    recalls: int = 0
    outcome: str | None = None
    end_reason: str = ""
    transferred_from: int | None = None
    transferred_to: int | None = None
    print_job: int = 0  # the newest print job number asked for this ticket (0: none)
    printed_job: int = 0  # the newest job the kiosk confirmed
    print_error: str = ""
    # Who completed it (the citizen rates at that counter) and the rating, if any.
    done_counter: int | None = None
    done_officer: str | None = None
    rating: str | None = None
    print_requested_at: float = 0.0  # when the newest print job was asked for
    token: str | None = None  # key of the public links; None for tickets of older releases
    public: bool = False      # taken by an unknown client, counted against its own budget
    # Checked in with a booking (docs/appointments.md): the hub's booking id, its slot, and
    # whether the ticket is of the booked series (False: a late citizen made a walk-in, or a
    # booked no-show requeued as a walk-in: its slot is released).
    booking: str | None = None
    slot_start: float | None = None
    slot_end: float | None = None
    booked: bool = False


@dataclass
class CounterState:
    number: int
    state: str = CLOSED
    current: int | None = None  # ticket id being called or served
    priority_streak: int = 0
    booked_streak: int = 0  # booked calls in a row (queue.py rule 4)
    officer: str | None = None
    paused_at: float | None = None  # when the running break began (estimates)
    breaks_taken: int = 0  # today's finished breaks and their length: a typical break
    break_seconds: float = 0.0


@dataclass
class SiteState:
    site: object
    seq: int = 0
    day: str | None = None
    day_open: bool = False
    tickets: dict = field(default_factory=dict)
    next_number: dict = field(default_factory=dict)
    issued_today: dict = field(default_factory=dict)
    counters: dict = field(default_factory=dict)
    service_minutes: dict = field(default_factory=dict)
    requests: dict = field(default_factory=dict)
    by_token: dict = field(default_factory=dict)  # public link token -> ticket id (today)
    bookings: dict = field(default_factory=dict)  # booking id -> ticket id (checked in today)
    next_booked: int = 1  # the next number of the booked series today
    recent_calls: deque = field(default_factory=lambda: deque(maxlen=RECENT_CALLS))
    printers: dict = field(default_factory=dict)
    agents: dict = field(default_factory=dict)  # kiosk -> {"online": bool, "at": float}
    last_summary: dict | None = None
    last_at: float = 0.0  # the time of the newest event: views are read at it by default
    # Not from events: this server can text a citizen's phone (an SMS or Zalo channel in its
    # environment, set by server/appointments/notify.install); the kiosk offers "text me".
    texting: bool = False

    def __post_init__(self):
        for counter in self.site.counters:
            self.counters.setdefault(counter.number, CounterState(counter.number))
        for service in self.site.services:
            self.service_minutes.setdefault(service.code, float(service.expected_service_minutes))

    # -- reading -----------------------------------------------------------------------
    def open_tickets(self):
        return [t for t in self.tickets.values() if t.status in OPEN_STATUSES]

    def waiting(self):
        return [t for t in self.tickets.values() if t.status == WAITING]

    def live_labels(self):
        return {t.label for t in self.tickets.values() if t.status in OPEN_STATUSES}

    # -- changing ----------------------------------------------------------------------
    def apply(self, event):
        handler = getattr(self, "_on_" + event["type"], None)
        if handler is None:
            raise ValueError(f"unknown event type {event['type']!r}")
        handler(event)
        self.seq = event["seq"]
        self.last_at = max(self.last_at, event["at"])

    def _on_day_opened(self, e):
        reopened = e["day"] == self.day
        self.day = e["day"]
        self.day_open = True
        # Carried over from the days before (see decide: OpenDay); absent in older logs.
        if "service_minutes" in e:
            self.service_minutes.update(e["service_minutes"])
        if "printers" in e:
            self.printers = {kiosk: dict(p) for kiosk, p in e["printers"].items()}
        if "agents" in e:
            self.agents = {kiosk: dict(a) for kiosk, a in e["agents"].items()}
        if "last_summary" in e:
            self.last_summary = copy.deepcopy(e["last_summary"])
        if reopened:
            # The same day opened again after a close (a mistaken close): numbering goes on.
            return
        self.tickets = {}
        self.requests = {}
        self.by_token = {}
        self.bookings = {}
        self.next_booked = 1
        self.recent_calls.clear()
        self.issued_today = {s.code: 0 for s in self.site.services}
        self.next_number = {s.code: s.number_start for s in self.site.services}
        for counter in self.counters.values():
            counter.state, counter.current, counter.priority_streak, counter.officer = CLOSED, None, 0, None
            counter.booked_streak = 0
            counter.paused_at, counter.breaks_taken, counter.break_seconds = None, 0, 0.0

    def _on_day_closed(self, e):
        self.day_open = False
        self.last_summary = e["summary"]
        for counter in self.counters.values():
            counter.state, counter.current, counter.priority_streak = CLOSED, None, 0

    def _on_days_voided(self, e):
        # The void days stay in the store (their events are history) but are no business day
        # any more: the state has no day, so today's can open.
        self._on_day_closed(dict(e, summary=self.last_summary))
        self.day = None

    def _on_ticket_issued(self, e):
        ticket = Ticket(
            id=e["ticket_id"], day=self.day, service=e["service"], number=e["number"],
            label=e["label"], priority=e["priority"], order=e["order"], issued_at=e["at"],
            request_id=e["request_id"], kiosk=e.get("kiosk"), enqueued_at=e["at"],
            print_job=1 if e.get("kiosk") else 0, print_requested_at=e["at"],
            token=e.get("token"),
            public=bool(e.get("public")),
            booking=e.get("booking"), slot_start=e.get("slot_start"), slot_end=e.get("slot_end"),
            booked=bool(e.get("booked")),
        )
        self.tickets[ticket.id] = ticket
        if ticket.token:
            self.by_token[ticket.token] = ticket.id
        self.requests[ticket.request_id] = ticket.id
        if ticket.booking:
            self.bookings[ticket.booking] = ticket.id
        if ticket.booked:
            self.next_booked = e["next_number"]
            return
        self.issued_today[ticket.service] = self.issued_today.get(ticket.service, 0) + 1
        self.next_number[ticket.service] = e["next_number"]

    def _on_ticket_called(self, e):
        ticket = self.tickets[e["ticket_id"]]
        counter = self.counters[e["counter"]]
        ticket.status = TRANSITIONS[(ticket.status, "call")]
        ticket.counter, ticket.called_at = counter.number, e["at"]
        ticket.last_counter = counter.number
        ticket.reserved_counter = None
        counter.current = ticket.id
        counter.priority_streak = e["priority_streak"]
        counter.booked_streak = e.get("booked_streak", 0)  # absent before bookings existed
        self.recent_calls.appendleft({"ticket_id": ticket.id, "label": ticket.label,
                                      "counter": counter.number, "at": e["at"], "seq": e["seq"]})

    def _on_ticket_recalled(self, e):
        ticket = self.tickets[e["ticket_id"]]
        ticket.recalls += 1
        self.recent_calls.appendleft({"ticket_id": ticket.id, "label": ticket.label,
                                      "counter": ticket.counter, "at": e["at"], "seq": e["seq"],
                                      "recall": True})

    def _on_ticket_serving(self, e):
        ticket = self.tickets[e["ticket_id"]]
        ticket.status, ticket.serving_at = TRANSITIONS[(ticket.status, "start")], e["at"]

    def _release_counter(self, ticket):
        counter = self.counters.get(ticket.counter)
        if counter is not None and counter.current == ticket.id:
            counter.current = None
        ticket.counter = None

    def _end(self, ticket, action, at, reason=""):
        """The ticket's last move: the lifecycle table (lifecycle.py) sets its final status."""
        self._release_counter(ticket)
        ticket.status = TRANSITIONS[(ticket.status, action)]
        ticket.ended_at, ticket.end_reason = at, reason

    def _on_ticket_no_show(self, e):
        ticket = self.tickets[e["ticket_id"]]
        ticket.no_shows += 1
        if e["requeued"]:
            # A booked citizen who did not come releases the slot: back as a walk-in.
            ticket.booked = False
            self._release_counter(ticket)
            ticket.status = TRANSITIONS[(ticket.status, "requeue")]
            ticket.order, ticket.enqueued_at, ticket.called_at = e["order"], e["at"], None
        else:
            self._end(ticket, "no_show", e["at"])

    def _on_ticket_transferred(self, e):
        old = self.tickets[e["ticket_id"]]
        self._end(old, "transfer", e["at"])
        old.transferred_to = e["new_ticket_id"]
        new = Ticket(
            id=e["new_ticket_id"], day=self.day, service=e["to_service"], number=old.number,
            label=old.label, priority=old.priority, order=old.order, issued_at=old.issued_at,
            request_id=f"transfer:{old.id}", kiosk=None, enqueued_at=e["at"],
            reserved_counter=e["to_counter"], transferred_from=old.id, booking=old.booking,
        )
        self.tickets[new.id] = new

    def _on_ticket_completed(self, e):
        ticket = self.tickets[e["ticket_id"]]
        started = ticket.serving_at or ticket.called_at
        if started is not None and e["at"] > started:
            weight = self.site.policy.service_time_weight
            minutes = (e["at"] - started) / 60.0
            old = self.service_minutes[ticket.service]
            self.service_minutes[ticket.service] = (1 - weight) * old + weight * minutes
        counter = self.counters.get(ticket.counter)
        ticket.done_counter = ticket.counter
        ticket.done_officer = counter.officer if counter is not None else None
        self._end(ticket, "complete", e["at"])
        ticket.outcome = e["outcome"]

    def _on_site_changed(self, e):
        from .site import site_from_dict
        self.site = site_from_dict(e["data"])
        self.__post_init__()  # counters and service times for what is new

    def _on_ticket_rated(self, e):
        self.tickets[e["ticket_id"]].rating = e["level"]

    def _on_ticket_cancelled(self, e):
        self._end(self.tickets[e["ticket_id"]], "cancel", e["at"], e.get("reason", ""))

    def _move_counter(self, e, action):
        """The counters' table (counters.py) sets the new state."""
        counter = self.counters[e["counter"]]
        counter.state = COUNTER_MOVES[(counter.state, action)]
        return counter

    def _on_counter_opened(self, e):
        self._move_counter(e, "open_counter").officer = e.get("officer")

    def _on_counter_paused(self, e):
        self._move_counter(e, "pause_counter").paused_at = e["at"]

    def _on_counter_resumed(self, e):
        counter = self._move_counter(e, "resume_counter")
        if counter.paused_at is not None:
            counter.breaks_taken += 1
            counter.break_seconds += max(0.0, e["at"] - counter.paused_at)
        counter.paused_at = None

    def _on_counter_closed(self, e):
        # The priority streak stays: closing and opening a counter again is no normal call,
        # so it must not let K more priority calls pass the normal tickets waiting there.
        self._move_counter(e, "close_counter").officer = None

    def _on_print_requested(self, e):
        ticket = self.tickets[e["ticket_id"]]
        ticket.print_job, ticket.print_error = e["job"], ""
        ticket.print_requested_at = e["at"]

    def _on_ticket_printed(self, e):
        ticket = self.tickets[e["ticket_id"]]
        ticket.printed_job, ticket.print_error = max(ticket.printed_job, e["job"]), ""

    def _on_print_failed(self, e):
        self.tickets[e["ticket_id"]].print_error = e["reason"] or "print failed"

    def _on_print_skipped(self, e):
        self.tickets[e["ticket_id"]].print_error = e["reason"]

    def _on_agent_online(self, e):
        self.agents[e["kiosk"]] = {"online": True, "at": e["at"]}

    def _on_agent_offline(self, e):
        self.agents[e["kiosk"]] = {"online": False, "at": e["at"]}

    def agent_online(self, kiosk):
        return bool(self.agents.get(kiosk, {}).get("online"))

    def _on_printer_status(self, e):
        self.printers[e["kiosk"]] = {"status": e["status"], "message": e["message"], "at": e["at"]}
