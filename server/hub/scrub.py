"""What leaves a site for the hub: the queue's events and figures, nothing personal.

Each event type has a whitelist of fields; anything else in a body is dropped (a field a later
release adds stays home until it is named here). Free text officers type (a completion note, a
cancel reason) may name a citizen or carry a CCCD or phone number (Decree 13/2023): the note
is sent empty and an officer's reason as the code "cancelled", as the site's own retention
erases them later (server/retention.py). Officer user names stay home too (the province's
reports are per site and service, not per officer); the public tracking token of a ticket is
a secret link; a request id is whatever a client chose, so it becomes the ticket's seq.

The hub replays these events with the site's own code, so what the engine's replay reads is
kept (with the values above) and the seq stays unbroken: an event of a type not named here
goes as its envelope alone (site_id, seq, type, at).
"""
import re

from ..reports.fold import CITIZEN_REASONS
from ..retention import SYSTEM_REASONS

ENVELOPE = ("site_id", "seq", "type", "at")

FIELDS = {
    "day_opened": ("day", "service_minutes", "printers", "agents", "last_summary"),
    "day_closed": ("day", "summary"),
    "days_voided": ("days", "today"),
    "ticket_issued": ("ticket_id", "service", "number", "label", "priority", "request_id",
                      "order", "kiosk", "next_number", "public",
                      # a check-in: the hub's own booking id and slot (no code, no person)
                      "booking", "slot_start", "slot_end", "booked"),
    "ticket_called": ("ticket_id", "counter", "priority_streak", "booked_streak"),
    "ticket_recalled": ("ticket_id", "counter"),
    "ticket_serving": ("ticket_id", "counter"),
    "ticket_no_show": ("ticket_id", "counter", "requeued", "order"),
    "ticket_transferred": ("ticket_id", "counter", "to_service", "to_counter", "new_ticket_id"),
    "ticket_completed": ("ticket_id", "counter", "outcome", "note"),
    "ticket_cancelled": ("ticket_id", "reason"),
    "ticket_rated": ("ticket_id", "counter", "officer", "service", "level", "reason"),
    "site_changed": ("by", "data", "base"),
    "counter_opened": ("counter", "officer"),
    "counter_closed": ("counter",),
    "counter_paused": ("counter",),
    "counter_resumed": ("counter",),
    "print_requested": ("ticket_id", "kiosk", "job"),
    "ticket_printed": ("ticket_id", "kiosk", "job"),
    "print_failed": ("ticket_id", "kiosk", "job", "reason"),
    "print_skipped": ("ticket_id", "kiosk", "job", "reason"),
    "agent_online": ("kiosk",),
    "agent_offline": ("kiosk",),
    "printer_status": ("kiosk", "status", "message"),
}

# The few strings kept that a device or a program wrote (a printer's message, why a print
# failed) are not officers' text, but a run of 9+ digits (a CCCD has 12, a phone 10) is
# masked in them all the same.
_NUMBER_RUN = re.compile(r"\d[\d .-]{7,}\d")


def _masked(text):
    return _NUMBER_RUN.sub("[…]", text) if isinstance(text, str) else text


def _printers(printers):
    return {kiosk: dict(p, message=_masked(p.get("message", ""))) for kiosk, p in printers.items()}


def scrub(event):
    """The event as the hub may have it (a new dict; the site's own event is untouched)."""
    kind = event["type"]
    out = {k: event[k] for k in ENVELOPE}
    out.update({k: event[k] for k in FIELDS.get(kind, ()) if k in event})
    if kind == "ticket_completed":
        out["note"] = ""
    elif kind == "ticket_cancelled":
        reason = out.get("reason", "")
        if reason not in SYSTEM_REASONS and reason not in CITIZEN_REASONS:
            out["reason"] = "cancelled"  # counted as an officer's cancellation, as at home
    elif kind == "ticket_issued":
        out["request_id"] = str(event["seq"])
    elif kind in ("counter_opened", "ticket_rated"):
        out["officer"] = None
    elif kind == "site_changed":
        out["by"] = None
    elif kind in ("print_failed", "print_skipped", "printer_status"):
        for key in ("reason", "message"):
            if key in out:
                out[key] = _masked(out[key])
    elif kind == "day_opened" and isinstance(out.get("printers"), dict):
        out["printers"] = _printers(out["printers"])
    return out
