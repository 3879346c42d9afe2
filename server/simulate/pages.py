"""The staffing planner page for the site chief (`/plan`, roles chief and admin): "with these
counters from 7:30, what waits?" and "when does this campaign finish?". Simulated days run in
a real thread (the event loop keeps serving the screens); charts are server-rendered SVG."""
import os

from flask import Blueprint, current_app, render_template, request, session

from .. import auth
from ..blocking import run_blocking
from ..day_text import parse_day
from ..engine import Refused
from .plan import plan_campaign, plan_day
from .profile import CounterPlan, load_profile, minutes_of

bp = Blueprint("plan", __name__, template_folder="templates", static_folder="static",
               static_url_path="/plan/static")
SIGN_IN = {"nav_key": "plan", "page_vi": "Lập kế hoạch quầy", "page_en": "Staffing planner",
           "forbidden_vi": "Trang này dành cho trưởng điểm và quản trị viên.",
           "forbidden_en": "This page is for the site chief and administrators."}

PROFILES = os.path.join(os.path.dirname(__file__), "profiles")
MOST_DAYS = 40


def shipped_profiles():
    names = sorted(f[:-5] for f in os.listdir(PROFILES) if f.endswith(".toml"))
    return [(name, load_profile(os.path.join(PROFILES, name + ".toml")).name) for name in names]


def _bad(field_vi, field_en):
    return Refused("bad_plan_input", f"Giá trị không hợp lệ: {field_vi}.",
                   f"Not a valid value: {field_en}.", 400)


def _number(args, name, default, low, high, vi, kind=float):
    try:
        value = kind(args.get(name, default))
    except ValueError:
        raise _bad(vi, name) from None
    if not low <= value <= high:
        raise _bad(vi, name)
    return value


def _day_request(site, args):
    names = dict(shipped_profiles())
    name = args.get("profile", "city-peak")
    if name not in names:
        raise _bad("hồ sơ ngày", "profile")
    profile = load_profile(os.path.join(PROFILES, name + ".toml"))
    counters = [int(n) for n in args.getlist("counter") if n.isdigit()]
    if any(site.counter(n) is None for n in counters):
        raise _bad("quầy", "counter")
    opens = args.get("opens") or profile.opens
    try:
        minutes_of(opens)
    except ValueError:
        raise _bad("giờ mở quầy", "opens") from None
    if counters:
        profile = profile.model_copy(update={"counters": tuple(
            CounterPlan(number=n, opens=opens) for n in counters)})
    return profile, name, counters, opens, {
        "days": _number(args, "days", 10, 1, MOST_DAYS, "số ngày mô phỏng", int),
        "target_p90": _number(args, "target", 30, 1, 240, "mục tiêu p90")}


def _campaign_request(args):
    try:
        start = parse_day(args.get("start", ""))
        deadline = parse_day(args.get("deadline", ""))
    except ValueError:
        raise _bad("ngày bắt đầu / hạn chót", "start / deadline") from None
    if deadline < start:
        raise _bad("hạn chót trước ngày bắt đầu", "deadline before start")
    return {"citizens": _number(args, "citizens", 12000, 1, 1_000_000, "số công dân", int),
            "start": start.isoformat(), "deadline": deadline.isoformat(),
            "counters": _number(args, "c_counters", 4, 0, 100, "số quầy", int),
            "mobile_per_week": _number(args, "mobile", 2, 0, 10, "buổi lưu động", int)}


@bp.get("/plan")
def plan_page():
    runtime = current_app.extensions["qms.runtime"]
    site = runtime.site
    if not session.get("officer"):
        return render_template("signin.html", **SIGN_IN), 401
    if session.get("role") not in auth.ALLOWED["chief"]:
        return render_template("signin.html", forbidden=True, **SIGN_IN), 403
    args = request.args
    what = args.get("run")
    context = {"site": site, "profiles": shipped_profiles(), "args": args, "error": None,
               "plan": None, "charts": None, "campaign": None, "campaign_svg": None,
               "officer": session.get("officer_name"), "most_days": MOST_DAYS}
    status = 200
    # pygal only when a plan is first drawn, not at every start (as the reports' charts).
    from .charts import campaign_chart, day_charts
    try:
        if what == "day":
            profile, name, counters, opens, options = _day_request(site, args)
            plan = run_blocking(plan_day, site, profile, seed=1, **options)
            context.update(plan=plan, charts=run_blocking(day_charts, plan))
        elif what == "campaign":
            campaign = run_blocking(plan_campaign, site, **_campaign_request(args))
            context.update(campaign=campaign, campaign_svg=run_blocking(campaign_chart, campaign))
    except Refused as refusal:
        context["error"], status = refusal, refusal.status
    response = current_app.make_response((render_template("plan/page.html", **context), status))
    response.headers["Cache-Control"] = "no-store"
    return response
