"""Bookings on the hub (PostgreSQL; revision h0003): who booked which slot, held so that no
clear CCCD or phone number is kept for the limits.

- The anti-hoarding limit (one active booking per phone number and per CCCD number per
  service) is checked on keyed hashes: HMAC-SHA256 with the hub's booking key (`hub_secrets`
  row "booking_hmac"), so the table alone does not give the numbers back, and the 10^12
  CCCD numbers cannot be tried against it without the key. The key goes to each site with its
  bookings (the site's authenticated fetch, below), because a kiosk matches a CCCD card's QR
  by the same hash while the hub may be out of reach (docs/appointments.md).
- The clear phone number is kept only when the citizen asked for SMS/Zalo (`notify_phone`):
  it is what the message goes to; it leaves with the booking to its site only.
- Every change of a site's bookings takes the next `rev` of that site, under the site's row
  lock (hub_sites, as ingest takes it), so a site that fetched up to rev N and asks for the
  changes after N never misses one committed late.
- The limit is checked under a transaction-scoped advisory lock per (service, hash), so two
  hub processes cannot both let the same number book twice.
- The key is versioned (revision h0006), because it cannot be replaced by re-hashing: the hub
  never keeps a clear CCCD number. `hub_secrets` holds "booking_hmac.<id>" rows; a new
  booking is hashed with the newest key and keeps its `key_id`; the limit hashes the incoming
  number with every key still kept; a site gets, with its bookings, the keys its bookings
  still need. `rotate()` (`qms hub rotate-booking-key`) adds a key; a key no booking in use
  needs any more (every booking hashed with it cancelled, checked in or ended a day ago) is
  deleted by `retire_keys()` (at rotation, at the hub's start and hourly), and with it the
  last means of testing a number against those bookings' hashes.
"""
import hashlib
import hmac
import secrets
import time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from . import booking_code
from .store import hub_secrets, hub_sites, metadata  # one schema: migrations compare it whole

ACTIVE, CANCELLED = "active", "cancelled"
# What became of a booking, as the site's events tell the hub (server/hub/booking_fate.py).
CHECKED_IN, CHECKED_IN_LATE, NO_SHOW, MISSED = "checked_in", "checked_in_late", "no_show", "missed"

hub_bookings = sa.Table(
    "hub_bookings", metadata,
    sa.Column("id", sa.String(24), primary_key=True),  # what the site's events name
    sa.Column("site_id", sa.String(32), nullable=False),
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("slot_start", sa.Float, nullable=False),
    sa.Column("slot_end", sa.Float, nullable=False),
    sa.Column("code", sa.String(16), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("phone_hash", sa.String(64), nullable=True),
    sa.Column("cccd_hash", sa.String(64), nullable=True),
    sa.Column("notify_phone", sa.String(16), nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("rev", sa.Integer, nullable=False),
    # The site's ticket its check-in made and when (the site's clock): a later no-show of
    # that ticket reaches the booking, and the booking page says when the citizen came.
    sa.Column("ticket_id", sa.Integer, nullable=True),
    sa.Column("checked_in_at", sa.Float, nullable=True),
    # The booking key its hashes were made with (hub_secrets "booking_hmac.<key_id>").
    sa.Column("key_id", sa.Integer, nullable=False, server_default=sa.text("1")),
)
sa.Index("hub_bookings_site_rev", hub_bookings.c.site_id, hub_bookings.c.rev)
sa.Index("hub_bookings_ticket", hub_bookings.c.site_id, hub_bookings.c.ticket_id)
sa.Index("hub_bookings_site_day", hub_bookings.c.site_id, hub_bookings.c.day)  # reports
sa.Index("hub_bookings_slot", hub_bookings.c.site_id, hub_bookings.c.service,
         hub_bookings.c.slot_start)


_USED = ("Lịch hẹn này đã được dùng để lấy số tại điểm cấp, không thể hủy hay đổi.",
         "This booking has been used to check in at the site; it cannot be cancelled or moved.")
_NOT_ACTIVE = {  # why a booking can no longer be cancelled or moved
    ACTIVE: ("Lịch hẹn này đã qua giờ hẹn.", "This booking's time has passed."),
    CANCELLED: ("Lịch hẹn này đã hủy.", "This booking is cancelled."),
    CHECKED_IN: _USED, CHECKED_IN_LATE: _USED, NO_SHOW: _USED,
    MISSED: ("Lịch hẹn đã qua, không đến.", "This booking's day is over; nobody came."),
}


class BookingRefused(Exception):
    def __init__(self, code, vi, en, status=409):
        super().__init__(en)
        self.code, self.vi, self.en, self.status = code, vi, en, status

    def as_response(self):
        return {"error": {"code": self.code, "message": self.vi, "message_en": self.en}}


KEY_PREFIX = "booking_hmac."
# A key stays while a booking hashed with it is active, and a day after its slot's end: a
# citizen late on that day is still found by the card at the kiosk (checked in as a walk-in).
KEY_GRACE_SECONDS = 86400


def _key_name(key_id):
    return f"{KEY_PREFIX}{key_id}"


def keyed_hash(key, kind, number):
    """The hash the hub keeps (and a site matches) for a CCCD or phone number."""
    return hmac.new(key.encode(), f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()


def _public(row):
    return {k: row.get(k) for k in ("id", "site_id", "service", "day", "slot_start", "slot_end",
                                    "status", "checked_in_at")} | \
        {"code": booking_code.shown(row["code"])}


def _in_use(now):
    """Bookings that still need their key: active, their slot ended less than a grace ago."""
    return sa.and_(hub_bookings.c.status == ACTIVE,
                   hub_bookings.c.slot_end > now - KEY_GRACE_SECONDS)


class BookingStore:
    def __init__(self, hub_store):
        self.engine = hub_store.engine

    # -- the keys ----------------------------------------------------------------------------
    # Not cached: `qms hub rotate-booking-key` (another process) adds one at any time.
    def _read_keys(self, conn, share=False):
        query = sa.select(hub_secrets.c.name, hub_secrets.c.secret).where(
            hub_secrets.c.name.like(KEY_PREFIX + "%"))
        if share:
            # Held until the booking is in: a key is not retired while a booking hashed with
            # it is being written (retire_keys locks the row FOR UPDATE before counting).
            query = query.with_for_update(read=True)
        return {int(name[len(KEY_PREFIX):]): secret for name, secret in conn.execute(query)}

    def keys(self, conn=None, share=False):
        """{key id: key} of every booking key kept; the first process to ask makes key 1."""
        if conn is None:
            with self.engine.begin() as conn:
                return self.keys(conn)
        found = self._read_keys(conn, share)
        if not found:
            conn.execute(sa.text("INSERT INTO hub_secrets(name, secret) VALUES (:n, :s) "
                                 "ON CONFLICT (name) DO NOTHING"),
                         {"n": _key_name(1), "s": secrets.token_hex(32)})
            found = self._read_keys(conn, share)
        return found

    def key(self):
        """The newest key (what new bookings are hashed with)."""
        found = self.keys()
        return found[max(found)]

    def keys_for_site(self, site_id, now=None):
        """{key id: key} a site needs: those of its bookings still in use, and the newest."""
        now = time.time() if now is None else now
        with self.engine.begin() as conn:
            found = self.keys(conn)
            used = set(conn.execute(sa.select(hub_bookings.c.key_id).distinct().where(
                hub_bookings.c.site_id == site_id, _in_use(now))).scalars())
        return {key_id: key for key_id, key in found.items()
                if key_id in used or key_id == max(found)}

    def rotate(self, now=None):
        """Add a new key (the newest from now on); retire those no longer needed. Returns
        (new key id, {older key id still kept: its bookings in use})."""
        for _ in range(5):
            try:
                with self.engine.begin() as conn:
                    new_id = max(self.keys(conn)) + 1
                    conn.execute(hub_secrets.insert(), {"name": _key_name(new_id),
                                                        "secret": secrets.token_hex(32)})
                break
            except IntegrityError:
                continue  # another process rotated at the same moment: take the next id
        else:
            raise RuntimeError("could not add a booking key")
        self.retire_keys(now)
        return new_id, self.key_uses(now)

    def key_uses(self, now=None):
        """{key id: bookings still needing it} of the kept keys other than the newest."""
        now = time.time() if now is None else now
        with self.engine.connect() as conn:
            counts = dict(conn.execute(sa.select(hub_bookings.c.key_id, sa.func.count())
                                       .where(_in_use(now)).group_by(hub_bookings.c.key_id)).all())
        found = self.keys()
        return {key_id: counts.get(key_id, 0) for key_id in found if key_id != max(found)}

    def retire_keys(self, now=None):
        """Delete every key but the newest that no booking in use needs. Returns their ids."""
        now = time.time() if now is None else now
        retired = []
        for key_id in sorted(self.keys())[:-1]:
            with self.engine.begin() as conn:
                # Lock first, then count: a booking being written with this key holds the row
                # FOR SHARE until its commit, so the count (a fresh snapshot) sees it.
                if conn.execute(sa.select(hub_secrets.c.name).where(
                        hub_secrets.c.name == _key_name(key_id)).with_for_update()).first() \
                        is None:
                    continue
                if conn.execute(sa.select(sa.func.count()).where(
                        hub_bookings.c.key_id == key_id, _in_use(now))).scalar():
                    continue
                conn.execute(hub_secrets.delete().where(hub_secrets.c.name == _key_name(key_id)))
                retired.append(key_id)
        return retired

    # -- reading -----------------------------------------------------------------------------
    def taken(self, site_id, service, first, last):
        """{slot start: bookings holding it} of the service between two times: every booking
        not cancelled (a citizen checked in early still has the slot they booked)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(hub_bookings.c.slot_start, sa.func.count())
                                .where(hub_bookings.c.site_id == site_id,
                                       hub_bookings.c.service == service,
                                       hub_bookings.c.status != CANCELLED,
                                       hub_bookings.c.slot_start >= first,
                                       hub_bookings.c.slot_start <= last)
                                .group_by(hub_bookings.c.slot_start))
            return {start: n for start, n in rows}

    def by_code(self, code):
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(hub_bookings).where(hub_bookings.c.code == code)).first()
        return _public(row._mapping) if row else None

    def changes_after(self, site_id, rev, limit=1000):
        """The site's bookings changed after `rev`, oldest change first (what its agent keeps)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(hub_bookings).where(
                hub_bookings.c.site_id == site_id, hub_bookings.c.rev > rev)
                .order_by(hub_bookings.c.rev).limit(limit))
            return [dict(r._mapping) for r in rows]

    # -- changing ----------------------------------------------------------------------------
    def _lock_site(self, conn, site_id):
        found = conn.execute(sa.select(hub_sites.c.site_id).where(hub_sites.c.site_id == site_id)
                             .with_for_update()).scalar()
        if found is None:
            raise BookingRefused("unknown_site", "Không có điểm cấp này.", "No such site.", 404)
        last = conn.execute(sa.select(sa.func.max(hub_bookings.c.rev))
                            .where(hub_bookings.c.site_id == site_id)).scalar()
        return (last or 0) + 1

    def _hold_limit(self, conn, service, numbers, keys, now, except_id=None):
        """Refuse a number that holds an active booking of the service, whichever kept key
        its booking was hashed with."""
        hashed = {kind: sorted(keyed_hash(key, kind, number) for key in keys.values())
                  for kind, number in numbers if number is not None}
        # Per number and service, across every hub process, until the commit: one lock per
        # hash (each kept key), taken in one statement and in one order everywhere (two
        # bookings of the same numbers never deadlock; one round trip whatever the keys).
        conn.execute(sa.text(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(v, 0))) FROM "
            "(SELECT v FROM unnest(CAST(:values AS text[])) AS v ORDER BY v) AS ordered"),
            {"values": [f"{service}:{value}" for hashes in hashed.values() for value in hashes]})
        for kind, hashes in hashed.items():
            column = hub_bookings.c.phone_hash if kind == "phone" else hub_bookings.c.cccd_hash
            query = sa.select(sa.func.count()).where(
                column.in_(hashes), hub_bookings.c.service == service,
                hub_bookings.c.status == ACTIVE, hub_bookings.c.slot_end > now)
            if except_id:
                query = query.where(hub_bookings.c.id != except_id)
            if conn.execute(query).scalar():
                what_vi, what_en = ("số điện thoại", "phone number") if kind == "phone" else \
                    ("số CCCD", "CCCD number")
                raise BookingRefused(
                    "already_booked",
                    f"{what_vi.capitalize()} này đã có một lịch hẹn cho dịch vụ này. Hủy hoặc "
                    "đổi lịch cũ bằng mã đặt lịch.",
                    f"This {what_en} already holds a booking for this service; cancel or move "
                    "it with its code.")

    def _slot_free(self, conn, site_id, service, start, capacity):
        taken = conn.execute(sa.select(sa.func.count()).where(
            hub_bookings.c.site_id == site_id, hub_bookings.c.service == service,
            hub_bookings.c.slot_start == start, hub_bookings.c.status != CANCELLED)).scalar()
        if taken >= capacity:
            raise BookingRefused("slot_full", "Khung giờ này vừa hết chỗ. Mời chọn giờ khác.",
                                 "This slot has just filled up; choose another time.")

    def create(self, site_id, service, slot, day, phone, cccd, notify, now):
        """A new booking of `slot` (booking_slots.Slot, already offered); its public dict."""
        numbers = [("phone", phone), ("cccd", cccd)]
        for _ in range(3):
            code = booking_code.new_code()
            row = {"id": "bk_" + secrets.token_hex(8), "site_id": site_id, "service": service,
                   "day": day, "slot_start": slot.start, "slot_end": slot.end, "code": code,
                   "status": ACTIVE, "notify_phone": phone if notify and phone else None,
                   "created_at": now}
            try:
                with self.engine.begin() as conn:
                    row["rev"] = self._lock_site(conn, site_id)
                    keys = self.keys(conn, share=True)
                    row["key_id"] = newest = max(keys)
                    for kind, number in numbers:
                        row[f"{kind}_hash"] = keyed_hash(keys[newest], kind, number) \
                            if number else None
                    self._hold_limit(conn, service, numbers, keys, now)
                    self._slot_free(conn, site_id, service, slot.start, slot.capacity)
                    conn.execute(hub_bookings.insert(), row)
                return _public(row)
            except IntegrityError:
                continue  # the code was taken (odds of one in billions): draw another
        raise BookingRefused("try_again", "Vui lòng thử lại.", "Please try again.", 503)

    def _change(self, code, now, change):
        with self.engine.begin() as conn:
            site_id = conn.execute(sa.select(hub_bookings.c.site_id)
                                   .where(hub_bookings.c.code == code)).scalar()
            if site_id is None:
                raise BookingRefused("unknown_code", "Không tìm thấy mã đặt lịch.",
                                     "No booking with this code.", 404)
            # The site's row first, then the booking's: the order ingest takes them in when a
            # check-in reaches the booking (booking_fate), so the two never wait on each other.
            rev = self._lock_site(conn, site_id)
            row = dict(conn.execute(sa.select(hub_bookings).where(hub_bookings.c.code == code)
                                    .with_for_update()).first()._mapping)
            if row["status"] != ACTIVE or row["slot_end"] <= now:
                vi, en = _NOT_ACTIVE.get(row["status"], _NOT_ACTIVE[ACTIVE])
                raise BookingRefused("not_active", vi, en)
            values = change(conn, row)
            values["rev"] = rev
            conn.execute(hub_bookings.update().where(hub_bookings.c.id == row["id"])
                         .values(**values))
            row.update(values)
        return _public(row)

    def cancel(self, code, now):
        # A cancelled booking texts nobody: its phone goes with it (it reaches the site so).
        return self._change(code, now, lambda conn, row: {"status": CANCELLED,
                                                          "notify_phone": None})

    def move(self, code, slot, day, now):
        def moved(conn, row):
            if slot.start != row["slot_start"]:
                self._slot_free(conn, row["site_id"], row["service"], slot.start, slot.capacity)
            return {"slot_start": slot.start, "slot_end": slot.end, "day": day}
        return self._change(code, now, moved)

    def erase_spent_phones(self, today_of, now):
        """Erase `notify_phone` of the bookings whose slot day is over (Decree 13/2023: kept
        no longer than needed; the site erases its copy itself). `today_of(site_id)` is the
        site's date now (its time zone), or None when the hub does not know it: then a day
        after the slot's end. The keyed hashes stay (the hoarding limit reads only them).
        Returns how many bookings lost their phone."""
        erased = 0
        with self.engine.begin() as conn:
            sites = conn.execute(sa.select(hub_bookings.c.site_id).distinct().where(
                hub_bookings.c.notify_phone.is_not(None))).scalars().all()
            for site_id in sites:
                today = today_of(site_id)
                over = hub_bookings.c.day < today if today else \
                    hub_bookings.c.slot_end < now - 86400
                erased += conn.execute(hub_bookings.update().where(
                    hub_bookings.c.site_id == site_id, hub_bookings.c.notify_phone.is_not(None),
                    over).values(notify_phone=None)).rowcount
        return erased

    def row_by_code(self, code):
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(hub_bookings).where(hub_bookings.c.code == code)).first()
        return dict(row._mapping) if row else None


def of_days(reader, site_id, first, last):
    """A site's bookings of days first..last (id, service, day, status), for the province's
    report (server/reports/bookings.py); `reader` is the HubStore (its thread's engine)."""
    from ..reports.bookings import rows_of_days
    return rows_of_days(reader.engine, hub_bookings, site_id, first, last)


def for_site(row):
    """A booking as its site keeps it (server/appointments): no phone hash (the site has no
    use for it), the clear phone only when the citizen asked to be told."""
    return {k: row[k] for k in ("id", "service", "day", "slot_start", "slot_end", "code",
                                "status", "cccd_hash", "notify_phone", "rev", "key_id")}

