"""Citizen ratings: a tablet facing the citizen at each counter asks, after the officer
completes a ticket, how satisfied they were (docs/ratings.md).

A rating tablet is a paired device like a kiosk print agent: its device token is issued for
the device id `rating-<counter>`, so the tablet can only rate tickets completed at its counter.
"""
from collections import Counter as Tally

TABLET_PREFIX = "rating-"


def tablet_device(counter):
    return f"{TABLET_PREFIX}{counter}"


def tablet_counter(device):
    """The counter of a rating tablet's device id, or None for any other device."""
    if isinstance(device, str) and device.startswith(TABLET_PREFIX):
        number = device[len(TABLET_PREFIX):]
        if number.isdigit():
            return int(number)
    return None


def choices(site):
    ratings = site.ratings
    return {"levels": [{"code": x.code, "vi": x.vi, "en": x.en} for x in ratings.levels],
            "reasons": [{"code": x.code, "vi": x.vi, "en": x.en} for x in ratings.reasons],
            "idle_seconds": ratings.idle_seconds}


def prompt(state, ticket, officer_name):
    """What the tablet shows after a completion: the number, the officer, the question."""
    service = state.site.service(ticket.service)
    return {"ticket_id": ticket.id, "number": ticket.label, "counter": ticket.done_counter,
            "officer_name": officer_name, "service_name_vi": service.name_vi if service else "",
            "service_name_en": service.name_en if service else ""}


def tally(state, officer_names=None):
    """Today's ratings, per level: in total and per counter, officer and service."""
    names = officer_names or {}
    total, counters, officers, services = Tally(), {}, {}, {}
    for ticket in state.tickets.values():
        if ticket.rating is None:
            continue
        total[ticket.rating] += 1
        for place, key in ((counters, str(ticket.done_counter)),
                           (officers, names.get(ticket.done_officer, ticket.done_officer or "")),
                           (services, ticket.service)):
            place.setdefault(key, Tally())[ticket.rating] += 1
    plain = lambda groups: {k: dict(v) for k, v in sorted(groups.items())}  # noqa: E731
    return {"day": state.day, "seq": state.seq, "levels": choices(state.site)["levels"],
            "total": dict(total), "counters": plain(counters), "officers": plain(officers),
            "services": plain(services)}
