"""What each audience sees: plain JSON views of the engine's state.

A view is made once per change and pushed to a room, so each audience gets only what it
shows: displays the counters and per-service counts, a counter its own ticket and the head of
its queue, a kiosk the services and its print jobs. No view carries personal data.
"""
from .clock import iso
from .engine import Refused, ticket_gate
from .engine import hours
from .engine.counters import allowed_counter_actions
from .engine.lifecycle import allowed_ticket_actions
from .engine.lifecycle import CALLED, OPEN_STATUSES, SERVING, WAITING
from .engine.estimate import forecast
from .engine.queue import counter_line, people_ahead, service_summary

NEXT_SHOWN = 8


def _now(state, at):
    """Views are read at `at` (the caller's clock); by default at the last change."""
    return state.last_at if at is None else at


def _eta_fields(wait):
    """The estimator's answer as every surface gets it: `eta` carries the one wording
    (text_vi / text_en) that screens and the printed ticket show as is; `eta_minutes` the
    point in whole minutes for programs (null when no counter serving it is open)."""
    if wait is None:
        return {"eta_minutes": 0, "eta": None}
    minutes = None if wait.minutes is None else round(wait.minutes)
    return {"eta_minutes": minutes, "eta": wait.as_dict()}


def ticket_view(state, ticket, base_url="", at=None):
    from .tracking import public_ref  # the one helper for the public link (tracking imports us)
    site = state.site
    service = site.service(ticket.service)
    group = site.priority_group(ticket.priority) if ticket.priority else None
    position = people_ahead(state, ticket, _now(state, at)) if ticket.status == WAITING else 0
    # Checked in before the slot: in no line until it begins (queue.py), so "0 ahead" would
    # read "you are next"; the pages say the slot instead.
    before_slot = ticket.status == WAITING and ticket.booked and \
        ticket.slot_start > _now(state, at)
    return {
        "id": ticket.id,
        "number": ticket.label,
        "service": ticket.service,
        # A service taken out of the site file after the ticket was issued: its code.
        "service_name_vi": service.name_vi if service else ticket.service,
        "service_name_en": service.name_en if service else ticket.service,
        "priority": ticket.priority,
        "priority_name_vi": group.name_vi if group else None,
        "priority_name_en": group.name_en if group else None,
        "status": ticket.status,
        "counter": ticket.counter if ticket.status in (CALLED, SERVING) else None,
        "position": position,
        **_eta_fields(forecast(state, _now(state, at)).ticket(ticket)),
        "issued_at": iso(site, ticket.issued_at),
        "called_at": iso(site, ticket.called_at),
        "transferred_to": ticket.transferred_to,
        # Checked in with a booking (docs/appointments.md): the slot it is called from.
        "booked": ticket.booked,
        "slot_start": iso(site, ticket.slot_start) if ticket.booked else None,
        "before_slot": before_slot,
        "track": public_ref(ticket),
        "track_url": f"{base_url}/t/{public_ref(ticket)}" if public_ref(ticket) else None,
    }


def _services(state, at, only=None):
    """Per service: people waiting, and what a citizen taking a number now would wait."""
    summary, ahead = service_summary(state, at), forecast(state, at)
    return [
        {"code": s.code, "letter": s.letter, "name_vi": s.name_vi, "name_en": s.name_en,
         "description_vi": s.description_vi, "description_en": s.description_en,
         "waiting": summary[s.code]["waiting"], "ahead": summary[s.code]["ahead"],
         **_eta_fields(ahead.service(s.code))}
        for s in state.site.services if only is None or s.code in only
    ]


def _counters(state, only=None):
    rows = []
    for cfg in state.site.counters:
        if only is not None and cfg.number not in only:
            continue
        live = state.counters[cfg.number]
        current = state.tickets.get(live.current) if live.current else None
        rows.append({
            "number": cfg.number, "name": cfg.name, "state": live.state,
            "services": list(cfg.services),
            "serving": current.label if current else None,
            "serving_service": current.service if current else None,
            "serving_priority": bool(current.priority) if current else False,
            "serving_booked": bool(current.booked) if current else False,
        })
    return rows


def _site_header(state):
    site = state.site
    return {"id": site.id, "name": site.name, "name_en": site.name_en,
            # The kiosk offers check-in by booking (docs/appointments.md).
            "booking": site.booking.enabled,
            # ... and "text me when my turn nears" after the number, when this server texts.
            "notify_sms": state.texting}


def issuing_view(state, at):
    """Whether a citizen can take a ticket at `at` (the engine's ticket gate, as data): when
    not, the reason and when the site opens; when yes, when the opening span ends. A new
    day that the first ticket will open counts as open. `changes_in` (seconds): when a
    kiosk should ask again, as the answer changes with the clock, not only with events."""
    site = state.site
    try:
        ticket_gate(state, at)
    except Refused as refusal:
        opens = refusal.details.get("opens_at")
        return {"open": False, **refusal.as_dict(), "opens_at": iso(site, opens),
                "closes_at": None, "changes_in": None if opens is None else round(opens - at)}
    closes = hours.closes_at(site, at)
    return {"open": True, "code": None, "message": "", "message_en": "", "opens_at": None,
            "closes_at": iso(site, closes),
            "changes_in": None if closes is None else round(closes - at)}


def _booked(state, ticket_id):
    ticket = state.tickets.get(ticket_id)
    return bool(ticket and ticket.booked)


def public_view(state, services=None, counters=None, at=None):
    """The public snapshot (GET /api/state, displays, kiosks): counts and calls only."""
    return combine(public_calls(state, services, counters), public_waits(state, services, at))


def combine(calls, waits):
    """The public view from its two parts, keys in their usual order."""
    return {key: (waits[key] if key in waits else calls[key]) for key in PUBLIC_KEYS}


PUBLIC_KEYS = ("seq", "site", "day", "day_open", "issuing", "services", "counters",
               "recent_calls", "notice")


def public_waits(state, services=None, at=None):
    """The part of the public view that asks the wait estimator (the costly part of a view):
    whether tickets are given now, and per service who waits and how long a new one would."""
    return {"issuing": issuing_view(state, _now(state, at)),
            "services": _services(state, _now(state, at), services)}


def public_calls(state, services=None, counters=None):
    """The rest of the public view, cheap to make: the calls and the counters (what a wall
    display must show at once), the site's name and notice."""
    calls = [
        {"number": c["label"], "counter": c["counter"], "at": iso(state.site, c["at"]),
         "seq": c["seq"], "recall": c.get("recall", False),
         # A citizen with an appointment: the display marks the call.
         "booked": _booked(state, c["ticket_id"])}
        for c in state.recent_calls
        if counters is None or c["counter"] in counters
    ]
    if services is not None:
        labels = {t.label for t in state.tickets.values() if t.service in services}
        calls = [c for c in calls if c["number"] in labels]
    return {
        "seq": state.seq,
        "site": _site_header(state),
        "day": state.day,
        "day_open": state.day_open,
        "counters": _counters(state, counters),
        "recent_calls": calls,
        # The site's notice for the displays: changed on the admin page, shown at once.
        "notice": state.site.display.notice,
    }


AGENT_OFFLINE = {"status": "agent_offline",
                 "message": "phiếu không được in, kiosk nhắc công dân ghi nhớ số / "
                            "no slips print; the kiosk asks citizens to remember their number"}


def printer_health(state, kiosk):
    """What a kiosk's printer can do now, as pages are told: a printer whose agent is not
    talking to the server prints nothing, whatever it last reported (a kiosk that never had
    an agent included)."""
    if not state.agent_online(kiosk):
        since = state.agents.get(kiosk, {}).get("at")
        return dict(AGENT_OFFLINE, at=since)
    return state.printers.get(kiosk) or {"status": "unknown", "message": "", "at": None}


def kiosk_view(state, kiosk=None, public=None, at=None):
    """For a kiosk page: the public snapshot and the health of its own printer, so the page can
    tell a citizen to keep the number on screen in mind when no paper will come out."""
    view = dict(public or public_view(state, at=at))
    if kiosk is not None:
        view["kiosk"] = kiosk
        view["printer"] = printer_health(state, kiosk)
    return view


def allowed_actions(counter, current):
    """The officer actions the counter's tablet may offer now, from the engine's two tables
    (counters.py for the counter, lifecycle.py for its citizen): the tablet shows these and
    works out nothing itself."""
    allowed = allowed_counter_actions(counter)
    if current is not None:
        allowed += [a for a in allowed_ticket_actions(current) if a != "call"]
        if current.kiosk:
            allowed.append("reprint")
    return allowed


def counter_panel(state, number, at=None):
    """The counter itself as its tablet shows it (also an officer action's answer): its state,
    officer, allowed actions and current ticket."""
    cfg = state.site.counter(number)
    live = state.counters[number]
    current = state.tickets.get(live.current) if live.current else None
    at = _now(state, at)
    return {
        "number": number, "name": cfg.name, "state": live.state, "officer": live.officer,
        "services": list(cfg.services), "priority_streak": live.priority_streak,
        "allowed": allowed_actions(live, current),
        "current": dict(ticket_view(state, current, at=at), serving_at=iso(state.site, current.serving_at),
                        recalls=current.recalls, no_shows=current.no_shows) if current else None,
    }


def counter_view(state, number, public=None, at=None):
    """For the officer at counter `number`: its ticket, its queue, the kiosks' printers.
    `public`: the public view of this same state, when the caller has made it already."""
    at = _now(state, at)
    services = state.site.counter(number).services
    # The list is the counter's line from the engine: its head is what call-next takes.
    queue = counter_line(state, number, at).tickets()
    view = dict(public or public_view(state, at=at))
    view["counter"] = counter_panel(state, number, at)
    view["queue"] = {
        "waiting": len(queue),
        "priority_waiting": sum(1 for t in queue if t.priority),
        "next": [{"id": t.id, "number": t.label, "service": t.service, "priority": t.priority,
                  "reserved": t.reserved_counter == number, "booked": t.booked}
                 for t in queue[:NEXT_SHOWN]],
        # Booked citizens checked in whose slot has not begun: not called yet (queue.py).
        "booked_later": sum(1 for t in state.tickets.values()
                            if t.status == WAITING and t.booked and t.slot_start > at
                            and t.service in services),
    }
    view["printers"] = [dict(kiosk=k, **health, at_iso=iso(state.site, health["at"]))
                        for k in sorted(set(state.printers) | set(state.agents))
                        for health in [printer_health(state, k)]]
    # Only tickets an officer can still help: a finished ticket needs no slip.
    view["print_problems"] = [
        {"id": t.id, "number": t.label, "kiosk": t.kiosk, "reason": t.print_error}
        for t in state.tickets.values() if t.print_error and t.status in OPEN_STATUSES
    ]
    return view


def print_site(site):
    """What a printed ticket says about the site: its name and its own header/footer lines."""
    return {"name": site.name, "header_lines": list(site.header_lines),
            "footer_lines": list(site.footer_lines)}


def print_job(state, ticket, base_url=""):
    """What a print agent is sent: the ticket's newest job, the ticket, the site's lines."""
    return {"ticket_id": ticket.id, "job": ticket.print_job,
            "ticket": ticket_view(state, ticket, base_url), "site": print_site(state.site)}


def pending_print_jobs(state, kiosk, base_url=""):
    """Jobs this kiosk must still print: asked for, not confirmed, not failed."""
    return [
        print_job(state, t, base_url)
        for t in sorted(state.tickets.values(), key=lambda t: t.id)
        if t.kiosk == kiosk and t.print_job > t.printed_job and not t.print_error
    ]
