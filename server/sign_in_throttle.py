"""Slowing down password guessers, per officer name and per client address.

After FREE_FAILURES failed sign-ins in a row, each further attempt must wait twice as long as
the one before (2 s, 4 s, 8 s ... at most MAX_DELAY); an officer name with LOCK_FAILURES
failures is locked for LOCK_SECONDS or until an administrator lifts it (`qms unlock-officer`,
POST /api/officers/<name>/unlock). A refused attempt costs no password hash, so a flood of
guesses costs the server almost nothing. The counts live in the store: every process of the
site sees them, and the administrator's lift from the command line takes effect everywhere.
A successful sign-in clears its name and its address.
"""
from .engine import Refused

from flask import current_app, has_app_context

FREE_FAILURES = 3
MAX_DELAY = 300.0
LOCK_SECONDS = 15 * 60
# Settings (QMS_SIGN_IN_BASE_DELAY, QMS_SIGN_IN_LOCK_FAILURES): the first delay in seconds
# and the failures that lock a name.
DEFAULTS = {"SIGN_IN_BASE_DELAY": 2.0, "SIGN_IN_LOCK_FAILURES": 10}


def _setting(name):
    value = current_app.config.get(name) if has_app_context() else None
    return float(DEFAULTS[name] if value is None else value)


def _delay(failures):
    if failures >= _setting("SIGN_IN_LOCK_FAILURES"):
        return LOCK_SECONDS
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, _setting("SIGN_IN_BASE_DELAY") * 2.0 ** (failures - FREE_FAILURES))


def wait_left(row, at):
    """Seconds before the next attempt is heard, for one name's or one address's record."""
    if row is None:
        return 0.0
    return max(0.0, row["last_at"] + _delay(row["failures"]) - at)


def check(store, site_id, username, address, at):
    """Refuse (429, or 423 for a locked name) before any password is hashed."""
    user = store.sign_in_failures(site_id, "user", username.lower()) if username else None
    if user is not None and user["failures"] >= _setting("SIGN_IN_LOCK_FAILURES") and \
            wait_left(user, at) > 0:
        raise _refusal("account_locked", wait_left(user, at),
                       "Tài khoản tạm khoá do đăng nhập sai nhiều lần. Hãy nhờ quản trị viên mở khoá.",
                       "This account is locked after too many failed sign-ins; an administrator "
                       "can unlock it.", 423)
    wait = max(wait_left(user, at),
               wait_left(store.sign_in_failures(site_id, "address", address), at))
    if wait > 0:
        raise _refusal("sign_in_throttled", wait,
                       "Đăng nhập sai nhiều lần. Vui lòng đợi rồi thử lại.",
                       "Too many failed sign-ins; wait and try again.", 429)


def _refusal(code, wait, vi, en, status):
    refusal = Refused(code, vi, en, status)
    refusal.retry_after = max(1, int(wait + 0.999))
    return refusal


def failed(store, site_id, username, known_name, address, at):
    # Only real officer names get a record: made-up names would grow the table without end.
    if known_name:
        store.record_sign_in_failure(site_id, "user", username.lower(), at)
    store.record_sign_in_failure(site_id, "address", address, at)


def succeeded(store, site_id, username, address):
    store.clear_sign_in_failures(site_id, "user", username.lower())
    store.clear_sign_in_failures(site_id, "address", address)


def unlock(store, site_id, username):
    """An administrator lifts a lockout; returns whether there was anything to lift."""
    return bool(store.clear_sign_in_failures(site_id, "user", username.lower()))
