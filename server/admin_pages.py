"""Admin pages: the ticket preview, drawn by the virtual printer from the very ESC/POS bytes a
kiosk printer would receive, so a site can check its header lines, paper width and mode
before printing on paper."""
from flask import Blueprint, Response, current_app, render_template, request, session

from . import auth
from .engine import Refused
from .engine.estimate import Wait
from .views import print_site, ticket_view

bp = Blueprint("admin_pages", __name__, template_folder="templates")

PAPERS = ("58mm", "80mm")
#: Paper width and printed width (mm) per paper: the preview box is the paper, the image the
#: printed part (384 or 576 dots at 8 dots/mm).
PAPER_MM = {"58mm": (58, 48), "80mm": (80, 72)}


def _sample_ticket(site, base_url):
    service = site.services[0]
    return {"id": 1, "number": service.label(25), "service": service.code,
            "service_name_vi": service.name_vi, "service_name_en": service.name_en,
            "priority": "elderly", "priority_name_vi": "Người cao tuổi (từ 60 tuổi)",
            "issued_at": "2026-11-23T08:15:02+07:00", "position": 4, "eta_minutes": 12,
            "eta": Wait(12.0, 10.0, 14.0).as_dict(), "track_url": f"{base_url}/t/1", "status": "waiting"}


@bp.get("/admin/preview")
def preview_page():
    """Signed out (or not an admin): the sign-in form on the page itself, not a JSON error."""
    from printer_drivers import MODES, PROFILES
    if session.get("role") != "admin":
        status = 403 if session.get("officer") else 401
        return render_template("signin.html", forbidden=status == 403, nav_key="preview",
                               page_vi="Xem trước phiếu in", page_en="Ticket preview",
                               forbidden_vi="Trang này dành cho quản trị viên.",
                               forbidden_en="This page is for administrators."), status
    return render_template("admin/preview.html", papers=PAPERS, modes=MODES, paper_mm=PAPER_MM,
                           profiles=sorted(PROFILES), officer=session.get("officer_name"))


def _find_ticket(state, wanted):
    """A ticket of today by its label ("A005", as printed and called) or its internal id."""
    wanted = wanted.strip().upper()
    for ticket in state.tickets.values():
        if ticket.label == wanted:
            return ticket
    return state.tickets.get(int(wanted)) if wanted.isdigit() and len(wanted) < 10 else None


@bp.get("/admin/preview/ticket.png")
@auth.officer_required(role="admin")
def preview_png():
    from printer_drivers import (DEFAULT_PROFILE, MODES, PROFILES, UnencodableText, get_profile,
                                 preview_ticket_png)
    runtime = current_app.extensions["qms.runtime"]
    paper = request.args.get("paper", "80mm")
    mode = request.args.get("mode", "raster")
    profile = request.args.get("profile")
    if paper not in PAPERS or mode not in MODES or (profile and profile not in PROFILES):
        raise Refused("bad_preview", "Khổ giấy, chế độ in hoặc mẫu máy in không hợp lệ.",
                      "Unknown paper, mode or printer profile.", 400)
    base_url = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    wanted = (request.args.get("ticket") or request.args.get("ticket_id") or "")[:32]
    if wanted.strip():
        found = _find_ticket(runtime.state, wanted)
        if found is None:
            raise Refused("unknown_ticket", f"Hôm nay không có số thứ tự {wanted.strip()}.",
                          f"No ticket {wanted.strip()} today.", 404)
        ticket = ticket_view(runtime.state, found, base_url)
    else:
        ticket = _sample_ticket(runtime.site, base_url)
    try:
        png = preview_ticket_png(ticket, print_site(runtime.site), paper=paper, mode=mode,
                                 profile=get_profile(profile) if profile else DEFAULT_PROFILE)
    except UnencodableText as exc:
        raise Refused("unencodable", "Máy in này không in được một số ký tự ở chế độ chữ.",
                      str(exc), 422)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})
