"""A report as tables with Vietnamese headings: the one layout the page, the .xlsx, the CSV and
the text output all draw, so they cannot disagree on what a column means."""
import math
from dataclasses import dataclass, field

from .. import number_text
from .fold import NO_OFFICER, median


@dataclass(frozen=True)
class Column:
    key: str
    vi: str
    en: str
    kind: str = "count"  # count / share (0..1, shown as %) / minutes / decimal / text


@dataclass
class Table:
    key: str
    title_vi: str
    title_en: str
    columns: list
    rows: list = field(default_factory=list)  # each a list of values, one per column
    total: list | None = None


OUTCOME_VI = {
    "accepted": ("Tiếp nhận hồ sơ", "Accepted"),
    "returned_missing_info": ("Trả lại: thiếu thông tin", "Returned: missing information"),
    "returned_wrong_info": ("Trả lại: sai thông tin", "Returned: wrong information"),
    "other": ("Kết quả khác", "Other outcome"),
}

COUNT_COLUMNS = [
    Column("issued", "Số đã cấp", "Issued"),
    Column("called", "Đã gọi", "Called"),
    Column("served", "Đã giải quyết", "Served"),
    Column("no_show", "Vắng mặt", "No-show"),
    Column("cancelled_officer", "Cán bộ hủy", "Cancelled by officer"),
    Column("cancelled_day_close", "Hủy khi hết ngày", "Cancelled at day close"),
    Column("cancelled_citizen", "Công dân bỏ về", "Citizen left"),
    Column("transferred", "Chuyển đi", "Transferred"),
    # Bookings (server/reports/bookings.py, docs/reports.md): made = checked in + never
    # checked in + (today only) still to come.
    Column("booked", "Lịch hẹn đã đặt", "Bookings made"),
    Column("checked_in", "Lịch hẹn đã đến", "Bookings checked in"),
    Column("checked_in_late", "Lịch hẹn đến muộn", "Booked, came late"),
    # Two different fates a chief read as one ("vắng mặt" / "không đến"): say when it happened.
    Column("booked_no_show", "Lịch hẹn: vắng khi gọi", "Booked: absent when called"),
    Column("booked_missed", "Lịch hẹn: không đến lấy số", "Booked: never came for a number"),
] + [Column("outcome:" + code, vi, en) for code, (vi, en) in OUTCOME_VI.items()] + [
    Column("priority_share", "Tỷ lệ ưu tiên", "Priority share", "share"),
]
# Figures no counter makes: a ticket's issue, a booking made, checked in or never used.
NOT_AT_A_COUNTER = ("issued", "booked", "checked_in", "checked_in_late", "booked_missed")
COUNTER_COLUMNS = [c for c in COUNT_COLUMNS if c.key not in NOT_AT_A_COUNTER]

TIME_COLUMNS = [
    Column("wait.median", "Chờ: trung vị (phút)", "Wait median (min)", "minutes"),
    Column("wait.p90", "Chờ: 90% không quá (phút)", "Wait p90 (min)", "minutes"),
    Column("wait.max", "Chờ: lâu nhất (phút)", "Wait max (min)", "minutes"),
    Column("service.median", "Giải quyết: trung vị (phút)", "Service median (min)", "minutes"),
    Column("service.p90", "Giải quyết: 90% không quá (phút)", "Service p90 (min)", "minutes"),
    Column("service.max", "Giải quyết: lâu nhất (phút)", "Service max (min)", "minutes"),
]

HOUR_COLUMNS = [
    Column("hour", "Giờ", "Hour", "text"),
    Column("arrivals", "Số đã cấp", "Arrivals"),
    Column("waiting_peak", "Đang chờ (cao nhất)", "Waiting (peak)"),
    Column("open_counters_peak", "Quầy mở (nhiều nhất)", "Open counters (peak)"),
    Column("wait_median", "Chờ: trung vị (phút)", "Wait median (min)", "minutes"),
]


def figure_value(figures, key):
    """A column's value from a Figures row: counts, outcomes, shares, minutes."""
    if key.startswith("outcome:"):
        return figures.outcomes.get(key[len("outcome:"):], 0)
    if key.startswith("rating:"):
        return figures.ratings.get(key[len("rating:"):], 0)
    if key == "priority_share":
        return figures.priority_share
    if "." in key:
        which, stat = key.split(".")
        seconds = figures.times(which)[stat]
        return None if seconds is None else round(seconds / 60.0, 1)
    return figures.counts[key]


def _group_table(key, title_vi, title_en, head, groups, names, total=None, columns=None):
    columns = [Column("name", head[0], head[1], "text")] + (columns or COUNT_COLUMNS + TIME_COLUMNS)
    table = Table(key, title_vi, title_en, columns)
    for group_key, figures in groups:
        table.rows.append([names(group_key)] + [figure_value(figures, c.key) for c in columns[1:]])
    if total is not None:
        table.total = ["Tổng cộng"] + [figure_value(total, c.key) for c in columns[1:]]
    return table


def rating_columns(levels):
    return [Column("rating:" + level.code, level.vi, level.en or level.code) for level in levels]


def report_tables(site, report, officer_names=None, rating_levels=()):
    """The report's tables, in the order a chief reads them."""
    officer_names = officer_names or {}
    services = [(s.code, report.services[s.code]) for s in site.services if s.code in report.services]
    known = {s.code for s in site.services}
    services += [(code, f) for code, f in sorted(report.services.items()) if code not in known]

    def service_name(code):
        service = site.service(code)
        return f"{service.letter} – {service.name_vi}" if service else code

    def counter_name(number):
        counter = site.counter(number)
        return counter.name if counter else f"Quầy {number}"

    def officer_name(username):
        if username == NO_OFFICER:
            return "(không ghi tên cán bộ)"
        return officer_names.get(username) or username

    tables = [
        _group_table("services", "Theo dịch vụ", "By service", ("Dịch vụ", "Service"),
                     services, service_name, report.total),
        _group_table("counters", "Theo quầy", "By counter", ("Quầy", "Counter"),
                     sorted(report.counters.items()), counter_name,
                     columns=COUNTER_COLUMNS + TIME_COLUMNS),
        _group_table("officers", "Theo cán bộ", "By officer", ("Cán bộ", "Officer"),
                     sorted(report.officers.items(), key=lambda kv: officer_name(kv[0])),
                     officer_name, columns=COUNTER_COLUMNS + TIME_COLUMNS),
    ]
    if report.first_day != report.last_day:
        tables.append(_group_table("days", "Theo ngày", "By day", ("Ngày", "Day"),
                                   sorted(report.days.items()), _day_vi, report.total))
    hours = Table("hours", "Theo giờ trong ngày", "By hour of day", HOUR_COLUMNS)
    for hour, load in sorted(report.hours.items()):
        wait = median(load.waits)
        hours.rows.append([f"{hour:02d}:00–{hour + 1:02d}:00", load.arrivals, load.waiting_peak,
                           load.open_counters_peak, None if wait is None else round(wait / 60, 1)])
    tables.append(hours)
    if rating_levels:
        columns = rating_columns(rating_levels)
        tables.append(_group_table("ratings_services", "Đánh giá theo dịch vụ",
                                   "Ratings by service", ("Dịch vụ", "Service"), services,
                                   service_name, report.total, columns))
        tables.append(_group_table("ratings_counters", "Đánh giá theo quầy", "Ratings by counter",
                                   ("Quầy", "Counter"), sorted(report.counters.items()),
                                   counter_name, columns=columns))
        tables.append(_group_table("ratings_officers", "Đánh giá theo cán bộ",
                                   "Ratings by officer", ("Cán bộ", "Officer"),
                                   sorted(report.officers.items(), key=lambda kv: officer_name(kv[0])),
                                   officer_name, columns=columns))
    return tables


def _day_vi(day):
    y, m, d = day.split("-")
    return f"{d}/{m}/{y}"


def shown(value, kind):
    """A value as a person reads it: 12, 37 %, 4,5 (Vietnamese decimal comma), –."""
    if value is None:
        return "–"
    if kind == "share":
        return f"{math.floor(value * 100 + 0.5)} %"  # half up, as a spreadsheet rounds
    if kind in ("minutes", "decimal"):
        return number_text.decimal(value)
    return str(value)
