"""The planner's charts as server-rendered SVG (pygal, the reports' look): no script, no CDN."""
import math

import pygal

from ..reports.charts import _config


def queue_chart(plan):
    """Citizens waiting over the day: the mean of the simulated days and the worst of them."""
    chart = _config(pygal.Line, "Số người đang chờ trong ngày (Queue over the day)",
                    show_dots=False, truncate_label=-1, height=400, margin_bottom=36)
    chart.x_labels = [f"{m // 60}h" if m % 60 == 0 else "" for m, _, _ in plan.queue]
    chart.add("Trung bình · mean", [round(mean, 1) for _, mean, _ in plan.queue])
    chart.add("Ngày đông nhất · worst day", [worst for _, _, worst in plan.queue])
    return chart.render(is_unicode=True)


def wait_chart(plan):
    """Waits of the citizens who took a number in each hour, against the chief's target."""
    chart = _config(pygal.Bar, "Thời gian chờ theo giờ lấy số, phút (Waits by hour, minutes)",
                    height=400)
    chart.x_labels = [f"{h.hour}h" for h in plan.hours]
    chart.add("Trung vị · median", [None if h.wait_median is None else round(h.wait_median)
                                    for h in plan.hours])
    chart.add("p90", [None if h.wait_p90 is None else round(h.wait_p90) for h in plan.hours])
    chart.add(f"Mục tiêu p90 · target ({plan.target_p90:.0f})",
              [plan.target_p90] * len(plan.hours))
    return chart.render(is_unicode=True)


def counters_chart(plan):
    """Counters working each hour and the counters the target needs."""
    top = max([math.ceil(h.counters_open) for h in plan.hours] +
              [h.counters_needed for h in plan.hours] + [1])
    chart = _config(pygal.Bar, "Quầy mở và quầy cần theo giờ (Counters open vs needed)",
                    height=400, margin_bottom=36, y_labels=list(range(top + 1)))
    chart.x_labels = [f"{h.hour}h" for h in plan.hours]
    chart.add("Quầy mở · open", [round(h.counters_open, 1) for h in plan.hours])
    chart.add("Quầy cần · needed", [h.counters_needed for h in plan.hours])
    return chart.render(is_unicode=True)


def campaign_chart(campaign):
    chart = _config(pygal.Line, "Tiến độ chiến dịch theo tuần (Campaign progress by week)",
                    show_minor_x_labels=False, truncate_label=-1, height=420, margin_bottom=36,
                    x_labels_major_every=max(1, len(campaign.weekly) // 12))
    # Weeks as day/month, the way dates are written here.
    chart.x_labels = [f"{week[8:10]}/{week[5:7]}" for week, _, _ in campaign.weekly]
    chart.add("Đã phục vụ · served", [total for _, _, total in campaign.weekly])
    chart.add("Cần · to serve", [campaign.citizens] * len(campaign.weekly))
    return chart.render(is_unicode=True)


def day_charts(plan):
    return {"queue": queue_chart(plan), "waits": wait_chart(plan),
            "counters": counters_chart(plan)}
