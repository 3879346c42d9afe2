"""The store on SQLAlchemy: SQLite by default (one file, WAL), PostgreSQL by URL.

Kept to SQLAlchemy Core: the log is a table of JSON bodies with a few indexed columns, and the
state lives in memory, so there is nothing for an ORM to map.
"""
import json
import os
import sqlite3
import threading

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError, OperationalError, DBAPIError

from .base import Conflict, Store, StoreUnavailable
from .sqlite_held import HeldSqlite
from .migrations import upgrade

metadata = sa.MetaData()

events = sa.Table(
    "events", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    # Set on day_opened events only: finds where the current business day starts.
    sa.Column("day", sa.String(10), nullable=True),
)
# Start-up finds the newest day_opened through this index without reading past days.
sa.Index("events_by_type", events.c.site_id, events.c.type, events.c.seq)

requests = sa.Table(
    "ticket_requests", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
)

# Officers and device tokens belong to one site: several sites may share a database, and an
# account or a kiosk token of one is nothing at another.
officers = sa.Table(
    "officers", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("display_name", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    # A disabled officer cannot sign in (qms officers disable); the account and its history stay.
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    # Seeded by `qms serve --demo` with a published password: refused when serving for real.
    sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
)

devices = sa.Table(
    "devices", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.String(32), nullable=False),
    sa.Column("kiosk", sa.String(32), nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("site_id", "token_hash", name="devices_site_token"),
)

# Failed sign-ins per officer name and per client address, so a guesser is slowed down and
# locked out in every process of the site (docs/security.md).
sign_in_failures = sa.Table(
    "sign_in_failures", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),  # "user" or "address"
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_at", sa.Float, nullable=False),
)

# Officer sessions kept on the server: the cookie carries only the session's id, so a session
# can be ended (logout, role or password change, officer disabled) wherever the cookie is.
officer_sessions = sa.Table(
    "officer_sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie's id
    sa.Column("site_id", sa.String(32), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float, nullable=True),
)
sa.Index("officer_sessions_by_user", officer_sessions.c.site_id, officer_sessions.c.username)
# On every call's or officer request's path, built once: HeldSqlite compiles a statement
# once per statement object.
EVENTS_INSERT = events.insert()
REQUESTS_INSERT = requests.insert()
SESSION_BY_ID = sa.select(officer_sessions).where(
    officer_sessions.c.id_hash == sa.bindparam("id_hash"),
    officer_sessions.c.site_id == sa.bindparam("site_id"))

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.String(32), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(64), nullable=True),   # officer, "cli", or None (anonymous)
    sa.Column("target", sa.String(64), nullable=True),  # officer name, kiosk id ...
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("detail", sa.Text, nullable=True),
)
sa.Index("audit_log_by_site", audit_log.c.site_id, audit_log.c.id)

# One session-signing secret per site, so every process of the site accepts the same cookies.
site_secrets = sa.Table(
    "site_secrets", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("secret", sa.String(128), nullable=False),
)


# Appointments (issue 13; server/appointments/): the bookings the hub sent this site, kept so a
# site cut off from the hub since the morning still checks them in; and how far it has fetched,
# with the hub's key for the CCCD hash.
site_bookings = sa.Table(
    "site_bookings", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("id", sa.String(24), primary_key=True),  # the hub's booking id
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("slot_start", sa.Float, nullable=False),
    sa.Column("slot_end", sa.Float, nullable=False),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("cccd_hash", sa.String(64), nullable=True),
    sa.Column("notify_phone", sa.String(16), nullable=True),
    sa.Column("rev", sa.Integer, nullable=False),
    # The hub's booking key its cccd_hash was made with (revision 0009; the key rotates).
    sa.Column("key_id", sa.Integer, nullable=False, server_default=sa.text("1")),
)
sa.Index("site_bookings_code", site_bookings.c.site_id, site_bookings.c.code)
sa.Index("site_bookings_cccd", site_bookings.c.site_id, site_bookings.c.cccd_hash)

site_booking_sync = sa.Table(
    "site_booking_sync", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("last_rev", sa.Integer, nullable=False),
    sa.Column("hmac_key", sa.String(128), nullable=True),
    sa.Column("fetched_at", sa.Float, nullable=True),
    # {key id: key} the hub sent with the last fetch: the keys the site's bookings need
    # (revision 0009); hmac_key stays the newest, as a store of the release before read it.
    sa.Column("hmac_keys", sa.Text, nullable=True),
)

# A "your turn nears" message claimed by the process that sends it: one message per ticket and
# kind whatever the number of server processes (server/appointments/notify.py).
site_notices = sa.Table(
    "site_notices", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("ticket_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=True),  # sent / gave_up
)

# A citizen who asked at the kiosk or on the tracking page to be told (any ticket, booked or
# not): by text (`phone`) and/or by Web Push on that phone (`push`: the browser's subscription
# as JSON, revision 0008); kept for the day's ticket only (server/appointments/notify.py).
site_notify_optins = sa.Table(
    "site_notify_optins", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("ticket_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("phone", sa.String(16), nullable=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("push", sa.Text, nullable=True),
)

# The site's other keys, each made once by the first process that needs it (the others read
# it): "vapid", the Web Push key pair's private half (server/appointments/push.py).
site_keys = sa.Table(
    "site_keys", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def _sqlite_pragmas(synchronous):
    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the kiosk hears 201, even across a power cut.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
    return on_connect


CHANGES_CHANNEL = "qms_events"


class EventLogReads:
    """Reading a log of events with the columns of `events` (site_id, seq, type, at, body,
    day): the site's own store, and the provincial hub's copy of every site's log
    (server/hub/store.py), so the engine's replay and the reports read either unchanged."""
    log = events

    def _rows_to_events(self, rows):
        return [json.loads(row.body) for row in rows]

    def load_current_day(self, site_id):
        with self._reading() as conn:
            opened = sa.and_(self.log.c.site_id == site_id, self.log.c.type == "day_opened")
            last = conn.execute(sa.select(self.log.c.day).where(opened)
                                .order_by(self.log.c.seq.desc()).limit(1)).scalar()
            # A day closed and opened again is one day: start from its first opening.
            start = conn.execute(sa.select(sa.func.min(self.log.c.seq))
                                 .where(opened, self.log.c.day == last)).scalar()
            query = sa.select(self.log.c.body).where(self.log.c.site_id == site_id)
            if start is not None:
                query = query.where(self.log.c.seq >= start)
            return self._rows_to_events(conn.execute(query.order_by(self.log.c.seq)))

    def events_for_days(self, site_id, first_day, last_day):
        """The events of the business days first_day..last_day (YYYY-MM-DD), in order: from the
        first day_opened of a day in the range up to the first day_opened after it. For
        reports, which may read any past period again."""
        with self._reading() as conn:
            opened = sa.and_(self.log.c.site_id == site_id, self.log.c.type == "day_opened")
            start = conn.execute(sa.select(sa.func.min(self.log.c.seq)).where(
                opened, self.log.c.day >= first_day, self.log.c.day <= last_day)).scalar()
            if start is None:
                return []
            end = conn.execute(sa.select(sa.func.min(self.log.c.seq)).where(
                opened, self.log.c.day > last_day)).scalar()
            query = sa.select(self.log.c.body).where(self.log.c.site_id == site_id,
                                                     self.log.c.seq >= start)
            if end is not None:
                query = query.where(self.log.c.seq < end)
            return self._rows_to_events(conn.execute(query.order_by(self.log.c.seq)))

    def last_event_of_type(self, site_id, type_):
        """The newest event of a type (by the type index), or None."""
        with self._reading() as conn:
            row = conn.execute(sa.select(self.log.c.body).where(
                self.log.c.site_id == site_id, self.log.c.type == type_)
                .order_by(self.log.c.seq.desc()).limit(1)).first()
            return json.loads(row.body) if row else None

    def last_seq(self, site_id):
        with self._reading() as conn:
            return conn.execute(sa.select(sa.func.max(self.log.c.seq))
                                .where(self.log.c.site_id == site_id)).scalar() or 0

    def days_opened_after(self, site_id, day):
        with self._reading() as conn:
            return list(conn.execute(
                sa.select(self.log.c.day).distinct()
                .where(self.log.c.site_id == site_id, self.log.c.type == "day_opened",
                       self.log.c.day > day)
                .order_by(self.log.c.day)).scalars())

    def events_after(self, site_id, seq, limit=None):
        """The events after `seq`, in order; at most `limit` (a sync agent's batch)."""
        with self._reading() as conn:
            query = (sa.select(self.log.c.body)
                     .where(self.log.c.site_id == site_id, self.log.c.seq > seq)
                     .order_by(self.log.c.seq))
            if limit is not None:
                query = query.limit(limit)
            return self._rows_to_events(conn.execute(query))

    def _reading(self):
        return _Guard(self.engine)


# SQLite's WAL is checkpointed back to the start at 1000 frames (wal_autocheckpoint); a frame
# is a page plus its 24-byte header. Room for that and a last big commit over it.
WAL_FRAMES = 1000 + 64
FREE_FOR_PRESIZE = 256 * 1024 * 1024


class SqlStore(EventLogReads, Store):
    def __init__(self, url, sqlite_synchronous="FULL", site_id=None):
        self.url = url
        self.is_postgres = url.startswith("postgresql")
        self.sqlite_synchronous = None if self.is_postgres else sqlite_synchronous.upper()
        # Whether each SQLite commit is synced to disk (FULL, EXTRA): then append(durable=False)
        # leaves that sync to make_durable().
        self.syncs_commits = self.sqlite_synchronous in ("FULL", "EXTRA", "2", "3")
        self.appended = 0  # commits of events by this store object (server/checkpoints.py)
        if url.startswith("sqlite"):
            self.engine = sa.create_engine(url, connect_args={"timeout": 10})
            sa_event.listen(self.engine, "connect", _sqlite_pragmas(sqlite_synchronous))
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        if self.is_postgres:
            self.wal_path = None
            self._held = _HeldReads(self.engine)
        else:
            # SQLite keeps the WAL beside the file, the one a symbolic link points to.
            self.wal_path = os.path.realpath(self.engine.url.database) + "-wal"
            # Appends too; its commits are synced by make_durable (server/store/sqlite_held.py).
            self._held = HeldSqlite(self.engine.url.database,
                                    "NORMAL" if self.syncs_commits else self.sqlite_synchronous)
        # The schema is Alembic's (server/store/migrations): a new table or column there too.
        # `site_id`: the site opening the store, owner of older officers and devices when the
        # store itself does not say (revision 0005).
        upgrade(url, site_id=site_id)

    def presize_wal(self):
        """Make an SQLite store's WAL file full size now, for a server about to take calls
        (issue 15). Each commit's fdatasync (synchronous=FULL) then writes into blocks the
        file already has: while the WAL still grows, every commit also changes the file's
        size, and ext4 must commit its journal for that, waiting on every other process's
        metadata on the same disk. A new WAL grows for its first ~330 commits (until the
        first checkpoint sends it back to the start); a process that starts with a full-size
        one never does. SQLite itself writes the room: one transaction that spills ~1000
        pages into the WAL (a tiny page cache) and is rolled back, so nothing is committed,
        and the next commits overwrite the spilled frames. Returns the WAL's size, or None
        where there is nothing to do (PostgreSQL, no fsync per commit) or the disk is nearly
        full (under 256 MB free)."""
        if not self.syncs_commits:
            return None
        path = self.wal_path
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            page = raw.execute("PRAGMA page_size").fetchone()[0]
            if os.path.exists(path) and os.path.getsize(path) >= 1000 * (24 + page):
                return os.path.getsize(path)  # another process made it so
            disk = os.statvfs(os.path.dirname(os.path.abspath(path)))
            if disk.f_bavail * disk.f_frsize < FREE_FOR_PRESIZE:
                return None  # never the disk's last room for a little speed
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]
            raw.execute("PRAGMA cache_size=16")
            try:
                raw.execute("BEGIN IMMEDIATE")
                try:
                    # One row a page; audit_log only because every store has it.
                    raw.executemany("INSERT INTO audit_log (site_id, at, action, detail) "
                                    "VALUES ('', 0, '', ?)",
                                    [("x" * (page * 3 // 4),)] * WAL_FRAMES)
                finally:
                    raw.execute("ROLLBACK")
            except sqlite3.Error as exc:
                raise StoreUnavailable(str(exc)) from None
            finally:
                raw.execute(f"PRAGMA cache_size={cache}")
        return os.path.getsize(path)

    # -- the log (writes) -----------------------------------------------------------------
    def append(self, site_id, new_events, request_id=None, durable=True):
        """durable=False (SQLite at synchronous=FULL): return once the commit is written and
        leave its sync to disk to make_durable(). A crash of the process then loses nothing
        (the bytes are the kernel's); only a power cut before make_durable could. The server
        pushes a call to the displays during that sync rather than after it
        (SiteRuntime.execute, issue 15)."""
        rows = [{"site_id": site_id, "seq": e["seq"], "type": e["type"], "at": e["at"],
                 "body": json.dumps(e, ensure_ascii=False, separators=(",", ":")),
                 "day": e.get("day") if e["type"] == "day_opened" else None}
                for e in new_events]
        claim = [{"site_id": site_id, "request_id": request_id, "seq": new_events[0]["seq"]}] \
            if request_id is not None else []
        if not self.is_postgres:
            self._held.write([(EVENTS_INSERT, rows)] + ([(REQUESTS_INSERT, claim)]
                                                        if claim else []))
            self.appended += 1
            if durable:
                self.make_durable()
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(events.insert(), rows)
                if claim:
                    conn.execute(requests.insert(), claim)
                # Delivered at commit to every process LISTENing (server/store_watch.py).
                conn.execute(sa.select(sa.func.pg_notify(CHANGES_CHANNEL, site_id)))
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from None
        except (OperationalError, DBAPIError) as exc:
            raise StoreUnavailable(str(exc.orig)) from None
        self.appended += 1

    def make_durable(self):
        """Sync what append(durable=False) committed: fdatasync of the WAL file, the sync
        synchronous=FULL makes inside each commit (it covers every commit before it, of any
        connection). No WAL file: the last connection closed, and SQLite checkpointed and
        synced the database file as it did. Blocking: the server calls it from a worker thread
        (server/blocking.py)."""
        if not self.syncs_commits:
            return
        try:
            fd = os.open(self.wal_path, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            os.fdatasync(fd)
        except OSError as exc:
            raise StoreUnavailable(f"could not sync the write-ahead log: {exc}") from None
        finally:
            os.close(fd)

    def checkpoint(self):
        """Copy an SQLite store's committed WAL frames into the database file now (PASSIVE:
        it neither waits for a writer nor makes one wait), so that the next commit starts the
        WAL over instead of SQLite doing this copy inside a commit (server/checkpoints.py).
        On a connection of its own, opened in the calling thread (a pool thread). Returns
        (frames in the WAL, frames copied), or None on PostgreSQL."""
        if self.is_postgres:
            return None
        try:
            conn = sqlite3.connect(self.engine.url.database, timeout=10)
            try:
                _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from None
        return frames, copied

    def request_known(self, site_id, request_id):
        with self._reading() as conn:
            return conn.execute(sa.select(requests.c.seq).where(
                requests.c.site_id == site_id, requests.c.request_id == request_id)).scalar()

    # -- people and devices (each of one site) -----------------------------------------
    def add_officer(self, site_id, username, password_hash, display_name, role, demo=False):
        mine = sa.and_(officers.c.site_id == site_id, officers.c.username == username)
        with self.engine.begin() as conn:
            conn.execute(officers.delete().where(mine))
            conn.execute(officers.insert(), {"site_id": site_id, "username": username,
                                             "password_hash": password_hash,
                                             "display_name": display_name, "role": role,
                                             "demo": demo})

    def update_officer(self, site_id, username, **values):
        """Change an officer's password_hash, role or disabled flag; False if there is no
        such one at this site."""
        with self.engine.begin() as conn:
            return conn.execute(officers.update().where(
                officers.c.site_id == site_id, officers.c.username == username)
                .values(**values)).rowcount == 1

    def officer(self, site_id, username):
        with self._reading() as conn:
            row = conn.execute(sa.select(officers).where(
                officers.c.site_id == site_id, officers.c.username == username)).first()
            return dict(row._mapping) if row else None

    def all_officers(self, site_id):
        with self._reading() as conn:
            rows = conn.execute(sa.select(officers.c.username, officers.c.display_name,
                                          officers.c.role, officers.c.disabled)
                                .where(officers.c.site_id == site_id)
                                .order_by(officers.c.username))
            return [dict(row._mapping) for row in rows]

    def add_device(self, site_id, kiosk, token_hash, at):
        with self.engine.begin() as conn:
            conn.execute(devices.insert(), {"site_id": site_id, "kiosk": kiosk,
                                            "token_hash": token_hash, "created_at": at})

    def all_devices(self, site_id):
        """The site's paired devices (kiosk print agents, rating tablets): id and when, no
        token."""
        with self._reading() as conn:
            rows = conn.execute(sa.select(devices.c.kiosk, sa.func.count().label("tokens"),
                                          sa.func.max(devices.c.created_at).label("paired_at"))
                                .where(devices.c.site_id == site_id)
                                .group_by(devices.c.kiosk).order_by(devices.c.kiosk))
            return [dict(row._mapping) for row in rows]

    def device_by_token_hash(self, site_id, token_hash):
        with self._reading() as conn:
            row = conn.execute(sa.select(devices).where(
                devices.c.site_id == site_id, devices.c.token_hash == token_hash)).first()
            return dict(row._mapping) if row else None

    def remove_devices(self, site_id, kiosk):
        with self.engine.begin() as conn:
            return conn.execute(devices.delete().where(
                devices.c.site_id == site_id, devices.c.kiosk == kiosk)).rowcount

    def change_waiter(self, poll_seconds):
        """A callable that returns when the log may have grown: at once on PostgreSQL's
        notification of another process's append, else after `poll_seconds`."""
        if self.is_postgres:
            return _PostgresNotifications(self.engine.url, poll_seconds)
        import time
        return lambda: time.sleep(poll_seconds)

    def rewrite_events(self, site_id, types, before_at, change):
        """Replace the bodies of past events (only to erase personal data, server/retention.py):
        `change(event)` returns the new event or None to keep it."""
        changed = 0
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(events.c.seq, events.c.body).where(
                events.c.site_id == site_id, events.c.type.in_(types),
                events.c.at < before_at)).all()
            for row in rows:
                new = change(json.loads(row.body))
                if new is not None:
                    conn.execute(events.update().where(
                        events.c.site_id == site_id, events.c.seq == row.seq).values(
                        body=json.dumps(new, ensure_ascii=False, separators=(",", ":"))))
                    changed += 1
        return changed

    # -- sign-in failures ---------------------------------------------------------------
    def sign_in_failures(self, site_id, kind, key):
        with self._reading() as conn:
            row = conn.execute(sa.select(sign_in_failures).where(
                sign_in_failures.c.site_id == site_id, sign_in_failures.c.kind == kind,
                sign_in_failures.c.key == key)).first()
            return dict(row._mapping) if row else None

    def record_sign_in_failure(self, site_id, kind, key, at):
        where = sa.and_(sign_in_failures.c.site_id == site_id, sign_in_failures.c.kind == kind,
                        sign_in_failures.c.key == key)
        with self.engine.begin() as conn:
            done = conn.execute(sign_in_failures.update().where(where).values(
                failures=sign_in_failures.c.failures + 1, last_at=at)).rowcount
            if not done:
                try:
                    with conn.begin_nested():
                        conn.execute(sign_in_failures.insert(), {
                            "site_id": site_id, "kind": kind, "key": key, "failures": 1,
                            "last_at": at})
                except IntegrityError:  # another process inserted it a moment ago
                    conn.execute(sign_in_failures.update().where(where).values(
                        failures=sign_in_failures.c.failures + 1, last_at=at))

    def clear_sign_in_failures(self, site_id, kind, key):
        with self.engine.begin() as conn:
            return conn.execute(sign_in_failures.delete().where(
                sign_in_failures.c.site_id == site_id, sign_in_failures.c.kind == kind,
                sign_in_failures.c.key == key)).rowcount

    # -- officer sessions ----------------------------------------------------------------
    def add_session(self, site_id, id_hash, username, role, created_at, expires_at):
        with self.engine.begin() as conn:
            conn.execute(officer_sessions.insert(), {
                "id_hash": id_hash, "site_id": site_id, "username": username, "role": role,
                "created_at": created_at, "expires_at": expires_at, "revoked_at": None})

    def session(self, site_id, id_hash):
        """The session row, read from the store itself on every call (no cache: a session
        ended by any process, the `qms` command included, is refused at its next request).
        On the held connection: a pooled read's checkout, reset and statement building
        cost ~10x the read (docs/performance.md, issue 15)."""
        return self._held.first(SESSION_BY_ID, {"id_hash": id_hash, "site_id": site_id})

    def revoke_sessions(self, site_id, at, username=None, id_hash=None):
        """End one session (id_hash) or every session of an officer; returns the ended ids."""
        where = [officer_sessions.c.site_id == site_id, officer_sessions.c.revoked_at.is_(None)]
        if id_hash is not None:
            where.append(officer_sessions.c.id_hash == id_hash)
        if username is not None:
            where.append(officer_sessions.c.username == username)
        with self.engine.begin() as conn:
            ended = [r.id_hash for r in conn.execute(
                sa.select(officer_sessions.c.id_hash).where(*where))]
            if ended:
                conn.execute(officer_sessions.update().where(
                    officer_sessions.c.id_hash.in_(ended)).values(revoked_at=at))
            # Sessions long expired are of no use to anyone: drop them on the way.
            conn.execute(officer_sessions.delete().where(
                officer_sessions.c.site_id == site_id, officer_sessions.c.expires_at < at - 86400))
            return ended

    # -- audit log -----------------------------------------------------------------------
    def audit(self, site_id, at, action, actor=None, target=None, address=None, detail=None):
        with self.engine.begin() as conn:
            conn.execute(audit_log.insert(), {
                "site_id": site_id, "at": at, "action": action, "actor": actor,
                "target": target, "address": address,
                "detail": json.dumps(detail, ensure_ascii=False) if detail is not None else None})

    def audit_entries(self, site_id, limit=200, before_id=None):
        query = sa.select(audit_log).where(audit_log.c.site_id == site_id)
        if before_id is not None:
            query = query.where(audit_log.c.id < before_id)
        with self._reading() as conn:
            rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit))
            return [dict(r._mapping, detail=json.loads(r.detail) if r.detail else None)
                    for r in rows]

    # -- the site's session secret and other keys ------------------------------------------
    def _made_once(self, query, insert, row):
        """The value `query` reads; the first process to ask stores `row()`, the others read
        it."""
        with self._reading() as conn:
            found = conn.execute(query).scalar()
        if found:
            return found
        try:
            with self.engine.begin() as conn:
                conn.execute(insert, row())
        except IntegrityError:
            pass  # another process stored it first: use theirs
        with self._reading() as conn:
            return conn.execute(query).scalar()

    def site_secret(self, site_id, make):
        """The site's session secret (`make()` the first time)."""
        return self._made_once(
            sa.select(site_secrets.c.secret).where(site_secrets.c.site_id == site_id),
            site_secrets.insert(), lambda: {"site_id": site_id, "secret": make()})

    def site_key(self, site_id, name, make):
        """One of the site's other keys (`make()` the first time): see `site_keys`."""
        return self._made_once(
            sa.select(site_keys.c.value).where(site_keys.c.site_id == site_id,
                                               site_keys.c.name == name),
            site_keys.insert(), lambda: {"site_id": site_id, "name": name, "value": make()})

    def close(self):
        self._held.close()
        self.engine.dispose()


class _PostgresNotifications:
    """LISTEN on a connection of its own (autocommit: no transaction stays open) and wait on
    its socket with select(), which eventlet and gevent make green: the loop never blocks."""

    def __init__(self, url, timeout):
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.timeout = timeout
        self.conn = None

    def __call__(self):
        import select
        import psycopg
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.conninfo, autocommit=True)
                self.conn.execute(f"LISTEN {CHANGES_CHANNEL}")
            select.select([self.conn.fileno()], [], [], self.timeout)
            pgconn = self.conn.pgconn
            pgconn.consume_input()
            while pgconn.notifies() is not None:
                pass  # the watcher reads the log itself; any notification means "look"
        except psycopg.Error as exc:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            raise StoreUnavailable(str(exc)) from None


def _as_dict(row):
    return dict(row._mapping) if row is not None else None


class _HeldReads:
    """On PostgreSQL (SQLite's is HeldSqlite), one connection kept for the small reads every
    officer request makes, in autocommit: each read is its own statement and sees every
    commit made before it, by this process or any other (no transaction stays open between
    reads, so vacuum is never held back). One reader at a time (a green lock under
    eventlet: a PostgreSQL read may yield while it waits on the socket). A held connection
    that fails (a restarted database server) is dropped and the read tried once more on a
    new one, as the pool's pre-ping would; a second failure is StoreUnavailable."""

    def __init__(self, engine):
        self.engine = engine
        self.conn = None
        self.lock = threading.Lock()

    def first(self, statement, params):
        """The first row as a dict, or None."""
        with self.lock:
            fresh = self.conn is None
            try:
                return _as_dict(self._connection().execute(statement, params).first())
            except (OperationalError, DBAPIError) as exc:
                self._drop()
                if fresh:
                    raise StoreUnavailable(str(exc.orig)) from None
            try:
                return _as_dict(self._connection().execute(statement, params).first())
            except (OperationalError, DBAPIError) as exc:
                self._drop()
                raise StoreUnavailable(str(exc.orig)) from None

    def _connection(self):
        if self.conn is None:
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.conn

    def _drop(self):
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:  # already broken: nothing more to free
                pass

    def close(self):
        with self.lock:
            if self.conn is not None:
                self.conn.close()
                self.conn = None


class _Guard:
    """A read connection whose database errors come out as StoreUnavailable."""

    def __init__(self, engine):
        self.engine = engine

    def __enter__(self):
        try:
            self.conn = self.engine.connect()
        except (OperationalError, DBAPIError) as exc:
            raise StoreUnavailable(str(exc.orig)) from None
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        self.conn.close()
        if isinstance(exc, (OperationalError, DBAPIError)):
            raise StoreUnavailable(str(exc.orig)) from None
        return False
