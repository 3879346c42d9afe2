"""The site's copy of its bookings (site store tables site_bookings, site_booking_sync).

Written by the sync agent as the hub sends changes, read by the kiosk's check-in: a site
offline since the morning still has what it fetched."""
import sqlalchemy as sa

from ..store.sql import site_booking_sync, site_bookings

FIELDS = ("id", "service", "day", "slot_start", "slot_end", "code", "status", "cccd_hash",
          "notify_phone", "rev")


def fetched(store, site_id):
    """(last rev fetched, the hub's HMAC key or None)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(site_booking_sync.c.last_rev, site_booking_sync.c.hmac_key)
                           .where(site_booking_sync.c.site_id == site_id)).first()
    return (row.last_rev, row.hmac_key) if row else (0, None)


def keep(store, site_id, bookings, last_rev, hmac_key, now):
    """Store a batch of changes (each booking replaces its older copy) and the rev reached,
    in one transaction: a crash in between fetches the same changes again."""
    with store.engine.begin() as conn:
        for booking in bookings:
            row = {k: booking.get(k) for k in FIELDS}
            conn.execute(site_bookings.delete().where(site_bookings.c.site_id == site_id,
                                                      site_bookings.c.id == row["id"]))
            conn.execute(site_bookings.insert(), dict(row, site_id=site_id))
        done = conn.execute(site_booking_sync.update()
                            .where(site_booking_sync.c.site_id == site_id)
                            .values(last_rev=last_rev, hmac_key=hmac_key, fetched_at=now)).rowcount
        if not done:
            conn.execute(site_booking_sync.insert(), {"site_id": site_id, "last_rev": last_rev,
                                                      "hmac_key": hmac_key, "fetched_at": now})


def _one(store, site_id, column, value, day):
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(site_bookings).where(
            site_bookings.c.site_id == site_id, column == value, site_bookings.c.day == day,
            site_bookings.c.status == "active").order_by(site_bookings.c.slot_start))
        found = [dict(r._mapping) for r in rows]
    return found[0] if found else None


def by_code(store, site_id, code, day):
    """Today's active booking with this code, or None."""
    return _one(store, site_id, site_bookings.c.code, code, day)


def by_cccd_hash(store, site_id, cccd_hash, day):
    """Today's active booking (the earliest slot) for this keyed CCCD hash, or None."""
    return _one(store, site_id, site_bookings.c.cccd_hash, cccd_hash, day)


def by_id(store, site_id, booking_id):
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(site_bookings).where(
            site_bookings.c.site_id == site_id, site_bookings.c.id == booking_id)).first()
    return dict(row._mapping) if row else None


def of_day(store, site_id, day):
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(site_bookings).where(
            site_bookings.c.site_id == site_id, site_bookings.c.day == day))
        return [dict(r._mapping) for r in rows]


def of_days(store, site_id, first, last):
    """The bookings of days first..last (YYYY-MM-DD), for the site's report."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(site_bookings.c.id, site_bookings.c.service,
                                      site_bookings.c.day, site_bookings.c.status).where(
            site_bookings.c.site_id == site_id, site_bookings.c.day >= first,
            site_bookings.c.day <= last))
        return [dict(r._mapping) for r in rows]
