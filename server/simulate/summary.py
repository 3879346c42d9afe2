"""Figures of simulated days: waits per service (median, p90, max), what became of the
tickets, the longest queue, how busy the counters were; as a dict and as a text table."""
from ..reports.fold import median, percentile


def _times(values):
    return {"n": len(values), "median": median(values), "p90": percentile(values, 0.9),
            "max": max(values) if values else None}


def summarize(site, results):
    tickets = [t for r in results for t in r.tickets]
    rows = {}
    for svc in site.services:
        mine = [t for t in tickets if t.service == svc.code]
        rows[svc.code] = {
            "issued": len(mine), "served": sum(1 for t in mine if t.status == "done"),
            "no_show": sum(1 for t in mine if t.status == "no_show"),
            "not_served": sum(1 for t in mine if t.status == "cancelled"),
            "priority": sum(1 for t in mine if t.priority),
            "wait": _times([t.wait for t in mine if t.wait is not None])}
    open_minutes = sum(r.busy_minutes.get(n, 0.0) for r in results for n in r.busy_minutes)
    return {
        "days": len(results), "seeds": [r.seed for r in results],
        "issued": len(tickets), "refused": sum(r.refused for r in results),
        "wait": _times([t.wait for t in tickets if t.wait is not None]),
        "services": rows,
        "queue_max": max((w for r in results for _, w in r.samples), default=0),
        "counter_busy_hours_per_day": round(open_minutes / 60.0 / max(1, len(results)), 1),
    }


def _m(value):
    return "—" if value is None else f"{value:.0f}"


def summary_text(site, summary):
    lines = [f"{summary['days']} ngày mô phỏng · simulated days; "
             f"{summary['issued']} số đã cấp · tickets issued "
             f"(từ chối · refused: {summary['refused']})",
             f"Chờ (phút) · wait (min): trung vị/median {_m(summary['wait']['median'])}, "
             f"p90 {_m(summary['wait']['p90'])}, tối đa/max {_m(summary['wait']['max'])}; "
             f"hàng dài nhất · longest queue {summary['queue_max']}",
             "",
             f"{'Dịch vụ · service':<22}{'cấp':>6}{'xong':>6}{'vắng':>6}{'bỏ dở':>7}"
             f"{'trung vị':>10}{'p90':>6}{'max':>6}"]
    for code, row in summary["services"].items():
        lines.append(f"{code:<22}{row['issued']:>6}{row['served']:>6}{row['no_show']:>6}"
                     f"{row['not_served']:>7}{_m(row['wait']['median']):>10}"
                     f"{_m(row['wait']['p90']):>6}{_m(row['wait']['max']):>6}")
    lines.append("")
    lines.append("cấp issued · xong served · vắng no-show · bỏ dở not served by closing; "
                 "chờ tính bằng phút từ lúc lấy số đến lúc được gọi · waits in minutes, "
                 "ticket to call")
    return "\n".join(lines)
