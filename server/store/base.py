"""The store's interface: an append-only log of events per site, plus each site's officers and
devices.

A command's events are appended in one transaction; "acknowledged" means that transaction
committed. Two writers that decided on the same state both try to write the same next
sequence numbers: the (site_id, seq) key lets exactly one of them commit and the other gets
`Conflict`, catches up and decides again (optimistic concurrency).
"""


class Conflict(Exception):
    """Another writer appended first (same seq or same request_id): catch up and retry."""


class StoreUnavailable(Exception):
    """The database cannot be written or read right now (read-only, disk full, locked)."""


class Store:
    def load_current_day(self, site_id):
        """The events from the last `day_opened` on (all events if no day was opened yet)."""
        raise NotImplementedError

    def events_after(self, site_id, seq, limit=None):
        raise NotImplementedError

    def events_for_days(self, site_id, first_day, last_day):
        """The events of the business days first_day..last_day, for reports."""
        raise NotImplementedError

    def days_opened_after(self, site_id, day):
        """The business days after `day` that a `day_opened` event names, oldest first."""
        raise NotImplementedError

    def append(self, site_id, events, request_id=None, durable=True):
        """Append events atomically; `request_id` is claimed in the same transaction.
        durable=False: the store may leave the commit's sync to disk to make_durable()."""
        raise NotImplementedError

    def make_durable(self):
        """Everything appended so far is on disk when this returns."""

    def request_known(self, site_id, request_id):
        raise NotImplementedError

    # Officers and device tokens belong to a site: one of another site sharing the database
    # is unknown here.
    def add_officer(self, site_id, username, password_hash, display_name, role, demo=False):
        raise NotImplementedError

    def officer(self, site_id, username):
        raise NotImplementedError

    def all_officers(self, site_id):
        """The site's officers: username, display_name, role, disabled (no password hashes)."""
        raise NotImplementedError

    def update_officer(self, site_id, username, **values):
        raise NotImplementedError

    def add_device(self, site_id, kiosk, token_hash, at):
        raise NotImplementedError

    def all_devices(self, site_id):
        raise NotImplementedError

    def device_by_token_hash(self, site_id, token_hash):
        raise NotImplementedError

    def remove_devices(self, site_id, kiosk):
        """Revoke every device token of a kiosk; returns how many there were."""
        raise NotImplementedError

    # Sign-in failures, officer sessions, the audit log and the site secret (server/auth.py,
    # server/sign_in_throttle.py, server/audit.py): see SqlStore.
    def rewrite_events(self, site_id, types, before_at, change):
        """Only to erase personal data from past events (server/retention.py)."""
        raise NotImplementedError

    def sign_in_failures(self, site_id, kind, key):
        raise NotImplementedError

    def record_sign_in_failure(self, site_id, kind, key, at):
        raise NotImplementedError

    def clear_sign_in_failures(self, site_id, kind, key):
        raise NotImplementedError

    def add_session(self, site_id, id_hash, username, role, created_at, expires_at):
        raise NotImplementedError

    def session(self, site_id, id_hash):
        raise NotImplementedError

    def revoke_sessions(self, site_id, at, username=None, id_hash=None):
        raise NotImplementedError

    def audit(self, site_id, at, action, actor=None, target=None, address=None, detail=None):
        raise NotImplementedError

    def audit_entries(self, site_id, limit=200, before_id=None):
        raise NotImplementedError

    def site_secret(self, site_id, make):
        raise NotImplementedError

    def site_key(self, site_id, name, make):
        raise NotImplementedError

    def close(self):
        pass
