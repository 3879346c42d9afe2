"""The citizen's touch page: /kiosk?kiosk=K1 (the kiosk id tells the server whose printer
prints the ticket). Everything it needs is served from here: no internet at a commune point.

The page talks only to the public API (GET /api/services, POST /api/tickets) and the public
Socket.IO `state` pushes (join {role: "kiosk", kiosk: id}, which also carry this kiosk's
printer health). See docs/kiosk.md.
"""
import re
import time

from flask import Blueprint, Response, current_app, render_template, request

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
               static_url_path="/kiosk/static")

KIOSK_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@bp.get("/kiosk")
def kiosk_page():
    kiosk = request.args.get("kiosk", "")
    if kiosk and not KIOSK_ID.match(kiosk):
        kiosk = ""
    lang = "en" if request.args.get("lang") == "en" else "vi"
    site = current_app.extensions["qms.runtime"].site
    # A browser without a kiosk's device token is a phone: it may take a plain ticket only
    # where the site file allows it (server/kiosk_access.py), and the page says so up front.
    response = Response(render_template("kiosk.html", kiosk=kiosk, lang=lang,
                                        phone_tickets=site.policy.public_tickets_per_hour > 0,
                                        utc_offset_minutes=site.utc_offset_minutes,
                                        server_now_ms=int(time.time() * 1000)))
    # A kiosk runs for days: always fetch the page fresh after a restart of the server.
    response.headers["Cache-Control"] = "no-cache"
    return response
