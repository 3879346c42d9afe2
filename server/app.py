"""The Flask app factory: one site, its store, its runtime, its HTTP and Socket.IO doors."""
import os

import sqlalchemy.exc
from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .engine import Refused
from .kiosk_access import PublicLimiter
from .site_file import DEMO_SITE, load_site
from .store import StoreUnavailable, open_store


DEFAULTS = {
    "SITE_FILE": DEMO_SITE,
    "STORE_URL": None,  # default: sqlite:///<instance>/qms.sqlite3
    "SQLITE_SYNCHRONOUS": "FULL",
    "MAX_CONTENT_LENGTH": 16 * 1024,
    "TICKET_RATE_LIMIT": "5/300",
    "PUBLIC_BASE_URL": "",
    # Reverse proxies whose X-Forwarded-For/-Proto are believed (and which may hold many
    # connections): nginx on the same box is 127.0.0.1.
    "TRUSTED_PROXIES": [],
    "MESSAGE_QUEUE": None,  # e.g. redis://127.0.0.1:6379/0 when several processes serve a site
    # Redis pub/sub ignores the database number: sites sharing a Redis need their own
    # channel, so the default is qms-socketio-<site id>.
    "SOCKETIO_CHANNEL": None,
    # How often `qms serve` reads an SQLite store for other processes' writes
    # (PostgreSQL notifies at once; this is then only the fallback).
    "STORE_WATCH_SECONDS": 0.2,
    "ASYNC_MODE": None,
    # A kiosk's print agent that is silent this many seconds is offline (it beats every 5 s).
    "AGENT_TIMEOUT": 15,
    # A change's pushes leave before the officer's HTTP answer is written (issue 15:
    # docs/performance.md measures both orders); false: the answer first.
    "PUSH_BEFORE_ANSWER": True,
    # Jobs older than this when an agent comes back are not printed (docs/kiosk.md).
    "PRINT_RESEND_MINUTES": 5,
    # Officer sessions: not readable by scripts, never sent by another site's page, one shift.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    # The cookie is written when the session changes, not re-signed on every request: the
    # shift's end is the store's expires_at, set at sign-in like the cookie's (issue 15).
    "SESSION_REFRESH_EACH_REQUEST": False,
}


def _private_folder(path):
    """The instance folder holds the store and its secrets: its owner's only (0700)."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.stat(path)
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        os.chmod(path, 0o700)


def _private_sqlite(url):
    """An SQLite store file (and its WAL) readable by its owner only (0600)."""
    if not url.startswith("sqlite:///"):
        return
    path = url[len("sqlite:///"):]
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name) and os.stat(name).st_mode & 0o077:
            try:
                os.chmod(name, 0o600)
            except OSError:
                pass  # not ours to change (a shared folder the operator set up)


def create_app(config=None, instance_path=None):
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.path.abspath(instance_path) if instance_path else None)
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("QMS")
    app.config.update(config or {})
    app.json.ensure_ascii = False  # Vietnamese as UTF-8: readable, and a third of the size
    _private_folder(app.instance_path)
    if not app.config["STORE_URL"]:
        app.config["STORE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "qms.sqlite3")

    from .runtime import SiteRuntime
    site = load_site(app.config["SITE_FILE"])
    options = {"sqlite_synchronous": app.config["SQLITE_SYNCHRONOUS"]} \
        if app.config["STORE_URL"].startswith("sqlite") else {}
    options["site_id"] = site.id  # owner of older officers and devices (revision 0005)
    store = open_store(app.config["STORE_URL"], **options)
    _private_sqlite(app.config["STORE_URL"])
    from .retention import erase_expired_notes, erase_spent_phones, phone_eraser
    try:
        erase_expired_notes(store, site)
        erase_spent_phones(store, site)
    except StoreUnavailable as exc:  # a read-only store still serves; erased next start
        app.logger.error("could not erase expired personal data: %s", exc)
    runtime = SiteRuntime(site, store)
    runtime.subscribe(phone_eraser(store))
    app.config["SOCKETIO_CHANNEL"] = app.config["SOCKETIO_CHANNEL"] or f"qms-socketio-{site.id}"
    app.extensions["qms.runtime"] = runtime
    from . import auth
    auth.configure_sessions(app, store, site.id)
    from . import http_headers
    http_headers.install(app)
    from . import officer_nav
    officer_nav.install(app)
    from . import day_text, number_text
    day_text.install(app)
    number_text.install(app)
    app.extensions["qms.public_limiter"] = PublicLimiter(app.config["TICKET_RATE_LIMIT"])

    from .api import bp as api_bp
    from .openapi import bp as openapi_bp
    from .pages import register_pages
    app.register_blueprint(api_bp)
    app.register_blueprint(openapi_bp)
    from .appointments.checkin import bp as checkin_bp  # appointments (issue 13)
    app.register_blueprint(checkin_bp)
    register_pages(app)

    from .realtime import init_realtime
    init_realtime(app, runtime)
    from .appointments import notify  # "your turn nears" messages, when configured
    notify.install(app, runtime)
    # Outermost, around Socket.IO too: its same-origin check must see the client's https.
    from .proxy import TrustedProxyFix
    app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config["TRUSTED_PROXIES"])

    _register_errors(app)
    return app


def _register_errors(app):
    @app.errorhandler(Refused)
    def refused(exc):
        response = jsonify(error=exc.as_dict())
        if getattr(exc, "retry_after", None):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response, exc.status

    # A write outside the event log (a sign-in's session, the audit log) meeting a full or
    # read-only disk is the same condition: 503 with the reason, not a 500.
    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(sqlalchemy.exc.OperationalError)
    def unavailable(exc):
        app.logger.error("store unavailable: %s", exc)
        return jsonify(error={"code": "store_unavailable",
                              "message": "Hệ thống tạm thời không ghi được dữ liệu. Vui lòng thử lại.",
                              "message_en": "The store cannot be written right now; try again."}), 503

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 404 and _wants_page():
            return render_template("not_found.html", path=request.path), 404
        return jsonify(error={"code": exc.name.lower().replace(" ", "_"),
                              "message": _HTTP_VI.get(exc.code, exc.name),
                              "message_en": exc.description}), exc.code


def _wants_page():
    """A browser asking for a page (Accept: text/html first), not an API client: /api and
    Socket.IO paths always answer JSON."""
    if request.path.startswith(("/api/", "/socket.io/")):
        return False
    accept = request.accept_mimetypes
    return accept.accept_html and accept.quality("text/html") > accept.quality("application/json")


_HTTP_VI = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy.",
    405: "Phương thức không được phép.",
    413: "Dữ liệu quá lớn.",
    423: "Tài khoản đang bị khoá.",
    429: "Quá nhiều yêu cầu, vui lòng thử lại sau.",
    415: "Kiểu dữ liệu không được hỗ trợ.",
}
