"""Officer sign-in and kiosk device tokens.

Officers sign in with a password (stored as a salted hash by werkzeug) and get a cookie
session (HttpOnly, SameSite=Strict) plus a CSRF token that every state-changing officer
request must echo in the X-CSRF-Token header. Socket.IO connections carry the same session
cookie, and Flask-SocketIO only accepts them from the server's own origin, so a page on another
site cannot act for a signed-in officer. Kiosk print agents use a device token instead: a
random secret shown once, stored only as its SHA-256.

Sessions live on the server (`officer_sessions` in the store): the cookie carries a random
session id, and every request and every Socket.IO action checks it there, so logout, a role or
password change and a disabled officer end the session everywhere, also for a copied cookie
(docs/security.md). Password checks run off the event loop and behind the sign-in throttle.
"""
import functools
import hashlib
import hmac
import secrets

from flask import current_app, g, has_request_context, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, clock, sign_in_throttle
from .blocking import run_blocking
from .engine import Refused

ROLES = ("officer", "chief", "admin")
# Who may use what: every role works a counter; a site chief (trưởng điểm) also reads the
# reports and the ratings; an admin also changes the site's settings.
ALLOWED = {"officer": set(ROLES), "chief": {"chief", "admin"}, "admin": {"admin"}}


def not_signed_in():
    return Refused("not_signed_in", "Cần đăng nhập bằng tài khoản cán bộ.",
                   "An officer must be signed in.", 401)


def create_officer(store, username, password, display_name=None, role="officer", *, site_id,
                   demo=False):
    """Create or reset an officer of the site; a reset (new password or role) ends their open
    sessions. `demo`: a demo account (published password), refused unless serving with --demo."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if not username or len(username) > 64:
        raise ValueError("username 1-64 characters and a password of at least 6 characters")
    store.add_officer(site_id, username, _new_password_hash(password), display_name or username,
                      role, demo=demo)
    revoke_sessions(store, site_id, username=username)


def reset_password(store, username, password, site_id):
    """Give an existing officer a new password, ending their open sessions; False if there is
    no such officer."""
    found = store.update_officer(site_id, username, password_hash=_new_password_hash(password))
    if found:
        revoke_sessions(store, site_id, username=username)
    return found


def set_disabled(store, username, disabled, site_id):
    """Disable (ending their open sessions) or enable an officer; False if there is none."""
    found = store.update_officer(site_id, username, disabled=disabled)
    if found and disabled:
        revoke_sessions(store, site_id, username=username)
    return found


def _new_password_hash(password):
    if not password or len(password) < 6:
        raise ValueError("username 1-64 characters and a password of at least 6 characters")
    return generate_password_hash(password)


def check_login(store, username, password, *, site_id, address=None):
    """The site's officer whose password this is, or Refused; throttled."""
    at = clock.now()
    sign_in_throttle.check(store, site_id, username or "", address or "", at)
    officer = store.officer(site_id, username) if username else None
    # Compare against a dummy hash for unknown users too, so timing does not reveal names.
    stored = officer["password_hash"] if officer else _dummy_hash()
    if not run_blocking(check_password_hash, stored, password or "") or officer is None:
        sign_in_throttle.failed(store, site_id, username or "", officer is not None,
                                address or "", at)
        audit.record(store, site_id, "sign_in_failed", target=(username or "")[:64])
        raise Refused("bad_credentials", "Sai tên đăng nhập hoặc mật khẩu.",
                      "Wrong username or password.", 401)
    sign_in_throttle.succeeded(store, site_id, username, address or "")
    if officer.get("demo") and not _serving_demo():
        raise Refused("demo_account", "Tài khoản mẫu chỉ dùng khi chạy thử (qms serve --demo).",
                      "Demo accounts work only with qms serve --demo; create real officers "
                      "(qms create-officer).", 403)
    if officer.get("disabled"):
        raise Refused("officer_disabled", "Tài khoản này đã bị khóa; liên hệ quản trị điểm cấp.",
                      "This account is disabled; ask the site's administrator.", 403)
    return officer


def _serving_demo():
    return bool(has_request_context() and current_app.config.get("DEMO"))


@functools.lru_cache(maxsize=1)
def _dummy_hash():
    # Made on the first unknown name, not at import: hashing costs ~0.4 s of start-up.
    return generate_password_hash(secrets.token_hex(8))


def sign_in(officer, store, site_id):
    """A new server-side session for `officer`; the cookie gets only its id."""
    session.clear()
    session_id = secrets.token_urlsafe(32)
    at = clock.now()
    store.add_session(site_id, token_hash(session_id), officer["username"], officer["role"], at,
                      at + current_app.permanent_session_lifetime.total_seconds())
    session["sid"] = session_id
    session["officer"] = officer["username"]
    session["officer_name"] = officer["display_name"]
    session["role"] = officer["role"]
    session["csrf"] = secrets.token_urlsafe(24)
    session.permanent = True
    audit.record(store, site_id, "sign_in", actor=officer["username"])


def session_is_live(store, site_id):
    """Whether the cookie session's officer session is still open in the store; an ended one
    is forgotten here (HTTP requests and Socket.IO events alike)."""
    if not session.get("officer"):
        return False
    cached = g.get("qms_session_live") if has_request_context() else None
    if cached is not None:
        return cached
    row = store.session(site_id, token_hash(session["sid"])) if session.get("sid") else None
    live = bool(row and row["revoked_at"] is None and row["expires_at"] > clock.now()
                and row["username"] == session.get("officer"))
    if live:
        if session.get("role") != row["role"]:  # changed since; not written every request:
            session["role"] = row["role"]       # a changed session re-sends the cookie
    else:
        for key in ("sid", "officer", "officer_name", "role", "csrf"):
            session.pop(key, None)
    return live


def revoke_sessions(store, site_id, username=None, session_id=None):
    """End sessions in the store and tell this process's listeners (the Socket.IO layer
    disconnects their sockets); returns the ended sessions' id hashes."""
    ended = store.revoke_sessions(site_id, clock.now(), username=username,
                                  id_hash=token_hash(session_id) if session_id else None)
    for listener in _revocation_listeners:
        listener(ended)
    return ended


_revocation_listeners = []


def on_revoke(listener):
    _revocation_listeners.append(listener)


def sign_out(store, site_id):
    if session.get("sid"):
        revoke_sessions(store, site_id, session_id=session["sid"])
        audit.record(store, site_id, "sign_out", actor=session.get("officer"))
    session.clear()


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


def issue_device_token(store, site_id, kiosk, at):
    token = secrets.token_urlsafe(32)
    store.add_device(site_id, kiosk, token_hash(token), at)
    return token


def kiosk_for_token(store, site_id, token):
    """The kiosk (or device) of the site this token was issued to, else None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    device = store.device_by_token_hash(site_id, token_hash(token))
    return device["kiosk"] if device else None


def configure_sessions(app, store, site_id):
    """The session-signing secret: QMS_SECRET_KEY if set, else the site's secret in the store,
    shared by every process of the site (made once; an older instance folder's secret_key file
    is carried over so signed-in officers stay signed in)."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = store.site_secret(site_id, lambda: _legacy_secret(app))

    @app.before_request
    def check_session():
        if session.get("officer"):
            g.qms_session_live = session_is_live(store, site_id)


def _legacy_secret(app):
    import os
    path = os.path.join(app.instance_path, "secret_key")
    try:
        with open(path) as fh:
            return fh.read().strip() or secrets.token_hex(32)
    except OSError:
        return secrets.token_hex(32)


def csrf_token():
    return session.get("csrf") if session.get("officer") else None


__all__ = ["create_officer", "check_login", "sign_in", "officer_required", "current_officer",
           "issue_device_token", "kiosk_for_token", "configure_sessions", "csrf_token"]
