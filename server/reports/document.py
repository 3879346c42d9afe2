"""A report as a document: the unit's heading, the period, the tables.

Built from the store, never from the live state, so a past period comes out the same every
time it is asked for. Reading a month of events is a big query: under eventlet, callers run
`build_document` in a real thread (see server/reports/pages.py).
"""
import datetime
from dataclasses import dataclass

from ..appointments import kept
from .bookings import count_bookings, days_over
from .fold import fold
from .tables import report_tables

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TITLE = "BÁO CÁO KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT THỦ TỤC CĂN CƯỚC VÀ ĐỊNH DANH ĐIỆN TỬ"


@dataclass
class Document:
    site: object
    period: object
    report: object
    tables: list
    made_on: datetime.date

    @property
    def unit_lines(self):
        """Top-left heading: the site file's [report] unit_lines, else its first printed
        header line and the site's name in capitals."""
        if self.site.report.unit_lines:
            return list(self.site.report.unit_lines)
        lines = list(self.site.header_lines[:1])
        return lines + [self.site.name.split("—")[0].strip().upper()]

    @property
    def dated_line(self):
        place = self.site.report.place or ""
        d = self.made_on
        return f"{place + ', ' if place else ''}ngày {d:%d} tháng {d:%m} năm {d:%Y}"

    @property
    def title(self):
        return TITLE

    @property
    def subtitle(self):
        return f"{self.site.name} — {self.period.label_vi}"

    def table(self, key):
        return next((t for t in self.tables if t.key == key), None)


def build_document(store, site, period, made_on, officer_names=None, rating_levels=()):
    events = store.events_for_days(site.id, period.first, period.last)
    report = fold(site, events, period.first, period.last)
    count_bookings(report, kept.of_days(store, site.id, period.first, period.last),
                   days_over(store, site.id))
    return Document(site, period, report,
                    report_tables(site, report, officer_names, rating_levels), made_on)


def officer_names(store, site_id):
    """username -> display name of the site's officers, for the officer table."""
    return {o["username"]: o["display_name"] for o in store.all_officers(site_id)}
