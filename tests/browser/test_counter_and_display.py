"""The counter tablet and the wall display in a real Chromium against a real server process.

One demo server per module; each test works on its own counter or service so the order of
tests does not matter.
"""
import os
import re

import pytest
import requests
import socketio
from playwright.sync_api import expect

from browser_helpers import (console_with_a_call, ensure_open, flash_over, free_counter,
                             open_display, past_the_guard, sign_in_counter, wait_until,
                             with_clock)
from support.server_process import Officer, issue_device_token, kiosk_page, take_ticket

pytestmark = pytest.mark.browser


def waiting_on_display(page, service):
    return int(page.inner_text(f"#services li[data-service='{service}'] .s-waiting"))


def test_counter_signs_in_calls_next_and_display_shows_it(site, new_page, artifacts):
    assert take_ticket(site.url, "CCCD", priority="elderly").status_code == 201
    for _ in range(2):
        assert take_ticket(site.url, "CCCD").status_code == 201
    take_ticket(site.url, "CCCD", priority="pregnant")
    take_ticket(site.url, "VNEID")
    take_ticket(site.url, "PICKUP")
    for _ in range(4):
        take_ticket(site.url, "CCCD")
    take_ticket(site.url, "CORRECT", priority="disability")
    display = open_display(new_page, site.url, "?notice=Công dân vui lòng mang theo giấy tờ tùy thân "
                                               "và giữ phiếu đến khi được gọi số.", clock=True)
    before = display.evaluate("window.__announced.length")

    counter = sign_in_counter(new_page, site.url, 1)
    ensure_open(counter)
    counter.click("button[data-action='call_next']")
    counter.wait_for_function("window.__counter.view.counter.current !== null")
    number = counter.inner_text("#cur-number")
    assert number == "A001"
    assert "Đã gọi" in counter.inner_text("#cur-status")
    assert counter.inner_text("#cur-marks") == "Ưu tiên: Người cao tuổi (từ 60 tuổi)"
    expect(counter.locator("#msg-vi")).to_have_text("Đã gọi số A001.")

    # The display shows it as the latest call, at counter 1, and announces it once.
    display.wait_for_function("document.getElementById('hero-number').textContent === 'A001'")
    assert display.inner_text("#hero-counter") == "1"
    assert display.inner_text("#counters .tile[data-counter='1'] .tile-number").startswith("A001")
    assert display.inner_text("#recent li:first-child .r-number").startswith("A001")
    display.wait_for_function(f"window.__announced.length === {before + 1}")
    seq = display.evaluate("window.__announced[window.__announced.length - 1]")
    assert seq == display.evaluate("window.__displayState.recent_calls[0].seq")

    # Start serving: the timer runs and the buttons follow the ticket's status.
    counter.keyboard.press("b")
    counter.wait_for_function("window.__counter.view.counter.current.status === 'serving'")
    assert counter.is_disabled("button[data-action='call_next']")
    assert counter.is_enabled("button[data-action='complete']")
    assert counter.inner_text("#q-waiting") == "8"
    assert counter.inner_text("#q-priority") == "2"
    assert counter.locator("#q-next li .tag").count() == 2

    # A second counter calls too, so the display has something to show for the screenshot.
    officer = Officer(site.url)
    for n in (2, 3):
        officer.post(f"/api/counters/{n}/open")
        officer.post(f"/api/counters/{n}/call-next")
    display.wait_for_function("window.__displayState.recent_calls.length >= 3")
    flash_over(display)  # the screenshot is the resting state
    display.screenshot(path=os.path.join(artifacts, "display.png"))
    counter.screenshot(path=os.path.join(artifacts, "counter.png"))

    # Complete with an outcome through the dialog (keyboard: H, then 1).
    counter.keyboard.press("h")
    counter.wait_for_selector("#dlg-complete:not([hidden])")
    counter.screenshot(path=os.path.join(artifacts, "counter-complete-dialog.png"))
    counter.keyboard.press("1")
    counter.wait_for_function("window.__counter.view.counter.current === null")
    assert counter.is_hidden("#dlg-complete")
    assert not counter.console_errors and not display.console_errors


def test_waiting_count_rises_when_a_ticket_is_taken(site, new_page):
    display = open_display(new_page, site.url)
    before = waiting_on_display(display, "VNEID")
    assert take_ticket(site.url, "VNEID").status_code == 201
    display.wait_for_function(
        f"Number(document.querySelector(\"#services li[data-service='VNEID'] .s-waiting\")"
        f".textContent) === {before + 1}")
    snapshots = display.evaluate("window.__snapshots")
    assert snapshots >= 2  # the rise came by push, on the same page, without a reload


def test_kiosk_page_ticket_raises_display_waiting(site, new_page, artifacts):
    display = open_display(new_page, site.url)
    before = waiting_on_display(display, "CORRECT")
    kiosk = with_clock(new_page({"width": 1080, "height": 1920}))
    kiosk.goto(kiosk_page(site.url, ""))
    kiosk.wait_for_selector(".service[data-service='CORRECT']")
    past_the_guard(kiosk)
    kiosk.get_by_text("Điều chỉnh thông tin sai").first.click()
    # The kiosk asks for a priority group before it issues the ticket: none.
    kiosk.wait_for_selector("#screen-priority:not([hidden])")
    past_the_guard(kiosk)
    kiosk.click("#no-priority")
    display.wait_for_function(
        f"Number(document.querySelector(\"#services li[data-service='CORRECT'] .s-waiting\")"
        f".textContent) === {before + 1}")
    kiosk.screenshot(path=os.path.join(artifacts, "kiosk.png"))


def test_unsigned_in_page_cannot_call(site, new_page):
    take_ticket(site.url, "VEHICLE")
    seq_before = requests.get(site.url + "/healthz", timeout=5).json()["seq"]
    page = new_page()
    page.goto(site.url + "/counter")
    page.wait_for_selector("#screen-signin:not([hidden])")
    assert page.is_hidden("#screen-console")
    assert page.is_hidden("#screen-pick")

    # Straight to the socket: joining a counter room and acting are both refused.
    answers = page.evaluate("""() => new Promise((resolve) => {
        const s = io({forceNew: true});
        s.on('connect', () => {
            s.emit('join', {role: 'counter', counter: 5}, (join) => {
                s.emit('act', {action: 'call_next', counter: 5}, (act) => {
                    s.disconnect(); resolve({join, act});
                });
            });
        });
    })""")
    assert answers["join"]["ok"] is False
    assert answers["join"]["error"]["code"] == "not_signed_in"
    assert answers["act"]["ok"] is False
    assert answers["act"]["error"]["code"] == "not_signed_in"
    assert answers["act"]["error"]["message"] == "Cần đăng nhập bằng tài khoản cán bộ."

    # And over HTTP from the page, without a session.
    status = page.evaluate("""() => fetch('/api/counters/5/call-next', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: '{}'}).then(r => r.status)""")
    assert status == 401
    assert requests.get(site.url + "/healthz", timeout=5).json()["seq"] == seq_before

    # A wrong password stays on the sign-in form with the server's reason.
    page.fill("#signin-username", "canbo")
    page.fill("#signin-password", "wrong-password")
    page.click("#signin-submit")
    page.wait_for_selector("#signin-error:not([hidden])")
    assert page.inner_text("#signin-error") == "Sai tên đăng nhập hoặc mật khẩu."
    assert page.is_hidden("#screen-console")


def test_refused_action_shows_its_reason(site, new_page, artifacts):
    # Counter 5 serves only vehicle registration; make sure nobody waits there.
    officer = Officer(site.url)
    officer.post("/api/counters/5/open")
    while officer.post("/api/counters/5/call-next").status_code == 200:
        state = officer.http.get(site.url + "/api/counters/5/view", timeout=5).json()
        officer.post(f"/api/tickets/{state['counter']['current']['id']}/complete",
                     {"outcome": "accepted"})
    page = sign_in_counter(new_page, site.url, 5)
    page.wait_for_function("window.__counter.view.counter.state === 'open'")
    page.keyboard.press("n")
    page.wait_for_selector("#msg:not([hidden])")
    expect(page.locator("#msg-vi")).to_have_text("Không còn công dân nào đang chờ ở quầy này.")
    assert "Nobody is waiting" in page.inner_text("#msg-en")
    assert page.evaluate("window.__counter.view.counter.current") is None
    page.screenshot(path=os.path.join(artifacts, "counter-refused.png"))


def test_ticket_handled_elsewhere_is_refused_plainly(site, new_page):
    """A tablet that missed a change (network blip) acts on a ticket another officer closed."""
    page, ticket = console_with_a_call(new_page, site.url, 4, "PICKUP")

    # While the complete dialog is open, another officer completes the ticket: the dialog
    # closes by itself and says why.
    page.keyboard.press("h")
    page.wait_for_selector("#dlg-complete:not([hidden])")
    officer = Officer(site.url)
    assert officer.post(f"/api/tickets/{ticket['id']}/transfer", {"to_service": "VNEID"}).status_code == 200
    page.wait_for_selector("#dlg-complete", state="hidden")
    expect(page.locator("#msg-vi")).to_contain_text("xử lý ở nơi khác")

    # With its live connection cut, the tablet still shows a ticket that is gone; acting on it
    # is refused by the server with its reason, and the view catches up.
    take_ticket(site.url, "PICKUP")
    page.click("button[data-action='call_next']")
    page.wait_for_function("window.__counter.view.counter.current !== null")
    ticket = page.evaluate("window.__counter.view.counter.current")
    page.evaluate("window.__counter.socket.io.engine.close(); window.__counter.socket.disconnect()")
    assert officer.post(f"/api/tickets/{ticket['id']}/complete", {"outcome": "other"}).status_code == 200
    page.click("button[data-action='recall']")
    # "Đã gọi số …" from the call is still shown: wait for the refusal to replace it.
    page.wait_for_function("document.getElementById('msg-vi').textContent.startsWith('Không thể')")
    expect(page.locator("#msg-vi")).to_have_text(f"Không thể gọi lại số {ticket['number']}: "
                                                  "số đang ở trạng thái «đã xong».")
    page.wait_for_function("window.__counter.view.counter.current === null")


def test_double_tap_calls_only_once(site, new_page):
    free_counter(site.url, 3)
    take_ticket(site.url, "PICKUP")
    take_ticket(site.url, "PICKUP")
    page = sign_in_counter(new_page, site.url, 3)
    ensure_open(page)
    page.wait_for_function("window.__counter.view.counter.current === null")
    waiting = page.evaluate("window.__counter.view.queue.waiting")
    assert waiting >= 2
    page.dblclick("button[data-action='call_next']")
    page.wait_for_function("window.__counter.view.counter.current !== null")
    page.wait_for_timeout(800)
    # no "counter busy" refusal
    expect(page.locator("#msg-vi")).to_have_text(re.compile("^Đã gọi số"))
    view = Officer(site.url).http.get(site.url + "/api/counters/3/view", timeout=5).json()
    assert view["queue"]["waiting"] == waiting - 1
    page.wait_for_function(f"window.__counter.view.queue.waiting === {waiting - 1}")


def test_session_expired_goes_back_to_sign_in(site, new_page):
    free_counter(site.url, 2)  # "P" (pause) is offered only with no citizen at the counter
    page = sign_in_counter(new_page, site.url, 2)
    ensure_open(page)
    page.wait_for_selector("button[data-action='pause']:not([disabled])")
    page.context.clear_cookies()
    page.keyboard.press("p")
    page.wait_for_selector("#screen-signin:not([hidden])")
    assert page.inner_text("#signin-error") == "Cần đăng nhập bằng tài khoản cán bộ."
    assert page.is_hidden("#screen-console")


def test_printer_alert_and_reprint(site, new_page):
    token = issue_device_token(site.url, "K1")
    ticket = take_ticket(site.url, "CORRECT", kiosk="K1").json()["ticket"]
    agent = socketio.Client()
    jobs = []
    agent.on("print_job", lambda job: jobs.append(job))
    agent.connect(site.url, auth={"device_token": token}, transports=["websocket"])
    try:
        wait_until(lambda: any(j["ticket_id"] == ticket["id"] for j in jobs))
        job = next(j for j in jobs if j["ticket_id"] == ticket["id"])
        assert agent.call("printer_status", {"status": "paper_out", "message": "Hết giấy in"})["ok"]
        assert agent.call("print_result", {"ticket_id": ticket["id"], "job": job["job"],
                                           "printed": False, "reason": "hết giấy"})["ok"]
        page = sign_in_counter(new_page, site.url, 1)
        page.wait_for_selector("#alerts:not([hidden])")
        assert "Kiosk K1: Hết giấy" in page.inner_text("#alert-list")
        assert f"Số {ticket['number']} chưa in được" in page.inner_text("#alert-list")
        jobs.clear()
        page.click(f".reprint[data-ticket='{ticket['id']}']")
        wait_until(lambda: any(j["ticket_id"] == ticket["id"] and j["job"] == job["job"] + 1
                               for j in jobs))
        page.wait_for_function("window.__counter.view.print_problems.length === 0")
    finally:
        agent.disconnect()


def test_pause_is_offered_only_without_a_citizen_at_the_counter(site, new_page):
    """The tablet enables what the server's `counter.allowed` lists (issue 8: a counter could
    pause with a citizen called to it)."""
    officer = free_counter(site.url, 5)
    take_ticket(site.url, "VEHICLE")
    page = sign_in_counter(new_page, site.url, 5)
    ensure_open(page)
    page.click("button[data-action='call_next']")
    page.wait_for_function("window.__counter.view.counter.current !== null")
    page.wait_for_selector("button[data-action='pause'][disabled]")
    assert page.is_disabled("button[data-action='open_close']")
    current = page.evaluate("window.__counter.view.counter.current.id")
    assert officer.post(f"/api/tickets/{current}/complete", {"outcome": "accepted"}).status_code == 200
    page.wait_for_selector("button[data-action='pause']:not([disabled])")


def test_the_counter_picker_names_the_officer_holding_each_open_counter(site, new_page, artifacts):
    Officer(site.url).post("/api/counters/4/open")  # canbo holds counter 4
    page = new_page({"width": 1280, "height": 800})
    page.goto(site.url + "/counter")
    page.wait_for_selector("#screen-signin:not([hidden])")
    page.fill("#signin-username", "admin")
    page.fill("#signin-password", "admin123")
    page.click("#signin-submit")
    page.wait_for_selector(".pick-tile[data-counter='4'] .t-officer")
    assert page.inner_text(".pick-tile[data-counter='4'] .t-officer") == "Cán bộ: Cán bộ tiếp dân"
    closed = [n for n in range(1, 6)
              if page.inner_text(f".pick-tile[data-counter='{n}'] .t-state").startswith("Đóng")]
    for n in closed:
        assert page.locator(f".pick-tile[data-counter='{n}'] .t-officer").count() == 0
    page.screenshot(path=os.path.join(artifacts, "counter-picker-officers.png"))
