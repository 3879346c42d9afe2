"""The counter tablet (1280x800): the buttons stay put when the result banner comes and goes;
a transfer asks before it sends a citizen away, and never to a closed counter."""
import pytest

from browser_helpers import console_with_a_call, ensure_open, free_counter, sign_in_counter
from support.server_process import Officer, take_ticket
from support.waiting import wait_until

pytestmark = pytest.mark.browser

BOXES = "Array.from(document.querySelectorAll('#buttons .act')).map(b => { const r = b.getBoundingClientRect(); return [b.dataset.action, r.x, r.y, r.width, r.height]; })"


def test_button_grid_does_not_move_with_the_banner(site, new_page, artifacts):
    free_counter(site.url, 3)
    take_ticket(site.url, "PICKUP")
    page = sign_in_counter(new_page, site.url, 3)
    ensure_open(page)
    assert page.is_hidden("#msg")
    before = page.evaluate(BOXES)
    page.click("button[data-action='call_next']")
    page.wait_for_selector("#msg:not([hidden])")
    page.screenshot(path=f"{artifacts}/counter-1280x800-banner.png")
    with_banner = page.evaluate(BOXES)
    page.click("#msg-close")
    page.wait_for_selector("#msg[hidden]", state="attached")
    after = page.evaluate(BOXES)
    assert before == with_banner == after


def test_transfer_asks_first_and_offers_no_closed_counter(site, new_page, artifacts):
    officer = free_counter(site.url, 1)
    officer.post("/api/counters/4/close")  # closed: nobody to receive the citizen there
    page, current = console_with_a_call(new_page, site.url, 2, "CCCD")
    page.click("button[data-action='transfer']")
    page.wait_for_selector("#dlg-transfer:not([hidden])")
    offered = page.evaluate("Array.from(document.querySelectorAll('#transfer-counters .choice')).map(b => +b.dataset.counter)")
    assert 4 not in offered and 1 in offered and 2 not in offered
    page.click("#transfer-counters .choice[data-counter='1']")
    page.wait_for_selector("#dlg-transfer-confirm:not([hidden])")
    assert current["number"] in page.inner_text("#dlg-transfer-confirm")
    assert "Quầy 1" in page.inner_text("#transfer-confirm-text")
    page.screenshot(path=f"{artifacts}/counter-1280x800-transfer-confirm.png")
    # Nothing happened yet: the ticket is still this counter's.
    view = Officer(site.url).http.get(site.url + "/api/counters/2/view", timeout=10).json()
    assert view["counter"]["current"]["id"] == current["id"]
    page.click("#transfer-yes")
    page.wait_for_function("window.__counter.view.counter.current === null")
    view = Officer(site.url).http.get(site.url + "/api/counters/2/view", timeout=10).json()
    assert view["counter"]["current"] is None


def test_the_queue_list_reads_each_service_in_full(site, new_page, artifacts):
    free_counter(site.url, 5)
    for service in ("CCCD", "CORRECT"):
        take_ticket(site.url, service)
    page = sign_in_counter(new_page, site.url, 1)  # serves A (the longest name) and D
    page.wait_for_selector("#screen-console .q-next .s")
    names = page.evaluate("""() => [...document.querySelectorAll('.q-next .s')].map(s => {
      const r = s.getBoundingClientRect(), row = s.closest('li').getBoundingClientRect();
      return {text: s.textContent, overflow: s.scrollWidth - s.clientWidth,
              inside: r.bottom <= row.bottom + 1 && r.right <= row.right + 1}; })""")
    assert any("Cấp, đổi, cấp lại thẻ Căn cước" == n["text"] for n in names), names
    for name in names:
        assert name["overflow"] <= 0 and name["inside"], name
    page.screenshot(path=f"{artifacts}/counter-1280x800-queue.png")


def test_a_tablet_whose_session_ends_elsewhere_goes_to_sign_in_by_itself(site, new_page,
                                                                         artifacts):
    """An admin signs the officer out (or another tab does): the server cuts the tablet's
    socket, and the tablet says so at once instead of "reconnecting" with its buttons live."""
    free_counter(site.url, 4)
    page = sign_in_counter(new_page, site.url, 4, "truongdiem", "truongdiem123")
    admin = Officer(site.url, "admin", "admin123")
    assert admin.post("/api/officers/truongdiem/sign-out").status_code == 200
    page.wait_for_selector("#screen-signin:not([hidden])", timeout=8000)
    assert "Phiên làm việc đã hết" in page.inner_text("#signin-error")
    page.screenshot(path=f"{artifacts}/counter-1280x800-signed-out-elsewhere.png")


def test_signing_out_closes_an_idle_counter(site, new_page, artifacts):
    """Found walking the tablet: an officer signed out and the display went on saying the
    counter was ready, the kiosk telling the next citizen their turn was coming."""
    free_counter(site.url, 5)
    page = sign_in_counter(new_page, site.url, 5)
    ensure_open(page)
    page.click("#screen-console .signout")
    page.wait_for_selector("#screen-signin:not([hidden])")
    officer = Officer(site.url)

    def state():
        return officer.http.get(site.url + "/api/counters/5/view", timeout=10).json()[
            "counter"]["state"]
    wait_until(lambda: state() == "closed", timeout=10, message="counter 5 to close")


def test_transfer_marks_services_no_open_counter_serves(site, new_page, artifacts):
    """Found walking the tablet: the transfer dialog offered every service alike, also one no
    open counter serves (the citizen would wait until one opens, without being told)."""
    officer = free_counter(site.url, 5)
    assert officer.post("/api/counters/5/close").status_code == 200  # E: counter 5 only
    page, _ = console_with_a_call(new_page, site.url, 2, "CCCD")
    page.click("button[data-action='transfer']")
    page.wait_for_selector("#dlg-transfer:not([hidden])")
    vehicle = page.inner_text("#transfer-services .choice[data-service='VEHICLE']")
    vneid = page.inner_text("#transfer-services .choice[data-service='VNEID']")
    assert "Chưa có quầy mở" in vehicle and "Chưa có quầy mở" not in vneid
    page.screenshot(path=f"{artifacts}/counter-1280x800-transfer-services.png")
