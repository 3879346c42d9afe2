"""The kiosk at its real sizes: 1920x1080 landscape (Vietnamese and English) and 1080x1920
portrait. Nothing a citizen must read is cut, nothing runs off the screen, and an instruction
does not look like a button."""
import pytest

from browser_helpers import past_the_guard, with_clock
from support.server_process import ROOT, ServerProcess, kiosk_page

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}


@pytest.fixture(scope="module")
def long_label_site(tmp_path_factory):
    """The demo site, its first service numbered with two letters and four digits (AB0001),
    and phones on the site's Wi-Fi allowed a few plain tickets an hour."""
    folder = tmp_path_factory.mktemp("site")
    text = open(f"{ROOT}/server/sites/demo.toml", encoding="utf-8").read()
    text = text.replace('letter = "A"\n', 'letter = "AB"\n', 1).replace(
        "number_end = 999\n", "number_end = 9999\n", 1).replace(
        "[policy]\n", "[policy]\npublic_tickets_per_hour = 20\n", 1)
    (folder / "site.toml").write_text(text, encoding="utf-8")
    with ServerProcess(folder / "instance", site=folder / "site.toml") as proc:  # demo officers
        yield proc


def _open(new_page, base, size, lang="vi"):
    page = with_clock(new_page(size))
    page.goto(kiosk_page(base, f"kiosk=K1&lang={lang}"))  # a paired kiosk (device token)
    page.wait_for_selector(".service[data-service='CCCD']")
    page.evaluate("document.fonts.ready")
    past_the_guard(page)  # touches are ignored for a moment after a screen appears
    return page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_service_descriptions_are_read_in_full(site, new_page, artifacts, lang):
    page = _open(new_page, site.url, LANDSCAPE, lang)
    page.screenshot(path=f"{artifacts}/kiosk-1920x1080-{lang}-services.png")
    cut = page.evaluate("""() => Array.from(document.querySelectorAll('.service-desc')).filter(d =>
        d.scrollHeight > d.clientHeight + 1 || d.scrollWidth > d.clientWidth + 1).map(d => d.textContent)""")
    assert cut == []
    assert page.evaluate("document.documentElement.scrollHeight") <= LANDSCAPE["height"]
    bottoms = page.evaluate("Array.from(document.querySelectorAll('.service')).map(s => s.getBoundingClientRect().bottom)")
    assert max(bottoms) <= LANDSCAPE["height"]


def test_english_priority_screen_fits_1080_pixels(site, new_page, artifacts):
    page = _open(new_page, site.url, LANDSCAPE, "en")
    page.click(".service[data-service='CCCD']")
    page.wait_for_selector("#screen-priority:not([hidden])")
    page.wait_for_timeout(300)
    page.screenshot(path=f"{artifacts}/kiosk-1920x1080-en-priority.png")
    assert page.evaluate("document.documentElement.scrollHeight") <= LANDSCAPE["height"]
    assert page.evaluate("document.getElementById('main').scrollHeight <= document.getElementById('main').clientHeight")
    bottoms = page.evaluate("Array.from(document.querySelectorAll('#screen-priority .choice')).map(c => c.getBoundingClientRect().bottom)")
    assert len(bottoms) >= 6 and max(bottoms) <= LANDSCAPE["height"]


def _take_number(page):
    page.click(".service[data-service='CCCD']")
    page.wait_for_selector("#screen-priority:not([hidden])")
    past_the_guard(page)
    page.click("#no-priority")
    page.wait_for_selector("#screen-done:not([hidden])")
    page.wait_for_timeout(300)


def test_portrait_shows_the_whole_long_ticket_number(long_label_site, new_page, artifacts):
    page = _open(new_page, long_label_site.url, PORTRAIT)
    _take_number(page)
    page.screenshot(path=f"{artifacts}/kiosk-1080x1920-long-number.png")
    number = page.evaluate("""() => { const n = document.getElementById('number');
        const r = n.getBoundingClientRect(), t = n.closest('.ticket').getBoundingClientRect();
        return {text: n.textContent, overflow: n.scrollWidth - n.clientWidth,
                inside: r.left >= t.left && r.right <= t.right && t.left >= 0 && t.right <= innerWidth}; }""")
    assert number["text"].startswith("AB") and len(number["text"]) == 6
    assert number["overflow"] <= 0 and number["inside"], number
    # Everything else on the screen stays on it too (a worded wait, the facts, the QR).
    outside = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#screen-done .fact, #screen-done .take, #screen-done .track, #screen-done .finish')).filter(n => {
          const r = n.getBoundingClientRect();
          return r.width && (r.left < 0 || r.right > innerWidth || r.bottom > innerHeight); }).map(n => n.className)""")
    assert outside == []


def test_take_your_ticket_is_an_instruction_not_a_button(site, new_page, artifacts):
    page = _open(new_page, site.url, LANDSCAPE)
    _take_number(page)
    page.screenshot(path=f"{artifacts}/kiosk-1920x1080-vi-number.png")
    style = page.evaluate("""() => { const s = getComputedStyle(document.getElementById('take'));
        return {bg: s.backgroundColor, border: s.borderTopStyle, shadow: s.boxShadow,
                radius: s.borderTopLeftRadius, tag: document.getElementById('take').tagName}; }""")
    assert style["tag"] != "BUTTON"
    assert style["bg"] in ("rgba(0, 0, 0, 0)", "transparent"), style  # no filled box
    assert style["border"] == "none" and style["shadow"] == "none", style


def test_one_person_ahead_in_english_is_singular(site, new_page):
    from support.server_process import take_ticket
    assert take_ticket(site.url, "VNEID").json()["ticket"]["position"] == 0  # nobody else in VNEID
    page = _open(new_page, site.url, LANDSCAPE, "en")
    page.click(".service[data-service='VNEID']")
    page.wait_for_selector("#screen-priority:not([hidden])")
    past_the_guard(page)
    page.click("#no-priority")
    page.wait_for_selector("#screen-done:not([hidden])")
    assert page.inner_text("#ahead") == "1"
    assert page.inner_text("#ahead-label") == "person before you"


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("size", [PHONE, PORTRAIT], ids=["phone", "portrait"])
def test_a_browser_without_a_device_token_says_first_it_is_not_a_kiosk(site, new_page, artifacts, size):
    """The demo site gives numbers at its kiosks only: a page without a kiosk's token says so
    before anything is chosen, shows the queue to read, and offers no choice to refuse later."""
    page = with_clock(new_page(size))
    posted = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    page.goto(site.url + "/kiosk")
    page.wait_for_selector(".service[data-service='CCCD']")
    note = page.locator("#not-kiosk")
    assert note.is_visible()
    assert "Đây không phải kiosk lấy số" in note.inner_text()
    assert "Quét mã QR trên phiếu" in note.inner_text()
    # Said before the services, inside the screen.
    top = page.eval_on_selector("#not-kiosk", "e => e.getBoundingClientRect().bottom")
    first = page.eval_on_selector(".service", "e => e.getBoundingClientRect().top")
    assert top <= first <= size["height"]
    assert page.inner_text("#screen-services h1") == "Tình hình chờ"
    assert page.evaluate("[...document.querySelectorAll('.service')].every(b => b.disabled)")
    past_the_guard(page)
    page.click(".service[data-service='CCCD']", force=True)
    page.wait_for_timeout(300)
    assert page.evaluate("document.body.dataset.screen") == "services"
    assert page.locator("#screen-priority").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.screenshot(path=f"{artifacts}/kiosk-no-token-{size['width']}x{size['height']}.png")
    page.click("#lang-toggle")
    assert "This is not a ticket kiosk" in note.inner_text()
    assert not [u for u in posted if "/api/tickets" in u]


def test_a_phone_where_phones_may_take_numbers_takes_a_plain_one(long_label_site, new_page, artifacts):
    page = with_clock(new_page(PHONE))
    page.goto(long_label_site.url + "/kiosk")
    page.wait_for_selector(".service[data-service='VNEID']")
    assert "Số ưu tiên chỉ được lấy tại kiosk" in page.inner_text("#not-kiosk")
    past_the_guard(page)
    page.click(".service[data-service='VNEID']")
    # No priority screen to choose from and be refused: the plain number at once, kept on the
    # phone's own tracking page (not a kiosk screen that resets after ten seconds).
    page.wait_for_url("**/t/*")
    assert page.inner_text("#number").startswith("B")
    assert "Đang chờ" in page.inner_text("#live")
    # No counter serves it yet: said as it is, not as an estimated wait.
    wait = page.inner_text("#live [data-kind='closed']").strip() + " " + page.inner_text("#live .facts")
    assert "Chưa mở quầy" in wait and "chờ dự kiến" not in wait and "estimated wait" not in wait
    page.screenshot(path=f"{artifacts}/kiosk-phone-ticket-390x844.png")


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_a_wait_range_is_read_whole_on_the_ticket_screen(long_label_site, new_page, artifacts, size):
    """With a counter open and citizens waiting the wait is a range ("20–35 phút"): it stays
    inside its box at both kiosk sizes (it ran past the box's right edge)."""
    from support.server_process import Officer, take_ticket
    import requests
    Officer(long_label_site.url).post("/api/counters/1/open")

    def eta():
        services = requests.get(long_label_site.url + "/api/services", timeout=10).json()["services"]
        return next(s["eta"] for s in services if s["code"] == "CCCD")
    for _ in range(30):  # waiting citizens until the estimate is a range of minutes
        if eta()["kind"] == "minutes" and "–" in eta()["text_vi"]:
            break
        take_ticket(long_label_site.url, "CCCD")
    page = _open(new_page, long_label_site.url, size)
    _take_number(page)
    assert "–" in page.inner_text("#eta"), page.inner_text("#eta")
    page.wait_for_timeout(200)
    fit = page.evaluate("""() => { const e = document.getElementById('eta');
      const r = e.getBoundingClientRect(), b = e.closest('.fact').getBoundingClientRect();
      return {overflow: e.scrollWidth - e.clientWidth, inside: r.left >= b.left && r.right <= b.right}; }""")
    assert fit["overflow"] <= 0 and fit["inside"], fit
    page.screenshot(path=f"{artifacts}/kiosk-wait-range-{size['width']}x{size['height']}.png")
