"""Erasing what officers typed, once it is old enough (Decree 13/2023 on personal data).

A completion note or a cancel reason is free text and may name a citizen. After
`[privacy] note_retention_days` (site file, default 90) it is erased from the store: the
note becomes "", an officer's cancel reason becomes the plain code "cancelled" (so reports
still count the cancellation as an officer's). Runs whenever a server (or a `qms` command)
opens the store.

The phone numbers kept to text a citizen are erased once their day is over
(`erase_spent_phones`): at every store opening and when the day is closed.
"""
import datetime
import logging

import sqlalchemy as sa

from . import clock
from .engine.hours import business_day
from .store.sql import site_bookings, site_notify_optins

log = logging.getLogger("qms.retention")

SYSTEM_REASONS = ("cancelled", "day_closed", "day_void")


def _scrub(event):
    if event["type"] == "ticket_completed" and event.get("note"):
        return dict(event, note="")
    if event["type"] == "ticket_cancelled" and event.get("reason") not in SYSTEM_REASONS:
        return dict(event, reason="cancelled")
    return None


def erase_expired_notes(store, site, now=None):
    """Erase free text older than the site's retention; returns how many events changed."""
    now = clock.now() if now is None else now
    before = now - site.privacy.note_retention_days * 86400
    return store.rewrite_events(site.id, ("ticket_completed", "ticket_cancelled"), before, _scrub)


def erase_spent_phones(store, site, now=None, day_closed=None):
    """Erase the phone numbers kept only to text a citizen (Decree 13/2023: no longer than
    needed): a kiosk or tracking-page opt-in (`site_notify_optins`, the whole row: it holds
    nothing else) and a booking's `notify_phone` (`site_bookings`), once their day is over —
    a day before the site's today, or `day_closed` (the business day just closed: its tickets
    have all ended, so nobody of that day is texted any more). The keyed hashes and codes stay:
    check-in and the hoarding limit never read the clear number. Returns (opt-ins, bookings)
    erased."""
    now = clock.now() if now is None else now
    today = business_day(site, now)
    with store.engine.begin() as conn:
        asked = conn.execute(sa.select(site_notify_optins.c.ticket_id, site_notify_optins.c.at)
                             .where(site_notify_optins.c.site_id == site.id)).all()
        # An opt-in is made while its ticket waits, so the day it was made is the ticket's day.
        spent = [ticket_id for ticket_id, at in asked
                 if business_day(site, at) < today or
                 (day_closed is not None and business_day(site, at) <= day_closed)]
        if spent:
            conn.execute(site_notify_optins.delete().where(
                site_notify_optins.c.site_id == site.id,
                site_notify_optins.c.ticket_id.in_(spent)))
        last = max(filter(None, (day_closed, _day_before(today))))
        bookings = conn.execute(site_bookings.update().where(
            site_bookings.c.site_id == site.id, site_bookings.c.notify_phone.is_not(None),
            site_bookings.c.day <= last).values(notify_phone=None)).rowcount
    return len(spent), bookings


def _day_before(day):
    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()


def phone_eraser(store):
    """A runtime listener: erase the day's phones as soon as the day is closed (by the
    counter's button, `qms close-day`, or another process of the site: store_watch)."""
    def on_change(events, state):
        for event in events:
            if event["type"] != "day_closed":
                continue
            try:
                erase_spent_phones(store, state.site, event["at"], day_closed=event["day"])
            except Exception:  # noqa: BLE001 — the day is closed all the same; next start erases
                log.exception("could not erase the closed day's phone numbers")
    return on_change
