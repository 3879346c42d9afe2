"""The report page for the site chief (`/reports`, roles chief and admin): a period picker, the
document heading, key figures, charts and tables, printable on A4; downloads as .xlsx and CSV.

Signed-out visitors get the sign-in form; a plain officer is told the page is for the chief.
"""
from flask import Blueprint, Response, current_app, render_template, request, session

from .. import auth
from ..blocking import run_blocking
from ..engine import Refused
from . import period_of
from .service import document_for
from .tables import shown
from .writers import write

bp = Blueprint("reports", __name__, template_folder="templates", static_folder="static",
               static_url_path="/reports/static")

SIGN_IN = {"nav_key": "reports", "page_vi": "Báo cáo điểm cấp", "page_en": "Site reports",
           "forbidden_vi": "Trang này dành cho trưởng điểm và quản trị viên.",
           "forbidden_en": "This page is for the site chief and administrators."}
KINDS = (("day", "Ngày"), ("week", "Tuần"), ("month", "Tháng"), ("range", "Khoảng ngày"))


def _runtime():
    return current_app.extensions["qms.runtime"]


def _period():
    args = request.args
    kind = args.get("kind", "day")
    if kind == "range":
        return period_of(kind="range", first=args.get("from", ""), last=args.get("to", ""))
    day = args.get("day") or _runtime().today()
    return period_of(day, kind)


@bp.get("/reports")
def report_page():
    site = _runtime().site
    if not auth.session_is_live(_runtime().store, site.id):
        return render_template("signin.html", **SIGN_IN), 401
    if session.get("role") not in auth.ALLOWED["chief"]:
        return render_template("signin.html", forbidden=True, **SIGN_IN), 403
    try:
        period = _period()
    except Refused as refusal:
        return render_template("reports/page.html", site=site, error=refusal, kinds=KINDS,
                               args=request.args, doc=None), refusal.status

    runtime = _runtime()
    # pygal (~0.15 CPU-s to import) only when a report is first drawn, not at every start;
    # imported here, on the serving thread, not inside the worker thread below.
    from .charts import all_charts

    def build():  # no Flask in here: it runs in a real thread under eventlet
        doc = document_for(runtime, period)
        return doc, all_charts(doc.report)

    doc, charts = run_blocking(build)
    response = current_app.make_response(render_template(
        "reports/page.html", site=site, doc=doc, charts=charts, shown=shown, kinds=KINDS,
        args=request.args, period=period, query=request.query_string.decode(),
        officer=session.get("officer_name"), error=None))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reports/download.<fmt>")
@auth.officer_required(role="chief")
def download(fmt):
    if fmt not in ("xlsx", "csv"):
        raise Refused("bad_format", "Định dạng tải về: xlsx hoặc csv.",
                      "Download format must be xlsx or csv.", 404)
    period = _period()
    runtime = _runtime()
    data, content_type, ext = run_blocking(lambda: write(document_for(runtime, period), fmt))
    name = f"bao-cao-{_runtime().site.id}-{period.slug}.{ext}"
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

