"""Site settings on a page (`/admin/settings`) instead of editing the site file: services,
counters and their services, priority groups, the display notice. Each save is one engine
command (ChangeSite): checked by the site file's rules and against today's tickets, recorded
as a `site_changed` event with who and when, and pushed to every screen like any change."""
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, session

from .. import auth
from ..api import body
from ..engine.commands import ChangeSite
from ..engine.site import site_to_dict

bp = Blueprint("admin_settings", __name__, template_folder="templates", static_folder="static",
               static_url_path="/admin/settings/static")


# [opening_hours] weekday keys (docs/site-file.md) and how the page names them.
WEEKDAY_NAMES = (("mon", "Thứ Hai", "Monday"), ("tue", "Thứ Ba", "Tuesday"),
                 ("wed", "Thứ Tư", "Wednesday"), ("thu", "Thứ Năm", "Thursday"),
                 ("fri", "Thứ Sáu", "Friday"), ("sat", "Thứ Bảy", "Saturday"),
                 ("sun", "Chủ Nhật", "Sunday"))


def _runtime():
    return current_app.extensions["qms.runtime"]


@bp.get("/admin")
@bp.get("/admin/")
def admin_home():
    """A chief who types /admin lands on the settings page (which signs in), not a JSON 404."""
    return redirect("/admin/settings")


@bp.get("/admin/settings")
def settings_page():
    site = _runtime().site
    if not auth.session_is_live(_runtime().store, site.id):
        return render_template("admin_settings/settings.html", site=site, signed_in=False), 401
    if session.get("role") != "admin":
        return render_template("admin_settings/settings.html", site=site, signed_in=True,
                               forbidden=True), 403
    response = current_app.make_response(render_template(
        "admin_settings/settings.html", site=site, signed_in=True, forbidden=False,
        csrf=session.get("csrf"), weekdays=WEEKDAY_NAMES))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/admin/site")
@auth.officer_required(role="admin")
def get_site():
    rt = _runtime()
    rt.refresh()
    return jsonify(site=site_to_dict(rt.site), seq=rt.state.seq)


@bp.put("/api/admin/site")
@auth.officer_required(role="admin")
def put_site():
    rt = _runtime()
    p = body()
    data = p.data.get("site")
    events = rt.execute(ChangeSite(data, g.officer, rt.now(), base=rt.file_settings()))
    return jsonify(ok=True, seq=events[-1]["seq"], site=site_to_dict(rt.site),
                   by=events[-1]["by"], at=events[-1]["at"])
