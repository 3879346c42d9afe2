"""The kiosk's "Nhắn tin khi sắp đến lượt · Text me" (issue 13), in Chromium against a real
site server that texts through the local fake SMS provider: after the number, the citizen
types a phone number on the big on-screen keypad, is told where and when the text goes, the
queue moves and the provider gets the text. A bad number and a server's refusal are said
plainly; a citizen who walks away leaves no number on screen; a site that texts nobody
offers nothing. Screenshots at the kiosk's two sizes in /tmp/shots/kiosk-notify/."""
import os

import pytest

from support.fake_provider import FakeProvider
from support.server_process import Officer, ServerProcess, kiosk_page, take_ticket
from support.waiting import wait_until

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("QMS_SHOTS", "/tmp/shots/kiosk-notify")
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
GUARD_MS = 800  # a screen ignores touches for 0.7 s after it appears (kiosk.js)


@pytest.fixture(scope="module")
def texting(tmp_path_factory):
    with FakeProvider() as sms, ServerProcess(tmp_path_factory.mktemp("texting"), env={
            "QMS_NOTIFY_SMS_URL": sms.url, "QMS_NOTIFY_BACKOFF": "0.01",
            "QMS_NOTIFY_AHEAD": "3"}) as server:
        os.makedirs(SHOTS, exist_ok=True)
        yield server, sms


def take_on_kiosk(page, url, service, size):
    page.goto(kiosk_page(url, "kiosk=K1"))
    page.wait_for_selector(f'.service[data-service="{service}"]')
    page.wait_for_timeout(GUARD_MS)
    page.click(f'.service[data-service="{service}"]')
    page.wait_for_selector("#screen-priority:not([hidden])")
    page.wait_for_timeout(GUARD_MS)
    page.click("#no-priority")
    page.wait_for_selector("#screen-done:not([hidden])")
    page.wait_for_selector("#notify-offer:not([hidden])")
    page.screenshot(path=f"{SHOTS}/done-with-offer-{size['width']}x{size['height']}.png")
    number = page.inner_text("#number")
    page.wait_for_timeout(GUARD_MS)
    page.click("#notify-offer")
    page.wait_for_selector("#screen-notify:not([hidden])")
    page.wait_for_timeout(GUARD_MS)
    return number


def type_digits(page, digits):
    for digit in digits:
        page.click(f'#keypad .key[data-key="{digit}"]')


def test_a_citizen_types_a_number_and_is_texted_when_the_queue_moves(texting, new_page):
    server, sms = texting
    officer = Officer(server.url)
    assert officer.post("/api/counters/5/open").status_code == 200
    ahead = [take_ticket(server.url, "VEHICLE").json()["ticket"] for _ in range(5)]
    page = new_page(PORTRAIT)
    number = take_on_kiosk(page, server.url, "VEHICLE", PORTRAIT)
    assert page.inner_text("#notify-for") == f"Số {number}"
    # Not a mobile number (01…): said plainly, nothing sent.
    type_digits(page, "0123456789")
    page.click("#notify-send")
    page.wait_for_selector("#notify-problem:not([hidden])")
    assert "không hợp lệ" in page.inner_text("#notify-problem")
    page.screenshot(path=f"{SHOTS}/keypad-bad-number-1080x1920.png")
    page.click('#keypad .key[data-key="clear"]')
    type_digits(page, "09876543211")  # an eleventh digit is not taken
    page.click('#keypad .key[data-key="delete"]')
    type_digits(page, "1")
    assert "".join(page.inner_text("#phone-shown").split()) == "0987654321"
    assert page.get_attribute("#phone-shown", "data-digits") == "0987654321"
    page.screenshot(path=f"{SHOTS}/keypad-typed-1080x1920.png")
    page.click("#notify-send")
    page.wait_for_selector("#screen-notified:not([hidden])")
    assert page.inner_text("#notified-text") == "Sẽ nhắn tới 09xx xxx 321 khi còn 3 người"
    assert "when 3 people are ahead" in page.inner_text("#notified-en")
    page.screenshot(path=f"{SHOTS}/notified-1080x1920.png")
    assert sms.received == []  # five ahead: not yet
    for ticket in ahead[:2]:
        called = officer.post("/api/counters/5/call-next").json()["ticket"]
        assert called["id"] == ticket["id"]
        officer.post(f"/api/tickets/{called['id']}/complete", json={"outcome": "accepted"})
    wait_until(lambda: sms.received, timeout=15, message="the text at the fake provider")
    assert [(r["json"]["Phone"], r["json"]["Content"]) for r in sms.received] == \
        [("0987654321", "Còn 3 người nữa đến lượt bạn tại Quầy 5")]
    page.wait_for_timeout(GUARD_MS)  # the notified screen may have appeared a moment ago
    page.click("#notified-home")
    page.wait_for_selector("#screen-services:not([hidden])")
    assert page.get_attribute("#phone-shown", "data-digits") == ""
    assert page.console_errors == []


def test_a_citizen_already_near_is_told_the_text_comes_when_the_turn_nears(texting, new_page):
    """Nobody ahead: "khi còn 3 người" would never come true as said; the screen says "khi sắp
    đến lượt" (the text goes once a counter that can call the citizen is open)."""
    server, _ = texting
    page = new_page(PORTRAIT)
    take_on_kiosk(page, server.url, "PICKUP", PORTRAIT)  # nobody waits for PICKUP here
    type_digits(page, "0987654322")
    page.click("#notify-send")
    page.wait_for_selector("#screen-notified:not([hidden])")
    assert page.inner_text("#notified-text") == "Sẽ nhắn tới 09xx xxx 322 khi sắp đến lượt"
    assert page.inner_text("#notified-en") == "We will text 09xx xxx 322 when your turn is near"
    page.screenshot(path=f"{SHOTS}/notified-near-1080x1920.png")
    assert page.console_errors == []


def test_a_refusal_is_said_and_a_citizen_who_walks_away_leaves_no_number(texting, new_page):
    server, _ = texting
    page = new_page(LANDSCAPE)
    page.clock.install()  # the idle timeout is run forward, not waited for
    number = take_on_kiosk(page, server.url, "CORRECT", LANDSCAPE)
    officer = Officer(server.url)
    assert officer.post("/api/counters/1/open").status_code == 200
    called = officer.post("/api/counters/1/call-next").json()["ticket"]
    assert called["number"] == number  # called while the citizen types: no longer waiting
    type_digits(page, "0912345678")
    page.screenshot(path=f"{SHOTS}/keypad-typed-1920x1080.png")
    page.click("#notify-send")
    page.wait_for_selector("#notify-problem:not([hidden])")
    assert "Không tìm thấy số đang chờ này." in page.inner_text("#notify-problem")
    page.screenshot(path=f"{SHOTS}/keypad-refused-1920x1080.png")
    page.click('#keypad .key[data-key="delete"]')
    assert page.get_attribute("#phone-shown", "data-digits") == "091234567"
    page.clock.run_for(61_000)  # a minute without a touch: the citizen has gone
    page.wait_for_selector("#screen-services:not([hidden])")
    assert page.get_attribute("#phone-shown", "data-digits") == ""
    assert "091234567" not in page.inner_text("body")
    assert page.console_errors == []


def test_a_site_that_texts_nobody_offers_nothing(site, new_page):
    page = new_page(PORTRAIT)
    page.goto(kiosk_page(site.url, "kiosk=K1"))
    page.wait_for_selector('.service[data-service="PICKUP"]')
    page.wait_for_function("document.body.dataset.screen === 'services'")
    page.wait_for_timeout(GUARD_MS)
    page.click('.service[data-service="PICKUP"]')
    page.wait_for_selector("#screen-priority:not([hidden])")
    page.wait_for_timeout(GUARD_MS)
    page.click("#no-priority")
    page.wait_for_selector("#screen-done:not([hidden])")
    assert page.is_hidden("#notify-offer")
    assert page.console_errors == []
