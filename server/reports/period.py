"""The period a report covers: one day, the week or month around a day, or a date range."""
import datetime
from dataclasses import dataclass

from ..day_text import parse_day
from ..engine import Refused


@dataclass(frozen=True)
class Period:
    first: str  # YYYY-MM-DD, business days, inclusive
    last: str
    kind: str  # day / week / month / range

    @property
    def label_vi(self):
        first, last = _date(self.first), _date(self.last)
        if self.kind == "day":
            return f"Ngày {first:%d/%m/%Y}"
        if self.kind == "month":
            return f"Tháng {first:%m/%Y}"
        if self.kind == "week":
            return f"Tuần từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"
        return f"Từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"

    @property
    def slug(self):
        return self.first if self.first == self.last else f"{self.first}_{self.last}"


def _bad_day(value):
    return Refused("bad_day", f"Ngày «{value}» không hợp lệ (dd/mm/yyyy hoặc YYYY-MM-DD).",
                   f"Day {value!r} must be a real date dd/mm/yyyy or YYYY-MM-DD.", 400)


def _date(value):
    try:
        return parse_day(value)
    except ValueError:
        raise _bad_day(value) from None


def period_of(day=None, kind="day", first=None, last=None):
    """`kind` day/week/month around `day`, or the range first..last (kind "range")."""
    if kind == "range":
        start, end = _date(first), _date(last)
        if end < start:
            raise Refused("bad_period", "Ngày kết thúc trước ngày bắt đầu.",
                          "The range ends before it starts.", 400)
        if (end - start).days > 366:
            raise Refused("bad_period", "Khoảng thời gian tối đa một năm.",
                          "A report covers at most a year.", 400)
        return Period(start.isoformat(), end.isoformat(), "range")
    anchor = _date(day)
    if kind == "day":
        start = end = anchor
    elif kind == "week":  # Monday to Sunday, as Vietnamese offices count weeks
        start = anchor - datetime.timedelta(days=anchor.weekday())
        end = start + datetime.timedelta(days=6)
    elif kind == "month":
        start = anchor.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    else:
        raise Refused("bad_period", "Kỳ báo cáo: ngày, tuần, tháng hoặc khoảng ngày.",
                      "kind must be day, week, month or range.", 400)
    return Period(start.isoformat(), end.isoformat(), kind)
