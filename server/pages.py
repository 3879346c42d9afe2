"""Where the pages live: each audience's package brings its own blueprint.

The kiosk page comes from `kiosk/`, the wall display from `display/`, the officer pages
(counter tablet, admin) from `server/officer/`. A package that is not there yet simply adds no
page, so the server runs while the pages are being built.
"""
import importlib

PAGE_BLUEPRINTS = ("kiosk.pages", "display.pages", "server.officer.pages", "server.tracking",
                   "server.admin_pages", "server.reports.pages",
                   "server.simulate.pages", "server.ratings.pages",
                   "server.admin.pages", "server.admin.people", "server.admin.recording")


def register_pages(app):
    for module_name in PAGE_BLUEPRINTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        app.register_blueprint(module.bp)
