"""Bookings in a report: made, and never checked in — one definition for the site's report
(its `site_bookings`) and the province's (`hub_bookings`), so both say the same of a day.

A booking is a row (id, service, day, status), not an event; whether its citizen came is in
the events (the check-in's `ticket_issued` names the booking: `Report.checked_in_bookings`,
server/reports/fold.py). Per service and day of the booking:

- booked ("Lịch hẹn đã đặt"): bookings of the day not cancelled, and cancelled ones that were
  checked in all the same (cancelled online while the site, offline, checked the citizen in:
  the site is the truth). So every check-in counted (`checked_in`) is among the bookings made.
- booked_missed ("Lịch hẹn: không đến lấy số"): bookings made, not checked in, of a day the site's log
  shows over: the site closed that day or a later one, or opened a day after it (a booked day
  the site never opened). The hub marks the same bookings `missed` (server/hub/booking_fate.py)
  by the same rule as the events arrive.

Until a day is over, its bookings made but not (yet) checked in are neither: booked minus
checked in minus never checked in is what may still come.
"""
from dataclasses import dataclass

import sqlalchemy as sa

CANCELLED = "cancelled"


@dataclass(frozen=True)
class DaysOver:
    """The site log's say on which business days are over."""
    last_opened: str | None = None
    last_closed: str | None = None

    def __call__(self, day):
        return bool((self.last_closed and day <= self.last_closed)
                    or (self.last_opened and day < self.last_opened))


def days_over(reader, site_id):
    """From a site's log (the site's own store or the hub's copy: both `EventLogReads`)."""
    opened = reader.last_event_of_type(site_id, "day_opened")
    closed = reader.last_event_of_type(site_id, "day_closed")
    return DaysOver(opened and opened.get("day"), closed and closed.get("day"))


def count_bookings(report, bookings, over):
    """Add the bookings of the report's days (dicts with id, service, day, status) to its
    rows: the total, the booking's service and its day."""
    came = report.checked_in_bookings
    for booking in bookings:
        if not report.first_day <= booking["day"] <= report.last_day:
            continue
        checked_in = booking["id"] in came
        if booking["status"] == CANCELLED and not checked_in:
            continue
        rows = (report.total, report.services[booking["service"]], report.days[booking["day"]])
        for row in rows:
            row.add("booked")
            if not checked_in and over(booking["day"]):
                row.add("booked_missed")
    return report


def rows_of_days(engine, table, site_id, first, last):
    """A site's bookings of days first..last (YYYY-MM-DD) as the reports read them (id, service,
    day, status), from the site's `site_bookings` or the hub's `hub_bookings` (same columns)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.id, table.c.service, table.c.day, table.c.status)
                            .where(table.c.site_id == site_id, table.c.day >= first,
                                   table.c.day <= last))
        return [dict(r._mapping) for r in rows]
