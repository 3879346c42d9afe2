"""The officers' pages named in one place: the small navigation every desk page shows (base.html
includes templates/officer_nav.html), listing only the pages the signed-in officer may open."""
from flask import current_app, has_request_context, session

from . import auth

# (key, path, Vietnamese, English, the role a page asks for: auth.ALLOWED)
PAGES = (
    ("counter", "/counter", "Quầy", "Counter", "officer"),
    ("reports", "/reports", "Báo cáo", "Reports", "chief"),
    ("plan", "/plan", "Kế hoạch quầy", "Planner", "chief"),
    ("settings", "/admin/settings", "Cấu hình", "Settings", "admin"),
    ("people", "/admin/people", "Cán bộ, thiết bị", "Officers, devices", "admin"),
    ("preview", "/admin/preview", "Xem trước phiếu", "Ticket preview", "admin"),
)


def pages_for(role):
    """[{key, path, vi, en}] an officer of `role` may open (also sent to the counter tablet
    with the officer, GET /api/me, for its own list)."""
    return [{"key": key, "path": path, "vi": vi, "en": en}
            for key, path, vi, en, needs in PAGES if role in auth.ALLOWED[needs]]


def links():
    """The pages the signed-in officer may open; [] for a visitor."""
    if not has_request_context():
        return []
    runtime = current_app.extensions["qms.runtime"]
    if not auth.session_is_live(runtime.store, runtime.site.id):
        return []
    return pages_for(session.get("role"))


def install(app):
    @app.context_processor
    def officer_navigation():
        # A function, not a list: only pages that show the navigation pay for the lookup.
        return {"officer_nav_links": links, "officer_name": lambda: session.get("officer_name"),
                "site_name": lambda: current_app.extensions["qms.runtime"].site.name}
