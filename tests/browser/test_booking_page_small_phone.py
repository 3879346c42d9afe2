"""/book on small phones (390x844, 360x740): a long site name is read whole (big buttons that
wrap, not a native select that clips it) and a day says "Thứ Ba 01/12", not "T3 01/12" (an
elderly reader does not decode "T3")."""
import datetime
import os
import sys

import pytest

from support.databases import fresh_postgres
from support.hub_process import HubProcess

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "hub"))
from booking_kit import booking_settings, register_site  # noqa: E402

pytestmark = pytest.mark.browser

SMALL_PHONES = [{"width": 390, "height": 844}, {"width": 360, "height": 740}]
SHOTS = os.environ.get("QMS_SHOTS", "/tmp/shots/appoint")
LONG = "Công an phường Bến Nghé — Điểm cấp CCCD và kích hoạt định danh điện tử số 2"
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from server.hub.store import HubStore
    with fresh_postgres("qms_hub_book_small") as url:
        store = HubStore(url)
        settings = booking_settings("long")
        settings["site"]["name"] = LONG
        register_site(store, "long", settings)
        register_site(store, "short")
        store.close()
        with HubProcess(tmp_path_factory.mktemp("hub"), url) as proc:
            yield proc


@pytest.mark.parametrize("size", SMALL_PHONES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_a_long_site_name_is_read_whole_and_days_say_the_weekday(hub, new_page, size):
    page = new_page(size)
    page.goto(hub.url + "/book")
    page.wait_for_selector("#slots .book-chip")
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/booking-small-{size['width']}x{size['height']}.png")
    site = page.locator("#site .book-site", has_text=LONG)
    assert site.count() == 1
    # The whole name on screen: wrapped inside its button, nothing cut at the right edge.
    assert site.evaluate("b => b.scrollWidth <= b.clientWidth")
    box = site.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
    assert box["height"] >= 44  # a finger's target
    site.click()
    page.wait_for_function(
            "[...document.querySelectorAll('#site .book-site')].some("
            "b => b.getAttribute('aria-checked') === 'true' && b.textContent.includes('Điểm cấp'))")
    page.wait_for_selector("#slots .book-chip")
    first = page.locator("#days .book-chip").first
    day = page.evaluate("() => fetch('/api/book/sites/long/slots?service=CCCD')"
                        ".then(r => r.json()).then(d => d.days[0])")
    date = datetime.date.fromisoformat(day)
    assert first.inner_text().split("\n")[0] == WEEKDAYS[date.weekday()]
    assert date.strftime("%d/%m") in first.inner_text()
    page.screenshot(path=f"{SHOTS}/booking-small-{size['width']}x{size['height']}-chosen.png",
                    full_page=True)
    assert page.console_errors == []
