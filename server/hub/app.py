"""The hub's Flask-SocketIO app: ingest for sites, sign-in and the live room for viewers.

Several `qms hub` processes may serve one hub: they share the PostgreSQL store (which orders
each site's batches) and, with `--message-queue redis://…`, python-socketio's Redis manager,
so a dashboard connected to any process hears every site's change. The dashboard page,
drill-down and reports register themselves in `_register_pages` (server/hub/ — docs/hub.md).
"""
import os
import secrets

from flask import Flask, jsonify, request, session
from flask_socketio import SocketIO, join_room
from werkzeug.exceptions import HTTPException

from .. import http_headers, json_limits
from . import viewers
from .live import DASHBOARD_ROOM, HubLive
from .store import HubStore

DEFAULTS = {
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,  # a batch of 1,000 events with day summaries
    "MESSAGE_QUEUE": None,
    "SOCKETIO_CHANNEL": "qms-hub",  # one per hub sharing a Redis
    "ASYNC_MODE": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
}


def create_hub_app(store_url, config=None):
    app = Flask("server.hub", root_path=os.path.dirname(os.path.abspath(__file__)))
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("QMS_HUB")
    app.config.update(config or {})
    app.json.ensure_ascii = False
    store = HubStore(store_url, async_commit=bool(app.config.get("ASYNC_COMMIT")))
    app.extensions["qms.hub.store"] = store
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = store.secret(lambda: secrets.token_hex(32))
    http_headers.install(app)
    socketio = SocketIO(app, async_mode=app.config["ASYNC_MODE"],
                        message_queue=app.config["MESSAGE_QUEUE"],
                        channel=app.config["SOCKETIO_CHANNEL"], json=json_limits)
    app.extensions["qms.hub.live"] = HubLive(socketio)

    from .ingest import bp as ingest_bp
    app.register_blueprint(ingest_bp)
    _register_sign_in(app, store)
    _register_sockets(socketio)
    _register_pages(app)
    from . import booking_api  # appointments (issue 13): the public booking page and API
    booking_api.register(app)
    _register_errors(app)
    return app


def _register_pages(app):
    """The dashboard, drill-down and province reports (hub-view) register here."""
    try:
        from . import pages
    except ImportError:
        return
    pages.register(app)


def _register_sign_in(app, store):
    @app.post("/api/hub/login")
    def login():
        data = request.get_json(silent=True) or {}
        user = viewers.check_login(store, data.get("username"), data.get("password"))
        if user is None:
            return jsonify(error={"code": "bad_login",
                                  "message": "Sai tên đăng nhập hoặc mật khẩu.",
                                  "message_en": "Wrong username or password."}), 401
        session.clear()
        session.permanent = True
        session["hub_user"] = user["username"]
        return jsonify(username=user["username"], display_name=user["display_name"])

    @app.post("/api/hub/logout")
    def logout():
        session.clear()
        return jsonify(ok=True)

    @app.get("/api/hub/me")
    @viewers.viewer_required
    def me():
        return jsonify(username=viewers.current_viewer())

    @app.get("/api/hub/sites")
    @viewers.viewer_required
    def sites():
        return jsonify(sites=store.sites())


def _register_sockets(socketio):
    @socketio.on("connect")
    def connect(auth_data=None):
        # Only signed-in hub users watch; everyone else is refused at the door.
        if not viewers.current_viewer():
            return False
        join_room(DASHBOARD_ROOM)
        return True

    @socketio.on("whoami")
    def whoami(_data=None):
        # Which user and which hub process this connection is on (operators, tests).
        return {"username": viewers.current_viewer(), "process": os.getpid()}


def _register_errors(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        return jsonify(error={"code": exc.name.lower().replace(" ", "_"),
                              "message": exc.name, "message_en": exc.description}), exc.code
