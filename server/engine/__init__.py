"""The queue engine: pure Python, no I/O, no clock. See DESIGN.md, "The queue engine is pure"."""
from . import commands
from .decide import day_summary, decide, require_counter, require_ticket, run, ticket_gate
from .lifecycle import FINAL_STATUSES, OPEN_STATUSES, OUTCOMES, Refused
from .site import Site, SiteFileError, site_from_dict
from .state import SiteState

__all__ = ["commands", "decide", "run", "ticket_gate", "require_counter", "require_ticket", "day_summary", "Refused", "Site", "SiteFileError",
           "SiteState", "site_from_dict", "FINAL_STATUSES", "OPEN_STATUSES", "OUTCOMES"]
