"""From a ticket to ESC/POS bytes, and the transports that carry them to a printer.

    job = render_ticket(ticket, site, paper="80mm", mode="raster", profile=get_profile("epson-tm-t82"))
    with open_printer("tcp://10.0.0.5:9100") as printer:
        if printer.status().ok:
            printer.send(job)

preview_ticket_png() draws the same bytes as the printer would, for the admin preview page.
"""

from .errors import PrinterError, PrinterUnavailable, UnencodableText, UnknownTransport
from .escpos_preview import preview_png
from .printer_status import PrinterStatus
from .profiles import DEFAULT_PROFILE, PROFILES, PrinterProfile, get_profile
from .ticket_render import MODES, render_ticket
from .transports import Printer, open_printer


def preview_ticket_png(ticket: dict, site: dict, *, paper: str = "80mm", mode: str = "raster",
                       profile: PrinterProfile = DEFAULT_PROFILE) -> bytes:
    """The ticket as a PNG, drawn from the very bytes render_ticket would send."""
    job = render_ticket(ticket, site, paper=paper, mode=mode, profile=profile)
    return preview_png(job, profile.paper_dots(paper), profile)


__all__ = [
    "render_ticket", "preview_ticket_png", "open_printer", "Printer", "PrinterStatus",
    "PrinterProfile", "PROFILES", "DEFAULT_PROFILE", "get_profile", "MODES",
    "PrinterError", "PrinterUnavailable", "UnencodableText", "UnknownTransport",
]
