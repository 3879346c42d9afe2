"""The commands the engine understands. Plain data; the time of the command comes with it.

`at` is seconds since the epoch (a float), given by the caller: the engine reads no clock.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class OpenDay:
    day: str | None  # business day, YYYY-MM-DD, in the site's time zone; None: today
    at: float
    # An officer confirms a day more than one opening day after the last one seen (a long
    # closure, not a clock that ran ahead).
    confirm: bool = False


@dataclass(frozen=True)
class VoidDays:
    """`qms repair-day`: the days after `today` that a clock running ahead opened are void;
    their open tickets end and today's day can open."""
    today: str
    days: tuple  # the future days found in the store, newest last
    at: float


@dataclass(frozen=True)
class CloseDay:
    at: float


@dataclass(frozen=True)
class IssueTicket:
    service: str
    priority: str | None
    request_id: str
    at: float
    kiosk: str | None = None  # which kiosk printed it, if any
    # The unguessable key of the ticket's public links (/t/<token>, the QR): chosen by the
    # caller, so the engine stays free of randomness.
    token: str | None = None
    public: bool = False  # taken by an unknown client (a phone), not a known kiosk


@dataclass(frozen=True)
class CheckIn:
    """A citizen with a booking checks in at the kiosk. The caller found the booking (by its
    code or the CCCD's keyed hash, in the bookings the hub sent: server/appointments/);
    the engine decides the ticket by the site's [booking] rules."""
    booking: str  # the hub's booking id (not the code: the code stays a secret of the citizen)
    service: str
    slot_start: float
    slot_end: float
    request_id: str
    at: float
    kiosk: str | None = None
    token: str | None = None
    public: bool = False


@dataclass(frozen=True)
class OpenCounter:
    counter: int
    at: float
    officer: str | None = None


@dataclass(frozen=True)
class CloseCounter:
    counter: int
    at: float


@dataclass(frozen=True)
class PauseCounter:
    counter: int
    at: float


@dataclass(frozen=True)
class ResumeCounter:
    counter: int
    at: float


@dataclass(frozen=True)
class CallNext:
    counter: int
    at: float


@dataclass(frozen=True)
class CallTicket:
    counter: int
    ticket_id: int
    at: float


@dataclass(frozen=True)
class Recall:
    ticket_id: int
    at: float


@dataclass(frozen=True)
class StartServing:
    ticket_id: int
    at: float


@dataclass(frozen=True)
class NoShow:
    ticket_id: int
    at: float


@dataclass(frozen=True)
class Transfer:
    ticket_id: int
    at: float
    to_service: str | None = None
    to_counter: int | None = None


@dataclass(frozen=True)
class Complete:
    ticket_id: int
    outcome: str
    at: float
    note: str = ""


@dataclass(frozen=True)
class Cancel:
    ticket_id: int
    at: float
    reason: str = ""


@dataclass(frozen=True)
class RequestPrint:
    """An officer asks the kiosk to print a ticket again (paper jam, lost slip)."""
    ticket_id: int
    at: float


@dataclass(frozen=True)
class ReportPrint:
    """The print agent says how a print job went: printed, or failed with a reason.
    `kiosk`: the agent's own kiosk; a job of another kiosk's ticket is not its to report."""
    ticket_id: int
    job: int
    printed: bool
    at: float
    reason: str = ""
    kiosk: str | None = None


@dataclass(frozen=True)
class ReportPrinter:
    """A kiosk's printer health: ok / paper_low / paper_out / offline / unknown."""
    kiosk: str
    status: str
    message: str
    at: float


@dataclass(frozen=True)
class RateTicket:
    """A citizen's rating of a completed ticket, from the rating tablet of `counter`."""
    ticket_id: int
    counter: int
    level: str
    at: float
    reason: str = ""


@dataclass(frozen=True)
class ChangeSite:
    """An admin changes the site's settings (services, counters, priority groups, notice …):
    `data` is the whole site in the site file's layout, checked by the site file's rules."""
    data: dict
    by: str
    at: float
    # The site file's settings the server started from: a later edit of the file wins over
    # changes made on the admin pages (see SiteRuntime).
    base: dict | None = None


@dataclass(frozen=True)
class AgentOnline:
    """A kiosk's print agent is talking to the server (it connected, or its heartbeats came
    back). Its jobs that are no longer worth printing are dropped as "not printed": those of
    tickets no longer waiting, or asked for more than `resend_seconds` ago (the citizen has
    left the kiosk with the number on screen; a slip printed now would be picked up by the
    next citizen)."""
    kiosk: str
    at: float
    resend_seconds: float = 300.0


@dataclass(frozen=True)
class ClaimPrint:
    """A print agent asks whether to print a job it holds, just before printing it."""
    kiosk: str
    ticket_id: int
    job: int
    at: float
    resend_seconds: float = 300.0


@dataclass(frozen=True)
class AgentOffline:
    """A kiosk's print agent disconnected or stopped sending heartbeats."""
    kiosk: str
    at: float
