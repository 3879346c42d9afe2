"""The hub's pages for the provincial police: the live dashboard (`/hub`), one site's queue
(a panel of it), today against the same weekday of past weeks, and the province report
(`/hub/reports`, with .xlsx and CSV downloads).

Who may see them: hub officers only. They sign in as a site's officers do (server/auth.py:
password hash, server-side session, CSRF token, sign-in throttle), against the `officers`
table of the hub's own database, under the session namespace "hub". Reusing that code keeps
one way of signing in and ending sessions for the whole system, instead of a second one to
get right; a citizen on any network gets the sign-in form and nothing else (the Socket.IO
namespace refuses a connection without a live session). Roles: any hub officer watches the
dashboard; the province report is for `chief` and `admin` (provincial leaders).

Nothing personal reaches these pages: tiles and queues carry counts, ticket numbers as the
wall displays show them and counter states, never officers' notes or tracking links.
"""
import datetime

from flask import Blueprint, Response, current_app, jsonify, render_template, request, session
from flask_socketio import ConnectionRefusedError, join_room

from .. import auth, clock
from ..blocking import run_blocking
from ..engine import Refused
from ..engine.hours import business_day
from ..payload import Payload, bad_input
from ..reports.period import period_of
from ..reports.tables import shown
from ..reports.writers import write
from .board import DASHBOARD_ROOM, Board
from .province import Province, build_province_document
from .weekday import WeekdayCounts, weekday_chart

HUB = "hub"  # the session namespace of hub officers (officer_sessions.site_id)
NAMESPACE = "/hub"
KINDS = (("day", "Ngày"), ("week", "Tuần"), ("month", "Tháng"), ("range", "Khoảng ngày"))

bp = Blueprint("hub_dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/hub/static")


def _ext(name):
    return current_app.extensions["qms.hub." + name]


def _live_session():
    return auth.session_is_live(_ext("officers"), HUB)


def _province():
    return _ext("province")


def _today():
    return business_day(_province_site(), clock.now())


def _province_site():
    from ..engine.site import Site
    return Site(id="hub", name=_province().name)


def _signin(forbidden=False):
    status = 403 if forbidden else 401
    return render_template("hub/signin.html", province=_province(), forbidden=forbidden), status


# -- sign-in ---------------------------------------------------------------------------------
@bp.post("/hub/api/login")
def login():
    p = Payload(request.get_json(silent=True))
    store = _ext("officers")
    officer = auth.check_login(store, p.str("username", max_length=64),
                               p.str("password", max_length=200), site_id=HUB,
                               address=request.remote_addr)
    auth.sign_in(officer, store, HUB)
    return jsonify(officer={"username": session["officer"], "role": session["role"],
                            "display_name": session["officer_name"]},
                   csrf_token=session["csrf"])


@bp.post("/hub/api/logout")
def logout():
    auth.sign_out(_ext("officers"), HUB)
    return jsonify(ok=True)


# -- the dashboard ---------------------------------------------------------------------------
@bp.get("/hub")
def dashboard():
    if not _live_session():
        return _signin()
    response = current_app.make_response(render_template(
        "hub/dashboard.html", province=_province(), officer=session.get("officer_name"),
        role=session.get("role"), csrf=session.get("csrf"),
        push_seconds=_ext("board").push_seconds))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/hub/api/tiles")
@auth.officer_required()
def tiles():
    board = _ext("board")
    return jsonify(board.snapshot(blocking=run_blocking))


@bp.get("/hub/api/sites/<site_id>/queue")
@auth.officer_required()
def site_queue(site_id):
    view = _ext("board").queue(site_id[:64], blocking=run_blocking)
    if view is None:
        raise Refused("unknown_site", "Không có điểm cấp này.", "No such site.", 404)
    return jsonify(view)


@bp.get("/hub/weekday.svg")
@auth.officer_required()
def weekday_svg():
    """Tickets issued by hour today against the same weekday of the past weeks: the whole
    province, or one site (?site=ID)."""
    reader, counts = _ext("reader"), _ext("weekday")
    site_id = request.args.get("site")
    today, now_hour = _today(), _local_hour()

    def build():
        sites = reader.hub_sites()
        if site_id is not None:
            sites = [s for s in sites if s.site_id == site_id]
            if not sites:
                return None
        title = ("Số đã cấp lũy kế theo giờ: hôm nay so với cùng thứ các tuần trước "
                 "(Issued so far, today vs the same weekday)")
        return weekday_chart(counts.series(sites, today, now_hour), title)

    svg = run_blocking(build)
    if svg is None:
        raise Refused("unknown_site", "Không có điểm cấp này.", "No such site.", 404)
    return Response(svg, content_type="image/svg+xml; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def _local_hour():
    from ..engine.hours import local
    return local(_province_site(), clock.now()).hour


# -- the province report ---------------------------------------------------------------------
def _period():
    args = request.args
    kind = args.get("kind", "day")
    if kind == "range":
        return period_of(kind="range", first=args.get("from", ""), last=args.get("to", ""))
    return period_of(args.get("day") or _today(), kind)


def _document(period):
    reader, province = _ext("reader"), _province()
    made_on = datetime.date.fromisoformat(_today())
    return run_blocking(lambda: build_province_document(
        reader, reader.hub_sites(), period, made_on, province))


@bp.get("/hub/reports")
def report_page():
    if not _live_session():
        return _signin()
    if session.get("role") not in auth.ALLOWED["chief"]:
        return _signin(forbidden=True)
    try:
        period = _period()
    except Refused as refusal:
        return render_template("hub/report.html", province=_province(), error=refusal,
                               kinds=KINDS, args=request.args, doc=None), refusal.status
    doc = _document(period)
    response = current_app.make_response(render_template(
        "hub/report.html", province=_province(), doc=doc, shown=shown, kinds=KINDS,
        args=request.args, period=period, query=request.query_string.decode(),
        officer=session.get("officer_name"), error=None))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/hub/reports/download.<fmt>")
@auth.officer_required(role="chief")
def report_download(fmt):
    if fmt not in ("xlsx", "csv"):
        raise Refused("bad_format", "Định dạng tải về: xlsx hoặc csv.",
                      "Download format must be xlsx or csv.", 404)
    period = _period()
    doc = _document(period)
    data, content_type, ext = write(doc, fmt)
    name = f"bao-cao-tinh-{period.slug}.{ext}"
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/hub/report.css")
def report_css():
    """The site report's own stylesheet: the province report is the same kind of document."""
    import os
    from flask import send_from_directory
    folder = os.path.join(os.path.dirname(os.path.dirname(__file__)), "reports", "static")
    return send_from_directory(folder, "reports.css")


# -- Socket.IO: namespace /hub ---------------------------------------------------------------
def _register_socket(socketio, app):
    def live():  # the handshake's cookie session, checked against the store on every event
        return auth.session_is_live(app.extensions["qms.hub.officers"], HUB)

    @socketio.on("connect", namespace=NAMESPACE)
    def connect(_auth=None):
        if not live():
            raise ConnectionRefusedError({"code": "not_signed_in",
                                          "message": "Cần đăng nhập bằng tài khoản cán bộ.",
                                          "message_en": "A hub officer must be signed in."})

    @socketio.on("snapshot", namespace=NAMESPACE)
    def snapshot(_data=None):
        """Join the dashboard's pushes and get every tile now (the answer, then pushes)."""
        if not live():
            return {"ok": False, "error": auth.not_signed_in().as_dict()}
        join_room(DASHBOARD_ROOM, namespace=NAMESPACE)
        return {"ok": True, **app.extensions["qms.hub.board"].snapshot(blocking=run_blocking)}

    @socketio.on("queue", namespace=NAMESPACE)
    def queue(data=None):
        if not live():
            return {"ok": False, "error": auth.not_signed_in().as_dict()}
        try:
            site_id = Payload(data).str("site_id", max_length=64)
        except Refused as refusal:
            return {"ok": False, "error": refusal.as_dict()}
        view = app.extensions["qms.hub.board"].queue(site_id, blocking=run_blocking)
        if view is None:
            return {"ok": False, "error": {"code": "unknown_site", "message": "Không có điểm cấp này.",
                                           "message_en": "No such site."}}
        return {"ok": True, **view}


def init_dashboard(app, socketio, reader, officers, province=None, push_seconds=1.0,
                   offline_after=120.0):
    """Mount the dashboard and report pages on the hub's app: `reader` reads the hub store
    (server/hub/reading.py), `officers` is the store of hub officers and their sessions.
    Returns the Board; the hub's ingest calls `board.site_events(site_id, events, meta)`
    after each committed batch."""
    board = Board(reader, lambda event, data, room: socketio.emit(
        event, data, to=room, namespace=NAMESPACE), push_seconds=push_seconds,
        offline_after=offline_after)
    app.extensions.update({"qms.hub.board": board, "qms.hub.reader": reader,
                           "qms.hub.officers": officers,
                           "qms.hub.province": province or Province(),
                           "qms.hub.weekday": WeekdayCounts(reader)})
    auth.configure_sessions(app, officers, HUB)
    app.register_blueprint(bp)
    _register_socket(socketio, app)

    def ticker():
        with app.app_context():
            board.run(socketio.sleep, blocking=run_blocking)
    socketio.start_background_task(ticker)
    return board


__all__ = ["init_dashboard", "HUB", "NAMESPACE", "bad_input"]
