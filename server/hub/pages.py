"""The hub's pages for the provincial police (registered by server/hub/app.py): the live
dashboard (`/hub`), one site's queue (a panel of it), today against the same weekday of past
weeks, and the province report (`/hub/reports`, with .xlsx and CSV downloads).

Who may see them: hub users only (`qms hub add-user`, server/hub/viewers.py), signed in with
the hub's own sign-in; a citizen on any network gets the sign-in form and nothing else, and
the hub's Socket.IO refuses a connection without a session. Every hub user may read the
province report too: the hub's users are the province's leaders and their staff, whose job
is these figures (a site's officers are not hub users).

Nothing personal reaches these pages: tiles and queues carry counts, ticket numbers as the
wall displays show them and counter states, never officers' names, notes or tracking links.
"""
import datetime
import json
import os

from flask import (Blueprint, Response, current_app, jsonify, render_template, request,
                   send_from_directory)

from .. import clock
from ..blocking import run_blocking
from ..engine import Refused
from ..engine.hours import business_day, local
from ..payload import Payload
from ..reports.period import period_of
from ..reports.tables import shown
from ..reports.writers import write
from . import viewers
from .board import Board
from .province import Province, build_province_document, hub_sites
from .weekday import WeekdayCounts, weekday_chart

KINDS = (("day", "Ngày"), ("week", "Tuần"), ("month", "Tháng"), ("range", "Khoảng ngày"))
REPORTS_STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "reports", "static")

bp = Blueprint("hub_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/hub/static")


def _ext(name):
    return current_app.extensions["qms.hub." + name]


def _province():
    return _ext("province")


def _now_site():
    from ..engine.site import Site
    return Site(id="hub", name=_province().name, utc_offset_minutes=_province().utc_offset_minutes)


def _today():
    return business_day(_now_site(), clock.now())


def _signin():
    return render_template("hub/signin.html", province=_province()), 401


def _refused(refusal):
    return jsonify(error=refusal.as_dict()), refusal.status


bp.register_error_handler(Refused, _refused)


# -- the dashboard ---------------------------------------------------------------------------
@bp.get("/hub")
def dashboard():
    if not viewers.current_viewer():
        return _signin()
    response = current_app.make_response(render_template(
        "hub/dashboard.html", province=_province(), viewer=viewers.current_viewer()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/hub/api/tiles")
@viewers.viewer_required
def tiles():
    return jsonify(_ext("board").snapshot())


@bp.get("/hub/api/sites/<site_id>/queue")
@viewers.viewer_required
def site_queue(site_id):
    view = _ext("board").queue(site_id[:64])
    if view is None:
        raise Refused("unknown_site", "Không có điểm cấp này.", "No such site.", 404)
    return jsonify(view)


@bp.get("/hub/weekday.svg")
@viewers.viewer_required
def weekday_svg():
    """Tickets issued so far by hour, today against the same weekday of the past weeks: the
    whole province, or one site (?site=ID)."""
    store, counts = _ext("store"), _ext("weekday")
    site_id = request.args.get("site")
    today, now_hour = _today(), local(_now_site(), clock.now()).hour

    sites = hub_sites(store)
    if site_id is not None:
        sites = [s for s in sites if s.site_id == site_id]
        if not sites:
            raise Refused("unknown_site", "Không có điểm cấp này.", "No such site.", 404)
    series = counts.series(sites, today, now_hour, blocking=run_blocking)
    title = "Số đã cấp lũy kế: hôm nay và cùng thứ các tuần trước (Issued so far by hour)"
    svg = run_blocking(weekday_chart, series, title)
    return Response(svg, content_type="image/svg+xml; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


# -- the province report ---------------------------------------------------------------------
def _period():
    args = request.args
    kind = args.get("kind", "day")
    if kind == "range":
        return period_of(kind="range", first=args.get("from", ""), last=args.get("to", ""))
    return period_of(args.get("day") or _today(), kind)


def _document(period):
    store, province = _ext("store"), _province()
    made_on = datetime.date.fromisoformat(_today())
    # The store's reads stay on the loop (green under `qms hub`); each site's fold, the
    # CPU-heavy part, runs in a worker thread.
    return build_province_document(store, hub_sites(store), period, made_on, province,
                                   blocking=run_blocking)


@bp.get("/hub/reports")
def report_page():
    if not viewers.current_viewer():
        return _signin()
    try:
        period = _period()
    except Refused as refusal:
        return render_template("hub/report.html", province=_province(), error=refusal,
                               kinds=KINDS, args=request.args, doc=None,
                               viewer=viewers.current_viewer()), refusal.status
    doc = _document(period)
    response = current_app.make_response(render_template(
        "hub/report.html", province=_province(), doc=doc, shown=shown, kinds=KINDS,
        args=request.args, period=period, query=request.query_string.decode(), error=None,
        viewer=viewers.current_viewer()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/hub/reports/download.<fmt>")
@viewers.viewer_required
def report_download(fmt):
    if fmt not in ("xlsx", "csv"):
        raise Refused("bad_format", "Định dạng tải về: xlsx hoặc csv.",
                      "Download format must be xlsx or csv.", 404)
    period = _period()
    doc = _document(period)
    data, content_type, ext = run_blocking(write, doc, fmt)
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="bao-cao-tinh-{period.slug}.{ext}"',
        "Cache-Control": "no-store"})


@bp.get("/hub/report.css")
def report_css():
    """The site report's own stylesheet: the province report is the same kind of document."""
    return send_from_directory(REPORTS_STATIC, "reports.css")


# -- Socket.IO (the hub's namespace; server/hub/app.py admits signed-in users only) ----------
def _register_socket(socketio, app):
    def refusal():
        return {"ok": False, "error": {"code": "not_signed_in",
                                       "message": "Cần đăng nhập tài khoản của tỉnh.",
                                       "message_en": "Sign in with a hub account."}}

    @socketio.on("snapshot")
    def snapshot(_data=None):
        """Every tile now; the pushes (`tiles`) come to the room the connection joined."""
        if not viewers.current_viewer():
            return refusal()
        return {"ok": True, **app.extensions["qms.hub.board"].snapshot()}

    @socketio.on("queue")
    def queue(data=None):
        if not viewers.current_viewer():
            return refusal()
        try:
            site_id = Payload(data).str("site_id", max_length=64)
        except Refused as refused:
            return {"ok": False, "error": refused.as_dict()}
        view = app.extensions["qms.hub.board"].queue(site_id)
        if view is None:
            return {"ok": False, "error": {"code": "unknown_site",
                                           "message": "Không có điểm cấp này.",
                                           "message_en": "No such site."}}
        return {"ok": True, **view}


def province_from_config(config):
    """The hub's own heading, from QMS_HUB_PROVINCE_NAME, QMS_HUB_PROVINCE_UNIT_LINES (a JSON
    list, e.g. ["BỘ CÔNG AN", "CÔNG AN TỈNH ĐỒNG THÁP"]) and QMS_HUB_PROVINCE_PLACE."""
    lines = config.get("PROVINCE_UNIT_LINES") or ()
    if isinstance(lines, str):
        lines = json.loads(lines)
    return Province(name=config.get("PROVINCE_NAME") or Province.name,
                    unit_lines=tuple(lines), place=config.get("PROVINCE_PLACE") or "")


def _share_the_site_look(app):
    """The hub's pages wear the site's look: the shared base template (server/templates) and
    the core stylesheet, script and fonts (server/static, at /static as on a site)."""
    from jinja2 import ChoiceLoader, FileSystemLoader
    server = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app.jinja_loader = ChoiceLoader([app.jinja_loader,
                                     FileSystemLoader(os.path.join(server, "templates"))])
    app.static_folder = os.path.join(server, "static")


def register(app):
    """Mount the pages on the hub's app, subscribe the dashboard to the ingest hook and start
    its ticker."""
    _share_the_site_look(app)
    from .. import day_text
    day_text.install(app)  # the desk pages' dd/mm/yyyy day fields
    store = app.extensions["qms.hub.store"]
    socketio = app.extensions["qms.hub.live"].socketio
    board = Board(store, lambda event, data, room: socketio.emit(event, data, to=room),
                  push_seconds=float(app.config.get("DASHBOARD_PUSH_SECONDS", 1.0)),
                  offline_after=float(app.config.get("OFFLINE_AFTER_SECONDS", 90.0)),
                  rows_seconds=float(app.config.get("DASHBOARD_ROWS_SECONDS", 5.0)))
    app.extensions.update({"qms.hub.board": board,
                           "qms.hub.province": province_from_config(app.config),
                           "qms.hub.weekday": WeekdayCounts(store)})
    app.extensions["qms.hub.live"].subscribe(board.site_changed)
    app.register_blueprint(bp)
    _register_socket(socketio, app)

    def ticker():
        with app.app_context():
            board.run(socketio.sleep)
    # `qms hub` runs under eventlet; an app made in threading mode (in-process tests) ticks
    # when the test says (board.tick()), so no thread outlives its test's database.
    if app.config.get("DASHBOARD_TICKER", app.config.get("ASYNC_MODE") != "threading"):
        socketio.start_background_task(ticker)
