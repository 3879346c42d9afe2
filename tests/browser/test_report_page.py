"""The report page in Chromium against a real server on a store holding two simulated days:
sign-in and roles, the figures and tables of the report, inline SVG charts with nothing fetched
from outside, the .xlsx and CSV downloads, and the A4 print (page.pdf, rasterised by pdftoppm)."""
import datetime
import io
import os
import shutil
import subprocess
import sys
from urllib.parse import urlparse

import pytest
import requests

# The simulated days of the report tests drive the store.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "reports"))

from server import auth  # noqa: E402
from server.app import DEMO_SITE, load_site  # noqa: E402
from server.reports import build_document, period_of  # noqa: E402
from server.reports.document import officer_names  # noqa: E402
from server.reports.tables import shown  # noqa: E402
from server.runtime import SiteRuntime  # noqa: E402
from server.store.sql import SqlStore  # noqa: E402
from simulated_days import Driver  # noqa: E402
from support.server_process import Officer, ServerProcess  # noqa: E402

DAY1, DAY2 = "2026-11-24", "2026-11-25"
DESK = {"width": 1280, "height": 900}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("instance")
    url = "sqlite:///" + str(folder / "qms.sqlite3")
    store = SqlStore(url, sqlite_synchronous="OFF")
    for username, name in (("lan", "Trần Thị Lan"), ("hoa", "Nguyễn Văn Hòa"), ("tuan", "Lê Minh Tuấn")):
        auth.create_officer(store, username, "matkhau-1", name, site_id=load_site(DEMO_SITE).id)
    driver = Driver(SiteRuntime(load_site(DEMO_SITE), store), seed=5)
    driver.run_day(DAY1, {1: [(8, 12, "lan", None)], 2: [(8, 16, "hoa", (11, 13))],
                          3: [(9, 15, "tuan", None)]})
    driver.run_day(DAY2, {1: [(8, 16, "lan", (12, 13))], 2: [(8, 12, "hoa", None)]})
    store.close()
    with ServerProcess(folder) as server:
        server.store_url = url
        yield server


def expected(server, period):
    store = SqlStore(server.store_url)
    try:
        return build_document(store, load_site(DEMO_SITE), period, datetime.date.today(),
                              officer_names(store, load_site(DEMO_SITE).id))
    finally:
        store.close()


def sign_in(page, server, username, password):
    page.goto(server.url + "/reports")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#signin button[type=submit]")


def test_sign_in_and_roles(report_site, new_page):
    assert requests.get(report_site.url + "/reports").status_code == 401
    page = new_page(DESK)
    sign_in(page, report_site, "canbo", "canbo123")
    page.wait_for_selector("text=Trang này dành cho trưởng điểm")
    officer = Officer(report_site.url)
    refused = officer.http.get(report_site.url + "/reports/download.xlsx?day=" + DAY1)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "chief_only"
    wrong = new_page(DESK)
    sign_in(wrong, report_site, "truongdiem", "sai-mat-khau")
    wrong.wait_for_selector("#signin-error:has-text('Sai tên đăng nhập')")


def test_the_page_shows_the_report_of_the_store(report_site, new_page, artifacts):
    page = new_page(DESK)
    outside = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", "localhost") and
            not r.url.startswith("data:") else None)
    sign_in(page, report_site, "truongdiem", "truongdiem123")
    page.wait_for_selector("#period-form")
    page.select_option("#kind", "day")
    page.fill("input[name=day]", DAY1)
    page.click("#period-form button[type=submit]")
    page.wait_for_selector("text=Ngày 24/11/2026")
    # The heading shows while the rest of the page is still arriving: read the tables once
    # the whole page has loaded.
    page.wait_for_load_state("load")
    doc = expected(report_site, period_of(DAY1))
    total = doc.report.total
    assert page.inner_text("#key-issued") == str(total.counts["issued"]) != "0"
    assert page.inner_text("#key-served") == str(total.counts["served"])
    assert page.inner_text("#key-no-show") == str(total.counts["no_show"])
    for name in ("services", "counters", "officers", "hours"):
        table = doc.table(name)
        cells = page.locator(f"#table-{name} tbody tr").all()
        assert len(cells) == len(table.rows)
        for row_el, row in zip(cells, table.rows):
            texts = [t.strip() for t in row_el.locator("td").all_inner_texts()]
            assert texts == [shown(v, c.kind) for v, c in zip(row, table.columns)]
    assert "Trần Thị Lan" in page.inner_text("#table-officers")
    for chart in ("load", "waits", "outcomes"):
        assert page.locator(f"#chart-{chart} svg").count() == 1
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.inner_text(".heading")
    assert "CÔNG AN PHƯỜNG BẾN NGHÉ" in page.inner_text(".heading")
    page.screenshot(path=os.path.join(artifacts, "reports-day-desk.png"), full_page=True)
    assert outside == [] and page.console_errors == []

    narrow = new_page({"width": 800, "height": 1280})
    sign_in(narrow, report_site, "admin", "admin123")
    narrow.wait_for_selector("#period-form")
    narrow.goto(report_site.url + f"/reports?kind=range&from={DAY1}&to={DAY2}")
    assert narrow.inner_text("#key-issued") == str(
        expected(report_site, period_of(kind="range", first=DAY1, last=DAY2))
        .report.total.counts["issued"])
    assert narrow.locator("#table-days tbody tr").count() == 2
    narrow.screenshot(path=os.path.join(artifacts, "reports-range-tablet.png"), full_page=True)


def test_downloads_from_the_page(report_site, new_page):
    from openpyxl import load_workbook
    page = new_page(DESK)
    sign_in(page, report_site, "truongdiem", "truongdiem123")
    page.wait_for_selector("#period-form")
    page.goto(report_site.url + f"/reports?kind=week&day={DAY1}")
    with page.expect_download() as got:
        page.click("#download-xlsx")
    download = got.value
    assert download.suggested_filename == "bao-cao-demo-ben-nghe-2026-11-23_2026-11-29.xlsx"
    with open(download.path(), "rb") as fh:
        book = load_workbook(io.BytesIO(fh.read()))
    sheet = book["Theo dịch vụ"]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in values
    assert "Tuần từ 23/11/2026 đến 29/11/2026" in " ".join(map(str, values))
    with page.expect_download() as got:
        page.click("#download-csv")
    with open(got.value.path(), "rb") as fh:
        data = fh.read()
    assert data.startswith(b"\xef\xbb\xbf") and "Theo dịch vụ".encode() in data


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (tests/run.sh installs it)")
def test_the_page_prints_on_a4_landscape(report_site, new_page, artifacts, tmp_path):
    page = new_page(DESK)
    sign_in(page, report_site, "truongdiem", "truongdiem123")
    page.wait_for_selector("#period-form")
    page.goto(report_site.url + f"/reports?day={DAY1}")
    page.emulate_media(media="print")
    assert not page.is_visible("#period-form")  # the controls stay off the paper
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(p for p in os.listdir(tmp_path) if p.startswith("page") and p.endswith(".png"))
    assert 1 <= len(pages) <= 4
    from PIL import Image
    first = Image.open(tmp_path / pages[0])
    width, height = first.size
    assert abs(width / height - 297 / 210) < 0.02  # A4 landscape, from the page's @page rule
    shutil.copy(tmp_path / pages[0], os.path.join(artifacts, "reports-print-a4-page1.png"))


def test_a_bad_period_is_refused_on_the_page(report_site, new_page):
    page = new_page(DESK)
    sign_in(page, report_site, "truongdiem", "truongdiem123")
    page.wait_for_selector("#period-form")
    answer = page.goto(report_site.url + f"/reports?kind=range&from={DAY2}&to={DAY1}")
    assert answer.status == 400
    assert "Ngày kết thúc trước ngày bắt đầu" in page.inner_text(".error")
