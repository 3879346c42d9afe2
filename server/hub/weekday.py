"""Today against the same weekday of the weeks before: tickets issued by hour, summed over
the chosen sites, as a small SVG line chart (pygal, like the site reports' charts).

Each day is folded from the store by the site reports' own fold (server/reports/fold.py);
past days are kept for a few minutes (a site coming back online may still add to them).
The store is read by the caller (green under `qms hub`); each fold runs in `blocking`.
"""
import datetime
import time

import pygal

from ..reports.charts import _config
from ..reports.fold import fold

WEEKS = 4
PAST_DAY_SECONDS = 300  # how long a past day's hourly counts are reused
HOURS = range(6, 19)  # a site's working day, 06:00 to 18:59, local time


class WeekdayCounts:
    def __init__(self, reader, weeks=WEEKS):
        self.reader, self.weeks = reader, weeks
        self._cache = {}  # (site_id, day) -> (read at, {hour: issued})

    def days(self, today):
        day = datetime.date.fromisoformat(today)
        return [(day - datetime.timedelta(weeks=w)).isoformat() for w in range(self.weeks + 1)]

    def _hourly(self, hub_site, day, today, blocking):
        key = (hub_site.site_id, day)
        cached = self._cache.get(key)
        if cached and day != today and time.monotonic() - cached[0] < PAST_DAY_SECONDS:
            return cached[1]
        events = self.reader.events_for_days(hub_site.site_id, day, day)
        report = blocking(fold, hub_site.engine_site(), events, day, day)
        counts = {h: load.arrivals for h, load in report.hours.items()}
        self._cache[key] = (time.monotonic(), counts)
        return counts

    def series(self, hub_sites, today, now_hour=None, blocking=lambda fn, *a: fn(*a)):
        """{day: [cumulative issued at the end of each hour of HOURS]}, today first; today's
        line stops at the current hour."""
        out = {}
        for day in self.days(today):
            total = dict.fromkeys(range(24), 0)
            for hub_site in hub_sites:
                for hour, n in self._hourly(hub_site, day, today, blocking).items():
                    total[hour] += n
            running, line = sum(total[h] for h in range(HOURS.start)), []
            for hour in HOURS:
                running += total[hour]
                line.append(None if day == today and now_hour is not None and hour > now_hour
                            else running)
            out[day] = line
        return out


def weekday_chart(series, title):
    chart = _config(pygal.Line, title, width=720, height=300, dots_size=2,
                    allow_interruptions=True, legend_at_bottom_columns=len(series))
    chart.x_labels = [f"{h}h" for h in HOURS]
    for i, (day, line) in enumerate(series.items()):
        d = datetime.date.fromisoformat(day)
        label = f"Hôm nay {d:%d/%m}" if i == 0 else f"{d:%d/%m} (−{i} tuần)"
        chart.add(label, line, stroke_style={"width": 4 if i == 0 else 1.5})
    return chart.render(is_unicode=True)
