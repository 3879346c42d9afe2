"""The province's report: every site's report (server/reports/) rolled up, and the campaign's
progress per site against its target.

Each site's figures are folded from its events exactly as the site chief's report folds them
(`server.reports.fold`), then added up with `Figures.merge`: counts add, and waits are pooled, so
the province's median wait is the median of all its citizens. The document has the same shape
as a site's (`server/reports/document.py`), so the same writers make its .xlsx, CSV and text.

Campaign progress (docs/hub.md): "done" is the applications accepted (outcome "Tiếp nhận hồ
sơ") from the campaign's first day to the report's last day; the target is the site's eligible
citizens; what is still needed is spread over the working days (Monday to Friday) left until
the deadline, and compared with the site's pace over its last five working days.
"""
import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from ..engine.site import Site
from ..reports.bookings import count_bookings, days_over
from ..reports.fold import Figures, fold
from ..reports.tables import (COUNT_COLUMNS, TIME_COLUMNS, Column, Table, _day_vi,
                              _group_table, figure_value)
from .booking_store import of_days
from .figures import SITE_ID

TITLE = ("BÁO CÁO TỔNG HỢP KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT THỦ TỤC CĂN CƯỚC "
         "VÀ ĐỊNH DANH ĐIỆN TỬ TOÀN TỈNH")
PACE_DAYS = 5  # the pace a site keeps: its accepted applications per working day, lately
DONE_OUTCOME = "accepted"

STATUS = {
    "done": ("Hoàn thành", "Target reached"),
    "on_track": ("Đúng tiến độ", "On track"),
    "behind": ("Chậm tiến độ", "Behind"),
    "overdue": ("Quá hạn", "Deadline passed"),
    "no_target": ("Chưa đặt mục tiêu", "No target set"),
}


@dataclass(frozen=True)
class HubSite:
    """What the hub knows of a site besides its events (the `hub_sites` row)."""
    site_id: str
    name: str
    district: str = ""
    eligible_citizens: int | None = None
    deadline: str | None = None  # YYYY-MM-DD
    utc_offset_minutes: int = 420

    def engine_site(self):
        """A Site for the fold (it needs the site's UTC offset for local hours)."""
        site_id = self.site_id if SITE_ID.match(self.site_id) else "hub-site"
        return Site(id=site_id, name=self.name or self.site_id,
                    utc_offset_minutes=self.utc_offset_minutes)


def hub_sites(store):
    """The hub's registered sites (`HubStore.sites()`) as HubSite, in the store's order."""
    return [HubSite(row["site_id"], row["name"], row["district"] or "",
                    row.get("eligible_citizens"), row.get("deadline"))
            for row in store.sites()]


def working_days(after, until):
    """Monday-to-Friday days d with after < d <= until (dates)."""
    if until <= after:
        return 0
    days = (until - after).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(1, rest + 1):
        if (after + datetime.timedelta(days=weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


def last_working_days(as_of, n):
    """The n working days up to and including as_of (ISO strings), newest last."""
    out, day = [], as_of
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day.isoformat())
        day -= datetime.timedelta(days=1)
    return out[::-1]


@dataclass
class Progress:
    site: HubSite
    done: int
    pace: float  # accepted per working day over the last PACE_DAYS working days
    as_of: str

    @property
    def target(self):
        return self.site.eligible_citizens

    @property
    def share(self):
        return self.done / self.target if self.target else None

    @property
    def remaining(self):
        return None if not self.target else max(0, self.target - self.done)

    @property
    def days_left(self):
        if not self.site.deadline:
            return None
        return working_days(datetime.date.fromisoformat(self.as_of),
                            datetime.date.fromisoformat(self.site.deadline))

    @property
    def needed_per_day(self):
        if self.remaining is None or self.days_left is None:
            return None
        if self.remaining == 0:
            return 0
        return math.ceil(self.remaining / self.days_left) if self.days_left else None

    @property
    def status(self):
        if not self.target:
            return "no_target"
        if self.remaining == 0:
            return "done"
        if self.site.deadline and self.days_left == 0:
            return "overdue"
        if self.needed_per_day is None:  # a target without a deadline: nothing to be late for
            return "on_track"
        return "on_track" if self.pace >= self.needed_per_day else "behind"

    def as_dict(self):
        return {"site_id": self.site.site_id, "name": self.site.name,
                "district": self.site.district, "target": self.target,
                "deadline": self.site.deadline, "done": self.done, "share": self.share,
                "remaining": self.remaining, "days_left": self.days_left,
                "needed_per_day": self.needed_per_day, "pace": round(self.pace, 1),
                "status": self.status, "status_vi": STATUS[self.status][0],
                "status_en": STATUS[self.status][1]}


@dataclass
class ProvinceReport:
    period: object
    sites: list  # [(HubSite, Report)] in the province's order
    progress: list = field(default_factory=list)  # [Progress]
    total: Figures = field(default_factory=Figures)
    services: dict = field(default_factory=lambda: defaultdict(Figures))
    districts: dict = field(default_factory=lambda: defaultdict(Figures))
    days: dict = field(default_factory=lambda: defaultdict(Figures))

    def roll_up(self):
        for hub_site, report in self.sites:
            self.total.merge(report.total)
            self.districts[hub_site.district or "—"].merge(report.total)
            for code, figures in report.services.items():
                self.services[code].merge(figures)
            for day, figures in report.days.items():
                self.days[day].merge(figures)
        return self


def _in_place(fn, *args):
    return fn(*args)


def campaign_progress(reader, hub_site, as_of, campaign_start=None, blocking=_in_place):
    """The site's accepted applications from campaign_start (default: a year before as_of)
    to as_of, and its pace over its last PACE_DAYS working days."""
    as_of_day = datetime.date.fromisoformat(as_of)
    start = campaign_start or (as_of_day - datetime.timedelta(days=365)).isoformat()
    events = reader.events_for_days(hub_site.site_id, start, as_of)
    report = blocking(fold, hub_site.engine_site(), events, start, as_of)
    done = report.total.outcomes.get(DONE_OUTCOME, 0)
    recent = last_working_days(as_of_day, PACE_DAYS)
    pace = sum(report.days[d].outcomes.get(DONE_OUTCOME, 0) for d in recent
               if d in report.days) / PACE_DAYS
    return Progress(hub_site, done, pace, as_of)


def province_report(reader, hub_sites, period, as_of, campaign_start=None, blocking=_in_place):
    """Every site's report of `period`, the province's sums, and campaign progress as of
    `as_of` (the report's last day, or today when that is earlier). One site at a time: its
    events are read (by the caller's thread: green under `qms hub`), then folded in
    `blocking` (a worker thread), so a month of 65 sites is never in memory at once."""
    sites = []
    for hub_site in hub_sites:
        events = reader.events_for_days(hub_site.site_id, period.first, period.last)
        report = blocking(fold, hub_site.engine_site(), events, period.first, period.last)
        # Bookings made and never checked in: the site report's own definition, on hub_bookings.
        count_bookings(report, of_days(reader, hub_site.site_id, period.first, period.last),
                       days_over(reader, hub_site.site_id))
        sites.append((hub_site, report))
    report = ProvinceReport(period, sites).roll_up()
    report.progress = [campaign_progress(reader, s, as_of, campaign_start, blocking)
                       for s in hub_sites]
    return report


# -- the document --------------------------------------------------------------------------
NAME = Column("name", "Điểm cấp", "Site", "text")
DISTRICT = Column("district", "Khu vực", "District", "text")
CAMPAIGN_COLUMNS = [
    NAME, DISTRICT,
    Column("target", "Công dân cần cấp", "Eligible citizens"),
    Column("deadline", "Hạn hoàn thành", "Deadline", "text"),
    Column("done", "Đã tiếp nhận", "Accepted so far"),
    Column("share", "Đạt (% mục tiêu)", "Share of target", "share"),
    Column("remaining", "Còn lại", "Remaining"),
    Column("days_left", "Ngày làm việc còn lại", "Working days left"),
    Column("needed_per_day", "Cần mỗi ngày", "Needed per day"),
    Column("pace", f"Bình quân {PACE_DAYS} ngày gần nhất", f"Pace, last {PACE_DAYS} days",
           "decimal"),
    Column("status_vi", "Đánh giá", "Status", "text"),
]


def _site_table(report):
    columns = [NAME, DISTRICT] + COUNT_COLUMNS + TIME_COLUMNS
    table = Table("sites", "Theo điểm cấp", "By site", columns)
    for hub_site, site_report in report.sites:
        table.rows.append([hub_site.name, hub_site.district] +
                          [figure_value(site_report.total, c.key) for c in columns[2:]])
    table.total = ["Toàn tỉnh", ""] + [figure_value(report.total, c.key) for c in columns[2:]]
    return table


def _campaign_table(report):
    table = Table("campaign", "Tiến độ chiến dịch", "Campaign progress", CAMPAIGN_COLUMNS)
    for progress in report.progress:
        row = progress.as_dict()
        if row["deadline"]:
            row["deadline"] = _day_vi(row["deadline"])
        table.rows.append([row[c.key] for c in CAMPAIGN_COLUMNS])
    targets = [p for p in report.progress if p.target]
    if targets:
        done = sum(min(p.done, p.target) for p in targets)
        target = sum(p.target for p in targets)
        finished = sum(1 for p in targets if p.status == "done")
        table.total = ["Toàn tỉnh", f"{finished}/{len(targets)} điểm hoàn thành", target, "",
                       done, done / target, target - done, None, None, None, ""]
    return table


def province_tables(report, service_names=None):
    service_names = service_names or {}
    tables = [_site_table(report)]
    if any(p.target for p in report.progress):
        tables.append(_campaign_table(report))
    tables.append(_group_table("districts", "Theo khu vực", "By district", ("Khu vực", "District"),
                               sorted(report.districts.items()), str, report.total))
    tables.append(_group_table("services", "Theo dịch vụ (toàn tỉnh)", "By service (province)",
                               ("Dịch vụ", "Service"), sorted(report.services.items()),
                               lambda code: service_names.get(code, code), report.total))
    if report.period.first != report.period.last:
        tables.append(_group_table("days", "Theo ngày (toàn tỉnh)", "By day (province)",
                                   ("Ngày", "Day"), sorted(report.days.items()), _day_vi,
                                   report.total))
    return tables


@dataclass
class Province:
    """The hub's own heading: the province police's name lines and the place for the date."""
    name: str = "Công an tỉnh"
    unit_lines: tuple = ()
    place: str = ""
    utc_offset_minutes: int = 420  # Vietnam: the business day of the hub's reports


@dataclass
class ProvinceDocument:
    """The shape the report writers read (server/reports/writers.py)."""
    province: Province
    period: object
    report: ProvinceReport
    tables: list
    made_on: datetime.date

    @property
    def site(self):  # the writers name the workbook's author and the CSV's first line by it
        return self.province

    @property
    def unit_lines(self):
        return list(self.province.unit_lines) or ["BỘ CÔNG AN", self.province.name.upper()]

    @property
    def dated_line(self):
        place, d = self.province.place, self.made_on
        return f"{place + ', ' if place else ''}ngày {d:%d} tháng {d:%m} năm {d:%Y}"

    @property
    def title(self):
        return TITLE

    @property
    def subtitle(self):
        return f"{self.province.name} — {len(self.report.sites)} điểm cấp — {self.period.label_vi}"

    def table(self, key):
        return next((t for t in self.tables if t.key == key), None)


def build_province_document(reader, hub_sites, period, made_on, province=None,
                            campaign_start=None, service_names=None, blocking=_in_place):
    """The province document of `period`; campaign progress as of the period's last day or
    made_on, whichever is earlier. `blocking` runs each site's fold (a worker thread)."""
    as_of = min(period.last, made_on.isoformat())
    report = province_report(reader, hub_sites, period, as_of, campaign_start, blocking)
    return ProvinceDocument(province or Province(), period, report,
                            province_tables(report, service_names), made_on)


__all__ = ["HubSite", "Province", "ProvinceDocument", "build_province_document",
           "province_report", "campaign_progress", "working_days", "hub_sites"]
