"""The report's charts as server-rendered SVG (pygal), inlined in the page: no script, no CDN,
and they print on paper as sharp as the text."""
import pygal
from pygal.style import Style

from .fold import median
from .tables import OUTCOME_VI

# The site's palette (the tokens of server/static/core/qms.css: --action, --red, --ok, --warn,
# --action-dark, --muted, --red-dark, --ink): an SVG drawn here cannot read CSS variables, and
# the charts must match the page and the printed report.
PALETTE = {"ink": "#1a1a1a", "muted": "#4a4a4a", "action": "#1556b0", "red": "#a8151b",
           "ok": "#1b6e3a", "warn": "#a15c00", "action-dark": "#0f3f80", "red-dark": "#7d0f14"}
STYLE = Style(
    background="white", plot_background="white", foreground=PALETTE["ink"],
    foreground_strong=PALETTE["ink"], foreground_subtle=PALETTE["muted"], opacity=".9",
    colors=tuple(PALETTE[k] for k in ("action", "red", "ok", "warn", "action-dark", "muted",
                                      "red-dark", "ink")),
    font_family="'Be Vietnam Pro', 'Noto Sans', 'DejaVu Sans', Arial, sans-serif",
    label_font_size=13, major_label_font_size=13, legend_font_size=14, title_font_size=16,
    value_font_size=12, tooltip_font_size=12,
)


def _config(chart_class, title, **extra):
    # js=[]: pygal links its tooltip script from a CDN by default; a site has no internet.
    options = dict(style=STYLE, js=[], width=900, height=360, title=title,
                   disable_xml_declaration=True, legend_at_bottom=True, legend_at_bottom_columns=3,
                   print_values=False, show_y_guides=True, truncate_legend=-1, margin=16)
    options.update(extra)
    return chart_class(**options)


def _hours(report):
    hours = sorted(report.hours)
    return list(range(hours[0], hours[-1] + 1)) if hours else []


def load_chart(report):
    """Arrivals and the waiting peak each hour, with the open counters on the right-hand scale.
    Both scales share their grid lines: the left one steps by a whole number per counter, so
    the right one reads 0, 1, 2 … counters."""
    hours = _hours(report)
    load = [report.hours.get(h) for h in hours]
    arrivals = [x.arrivals if x else 0 for x in load]
    waiting = [x.waiting_peak if x else 0 for x in load]
    counters = [x.open_counters_peak if x else 0 for x in load]
    most_counters = max(max(counters), 1)
    step = max(1, -(-max(arrivals + waiting + [1]) // most_counters))
    chart = _config(pygal.Bar, "Số đã cấp và quầy mở theo giờ (Arrivals vs open counters)",
                    range=(0, step * most_counters), secondary_range=(0, most_counters),
                    y_labels=[step * i for i in range(most_counters + 1)])
    chart.x_labels = [f"{h}h" for h in hours]
    chart.add("Số đã cấp", arrivals)
    chart.add("Đang chờ (cao nhất)", waiting)
    chart.add("Quầy mở (trục phải)", counters, secondary=True)
    return chart.render(is_unicode=True)


def wait_chart(report):
    """The median wait of the citizens first called in each hour, in minutes."""
    hours = _hours(report)
    chart = _config(pygal.Line, "Thời gian chờ theo giờ, phút (Wait over the day, minutes)",
                    dots_size=4, show_dots=True, allow_interruptions=True, show_legend=False)
    chart.x_labels = [f"{h}h" for h in hours]
    values = []
    for h in hours:
        wait = median(report.hours[h].waits) if h in report.hours else None
        values.append(None if wait is None else round(wait / 60.0, 1))
    chart.add("Chờ trung vị", values)
    return chart.render(is_unicode=True)


def outcome_chart(report):
    """How the period's tickets ended: outcomes, no-shows, cancellations, transfers."""
    total = report.total
    chart = _config(pygal.HorizontalBar, "Kết quả (Outcomes)", print_values=True,
                    show_legend=False)
    rows = [(vi, total.outcomes.get(code, 0)) for code, (vi, _) in OUTCOME_VI.items()]
    rows += [("Vắng mặt", total.counts["no_show"]), ("Cán bộ hủy", total.counts["cancelled_officer"]),
             ("Công dân bỏ về", total.counts["cancelled_citizen"]),
             ("Hủy khi hết ngày", total.counts["cancelled_day_close"]),
             ("Chuyển đi", total.counts["transferred"])]
    rows.reverse()  # a horizontal bar chart draws its first row at the bottom
    chart.x_labels = [label for label, _ in rows]
    chart.add("Số lượng", [value for _, value in rows])
    return chart.render(is_unicode=True)


def all_charts(report):
    """The three charts, or none for a period where nothing happened."""
    if not report.hours:
        return {}
    return {"load": load_chart(report), "waits": wait_chart(report),
            "outcomes": outcome_chart(report)}
