"""The site's copy of its bookings (site store tables site_bookings, site_booking_sync).

Written by the sync agent as the hub sends changes, read by the kiosk's check-in: a site
offline since the morning still has what it fetched."""
import json

import sqlalchemy as sa

from ..store.sql import site_booking_sync, site_bookings

FIELDS = ("id", "service", "day", "slot_start", "slot_end", "code", "status", "cccd_hash",
          "notify_phone", "rev", "key_id")


def fetched(store, site_id):
    """(last rev fetched, the hub's newest HMAC key or None)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(site_booking_sync.c.last_rev, site_booking_sync.c.hmac_key)
                           .where(site_booking_sync.c.site_id == site_id)).first()
    return (row.last_rev, row.hmac_key) if row else (0, None)


def keys(store, site_id):
    """{key id: the hub's key} the site's bookings were hashed with (the hub rotates its key:
    server/hub/booking_store.py). Kept before the keys had ids: the one key, as key 1."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(site_booking_sync.c.hmac_keys, site_booking_sync.c.hmac_key)
                           .where(site_booking_sync.c.site_id == site_id)).first()
    if row is None:
        return {}
    if row.hmac_keys:
        return {int(key_id): key for key_id, key in json.loads(row.hmac_keys).items()}
    return {1: row.hmac_key} if row.hmac_key else {}


def keep(store, site_id, bookings, last_rev, hmac_keys, now):
    """Store a batch of changes (each booking replaces its older copy), the rev reached and the
    hub's keys ({key id: key}, as the hub sends them: replacing the ones kept, so a key the
    hub retired goes here too; a single key is key 1), in one transaction: a crash in between
    fetches the same changes again."""
    if isinstance(hmac_keys, str):
        hmac_keys = {1: hmac_keys}
    hmac_keys = {int(key_id): key for key_id, key in (hmac_keys or {}).items()}
    values = {"last_rev": last_rev, "fetched_at": now,
              "hmac_key": hmac_keys[max(hmac_keys)] if hmac_keys else None,
              "hmac_keys": json.dumps({str(k): v for k, v in hmac_keys.items()})}
    with store.engine.begin() as conn:
        for booking in bookings:
            row = {k: booking.get(k) for k in FIELDS}
            row["key_id"] = row["key_id"] or 1  # a hub of the release before: its one key
            conn.execute(site_bookings.delete().where(site_bookings.c.site_id == site_id,
                                                      site_bookings.c.id == row["id"]))
            conn.execute(site_bookings.insert(), dict(row, site_id=site_id))
        done = conn.execute(site_booking_sync.update()
                            .where(site_booking_sync.c.site_id == site_id)
                            .values(**values)).rowcount
        if not done:
            conn.execute(site_booking_sync.insert(), dict(values, site_id=site_id))


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


def by_cccd_hashes(store, site_id, hashes, day):
    """Today's active booking (the earliest slot) whose CCCD hash is the number's hash with
    the key that booking was hashed with; `hashes`: {key id: the number's hash with it}."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(site_bookings).where(
            site_bookings.c.site_id == site_id, site_bookings.c.cccd_hash.in_(hashes.values()),
            site_bookings.c.day == day, site_bookings.c.status == "active")
            .order_by(site_bookings.c.slot_start))
        found = [dict(r._mapping) for r in rows]
    found = [row for row in found if hashes.get(row["key_id"]) == row["cccd_hash"]]
    return found[0] if found else None


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
    from ..reports.bookings import rows_of_days
    return rows_of_days(store.engine, site_bookings, site_id, first, last)
