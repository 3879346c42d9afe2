"""Who may watch the provincial dashboard: hub users (`qms hub add-user`), signed in with a
password (werkzeug's salted hash, checked off the event loop) into a session cookie signed
with the hub's secret, which every hub process shares through the store. Sites never sign in:
they send batches with their key (server/hub/ingest.py)."""
import functools
import secrets

from flask import jsonify, session
from werkzeug.security import check_password_hash, generate_password_hash

from ..blocking import run_blocking



@functools.cache
def _dummy_hash():
    # Unknown names cost the same time as known ones; made on first use (hashing is slow).
    return generate_password_hash(secrets.token_hex(8))


def create_user(store, username, password, display_name=None):
    if not username or len(username) > 64:
        raise ValueError("username: 1 to 64 characters")
    if len(password or "") < 8:
        raise ValueError("password: at least 8 characters")
    store.add_user(username, generate_password_hash(password), display_name or username)


def check_login(store, username, password):
    """The user's row if the password is right and the account enabled, else None."""
    user = store.user(username or "")  # green on the hub: a query waits like a socket
    stored = user["password_hash"] if user else _dummy_hash()
    if not run_blocking(check_password_hash, stored, password or "") or user is None:
        return None
    return None if user["disabled"] else user


def current_viewer():
    return session.get("hub_user")


def not_signed_in():
    return jsonify(error={"code": "not_signed_in",
                          "message": "Cần đăng nhập tài khoản của tỉnh.",
                          "message_en": "Sign in with a hub account."}), 401


def viewer_required(view):
    """For the dashboard's and reports' HTTP routes (hub-view's pages use it too)."""
    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not current_viewer():
            return not_signed_in()
        return view(*args, **kwargs)
    return checked
