"""Commands in, events out: the queue engine's decisions.

`decide(state, command)` reads the state, never changes it, and returns the events that
follow from the command (plain JSON-ready dicts, each with the site id and its per-site
sequence number), or raises `Refused`. The caller appends the events to the store and then
applies them with `SiteState.apply`. A new ticket's id is the sequence number of the event
that creates it, so ids are unique per site without a counter of their own.
"""
import copy
from functools import singledispatch

from . import commands as c
from . import hours
from .lifecycle import (CALLED, CANCELLED, DONE, NO_SHOW, OPEN_STATUSES, OUTCOMES, SERVING,
                        TRANSFERRED, WAITING, Refused, check_move)
from .counters import CLOSED, counter_move
from .queue import pick_next

class _Events:
    """Collects the events of one decision, numbering them after the state's sequence."""

    def __init__(self, state, at):
        self.state, self.at, self.items = state, at, []

    def next_seq(self):
        return self.state.seq + len(self.items) + 1

    def add(self, type_, **data):
        event = {"site_id": self.state.site.id, "seq": self.next_seq(), "type": type_, "at": self.at}
        event.update(data)
        self.items.append(event)
        return event


def _own_seq(state):
    """The sequence number the single event of a command will take (ids and places)."""
    return state.seq + 1


def _one(state, at, type_, **data):
    """The single event most commands lead to."""
    events = _Events(state, at)
    events.add(type_, **data)
    return events.items


def decide(state, command):
    return _decide(command, state)


def run(state, command):
    """Decide and apply at once: for tests, simulations and the staffing planner."""
    events = decide(state, command)
    for event in events:
        state.apply(event)
    return events


@singledispatch
def _decide(command, state):
    raise TypeError(f"not a command: {command!r}")


# -- the day ---------------------------------------------------------------------------
def _require_open_day(state):
    if not state.day_open:
        raise Refused("day_closed", "Ngày làm việc chưa mở.", "The business day is not open.")


def _day_in_past(state, day):
    return Refused(
        "day_in_past",
        f"Không thể mở ngày {day}: ngày làm việc gần nhất đã ghi là {state.day}. Nếu đồng hồ "
        "máy chủ từng chạy sai, quản trị viên chạy lệnh «qms repair-day».",
        f"Cannot open {day}: the last business day recorded is {state.day}. If the server's "
        "clock once ran ahead, an administrator runs `qms repair-day`.")


@_decide.register
def _(cmd: c.OpenDay, state):
    if not hours.real_day(cmd.day):
        raise Refused("bad_day", "Ngày không hợp lệ (YYYY-MM-DD).", "Day must be YYYY-MM-DD.", 400)
    if state.day_open and state.day == cmd.day:
        raise Refused("day_already_open", f"Ngày {cmd.day} đã mở.", f"Day {cmd.day} is already open.")
    if state.day is not None and cmd.day < state.day:
        raise _day_in_past(state, cmd.day)
    if state.day is not None and not cmd.confirm and \
            cmd.day > hours.next_working_day(state.site, state.day):
        raise Refused(
            "day_gap",
            f"Ngày {cmd.day} cách ngày làm việc gần nhất ({state.day}) hơn một ngày làm việc. "
            "Hãy kiểm tra đồng hồ máy chủ; nếu đúng, cán bộ xác nhận mở ngày (confirm).",
            f"{cmd.day} is more than one working day after the last business day ({state.day}). "
            "Check the server's clock; if it is right, an officer confirms the opening.",
            day=cmd.day, last_day=state.day)
    events = _Events(state, cmd.at)
    if state.day_open:
        _close_day(state, events)
    # After a restart the state is rebuilt from the events of the current day only, so what
    # the state carries from one day to the next (learned service times, printer health, the
    # last day's summary) travels in day_opened; without it a restart would forget them.
    summary = events.items[-1]["summary"] if events.items else state.last_summary
    events.add("day_opened", day=cmd.day,
               service_minutes=dict(state.service_minutes),
               printers={kiosk: dict(p) for kiosk, p in state.printers.items()},
               agents={kiosk: dict(a) for kiosk, a in state.agents.items()},
               last_summary=copy.deepcopy(summary))
    return events.items


@_decide.register
def _(cmd: c.VoidDays, state):
    if state.day is None or state.day <= cmd.today:
        raise Refused("nothing_to_repair",
                      f"Không có ngày làm việc nào sau hôm nay ({cmd.today}) cần sửa.",
                      f"No business day after today ({cmd.today}) to repair.")
    events = _Events(state, cmd.at)
    for ticket in sorted(state.open_tickets(), key=lambda t: t.id):
        check_move(ticket, "close_day")
        events.add("ticket_cancelled", ticket_id=ticket.id, reason="day_void")
    events.add("days_voided", days=list(cmd.days) or [state.day], today=cmd.today)
    return events.items


def ticket_gate(state, at):
    """What stands between a citizen and a ticket at `at`: None (issue now), the OpenDay to
    run first (the first ticket of a new business day, with auto_open_day), or Refused.

    Closed means closed: a day an officer closed stays closed until an officer opens it; a
    business day more than one working day after the last one seen (a clock that ran ahead)
    is left for an officer to confirm; outside the opening hours nobody gets a ticket."""
    site = state.site
    if not hours.is_open(site, at):
        opens = hours.next_opening(site, at)
        raise _closed("outside_hours", "Điểm cấp đang ngoài giờ nhận số.",
                      "The site is outside its opening hours.", site, opens, at)
    today = hours.business_day(site, at)
    if state.day == today:
        if state.day_open:
            return None
        # Without opening hours there is no time to give: the next day opens with its
        # first ticket, or when an officer opens it.
        opens = hours.next_opening(site, at, after_day=today) if site.opening_hours else None
        raise _closed("day_closed", "Ngày làm việc hôm nay đã kết thúc.",
                      "Today's business day is closed.", site, opens, at)
    if state.day is not None and today < state.day:
        raise Refused("clock_behind", "Chưa thể lấy số: ngày làm việc đã ghi là "
                      f"{state.day}, sau hôm nay. Vui lòng báo cán bộ.",
                      f"No tickets: the recorded business day {state.day} is after today. "
                      "Please tell an officer.")
    if not site.policy.auto_open_day:
        if state.day_open:
            return None  # without auto-open, an open day serves until an officer closes it
        raise Refused("day_closed", "Ngày làm việc chưa mở. Vui lòng chờ cán bộ mở.",
                      "The business day is not open yet; an officer opens it.")
    if state.day is not None and today > hours.next_working_day(site, state.day):
        raise Refused("day_needs_officer", "Ngày làm việc chưa mở. Vui lòng chờ cán bộ mở.",
                      "The business day is not open yet; an officer opens it.")
    return c.OpenDay(today, at)


def _closed(code, vi, en, site, opens, at):
    if opens is None:
        return Refused(code, vi, en)
    vi_when, en_when = hours.when_text(site, opens, at)
    return Refused(code, f"{vi} Mời quay lại lúc {vi_when}.", f"{en} Opens at {en_when}.",
                   opens_at=opens)


@_decide.register
def _(cmd: c.CloseDay, state):
    _require_open_day(state)
    events = _Events(state, cmd.at)
    _close_day(state, events)
    return events.items


def _close_day(state, events):
    """Every open ticket ends, cancelled with reason day_closed; then the day's summary."""
    for ticket in sorted(state.open_tickets(), key=lambda t: t.id):
        check_move(ticket, "close_day")
        events.add("ticket_cancelled", ticket_id=ticket.id, reason="day_closed")
    events.add("day_closed", day=state.day, summary=day_summary(state, events.at))


def day_summary(state, at):
    """Counts and times per service for the day, with open tickets counted as cancelled."""
    def empty_row():
        return {"issued": 0, "done": 0, "no_show": 0, "cancelled": 0, "transferred": 0,
                "outcomes": {o: 0 for o in OUTCOMES}, "priority": 0,
                "avg_wait_minutes": None, "avg_service_minutes": None}

    per_service = {service.code: empty_row() for service in state.site.services}
    waits, services = {}, {}
    for ticket in state.tickets.values():
        # A service taken out of the site file today still has its row (stranded.py).
        row = per_service.setdefault(ticket.service, empty_row())
        if ticket.transferred_from is None:
            row["issued"] += 1
            row["priority"] += bool(ticket.priority)
        status = CANCELLED if ticket.status in OPEN_STATUSES else ticket.status
        row[{DONE: "done", NO_SHOW: "no_show", CANCELLED: "cancelled",
             TRANSFERRED: "transferred"}[status]] += 1
        if ticket.status == DONE:
            row["outcomes"][ticket.outcome] += 1
            start = ticket.serving_at or ticket.called_at
            services.setdefault(ticket.service, []).append((ticket.ended_at - start) / 60.0)
        if ticket.called_at is not None:
            waits.setdefault(ticket.service, []).append((ticket.called_at - ticket.enqueued_at) / 60.0)
    for code, row in per_service.items():
        if waits.get(code):
            row["avg_wait_minutes"] = round(sum(waits[code]) / len(waits[code]), 2)
        if services.get(code):
            row["avg_service_minutes"] = round(sum(services[code]) / len(services[code]), 2)
    totals = {k: sum(r[k] for r in per_service.values())
              for k in ("issued", "done", "no_show", "cancelled", "transferred", "priority")}
    return {"day": state.day, "closed_at": at, "services": per_service, "totals": totals}


# -- tickets ---------------------------------------------------------------------------
@_decide.register
def _(cmd: c.IssueTicket, state):
    service = state.site.service(cmd.service)
    if service is None:
        raise Refused("unknown_service", f"Không có dịch vụ «{cmd.service}».",
                      f"Unknown service {cmd.service!r}.", 404)
    if cmd.priority is not None and state.site.priority_group(cmd.priority) is None:
        raise Refused("unknown_priority", f"Không có nhóm ưu tiên «{cmd.priority}».",
                      f"Unknown priority group {cmd.priority!r}.", 422)
    if not cmd.request_id or len(cmd.request_id) > 64:
        raise Refused("bad_request_id", "Thiếu mã yêu cầu (request_id, tối đa 64 ký tự).",
                      "request_id is required (at most 64 characters).", 400)
    if cmd.request_id in state.requests:
        raise Refused("duplicate_request", "Yêu cầu này đã được cấp số.",
                      "This request_id already has a ticket.", 409)
    _require_open_day(state)
    if not hours.is_open(state.site, cmd.at):
        ticket_gate(state, cmd.at)  # raises the refusal with the time the site opens
    if service.daily_cap is not None and state.issued_today.get(service.code, 0) >= service.daily_cap:
        raise Refused("daily_cap_reached",
                      f"Dịch vụ «{service.name_vi}» đã hết lượt hôm nay ({service.daily_cap} số).",
                      f"{service.name_en}: today's {service.daily_cap} tickets are all taken.")
    number = _free_number(state, service)
    following = number + 1
    if following > service.number_end:
        following = service.number_start if service.wrap else following
    return _one(state, cmd.at, "ticket_issued", ticket_id=_own_seq(state), service=service.code,
                number=number, label=service.label(number), priority=cmd.priority,
                request_id=cmd.request_id, order=_own_seq(state), kiosk=cmd.kiosk,
                next_number=following,
                **({"token": cmd.token} if cmd.token else {}),
                **({"public": True} if cmd.public else {}))


@_decide.register
def _(cmd: c.CheckIn, state):
    """A booking becomes a ticket: of the booked series if the citizen comes in time (early
    ones wait for their slot in the line, queue.py rule 4); past the grace after the slot, a
    walk-in of the service or a refusal, by the site's [booking] late rule."""
    rules = state.site.booking
    if not rules.enabled:
        raise Refused("booking_off", "Điểm cấp không nhận lịch hẹn.",
                      "This site takes no bookings.", 422)
    service = state.site.service(cmd.service)
    if service is None:
        raise Refused("unknown_service", f"Không có dịch vụ «{cmd.service}».",
                      f"Unknown service {cmd.service!r}.", 404)
    if not cmd.booking or len(cmd.booking) > 64 or not cmd.slot_start < cmd.slot_end:
        raise Refused("bad_booking", "Lịch hẹn không hợp lệ.", "Malformed booking.", 400)
    if not cmd.request_id or len(cmd.request_id) > 64:
        raise Refused("bad_request_id", "Thiếu mã yêu cầu (request_id, tối đa 64 ký tự).",
                      "request_id is required (at most 64 characters).", 400)
    if cmd.request_id in state.requests:
        raise Refused("duplicate_request", "Yêu cầu này đã được cấp số.",
                      "This request_id already has a ticket.", 409)
    _require_open_day(state)
    if not hours.is_open(state.site, cmd.at):
        ticket_gate(state, cmd.at)  # raises the refusal with the time the site opens
    if cmd.booking in state.bookings:
        label = state.tickets[state.bookings[cmd.booking]].label
        raise Refused("already_checked_in", f"Lịch hẹn này đã lấy số {label}.",
                      f"This booking already has ticket {label}.", 409, label=label)
    if hours.business_day(state.site, cmd.slot_start) != state.day:
        raise Refused("not_today", "Lịch hẹn không phải hôm nay.",
                      "The booking is not for today.", 422)
    if cmd.at < cmd.slot_start - rules.early_minutes * 60:
        vi_when, en_when = hours.when_text(state.site, cmd.slot_start - rules.early_minutes * 60,
                                           cmd.at)
        raise Refused("too_early", f"Chưa đến giờ nhận lịch hẹn. Mời quay lại lúc {vi_when}.",
                      f"Too early for this booking. Check in from {en_when}.", 422)
    extra = {"booking": cmd.booking, "slot_start": cmd.slot_start, "slot_end": cmd.slot_end}
    if cmd.token:
        extra["token"] = cmd.token
    if cmd.public:
        extra["public"] = True
    if cmd.at > cmd.slot_end + rules.grace_minutes * 60:
        if rules.late == "refuse":
            raise Refused("booking_late", "Đã quá giờ hẹn. Mời lấy số thường.",
                          "The booking's time has passed. Please take a walk-in number.", 422)
        number = _free_number(state, service)  # late: a walk-in of the service (site rule)
        following = number + 1
        if following > service.number_end:
            following = service.number_start if service.wrap else following
        return _one(state, cmd.at, "ticket_issued", ticket_id=_own_seq(state),
                    service=service.code, number=number, label=service.label(number),
                    priority=None, request_id=cmd.request_id, order=_own_seq(state),
                    kiosk=cmd.kiosk, next_number=following, booked=False, **extra)
    number = _free_booked_number(state)
    return _one(state, cmd.at, "ticket_issued", ticket_id=_own_seq(state), service=service.code,
                number=number, label=_booked_label(state, number), priority=None,
                request_id=cmd.request_id, order=_own_seq(state), kiosk=cmd.kiosk,
                next_number=number % BOOKED_NUMBERS + 1, booked=True, **extra)


BOOKED_NUMBERS = 999


def _booked_label(state, number):
    return f"{state.site.booking.letter}{number:03d}"


def _free_booked_number(state):
    """The booked series' next number (H001 … H999, round again skipping live labels)."""
    number, live = state.next_booked, None
    for _ in range(BOOKED_NUMBERS):
        if len(state.bookings) < BOOKED_NUMBERS:
            return number  # not gone round yet today: never given out
        live = live or state.live_labels()
        if _booked_label(state, number) not in live:
            return number
        number = number % BOOKED_NUMBERS + 1
    raise Refused("numbers_exhausted", "Đã hết số cho khách đặt lịch trong ngày.",
                  "No booked numbers left today.")


def _free_number(state, service):
    """The next number of the service, skipping labels still in use after a wrap."""
    number = state.next_number.get(service.code, service.number_start)
    span = service.number_end - service.number_start + 1
    if state.issued_today.get(service.code, 0) < span:
        # Numbering has not gone round yet today: this number was never given out, so there
        # is no need to look through the live tickets (the hot path of every kiosk touch).
        return number
    in_use = state.live_labels()
    for _ in range(span):
        if number > service.number_end:
            if not service.wrap:
                break
            number = service.number_start
        if service.label(number) not in in_use:
            return number
        number += 1
    raise Refused("numbers_exhausted", f"Dịch vụ «{service.name_vi}» đã hết số trong ngày.",
                  f"{service.name_en}: no free ticket numbers left today.")


def require_ticket(state, ticket_id):
    """Today's ticket `ticket_id`, or the one refusal every door answers (404)."""
    return _ticket(state, ticket_id)


def require_counter(state, number):
    """Counter `number`'s live state, or the one refusal every door answers (404)."""
    return _counter(state, number)


def _ticket(state, ticket_id):
    ticket = state.tickets.get(ticket_id)
    if ticket is None:
        raise Refused("unknown_ticket", "Không tìm thấy số thứ tự này trong ngày.",
                      f"No ticket {ticket_id} today.", 404)
    return ticket


def _counter(state, number):
    if state.site.counter(number) is None:
        raise Refused("unknown_counter", f"Không có quầy số {number}.", f"No counter {number}.", 404)
    return state.counters[number]


@_decide.register
def _(cmd: c.CallNext, state):
    _require_open_day(state)
    _counter_action(state, cmd.counter, "call_next")
    ticket, streak, booked_streak = pick_next(state, cmd.counter, cmd.at)
    if ticket is None:
        raise Refused("nobody_waiting", "Không còn công dân nào đang chờ ở quầy này.",
                      "Nobody is waiting for this counter.")
    return _one(state, cmd.at, "ticket_called", ticket_id=ticket.id, counter=cmd.counter,
                priority_streak=streak, booked_streak=booked_streak)


@_decide.register
def _(cmd: c.CallTicket, state):
    _require_open_day(state)
    counter = _counter_action(state, cmd.counter, "call_ticket")
    ticket = _ticket(state, cmd.ticket_id)
    if ticket.status == CALLED or ticket.status == SERVING:
        raise Refused("ticket_taken", f"Số {ticket.label} đã được quầy {ticket.counter} gọi.",
                      f"Ticket {ticket.label} is already with counter {ticket.counter}.")
    check_move(ticket, "call")
    if ticket.reserved_counter not in (None, cmd.counter):
        raise Refused("reserved_elsewhere", f"Số {ticket.label} được chuyển riêng cho quầy "
                      f"{ticket.reserved_counter}.",
                      f"Ticket {ticket.label} is reserved for counter {ticket.reserved_counter}.")
    # A hand-picked call does not count towards the priority streak: it is the officer's choice.
    return _one(state, cmd.at, "ticket_called", ticket_id=ticket.id, counter=cmd.counter,
                priority_streak=counter.priority_streak, booked_streak=counter.booked_streak)


def _own_ticket(state, ticket_id, action):
    _require_open_day(state)
    ticket = _ticket(state, ticket_id)
    return ticket, check_move(ticket, action)


@_decide.register
def _(cmd: c.Recall, state):
    ticket, _ = _own_ticket(state, cmd.ticket_id, "recall")
    return _one(state, cmd.at, "ticket_recalled", ticket_id=ticket.id, counter=ticket.counter)


@_decide.register
def _(cmd: c.StartServing, state):
    ticket, _ = _own_ticket(state, cmd.ticket_id, "start")
    return _one(state, cmd.at, "ticket_serving", ticket_id=ticket.id, counter=ticket.counter)


@_decide.register
def _(cmd: c.NoShow, state):
    ticket, _ = _own_ticket(state, cmd.ticket_id, "no_show")
    requeue = state.site.policy.no_show == "requeue_once" and ticket.no_shows == 0
    # A requeued ticket goes to the end of its class: it takes a fresh place in line.
    return _one(state, cmd.at, "ticket_no_show", ticket_id=ticket.id, counter=ticket.counter,
                requeued=requeue, order=_own_seq(state))


@_decide.register
def _(cmd: c.Transfer, state):
    ticket, _ = _own_ticket(state, cmd.ticket_id, "transfer")
    if (cmd.to_service is None) == (cmd.to_counter is None):
        raise Refused("bad_transfer", "Chọn chuyển đến một dịch vụ hoặc một quầy.",
                      "Give exactly one of to_service or to_counter.", 400)
    to_service = cmd.to_service
    if cmd.to_counter is not None:
        target = _counter(state, cmd.to_counter)
        if cmd.to_counter == ticket.counter:
            raise Refused("same_counter", "Không thể chuyển đến chính quầy đang phục vụ.",
                          "Cannot transfer to the same counter.", 422)
        if target.state == CLOSED:
            # Nobody would ever call the citizen there (a paused counter comes back).
            raise Refused("counter_closed", f"Quầy {target.number} đang đóng: không chuyển số "
                          "đến quầy này được.",
                          f"Counter {target.number} is closed: cannot transfer there.")
        cfg = state.site.counter(target.number)
        # Keep the ticket's service if the counter serves it; else the counter's first service.
        to_service = ticket.service if ticket.service in cfg.services else cfg.services[0]
    elif state.site.service(to_service) is None:
        raise Refused("unknown_service", f"Không có dịch vụ «{to_service}».",
                      f"Unknown service {to_service!r}.", 404)
    elif to_service == ticket.service:
        raise Refused("same_service", "Số này đã thuộc dịch vụ đó.",
                      "The ticket is already in that service.", 422)
    # The successor keeps the citizen's number and original place (`order`): they were
    # already in line, so they wait behind only those who came before them.
    return _one(state, cmd.at, "ticket_transferred", ticket_id=ticket.id, counter=ticket.counter,
                to_service=to_service, to_counter=cmd.to_counter, new_ticket_id=_own_seq(state))


@_decide.register
def _(cmd: c.Complete, state):
    if cmd.outcome not in OUTCOMES:
        raise Refused("bad_outcome", "Kết quả không hợp lệ.",
                      f"outcome must be one of {', '.join(OUTCOMES)}.", 422)
    ticket, _ = _own_ticket(state, cmd.ticket_id, "complete")
    return _one(state, cmd.at, "ticket_completed", ticket_id=ticket.id, counter=ticket.counter,
                outcome=cmd.outcome, note=cmd.note[:500])


@_decide.register
def _(cmd: c.Cancel, state):
    ticket, _ = _own_ticket(state, cmd.ticket_id, "cancel")
    return _one(state, cmd.at, "ticket_cancelled", ticket_id=ticket.id,
                reason=(cmd.reason or "cancelled")[:200])


@_decide.register
def _(cmd: c.RateTicket, state):
    """One rating per completed ticket, from the tablet of the counter that completed it;
    only codes are kept (level, reason), nothing about the citizen."""
    ratings = state.site.ratings
    ticket = _ticket(state, cmd.ticket_id)
    if ticket.status != DONE or ticket.done_counter != cmd.counter:
        raise Refused("not_rateable", f"Số {ticket.label} chưa được giải quyết tại quầy {cmd.counter}.",
                      f"Ticket {ticket.label} was not completed at counter {cmd.counter}.")
    if ticket.rating is not None:
        raise Refused("already_rated", f"Số {ticket.label} đã được đánh giá.",
                      f"Ticket {ticket.label} is already rated.")
    if ratings.level(cmd.level) is None:
        raise Refused("bad_rating", "Mức đánh giá không hợp lệ.",
                      f"level must be one of {', '.join(x.code for x in ratings.levels)}.", 422)
    if cmd.reason and ratings.reason(cmd.reason) is None:
        raise Refused("bad_reason", "Lý do không hợp lệ.",
                      f"reason must be one of {', '.join(x.code for x in ratings.reasons)}.", 422)
    return _one(state, cmd.at, "ticket_rated", ticket_id=ticket.id, counter=cmd.counter,
                officer=ticket.done_officer, service=ticket.service, level=cmd.level,
                reason=cmd.reason or "")


@_decide.register
def _(cmd: c.ChangeSite, state):
    from .site import site_to_dict
    from .settings_change import checked_site
    new = checked_site(state, cmd.data)
    # The event carries the whole site as the file would have it (normalised), and who.
    return _one(state, cmd.at, "site_changed", by=cmd.by, data=site_to_dict(new), base=cmd.base)


# -- counters --------------------------------------------------------------------------
def _counter_action(state, number, action):
    """The counter, once the counters' table (counters.py) allows `action` at it."""
    counter = _counter(state, number)
    current = state.tickets[counter.current].label if counter.current is not None else None
    counter_move(counter, action, current)
    return counter


@_decide.register
def _(cmd: c.OpenCounter, state):
    _require_open_day(state)
    _counter_action(state, cmd.counter, "open_counter")
    return _one(state, cmd.at, "counter_opened", counter=cmd.counter, officer=cmd.officer)


@_decide.register
def _(cmd: c.CloseCounter, state):
    _counter_action(state, cmd.counter, "close_counter")
    return _one(state, cmd.at, "counter_closed", counter=cmd.counter)


@_decide.register
def _(cmd: c.PauseCounter, state):
    _counter_action(state, cmd.counter, "pause_counter")
    return _one(state, cmd.at, "counter_paused", counter=cmd.counter)


@_decide.register
def _(cmd: c.ResumeCounter, state):
    _counter_action(state, cmd.counter, "resume_counter")
    return _one(state, cmd.at, "counter_resumed", counter=cmd.counter)


# -- printing --------------------------------------------------------------------------
@_decide.register
def _(cmd: c.RequestPrint, state):
    ticket = _ticket(state, cmd.ticket_id)
    if ticket.kiosk is None:
        raise Refused("not_from_kiosk", f"Số {ticket.label} không được lấy tại kiosk.",
                      f"Ticket {ticket.label} was not taken at a kiosk.", 422)
    return _one(state, cmd.at, "print_requested", ticket_id=ticket.id, kiosk=ticket.kiosk,
                job=ticket.print_job + 1)


@_decide.register
def _(cmd: c.ReportPrint, state):
    ticket = state.tickets.get(cmd.ticket_id)
    if cmd.kiosk is not None and (ticket is None or ticket.kiosk != cmd.kiosk):
        # An agent reports only its own kiosk's jobs; it learns nothing of other tickets.
        raise Refused("unknown_print_job", "Không có lệnh in này.", "No such print job.", 404)
    ticket = _ticket(state, cmd.ticket_id)
    if cmd.job < 1 or cmd.job > ticket.print_job:
        raise Refused("unknown_print_job", "Không có lệnh in này.", "No such print job.", 404)
    if cmd.job <= ticket.printed_job:
        raise Refused("already_printed", f"Số {ticket.label} đã được in.",
                      f"Job {cmd.job} of ticket {ticket.label} is already printed.")
    events = _Events(state, cmd.at)
    if cmd.printed:
        events.add("ticket_printed", ticket_id=ticket.id, kiosk=ticket.kiosk, job=cmd.job)
    else:
        events.add("print_failed", ticket_id=ticket.id, kiosk=ticket.kiosk, job=cmd.job,
                   reason=(cmd.reason or "")[:200])
    return events.items


NOT_PRINTED_LATE = ("không in: máy in kiosk kết nối lại quá muộn / "
                    "not printed: the kiosk printer came back too late")
NOT_PRINTED_GONE = ("không in: số đã được gọi hoặc đã kết thúc / "
                    "not printed: the ticket was already called or ended")


def _unwanted(ticket, at, resend_seconds):
    """Why a kiosk's pending print job is no longer worth printing, or None: only a ticket
    still waiting, asked for within the resend window, is (a slip printed later would be taken
    by the next citizen, or lie in the tray for a number already served)."""
    if ticket.status != WAITING:
        return NOT_PRINTED_GONE
    if ticket.print_requested_at < at - resend_seconds:
        return NOT_PRINTED_LATE
    return None


@_decide.register
def _(cmd: c.AgentOnline, state):
    events = _Events(state, cmd.at)
    if not state.agent_online(cmd.kiosk):
        events.add("agent_online", kiosk=cmd.kiosk)
    for ticket in sorted(state.tickets.values(), key=lambda t: t.id):
        if ticket.kiosk != cmd.kiosk or ticket.print_job <= ticket.printed_job or ticket.print_error:
            continue  # not this kiosk's, printed, or already reported
        reason = _unwanted(ticket, cmd.at, cmd.resend_seconds)
        if reason:  # (otherwise still worth printing: the server sends it)
            events.add("print_skipped", ticket_id=ticket.id, kiosk=cmd.kiosk,
                       job=ticket.print_job, reason=reason)
    return events.items


NOT_WANTED = ("print_not_wanted", "Không in phiếu này nữa.")


@_decide.register
def _(cmd: c.ClaimPrint, state):
    """The agent asks just before printing a job it holds (one that waited in a frozen
    connection must not come out minutes later): a job no longer worth printing is dropped as
    at AgentOnline, and the caller refuses the claim (see realtime.print_claim)."""
    ticket = state.tickets.get(cmd.ticket_id)
    if ticket is None or ticket.kiosk != cmd.kiosk or not 1 <= cmd.job <= ticket.print_job:
        raise Refused("unknown_print_job", "Không có lệnh in này.", "No such print job.", 404)
    if cmd.job < ticket.print_job or cmd.job <= ticket.printed_job or ticket.print_error:
        raise Refused(*NOT_WANTED, "This job was replaced, printed or reported already.", 409)
    reason = _unwanted(ticket, cmd.at, cmd.resend_seconds)
    if reason is None:
        return []
    return _one(state, cmd.at, "print_skipped", ticket_id=ticket.id, kiosk=cmd.kiosk,
                job=cmd.job, reason=reason)


@_decide.register
def _(cmd: c.AgentOffline, state):
    if not state.agent_online(cmd.kiosk):
        return []
    return _one(state, cmd.at, "agent_offline", kiosk=cmd.kiosk)


PRINTER_STATUSES = ("ok", "paper_low", "paper_out", "offline", "unknown")


@_decide.register
def _(cmd: c.ReportPrinter, state):
    if cmd.status not in PRINTER_STATUSES:
        raise Refused("bad_printer_status", "Trạng thái máy in không hợp lệ.",
                      f"status must be one of {', '.join(PRINTER_STATUSES)}.", 422)
    known = state.printers.get(cmd.kiosk)
    if known and known["status"] == cmd.status and known["message"] == cmd.message:
        return []  # nothing changed: no event, no push
    return _one(state, cmd.at, "printer_status", kiosk=cmd.kiosk, status=cmd.status,
                message=cmd.message[:200])
