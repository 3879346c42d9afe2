"""The counter tablet page (`/counter`): sign-in, pick a counter, then a large-button console.

The page is static HTML + JS. It signs in with POST /api/login, acts over the HTTP API with the
X-CSRF-Token header, and is kept live by Socket.IO: join {role: "counter", counter: N} with the
officer's session cookie; every change pushes a fresh `counter_view` (server/views.py).
`/counter?counter=3` preselects counter 3. See docs/display-and-counter.md.
"""
import time

from flask import Blueprint, current_app, render_template

bp = Blueprint("officer", __name__, template_folder="templates", static_folder="static",
               static_url_path="/counter/static")


@bp.get("/counter")
def counter_page():
    site = current_app.extensions["qms.runtime"].site
    config = {
        "site_name": site.name,
        "site_name_en": site.name_en,
        "utc_offset_minutes": site.utc_offset_minutes,
        "server_now_ms": int(time.time() * 1000),
        "counters": [{"number": c.number, "name": c.name, "services": list(c.services)}
                     for c in site.counters],
        "services": [{"code": s.code, "letter": s.letter, "name_vi": s.name_vi,
                      "name_en": s.name_en} for s in site.services],
        "priority_groups": [{"code": p.code, "name_vi": p.name_vi, "name_en": p.name_en}
                            for p in site.priority_groups],
    }
    response = current_app.make_response(render_template("officer/counter.html", config=config,
                                                         site=site))
    response.headers["Cache-Control"] = "no-store"
    return response
