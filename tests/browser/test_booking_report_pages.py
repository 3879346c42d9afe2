"""Both report pages with bookings present, in Chromium: the site's /reports (the chief) and
the province's /hub/reports (a hub user), each on real servers holding one booked day lived by
the site and the hub (tests/hub/booked_day.py). The key figures and the service table's booking
columns say the same on both; screenshots at 1366x768 and 1920x1080 in
/tmp/shots/bookreports/ (QMS_SHOTS to change)."""
import os
import sys

import pytest

from support.databases import fresh_postgres
from support.hub_process import HubProcess
from support.server_process import ServerProcess

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "hub"))
from booked_day import EXPECTED_TOTAL, BookedDay  # noqa: E402

pytestmark = pytest.mark.browser

SIZES = [{"width": 1366, "height": 768}, {"width": 1920, "height": 1080}]
SHOTS = os.environ.get("QMS_SHOTS", "/tmp/shots/bookreports")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    from server.hub.app import create_hub_app
    from server.hub.viewers import create_user
    folder = tmp_path_factory.mktemp("booked-pages")
    with fresh_postgres("qms_hub_bookrep") as url:
        app = create_hub_app(url, {"ASYNC_MODE": "threading", "TESTING": True})
        day = BookedDay(folder, app).live()
        create_user(day.hub_store, "baocao", "matkhau-bao-cao", "Phòng tham mưu")
        day.close()
        day.hub_store.close()
        with ServerProcess(folder / "instance", site=day.site_file) as site, \
                HubProcess(folder / "hub", url) as hub:
            yield site, hub, day.day


def _keys(page):
    return {"booked": int(page.inner_text("#key-booked")),
            "checked_in": int(page.inner_text("#key-booked-came")),
            "booked_missed": int(page.inner_text("#key-booked-missed"))}


def _shoot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    for size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=f"{SHOTS}/{name}-{size['width']}x{size['height']}.png")
    # The service table with its booking columns, scrolled into view.
    page.locator("#table-services").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/{name}-services-{size['width']}x{size['height']}.png")


def test_the_site_and_province_report_pages_show_the_bookings(servers, new_page):
    site, hub, day = servers
    want = {k: EXPECTED_TOTAL[k] for k in ("booked", "checked_in", "booked_missed")}
    page = new_page(SIZES[0])
    page.goto(f"{site.url}/reports?day={day}")
    page.fill("input[name=username]", "truongdiem")
    page.fill("input[name=password]", "truongdiem123")
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#key-booked")
    assert _keys(page) == want
    head = page.inner_text("#table-services thead")
    # Two fates a chief must not read as synonyms, each with its English line under it.
    assert "Lịch hẹn: không đến lấy số" in head and "Booked: never came for a number" in head
    assert "Lịch hẹn: vắng khi gọi" in head and "Booked: absent when called" in head
    assert "Lịch hẹn không đến" not in head and "Lịch hẹn vắng mặt" not in head
    # Every header of every table has its English line, as the titles do.
    assert page.locator("section.table th").count() == \
        page.locator("section.table th span.en").count() > 0
    _shoot(page, "site-report")

    page = new_page(SIZES[0])
    page.goto(f"{hub.url}/hub/reports?day={day}")
    page.fill("input[name=username]", "baocao")
    page.fill("input[name=password]", "matkhau-bao-cao")
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#key-booked")
    assert _keys(page) == want
    assert "Lịch hẹn đã đặt" in page.inner_text("#table-sites thead")
    _shoot(page, "province-report")
    assert page.console_errors == []
