"""`qms hub report` and the report page's downloads on a real hub database: the .xlsx opened
with openpyxl (Vietnamese intact, the figures those of the report), the CSV (UTF-8 with a
BOM for Excel), the text; a bad period refused; the page and its downloads for hub users only."""
import csv
import datetime
import io

import openpyxl
import pytest

from server.hub.app import create_hub_app
from server.hub.province import Province, build_province_document, hub_sites
from server.hub.viewers import create_user
from server.reports import period_of
from support import inprocess
from province_sites import DAYS, three_sites

PROVINCE = "Công an Thành phố Hồ Chí Minh"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with three_sites(tmp_path_factory.mktemp("files")) as found:
        yield found


def qms_hub(store, *args):
    """`qms hub report` run in this process (CliRunner): what it writes is the point, not its
    process (an interpreter and the imports cost ~1 CPU-s a command)."""
    return inprocess.qms("hub", "--store", store.url, "report", *args)


def expected(store):
    """The document as the report builds it in this process, the hub's sites in its order."""
    return build_province_document(store, hub_sites(store), period_of(DAYS[0], "week"),
                                   datetime.date(2026, 12, 3), Province(PROVINCE))




def test_xlsx_opens_with_vietnamese_and_the_reports_figures(hub, tmp_path):
    store, sites, _ = hub
    out = tmp_path / "tinh.xlsx"
    done = qms_hub(store, "--day", DAYS[0], "--week", "--format", "xlsx", "-o", str(out),
                   "--province", PROVINCE, "--place", "TP. Hồ Chí Minh")
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["Theo điểm cấp", "Tiến độ chiến dịch"]
    sheet = book["Theo điểm cấp"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    flat = [v for row in cells for v in row if isinstance(v, str)]
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BỘ CÔNG AN",
                 "CÔNG AN THÀNH PHỐ HỒ CHÍ MINH", "Phường Bến Nghé", "Xã An Nhơn Tây",
                 "Huyện Củ Chi", "Toàn tỉnh", "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert text in flat, text
    assert any(v.startswith("TP. Hồ Chí Minh, ngày ") for v in flat)
    assert any("Tuần từ 30/11/2026 đến 06/12/2026" in v for v in flat)
    # Every row of the site table as the report computes it.
    table = expected(store).table("sites")
    head = next(i for i, row in enumerate(cells) if row[0] == "Điểm cấp")
    assert cells[head][:len(table.columns)] == [c.vi for c in table.columns]
    for i, want in enumerate(table.rows + [table.total]):
        got = cells[head + 1 + i][:len(want)]
        # (a share goes through the file's decimal text: equal to about 15 digits)
        assert got == pytest.approx([None if v == "" else v for v in want]), want[0]
    campaign = [[c.value for c in row] for row in book["Tiến độ chiến dịch"].iter_rows()]
    assert any(row[0] == "Phường Bến Nghé" and "Chậm tiến độ" in row for row in campaign)


def test_csv_and_text(hub):
    store, sites, _ = hub
    done = qms_hub(store, "--day", DAYS[0], "--week", "--format", "csv", "--province", PROVINCE)
    assert done.returncode == 0, done.stderr
    raw = done.stdout.encode("utf-8")  # the bytes written to stdout, as they came
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [PROVINCE]
    table = expected(store).table("sites")
    head = rows.index(["Theo điểm cấp"]) + 1
    assert rows[head] == [c.vi for c in table.columns]
    for i, want in enumerate(table.rows):
        assert rows[head + 1 + i] == ["" if v is None else str(v) for v in want]
    text = qms_hub(store, "--day", DAYS[1], "--province", PROVINCE)
    assert text.returncode == 0, text.stderr
    out = text.stdout
    assert "Ngày 02/12/2026" in out and "Tiến độ chiến dịch" in out and "Xã Tân Phú" in out


def test_a_bad_period_is_refused(hub):
    store, _, _ = hub
    bad = qms_hub(store, "--day", "2026-13-45")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    half = qms_hub(store, "--from", "2026-12-01")
    assert half.returncode == 2 and "--from and --to" in half.stderr


def test_the_report_page_and_downloads_are_for_hub_users(hub):
    store, sites, _ = hub
    app = create_hub_app(store.url, {"ASYNC_MODE": "threading", "TESTING": True})
    create_user(store, "baocao", "matkhau-bao-cao", "Phòng tham mưu")
    client = app.test_client()
    query = f"?kind=week&day={DAYS[0]}"
    assert client.get("/hub/reports" + query).status_code == 401
    assert client.get("/hub/reports/download.xlsx" + query).status_code == 401
    assert client.post("/api/hub/login", json={"username": "baocao",
                                               "password": "matkhau-bao-cao"}).status_code == 200
    page = client.get("/hub/reports" + query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Phường Bến Nghé" in html and "Tiến độ chiến dịch" in html
    xlsx = client.get("/hub/reports/download.xlsx" + query)
    assert xlsx.status_code == 200
    assert 'filename="bao-cao-tinh-2026-11-30_2026-12-06.xlsx"' in xlsx.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book["Theo điểm cấp"]["A1"].value == "BỘ CÔNG AN"
    assert client.get("/hub/reports/download.pdf" + query).status_code == 404
    bad = client.get("/hub/reports?kind=day&day=31/02/2026")
    assert bad.status_code == 400 and "không hợp lệ" in bad.get_data(as_text=True)
