"""What became of each booking, learnt from its site's events as they arrive (issue 13).

The site is the truth: its check-in reaches the hub only as the `ticket_issued` event naming
the booking, and its day's end as `day_closed` (or the next day's `day_opened`). Ingest
(`HubStore.ingest`) hands each batch's new events to `record`, inside the batch's transaction
and under the site's row lock, so a booking's status moves with the events that moved it:

- `ticket_issued` with `booking`: `checked_in` (a number of the booked series: in time) or
  `checked_in_late` (past the grace: a walk-in number), with the ticket and the site's time;
  it also overrides `missed` (a day reopened after its close: the citizen did come);
- `ticket_no_show` of that ticket, not requeued, while `checked_in`: `no_show` (the booked
  citizen was called and was not there; a requeued first no-show may still be served);
- `day_closed` of day D: every booking still `active` of D or before is `missed`; a
  `day_opened` of D: those before D (a site that did not open on a booked day moved past it).

A cancelled booking stays cancelled whatever comes (the hub refused nothing the site did: a
citizen may cancel online while the site, offline, checks them in; the figures count the
check-in from the events). Ingest skips events it already holds, so a batch sent again
changes nothing here either.
"""
from .booking_store import (ACTIVE, CANCELLED, CHECKED_IN, CHECKED_IN_LATE, MISSED, NO_SHOW,
                            hub_bookings)

_SETTLED = (CANCELLED, NO_SHOW)  # no later event of the site changes these


def _check_in(site_id, event):
    return (hub_bookings.update()
            .where(hub_bookings.c.site_id == site_id, hub_bookings.c.id == event["booking"],
                   hub_bookings.c.status.notin_(_SETTLED))
            .values(status=CHECKED_IN if event.get("booked") else CHECKED_IN_LATE,
                    ticket_id=event["ticket_id"], checked_in_at=event["at"]))


def _no_show(site_id, event):
    return (hub_bookings.update()
            .where(hub_bookings.c.site_id == site_id,
                   hub_bookings.c.ticket_id == event["ticket_id"],
                   hub_bookings.c.status == CHECKED_IN)
            .values(status=NO_SHOW))


def _missed(site_id, last_day, inclusive):
    day = hub_bookings.c.day
    return (hub_bookings.update()
            .where(hub_bookings.c.site_id == site_id, hub_bookings.c.status == ACTIVE,
                   day <= last_day if inclusive else day < last_day)
            .values(status=MISSED))


def changes(site_id, events):
    """The UPDATEs the events make to the site's bookings, in the events' order."""
    out = []
    for e in events:
        kind = e["type"]
        if kind == "ticket_issued" and e.get("booking"):
            out.append(_check_in(site_id, e))
        elif kind == "ticket_no_show" and not e.get("requeued"):
            out.append(_no_show(site_id, e))
        elif kind == "day_closed" and e.get("day"):
            out.append(_missed(site_id, e["day"], inclusive=True))
        elif kind == "day_opened" and e.get("day"):
            out.append(_missed(site_id, e["day"], inclusive=False))
    return out


def record(conn, site_id, events):
    """Apply the events' meaning to the site's bookings (in the caller's transaction)."""
    for update in changes(site_id, events):
        conn.execute(update)
