"""Who is called next, and how long people wait: the queue's ordering rules in one place.

Ordering (documented in docs/queue-rules.md):
1. A ticket transferred to a given counter is called first at that counter, oldest first,
   and by no other counter.
2. Between the classes: priority tickets go first, but after `max_priority_streak` priority
   calls in a row at a counter while normal tickets wait there, the next call takes a normal
   ticket. So a normal ticket waits at most K priority calls per counter, and a priority
   ticket at most one normal call.
3. Within a class: a ticket that has waited `escalate_after_minutes` is taken oldest first
   across the counter's services; otherwise by the counter's service preference, then first
   come first served (`order`).
4. Booked tickets (checked in with a booking, [booking] in the site file) join a counter's
   line when their slot begins, earliest slot first, and go before walk-ins; but after
   `max_booked_streak` (B) booked calls in a row at a counter while a walk-in waits there,
   the next call takes a walk-in (by rules 2-3). So a walk-in waits at most B booked calls
   per walk-in call at a counter, and a booked ticket whose slot has begun at most one.

`counter_line` is the one rule: the counter tablet's "next" list, call-next (its head), a
ticket's place in line and the kiosk's "people ahead" are all read from it, so what a screen
says comes next is what "Gọi tiếp" then calls.
"""
import bisect
from dataclasses import dataclass, field

from .lifecycle import WAITING
from .state import CLOSED




@dataclass
class CounterLine:
    """One counter's waiting line at one moment: reserved tickets, then the walk-ins (the
    priority and the normal class, each sorted by rank, merged by the priority streak) merged
    with the booked tickets whose slot has begun by the booked streak."""
    number: int
    reserved: list  # tickets transferred to this counter, oldest first
    priority: list  # (rank, ticket), sorted
    normal: list  # (rank, ticket), sorted
    streak: int  # the counter's priority streak now
    limit: int  # the site's max_priority_streak
    booked: list = field(default_factory=list)  # (rank, ticket) of booked tickets due now
    booked_streak: int = 0  # booked calls in a row at this counter now
    booked_limit: int = 2  # the site's [booking] max_booked_streak

    def __len__(self):
        return len(self.reserved) + len(self.priority) + len(self.normal) + len(self.booked)

    def _first_normal_after(self):
        """Priority calls before the first normal one: the rest of the current streak."""
        return max(self.limit - self.streak, 0)

    def _first_walk_in_after(self):
        """Booked calls before the first walk-in: the rest of the current booked streak."""
        return max(self.booked_limit - self.booked_streak, 0)

    def _walk_in_place(self, index, is_priority, priority_count, normal_count):
        """Walk-ins called before this one (the priority streak rule)."""
        lead = self._first_normal_after()
        if is_priority:
            normals_before = 0 if index < lead else 1 + (index - lead) // self.limit
            return index + min(normal_count, normals_before)
        return index + min(priority_count, lead + index * self.limit)

    def _place_in_class(self, index, is_priority, priority_count, normal_count):
        walk_ins = self._walk_in_place(index, is_priority, priority_count, normal_count)
        booked = min(len(self.booked), self._first_walk_in_after() + walk_ins * self.booked_limit)
        return len(self.reserved) + walk_ins + booked

    def _booked_place(self, index):
        lead = self._first_walk_in_after()
        walk_ins = 0 if index < lead else 1 + (index - lead) // self.booked_limit
        return len(self.reserved) + index + min(len(self.priority) + len(self.normal), walk_ins)

    def calls(self):
        """[(ticket, streak after calling it)] in the order successive call-nexts take them."""
        return [(t, streak) for t, streak, _ in self._each_call()]

    def head(self):
        """The first of `calls()` without building the rest: (ticket, streak) or None."""
        first = next(self._each_call(), None)
        return first and first[:2]

    def head_with_booked(self):
        """(ticket, priority streak, booked streak) after calling the head, or None."""
        return next(self._each_call(), None)

    def _walk_ins(self):
        streak, p, n = self.streak, 0, 0
        while p < len(self.priority) or n < len(self.normal):
            if p < len(self.priority) and (n == len(self.normal) or streak < self.limit):
                streak += 1
                yield self.priority[p][1], streak
                p += 1
            else:
                streak = 0
                yield self.normal[n][1], streak
                n += 1

    def _each_call(self):
        for t in self.reserved:
            yield t, self.streak, self.booked_streak
        walk_ins = self._walk_ins()
        waiting = next(walk_ins, None)
        streak, booked_streak, b = self.streak, self.booked_streak, 0
        while b < len(self.booked) or waiting is not None:
            if b < len(self.booked) and (waiting is None or booked_streak < self.booked_limit):
                booked_streak += 1
                yield self.booked[b][1], streak, booked_streak
                b += 1
            else:
                ticket, streak = waiting
                booked_streak = 0
                yield ticket, streak, booked_streak
                waiting = next(walk_ins, None)

    def tickets(self):
        return [t for t, _ in self.calls()]

    def place(self, ticket):
        """How many tickets this counter calls before `ticket`, or None if it never will."""
        if ticket.reserved_counter == self.number:
            return sum(1 for t in self.reserved if t.order < ticket.order)
        if ticket.booked:
            for index, (rank, t) in enumerate(self.booked):
                if t.id == ticket.id:
                    return self._booked_place(index)
            return None  # its slot has not begun: not called yet (see booked_due)
        for index, (rank, t) in enumerate(self.priority if ticket.priority else self.normal):
            if t.id == ticket.id:
                return self._place_in_class(index, bool(ticket.priority),
                                            len(self.priority), len(self.normal))
        return None

    def place_for_new(self, rank, is_priority):
        """The place a walk-in ticket of this rank would take if it were issued now."""
        cls = self.priority if is_priority else self.normal
        index = bisect.bisect_left([r for r, _ in cls], rank)
        extra_p, extra_n = (1, 0) if is_priority else (0, 1)
        return self._place_in_class(index, is_priority, len(self.priority) + extra_p,
                                    len(self.normal) + extra_n)


def _booked_due_count(state, at):
    """How many waiting booked tickets have reached their slot: like the escalation count,
    the lines change with the clock when this number does."""
    cached = getattr(state, "_slot_starts", None)
    if cached is None or cached[0] != state.seq:
        starts = sorted(t.slot_start for t in state.tickets.values()
                        if t.status == WAITING and t.booked)
        cached = (state.seq, starts)
        state._slot_starts = cached
    return bisect.bisect_right(cached[1], at)


def _escalated_count(state, at):
    """How many waiting tickets have waited past the escalation time: the lines change with
    the clock only when this number does, so it keys the cache along with `seq`."""
    cached = getattr(state, "_enqueue_times", None)
    if cached is None or cached[0] != state.seq:
        times = sorted(t.enqueued_at for t in state.tickets.values() if t.status == WAITING)
        cached = (state.seq, times)
        state._enqueue_times = cached
    escalate = state.site.policy.escalate_after_minutes * 60.0
    return bisect.bisect_right(cached[1], at - escalate)


def _rank(state, counter_cfg, ticket, at):
    if at - ticket.enqueued_at >= state.site.policy.escalate_after_minutes * 60.0:
        return (0, 0, ticket.order)
    return (1, counter_cfg.services.index(ticket.service), ticket.order)


def counter_lines(state, at):
    """{counter number: CounterLine} for every counter of the site, at time `at`."""
    key = (state.seq, _escalated_count(state, at), _booked_due_count(state, at))
    cached = getattr(state, "_counter_lines", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    lines = {}
    for cfg in state.site.counters:
        live = state.counters[cfg.number]
        lines[cfg.number] = CounterLine(cfg.number, [], [], [], live.priority_streak,
                                        state.site.policy.max_priority_streak,
                                        booked_streak=live.booked_streak,
                                        booked_limit=state.site.booking.max_booked_streak)
    served_by = {}
    for cfg in state.site.counters:
        for code in cfg.services:
            served_by.setdefault(code, []).append(cfg)
    for ticket in state.tickets.values():
        if ticket.status != WAITING:
            continue
        if ticket.reserved_counter is not None:
            line = lines.get(ticket.reserved_counter)
            if line is not None:
                line.reserved.append(ticket)
            continue
        if ticket.booked:
            # Called at its slot time: an early citizen waits until the slot begins.
            if ticket.slot_start <= at:
                for cfg in served_by.get(ticket.service, ()):
                    lines[cfg.number].booked.append(((ticket.slot_start, ticket.order), ticket))
            continue
        for cfg in served_by.get(ticket.service, ()):
            line = lines[cfg.number]
            (line.priority if ticket.priority else line.normal).append(
                (_rank(state, cfg, ticket, at), ticket))
    for line in lines.values():
        line.reserved.sort(key=lambda t: t.order)
        line.priority.sort(key=lambda pair: pair[0])
        line.normal.sort(key=lambda pair: pair[0])
        line.booked.sort(key=lambda pair: pair[0])
    state._counter_lines = (key, lines)
    return lines


def counter_line(state, counter_number, at):
    """The tickets counter `counter_number` would call, in order, if nothing else changed."""
    return counter_lines(state, at)[counter_number]


def pick_next(state, counter_number, at):
    """The head of the counter's line and the counter's priority and booked streaks after
    calling it, or (None, streak, booked streak) when nobody waits for it."""
    line = counter_line(state, counter_number, at)
    if not len(line):
        live = state.counters[counter_number]
        return None, live.priority_streak, live.booked_streak
    return line.head_with_booked()


def _counters_for(state, service_code, reserved_counter=None):
    """The counters whose lines count for a ticket: its reserved counter; else those serving
    its service that are open or paused; if none is, every counter that could serve it."""
    if reserved_counter is not None:
        return [reserved_counter]
    configured = [c.number for c in state.site.counters_serving(service_code)]
    working = [n for n in configured if state.counters[n].state != CLOSED]
    return working or configured


def people_ahead(state, ticket, at=None):
    """How many tickets are called before this waiting one: its place in the line of the
    counter (among those that may call it) where it comes soonest."""
    lines = counter_lines(state, state.last_at if at is None else at)
    places = [lines[n].place(ticket) for n in _counters_for(state, ticket.service,
                                                             ticket.reserved_counter)]
    places = [p for p in places if p is not None]
    return min(places) if places else 0


def people_ahead_of_new(state, service_code, at=None, priority=False):
    """How many would be called before a ticket of this service issued now."""
    lines = counter_lines(state, state.last_at if at is None else at)
    order = state.seq + 1  # a new ticket's place: after every ticket there is
    places = []
    for number in _counters_for(state, service_code):
        cfg = state.site.counter(number)
        rank = (1, cfg.services.index(service_code), order)
        places.append(lines[number].place_for_new(rank, priority))
    return min(places) if places else 0


def service_summary(state, at=None):
    """Per service: people waiting and how many would be called before a new normal ticket
    (its wait: estimate.py)."""
    summary = {}
    for service in state.site.services:
        summary[service.code] = {"waiting": 0}
    for ticket in state.tickets.values():
        if ticket.status == WAITING and ticket.service in summary:  # not a removed service
            summary[ticket.service]["waiting"] += 1
    for code, row in summary.items():
        row["ahead"] = people_ahead_of_new(state, code, at)
    return summary
