"""`qms report` on a real instance folder: text, CSV (UTF-8 with BOM) and .xlsx, the .xlsx
converted by headless LibreOffice with its Vietnamese intact and its figures those of the
report."""
import csv
import datetime
import glob
import io
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from server.app import DEMO_SITE, load_site  # noqa: E402
from server.reports import build_document, period_of  # noqa: E402
from server.reports.tables import shown  # noqa: E402
from server.runtime import SiteRuntime  # noqa: E402
from server.store.sql import SqlStore  # noqa: E402
from simulated_days import Driver  # noqa: E402
from support import inprocess  # noqa: E402

DAY = "2026-12-01"
SHIFTS = {1: [(8, 12, "lan", None)], 2: [(8, 16, "hoa", (11, 13))], 3: [(9, 15, "tuan", None)]}


def qms(*args):
    """`qms report` on the demo site, run in this process (CliRunner): what it writes is the
    point, not its process (an interpreter and the imports cost ~1 CPU-s a command)."""
    return inprocess.qms(*args, "--site", DEMO_SITE)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("instance")
    store = SqlStore("sqlite:///" + str(folder / "qms.sqlite3"), sqlite_synchronous="OFF")
    from server import auth
    auth.create_officer(store, "lan", "matkhau-1", "Trần Thị Lan", site_id=load_site(DEMO_SITE).id)
    Driver(SiteRuntime(load_site(DEMO_SITE), store), seed=7).run_day(DAY, SHIFTS)
    doc = build_document(store, load_site(DEMO_SITE), period_of(DAY), datetime.date.today(),
                         {"lan": "Trần Thị Lan"})
    store.close()
    return str(folder), doc


def test_text_report(instance):
    folder, doc = instance
    done = qms("report", "--day", DAY, "--instance", folder)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CÔNG AN PHƯỜNG BẾN NGHÉ", "Ngày 01/12/2026",
                 "Theo dịch vụ", "Theo quầy", "Theo cán bộ", "Trần Thị Lan", "Theo giờ trong ngày"):
        assert line in text, line
    total = doc.table("services").total
    assert f"Số đã cấp: {total[1]}" in text


def test_csv_report_opens_in_excel_with_vietnamese(instance):
    folder, doc = instance
    done = qms("report", "--day", DAY, "--format", "csv", "--instance", folder)
    assert done.returncode == 0, done.stderr
    raw = done.stdout.encode("utf-8")  # the bytes written to stdout, as they came
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [doc.site.name]
    head = rows.index(["Theo dịch vụ"]) + 1
    services = doc.table("services")
    assert rows[head] == [c.vi for c in services.columns]
    for i, row in enumerate(services.rows):
        assert rows[head + 1 + i] == ["" if v is None else str(v) for v in row]


def test_bad_periods_are_refused(instance):
    folder, _ = instance
    bad = qms("report", "--day", "2026-13-45", "--instance", folder)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    half = qms("report", "--from", "2026-12-01", "--instance", folder)
    assert half.returncode == 2 and "--from and --to" in half.stderr


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (tests/run.sh installs it)")
def test_xlsx_converts_in_libreoffice_with_vietnamese_intact(instance, tmp_path):
    folder, doc = instance
    out = tmp_path / "bao-cao.xlsx"
    done = qms("report", "--day", DAY, "--format", "xlsx", "-o", str(out), "--instance", folder)
    assert done.returncode == 0, done.stderr
    # Every sheet to its own CSV (UTF-8, comma, quoted text), cells as shown (formats applied),
    # one file per sheet (the last filter option, -1).
    converted = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
         "--outdir", str(tmp_path / "csv"), str(out)], capture_output=True, timeout=180)
    assert converted.returncode == 0, converted.stderr
    sheets = {}
    for path in glob.glob(str(tmp_path / "csv" / "*.csv")):
        with open(path, encoding="utf-8") as fh:
            sheets[os.path.basename(path)[len("bao-cao-"):-4]] = list(csv.reader(fh))
    assert set(sheets) >= {"Theo dịch vụ", "Theo quầy", "Theo cán bộ", "Theo giờ trong ngày"}
    first = sheets["Theo dịch vụ"]
    flat = [cell for row in first for cell in row if cell]
    for text in ("CÔNG AN THÀNH PHỐ HỒ CHÍ MINH", "CÔNG AN PHƯỜNG BẾN NGHÉ",
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 doc.title, doc.subtitle, "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert text in flat, text
    services = doc.table("services")
    head = next(i for i, row in enumerate(first) if row and row[0] == "Dịch vụ")
    assert first[head][:len(services.columns)] == [c.vi for c in services.columns]
    for i, row in enumerate(services.rows + [services.total]):
        got = first[head + 1 + i][:len(row)]
        for value, cell, column in zip(row, got, services.columns):
            if value is None:
                assert cell == ""
            elif column.kind == "share":
                assert cell == shown(value, "share").replace(" ", "")
            elif column.kind == "minutes":
                assert cell == f"{value:.1f}"
            else:
                assert cell == str(value), column.vi
    officers = [row[0] for row in sheets["Theo cán bộ"]]
    assert "Trần Thị Lan" in officers
