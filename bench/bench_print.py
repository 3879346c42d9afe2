"""Render time and bytes per ticket, per mode and paper width. Run on demand:

    python bench/bench_print.py [--renders 200]

Not part of the test run: timings depend on the machine. Each case renders the same ticket
`renders` times after a warm-up render (fonts loaded, caches filled) and reports the median
and 99th percentile of the wall time of one render_ticket call, and the size of the job.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from printer_drivers import DEFAULT_PROFILE, get_profile, render_ticket  # noqa: E402

TICKET = {
    "id": 17, "number": "A025", "service": "CCCD",
    "service_name_vi": "Cấp, đổi thẻ Căn cước", "service_name_en": "ID card",
    "priority": "elderly", "priority_name_vi": "Người cao tuổi",
    "issued_at": "2026-11-23T08:15:02+07:00", "position": 4, "eta_minutes": 12,
    "track_url": "http://10.0.0.2:5000/t/17",
}
SITE = {
    "name": "Công an phường X — Điểm cấp CCCD",
    "header_lines": ["CÔNG AN THÀNH PHỐ HÀ NỘI"],
    "footer_lines": ["Cảm ơn quý công dân!", "Vui lòng giữ phiếu đến khi được gọi"],
}
CASES = [
    ("raster", "raster", DEFAULT_PROFILE),
    ("raster+image-QR", "raster", replace(DEFAULT_PROFILE, native_qr=False)),
    ("text cp1258", "text", DEFAULT_PROFILE),
    ("text tcvn3", "text", get_profile("epson-tm-t82-tcvn3")),
]


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    args = parser.parse_args()
    print(f"{args.renders} renders per case, Python {sys.version.split()[0]}")
    print(f"{'mode':<17}{'paper':<7}{'bytes':>8}{'median ms':>11}{'p99 ms':>9}"
          f"{'19200 baud s':>14}")
    for label, mode, profile in CASES:
        for paper in ("58mm", "80mm"):
            job = render_ticket(TICKET, SITE, paper=paper, mode=mode, profile=profile)
            times = []
            for _ in range(args.renders):
                start = time.perf_counter()
                render_ticket(TICKET, SITE, paper=paper, mode=mode, profile=profile)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            serial_seconds = len(job) * 10 / 19200  # 8N1: 10 bits on the line per byte
            print(f"{label:<17}{paper:<7}{len(job):>8}{statistics.median(times):>11.2f}"
                  f"{percentile(times, 0.99):>9.2f}{serial_seconds:>14.1f}")


if __name__ == "__main__":
    main()
