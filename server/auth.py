"""Officer sign-in and kiosk device tokens.

Officers sign in with a password (stored as a salted hash by werkzeug) and get a cookie
session (HttpOnly, SameSite=Strict) plus a CSRF token that every state-changing officer
request must echo in the X-CSRF-Token header. Socket.IO connections carry the same session
cookie, and Flask-SocketIO only accepts them from the server's own origin, so a page on another
site cannot act for a signed-in officer. Kiosk print agents use a device token instead: a
random secret shown once, stored only as its SHA-256.
"""
import functools
import hashlib
import hmac
import secrets

from flask import g, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from .engine import Refused

ROLES = ("officer", "chief", "admin")
# Who may use what: every role works a counter; a site chief (trưởng điểm) also reads the
# reports and the ratings; an admin also changes the site's settings.
ALLOWED = {"officer": set(ROLES), "chief": {"chief", "admin"}, "admin": {"admin"}}


def not_signed_in():
    return Refused("not_signed_in", "Cần đăng nhập bằng tài khoản cán bộ.",
                   "An officer must be signed in.", 401)


def create_officer(store, username, password, display_name=None, role="officer"):
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if not username or len(username) > 64 or not password or len(password) < 6:
        raise ValueError("username 1-64 characters and a password of at least 6 characters")
    store.add_officer(username, generate_password_hash(password), display_name or username, role)


def check_login(store, username, password):
    officer = store.officer(username) if username else None
    # Compare against a dummy hash for unknown users too, so timing does not reveal names.
    stored = officer["password_hash"] if officer else _dummy_hash()
    if not check_password_hash(stored, password or "") or officer is None:
        raise Refused("bad_credentials", "Sai tên đăng nhập hoặc mật khẩu.",
                      "Wrong username or password.", 401)
    return officer


@functools.lru_cache(maxsize=1)
def _dummy_hash():
    # Made on the first unknown name, not at import: hashing costs ~0.4 s of start-up.
    return generate_password_hash(secrets.token_hex(8))


def sign_in(officer):
    session.clear()
    session["officer"] = officer["username"]
    session["officer_name"] = officer["display_name"]
    session["role"] = officer["role"]
    session["csrf"] = secrets.token_urlsafe(24)
    session.permanent = True


def current_officer():
    return session.get("officer")


def officer_required(role="officer"):
    """For HTTP views: a signed-in officer (or admin), and the CSRF token on writes."""
    def wrap(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if not session.get("officer"):
                raise not_signed_in()
            if session.get("role") not in ALLOWED[role]:
                if role == "chief":
                    raise Refused("chief_only", "Chỉ trưởng điểm hoặc quản trị viên được xem.",
                                  "Only the site chief or an administrator may see this.", 403)
                raise Refused("admin_only", "Chỉ quản trị viên được thực hiện việc này.",
                              "Only an administrator may do this.", 403)
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                sent = request.headers.get("X-CSRF-Token", "")
                if not hmac.compare_digest(sent, session.get("csrf", "")):
                    raise Refused("csrf", "Phiên làm việc không hợp lệ, hãy tải lại trang.",
                                  "Missing or wrong X-CSRF-Token header.", 403)
            g.officer = session["officer"]
            return view(*args, **kwargs)
        return checked
    return wrap


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_device_token(store, kiosk, at):
    token = secrets.token_urlsafe(32)
    store.add_device(kiosk, token_hash(token), at)
    return token


def kiosk_for_token(store, token):
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    device = store.device_by_token_hash(token_hash(token))
    return device["kiosk"] if device else None


def configure_sessions(app):
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = current_secret(app)


def current_secret(app):
    """A per-installation secret kept in the instance folder, so sessions survive restarts."""
    import os
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(app.instance_path, exist_ok=True)
        with open(path, "w") as fh:
            fh.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    with open(path) as fh:
        return fh.read().strip()


def csrf_token():
    return session.get("csrf") if session.get("officer") else None


__all__ = ["create_officer", "check_login", "sign_in", "officer_required", "current_officer",
           "issue_device_token", "kiosk_for_token", "configure_sessions", "csrf_token"]
