"""A site file changed while a day is running: which of today's open tickets it would strand.

A service removed from the file, or given another letter, while tickets of it are still
waiting, called or being served today would leave them with no queue, no counter and no
number series. The server refuses to start on such a file (until the day is closed); a
service with only finished tickets today can go at once (reports and summaries still count
them under their code).
"""
from .lifecycle import OPEN_STATUSES


def stranded_by(site, state):
    """[(service code, old letter, new letter or None, open tickets)] for the open day."""
    if not state.day_open:
        return []
    open_by_service = {}
    for ticket in state.tickets.values():
        if ticket.status in OPEN_STATUSES:
            open_by_service.setdefault(ticket.service, []).append(ticket)
    stranded = []
    for code, tickets in sorted(open_by_service.items()):
        # A booked citizen's number is of the site's booked series (H001 …), not the service's:
        # the service's letter is read from its walk-in numbers only.
        letters = [t.label.rstrip("0123456789") for t in tickets
                   if not _booked_series(site, t)]
        old_letter = letters[0] if letters else None
        service = site.service(code)
        if service is None:
            old = old_letter or tickets[0].label.rstrip("0123456789")
            stranded.append((code, old, None, len(tickets)))
        elif old_letter is not None and service.letter != old_letter:
            stranded.append((code, old_letter, service.letter, len(letters)))
    return stranded


def _booked_series(site, ticket):
    """A booking's ticket numbered in the booked series (a late citizen's walk-in number is
    the service's own; a booked no-show requeued as a walk-in keeps its H number)."""
    return ticket.booking is not None and \
        ticket.label.rstrip("0123456789") == site.booking.letter


def stranded_reasons(site, state):
    """One line per stranded service, Vietnamese then English."""
    lines = []
    for code, old, new, count in stranded_by(site, state):
        if new is None:
            vi = f"dịch vụ {code} ({old}) có {count} phiếu chưa xong hôm nay nhưng không còn trong tệp"
            en = f"service {code} ({old}) has {count} unfinished tickets today but is no longer in the file"
        else:
            vi = f"dịch vụ {code} có {count} phiếu chưa xong mang chữ {old}, tệp đổi thành {new}"
            en = f"service {code} has {count} unfinished tickets lettered {old}; the file says {new}"
        lines.append(f"{vi}; giữ dịch vụ như cũ đến khi đóng ngày (qms close-day) — {en}; keep it "
                     "as it was until the day is closed (qms close-day)")
    return lines
