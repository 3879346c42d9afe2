"""Reports for the site chief: figures folded from the event store for any period, written as
a page, an .xlsx workbook, CSV or text (docs/reports.md)."""
from .document import Document, build_document
from .fold import Report, fold
from .period import Period, period_of

__all__ = ["Document", "build_document", "Report", "fold", "Period", "period_of"]
