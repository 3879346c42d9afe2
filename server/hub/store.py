"""The hub's store (PostgreSQL): the registry of sites and a copy of every site's event log.

`hub_events` has the columns of a site's own `events` table (server/store/sql.py), plus when
the hub received each event, so the site's own code reads a site's log on the hub unchanged:
`HubStore` is an `EventLogReads` (load_current_day, events_for_days, events_after ...) and the
engine's replay and the reports' fold take its events as they take a site's.

Ingest is idempotent by (site_id, seq) and PostgreSQL does the ordering: a batch locks its
site's row (SELECT ... FOR UPDATE), so two hub processes given batches of one site take turns
at the database, never in Python; events at or below the acknowledged seq are skipped
(INSERT ... ON CONFLICT DO NOTHING is the second guard) and a batch that starts after a gap is
refused with the seq to send from. The acknowledged seq only ever moves forward over an
unbroken run of events.
"""
import hashlib
import hmac
import json
import secrets
import sys
import threading

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from ..store import StoreUnavailable
from ..store.sql import EventLogReads

metadata = sa.MetaData()

hub_sites = sa.Table(
    "hub_sites", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("district", sa.String(200), nullable=False, server_default=""),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),  # SHA-256 of the key
    # Campaign target: citizens to serve by the deadline (the hub or the site file sets them).
    sa.Column("eligible_citizens", sa.Integer, nullable=True),
    sa.Column("deadline", sa.String(10), nullable=True),  # YYYY-MM-DD
    sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),  # acknowledged
    sa.Column("last_seen_at", sa.Float, nullable=True),  # the hub's clock, last batch or ask
    sa.Column("last_event_at", sa.Float, nullable=True),  # `at` of the newest event
    # The site's clock minus the hub's, in seconds, measured at the last batch.
    sa.Column("clock_skew_s", sa.Float, nullable=True),
    sa.Column("added_at", sa.Float, nullable=False),
    # The site's settings as its file has them (engine.site.site_to_dict), from its agent:
    # what the engine's replay of the site's events starts from (site_from_dict).
    sa.Column("site_json", sa.Text, nullable=True),
)

hub_events = sa.Table(
    "hub_events", metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("day", sa.String(10), nullable=True),  # day_opened events only, as on the site
    sa.Column("received_at", sa.Float, nullable=False),
)
# As on the site: start-up and reports find a day's first day_opened without a scan.
sa.Index("hub_events_by_type", hub_events.c.site_id, hub_events.c.type, hub_events.c.seq)

# People who may watch the provincial dashboard and read its reports (not site officers).
hub_users = sa.Table(
    "hub_users", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("display_name", sa.String(128), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

# The hub's session-signing secret, shared by every hub process (as a site's).
hub_secrets = sa.Table(
    "hub_secrets", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("secret", sa.String(128), nullable=False),
)


def key_hash(key):
    """Site keys are 256 random bits: a plain SHA-256 is enough (no slow hash to brute-force
    against), and cheap enough to check on every batch."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_site_key():
    return "qmshub_" + secrets.token_urlsafe(32)


class Gap(Exception):
    """The batch starts after the acknowledged seq + 1: the site must send from `send_from`."""

    def __init__(self, send_from):
        super().__init__(f"send from seq {send_from}")
        self.send_from = send_from


class UnknownSite(Exception):
    pass


class WrongKey(Exception):
    """The key is not this site's (another site's, or none at all): nothing was written."""


def _os_thread():
    """The OS thread (under eventlet every greenlet of the loop shares one)."""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is None:
        return threading.get_ident()
    return patcher.original("_thread").get_ident()


def _green():
    patcher = sys.modules.get("eventlet.patcher")
    return patcher is not None and patcher.is_monkey_patched("thread")


def _row_of(site_id, event, now):
    return {"site_id": site_id, "seq": event["seq"], "type": event["type"], "at": event["at"],
            "body": json.dumps(event, ensure_ascii=False, separators=(",", ":")),
            "day": event.get("day") if event["type"] == "day_opened" else None,
            "received_at": now}


class HubStore(EventLogReads):
    log = hub_events

    def __init__(self, url, migrate=True, async_commit=False):
        self.url = url
        self.is_postgres = url.startswith("postgresql")
        # Without waiting for the WAL's flush at each batch's commit (docs/hub.md): a crash of
        # PostgreSQL may take back the last moments' batches, events and acknowledged seq
        # together, and the site's agent, answered "gap", sends them again.
        self.async_commit = async_commit and self.is_postgres
        if self.is_postgres:
            # No pre-ping: it is a round trip more per batch, and a connection PostgreSQL
            # dropped fails one batch, which the agent sends again.
            self._loop_engine = sa.create_engine(url)
            # Under eventlet the pool's locks are green: a worker thread (server/blocking.py)
            # must not share them with the loop, so it gets connections of its own.
            self._thread_engine = sa.create_engine(url, poolclass=NullPool)
        else:  # pure-logic tests only: the hub runs on PostgreSQL
            self._loop_engine = self._thread_engine = sa.create_engine(
                url, connect_args={"timeout": 10})
        self._loop_thread = _os_thread()
        if migrate:
            from .migrations import upgrade
            upgrade(url)

    @property
    def engine(self):
        if _os_thread() == self._loop_thread or not _green():
            return self._loop_engine
        return self._thread_engine

    def close(self):
        self._loop_engine.dispose()
        self._thread_engine.dispose()

    # -- sites -----------------------------------------------------------------------------
    def add_site(self, site_id, name, district, now, eligible_citizens=None, deadline=None):
        """Register a site; returns its key (only its hash is kept). A site already there is
        refused with IntegrityError: `rotate_key` gives a known site a new key."""
        key = new_site_key()
        with self.engine.begin() as conn:
            conn.execute(hub_sites.insert(), {
                "site_id": site_id, "name": name, "district": district or "",
                "key_hash": key_hash(key), "eligible_citizens": eligible_citizens,
                "deadline": deadline, "added_at": now})
        return key

    def rotate_key(self, site_id):
        key = new_site_key()
        with self.engine.begin() as conn:
            done = conn.execute(hub_sites.update().where(hub_sites.c.site_id == site_id)
                                .values(key_hash=key_hash(key))).rowcount
        if not done:
            raise UnknownSite(site_id)
        return key

    def update_site(self, site_id, **values):
        """Change name, district, eligible_citizens or deadline; False if no such site."""
        allowed = {"name", "district", "eligible_citizens", "deadline"}
        values = {k: v for k, v in values.items() if k in allowed}
        if not values:
            return self.site(site_id) is not None
        with self.engine.begin() as conn:
            return conn.execute(hub_sites.update().where(hub_sites.c.site_id == site_id)
                                .values(**values)).rowcount == 1

    def site_for_key(self, key):
        """The site id a key belongs to, or None."""
        if not key:
            return None
        with self._reading() as conn:
            return conn.execute(sa.select(hub_sites.c.site_id).where(
                hub_sites.c.key_hash == key_hash(key))).scalar()

    _SITE_COLUMNS = [c for c in hub_sites.c if c.name not in ("key_hash", "site_json")]

    def sites(self):
        """Every registered site (no key hashes, no settings), by district then id."""
        with self._reading() as conn:
            rows = conn.execute(sa.select(*self._SITE_COLUMNS)
                                .order_by(hub_sites.c.district, hub_sites.c.site_id))
            return [dict(r._mapping) for r in rows]

    def site(self, site_id):
        with self._reading() as conn:
            row = conn.execute(sa.select(*self._SITE_COLUMNS)
                               .where(hub_sites.c.site_id == site_id)).first()
            return dict(row._mapping) if row else None

    def site_settings(self, site_id):
        """The site's settings dict its agent sent (`site_from_dict` makes the engine's Site
        of it), or None before its agent first reported."""
        with self._reading() as conn:
            text = conn.execute(sa.select(hub_sites.c.site_json)
                                .where(hub_sites.c.site_id == site_id)).scalar()
        return json.loads(text) if text else None

    def acknowledged(self, site_id, now=None):
        """The last seq the hub holds for the site (with no gap before it); a site asking
        counts as seen (its link works even when it has nothing to send)."""
        with self.engine.begin() as conn:
            if now is not None:
                conn.execute(hub_sites.update().where(hub_sites.c.site_id == site_id)
                             .values(last_seen_at=now))
            found = conn.execute(sa.select(hub_sites.c.last_seq)
                                 .where(hub_sites.c.site_id == site_id)).scalar()
        if found is None:
            raise UnknownSite(site_id)
        return found

    # -- ingest ----------------------------------------------------------------------------
    def ingest(self, site_id, events, now, site_clock=None, campaign=None, settings=None,
               key=None):
        """Store a batch of one site's events (consecutive seqs, checked by the caller).
        Returns (last acknowledged seq, how many were new); raises Gap, UnknownSite, or
        WrongKey when `key` is given and is not the site's (then nothing is written). The
        key is checked on the row the batch locks anyway: one round trip fewer a batch."""
        gap = None
        try:
            with self.engine.begin() as conn:
                if self.async_commit:
                    conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
                # The row lock orders batches of one site across every hub process.
                row = conn.execute(sa.select(hub_sites.c.last_seq, hub_sites.c.key_hash)
                                   .where(hub_sites.c.site_id == site_id)
                                   .with_for_update()).first()
                if row is None:
                    raise (UnknownSite(site_id) if key is None else WrongKey(site_id))
                if key is not None and not hmac.compare_digest(row.key_hash, key_hash(key)):
                    raise WrongKey(site_id)
                last = row.last_seq
                changes = {"last_seen_at": now}
                if site_clock is not None:
                    changes["clock_skew_s"] = site_clock - now
                for key in ("eligible_citizens", "deadline"):
                    if campaign and campaign.get(key) is not None:
                        changes[key] = campaign[key]
                if settings is not None:
                    changes["site_json"] = json.dumps(settings, ensure_ascii=False)
                new = [e for e in events if e["seq"] > last]
                if events and events[0]["seq"] > last + 1:
                    gap, new = last + 1, []  # only "seen" and the skew are written
                if new:
                    conn.execute(self._insert_ignoring_duplicates(),
                                 [_row_of(site_id, e, now) for e in new])
                    # The bookings the events settle (checked in, no-show, missed), in the
                    # batch's transaction: a booking's status never runs ahead of its events.
                    from .booking_fate import record  # (it imports this module's tables)
                    record(conn, site_id, new)
                    changes.update(last_seq=new[-1]["seq"], last_event_at=new[-1]["at"])
                conn.execute(hub_sites.update().where(hub_sites.c.site_id == site_id)
                             .values(**changes))
        except (OperationalError, DBAPIError) as exc:
            raise StoreUnavailable(str(exc.orig)) from None
        if gap is not None:
            raise Gap(gap)
        return changes.get("last_seq", last), len(new)

    def _insert_ignoring_duplicates(self):
        dialect = postgresql if self.is_postgres else sqlite
        return dialect.insert(hub_events).on_conflict_do_nothing(
            index_elements=["site_id", "seq"])

    # -- viewers ---------------------------------------------------------------------------
    def add_user(self, username, password_hash, display_name):
        with self.engine.begin() as conn:
            conn.execute(hub_users.delete().where(hub_users.c.username == username))
            conn.execute(hub_users.insert(), {"username": username, "password_hash": password_hash,
                                              "display_name": display_name})

    def user(self, username):
        with self._reading() as conn:
            row = conn.execute(sa.select(hub_users).where(hub_users.c.username == username)).first()
            return dict(row._mapping) if row else None

    def secret(self, make):
        """The hub's session secret: the first process to ask stores `make()`."""
        with self._reading() as conn:
            found = conn.execute(sa.select(hub_secrets.c.secret)
                                 .where(hub_secrets.c.name == "session")).scalar()
        if found:
            return found
        try:
            with self.engine.begin() as conn:
                conn.execute(hub_secrets.insert(), {"name": "session", "secret": make()})
        except IntegrityError:
            pass  # another process stored it first
        with self._reading() as conn:
            return conn.execute(sa.select(hub_secrets.c.secret)
                                .where(hub_secrets.c.name == "session")).scalar()

    # -- sizes (bench, operations) -----------------------------------------------------------
    def event_count(self, site_id=None):
        query = sa.select(sa.func.count()).select_from(hub_events)
        if site_id is not None:
            query = query.where(hub_events.c.site_id == site_id)
        with self._reading() as conn:
            return conn.execute(query).scalar()

