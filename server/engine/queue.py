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
"""
import bisect
import math

from .lifecycle import WAITING


def _eligible(state, counter_cfg):
    """Waiting tickets this counter may call, and those reserved for it."""
    reserved, general = [], []
    for ticket in state.tickets.values():
        if ticket.status != WAITING:
            continue
        if ticket.reserved_counter is not None:
            if ticket.reserved_counter == counter_cfg.number:
                reserved.append(ticket)
        elif ticket.service in counter_cfg.services:
            general.append(ticket)
    return reserved, general


def pick_next(state, counter_number, at):
    """The ticket counter `counter_number` should call now and the counter's new priority
    streak, or (None, streak) when nobody waits for it."""
    counter_cfg = state.site.counter(counter_number)
    counter = state.counters[counter_number]
    reserved, general = _eligible(state, counter_cfg)
    if reserved:
        ticket = min(reserved, key=lambda t: t.order)
        return ticket, counter.priority_streak
    priority = [t for t in general if t.priority]
    normal = [t for t in general if not t.priority]
    limit = state.site.policy.max_priority_streak
    if priority and (not normal or counter.priority_streak < limit):
        return _first_in_class(state, counter_cfg, priority, at), counter.priority_streak + 1
    if normal:
        return _first_in_class(state, counter_cfg, normal, at), 0
    return None, counter.priority_streak


def _first_in_class(state, counter_cfg, tickets, at):
    escalate = state.site.policy.escalate_after_minutes * 60.0
    preference = {code: i for i, code in enumerate(counter_cfg.services)}

    def rank(ticket):
        if at - ticket.enqueued_at >= escalate:
            return (0, 0, ticket.order)
        return (1, preference[ticket.service], ticket.order)

    return min(tickets, key=rank)


def waiting_index(state):
    """Per service, the sorted places (`order`) of its waiting priority and normal tickets.

    One pass over the day's tickets per change, kept with the state for its sequence number:
    every view of that change, and every citizen's position, is read from it.
    """
    cached = getattr(state, "_waiting_index", None)
    if cached is not None and cached[0] == state.seq:
        return cached[1]
    index = {s.code: ([], []) for s in state.site.services}
    for ticket in state.tickets.values():
        if ticket.status == WAITING:
            index[ticket.service][0 if ticket.priority else 1].append(ticket.order)
    for priority, normal in index.values():
        priority.sort()
        normal.sort()
    state._waiting_index = (state.seq, index)
    return index


def people_ahead(state, ticket):
    """Waiting tickets of the same service that go before this one (the citizen's position).

    Priority tickets wait behind earlier priority tickets only; normal tickets behind every
    priority ticket and earlier normal tickets. Other services sharing a counter are left out:
    this is the figure a citizen can check on the wall display.
    """
    priority, normal = waiting_index(state)[ticket.service]
    if ticket.priority:
        return bisect.bisect_left(priority, ticket.order)
    return len(priority) + bisect.bisect_left(normal, ticket.order)


def serving_counters(state, service_code):
    """How many counters work on this service now; if none is open, how many could."""
    configured = state.site.counters_serving(service_code)
    open_now = [c for c in configured if state.counters[c.number].state == "open"]
    return len(open_now) or len(configured)


def estimate_minutes(state, service_code, ahead):
    """Minutes until a citizen with `ahead` people before them is called, or None."""
    counters = serving_counters(state, service_code)
    if not counters:
        return None
    return math.ceil(ahead * state.service_minutes[service_code] / counters)


def service_summary(state):
    """Per service: people waiting and the estimated wait for a new normal ticket."""
    summary = {}
    for code, (priority, normal) in waiting_index(state).items():
        count = len(priority) + len(normal)
        summary[code] = {"waiting": count, "eta_minutes": estimate_minutes(state, code, count)}
    return summary
