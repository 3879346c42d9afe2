"""Bookable slots of a site, from the settings its agent sent (hub_sites.site_json).

A day's opening hours (`[opening_hours]`) are cut into `[booking] slot_minutes` slots; a slot
holds as many bookings of a service as the counters serving it can see in that time
(counters × slot ÷ the service's expected minutes), less the share kept for walk-ins
(`walk_in_share`), rounded down. Only slots that start after now, on days from today to
`days_ahead`, are offered. Pure: the caller gives the time and the slots already taken.
"""
import calendar
import datetime
import math
from dataclasses import dataclass

from ..engine.hours import business_day


@dataclass(frozen=True)
class Slot:
    start: float  # epoch seconds
    end: float
    capacity: int
    taken: int

    @property
    def free(self):
        return max(0, self.capacity - self.taken)

    def as_dict(self, site):
        local = datetime.datetime.fromtimestamp(self.start, datetime.timezone.utc) + \
            datetime.timedelta(minutes=site.utc_offset_minutes)
        return {"start": self.start, "end": self.end, "time": local.strftime("%H:%M"),
                "free": self.free, "capacity": self.capacity}


def bookable(site):
    return site.booking.enabled and site.opening_hours is not None


def per_slot(site, service):
    counters = len(site.counters_serving(service.code))
    seen = counters * site.booking.slot_minutes / service.expected_service_minutes
    return math.floor(seen * (1.0 - site.booking.walk_in_share) + 1e-9)


def days(site, now):
    """The days bookings are taken for: ["YYYY-MM-DD", …] with at least one opening span."""
    today = datetime.date.fromisoformat(business_day(site, now))
    out = []
    for ahead in range(site.booking.days_ahead + 1):
        day = today + datetime.timedelta(days=ahead)
        if site.opening_hours and site.opening_hours.spans(day.weekday()):
            out.append(day.isoformat())
    return out


def _midnight(site, day):
    date = datetime.date.fromisoformat(day)
    return calendar.timegm(date.timetuple()) - site.utc_offset_minutes * 60


def day_slots(site, service_code, day, now, taken):
    """[Slot] of the service on `day` that start after `now`; `taken`: {slot start: count}."""
    service = site.service(service_code)
    if service is None or not bookable(site) or day not in days(site, now):
        return []
    capacity = per_slot(site, service)
    length = site.booking.slot_minutes
    midnight = _midnight(site, day)
    slots = []
    for begin, end in site.opening_hours.spans(datetime.date.fromisoformat(day).weekday()):
        minute = begin
        while minute + length <= end:
            start = midnight + minute * 60
            if start > now:
                slots.append(Slot(start, start + length * 60, capacity, taken.get(start, 0)))
            minute += length
    return slots


def find_slot(site, service_code, start, now, taken):
    """The offered slot starting at `start`, or None."""
    day = business_day(site, start)
    return next((s for s in day_slots(site, service_code, day, now, taken) if s.start == start),
                None)
