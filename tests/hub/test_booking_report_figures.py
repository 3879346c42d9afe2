"""Bookings made, checked in and never checked in, in the site's report and the province's: one
booked day lived by a real site (in process) and a real hub (PostgreSQL), and both reports —
figures, tables, .xlsx (opened with openpyxl) and CSV — say the same of it, and what happened.
The hub's bookings carry the same fates (server/hub/booking_fate.py)."""
import csv
import datetime
import io

import openpyxl
import pytest

from server.hub.app import create_hub_app
from server.hub.province import build_province_document, hub_sites
from server.reports import build_document, period_of
from server.reports.writers import write

from booked_day import EXPECTED, EXPECTED_TOTAL, KEYS, BookedDay
from booking_kit import NO_BUDGET

HEADS = {"booked": "Lịch hẹn đã đặt", "checked_in": "Lịch hẹn đã đến",
         "booked_missed": "Lịch hẹn: không đến lấy số"}


@pytest.fixture(scope="module")
def lived(hub_db, tmp_path_factory):
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "TESTING": True,
                                  **NO_BUDGET})
    day = BookedDay(tmp_path_factory.mktemp("booked"), app).live()
    period = period_of(day.day)
    made_on = datetime.date.fromisoformat(day.day)
    site_doc = build_document(day.rt.store, day.rt.site, period, made_on)
    hub_doc = build_province_document(day.hub_store, hub_sites(day.hub_store), period, made_on)
    yield day, site_doc, hub_doc
    day.close()
    day.hub_store.close()


def figures(doc_report_rows, keys=KEYS):
    return {code: {k: f.counts[k] for k in keys} for code, f in doc_report_rows.items()}


def test_the_site_and_the_hub_count_the_days_bookings_alike_and_truly(lived):
    day, site_doc, hub_doc = lived
    site, hub = site_doc.report, hub_doc.report
    assert figures(site.services) == figures(hub.services) == EXPECTED
    assert figures({"": site.total}) == figures({"": hub.total}) == {"": EXPECTED_TOTAL}
    assert figures(site.days) == figures(hub.days) == {day.day: EXPECTED_TOTAL}
    # The province's row of the site says the same as the site's own total.
    sites = hub_doc.table("sites")
    row = dict(zip([c.key for c in sites.columns], sites.rows[0]))
    assert {k: row[k] for k in KEYS} == EXPECTED_TOTAL


def test_the_hubs_bookings_carry_their_fate(lived):
    day, _, _ = lived
    status = {name: day.hub.get(f"/api/book/{b['code']}").json["status"]
              for name, b in day.bookings.items()}
    assert status == {"a": "checked_in", "b": "checked_in", "late": "checked_in_late",
                      "never": "missed", "gone": "cancelled", "came_gone": "cancelled",
                      "v_in": "checked_in", "v_never": "missed"}


def _sheet_rows(data, title):
    sheet = openpyxl.load_workbook(io.BytesIO(data))[title]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _by_heading(rows, first_cell):
    """The row starting with first_cell under the service table's heading row."""
    head = next(i for i, r in enumerate(rows)
                if r and r[0] == "Dịch vụ" and "Lịch hẹn đã đặt" in r)
    row = next(r for r in rows[head + 1:] if r and r[0] == first_cell)
    return dict(zip(rows[head], row))


@pytest.mark.parametrize("which", ["site", "hub"])
def test_the_xlsx_and_csv_carry_the_booking_columns(lived, which):
    _, site_doc, hub_doc = lived
    doc = site_doc if which == "site" else hub_doc
    table = doc.table("services")
    data, _, _ = write(doc, "xlsx")
    rows = _sheet_rows(data, table.title_vi)
    total = _by_heading(rows, "Tổng cộng")
    assert {k: total[h] for k, h in HEADS.items()} == {k: EXPECTED_TOTAL[k] for k in HEADS}
    cccd = _by_heading(rows, table.rows[0][0])
    assert {k: cccd[h] for k, h in HEADS.items()} == {k: EXPECTED["CCCD"][k] for k in HEADS}
    text = write(doc, "csv")[0].decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    never = _by_heading(lines, "Tổng cộng")["Lịch hẹn: không đến lấy số"]
    assert never == str(EXPECTED_TOTAL["booked_missed"])


def test_counters_and_officers_have_no_booking_columns_they_never_fill(lived):
    _, site_doc, _ = lived
    keys = {c.key for c in site_doc.table("counters").columns}
    assert "booked_no_show" in keys and not keys & {"booked", "booked_missed", "checked_in"}
