"""The kiosk checks a booked citizen in (the code typed, or the CCCD card scanned); booked
citizens are marked on the counter tablet ("Lịch hẹn" in the next list and on the
called ticket) and on the wall display (the counter's tile and the recent calls), in Chromium
against a real site server whose store holds bookings as `qms sync` keeps them."""
import os
import time

import pytest
import requests

from browser_helpers import open_display, past_the_guard, sign_in_counter, with_clock
from server.appointments import kept
from server.appointments.checkin import cccd_hash
from server.hub.booking_code import _old_check, damm_digit, shown
from server.engine.hours import business_day
from server.site_file import load_site
from server.store import open_store
from support.fake_provider import FakeProvider
from support.server_process import ServerProcess, issue_device_token, kiosk_page, take_ticket
from support.site_files import one_counter_booking_site

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("QMS_SHOTS", "/tmp/shots/appoint")
SITE = one_counter_booking_site("hen-marks", "Công an phường Bến Nghé")


def digits(body):
    return body + damm_digit(body)


# The third is a code issued before codes became digits (8 of 31 characters and a check
# character): it still checks in, typed from its QR by the kiosk's scanner.
CODES = [digits("23456789012"), digits("34567890123"), "456789CD" + _old_check("456789CD")]
KEYED = digits("67890123456")  # typed on the kiosk's own keypad (portrait)
KEYED_L = digits("78901234567")  # … and in landscape
EARLY = (KEYED, KEYED_L)  # early for their slots, asked at booking to be texted
CCCD_QR = "079123456789|025123456|LÊ VĂN CƯỜNG|05051985|Nam|Quận 1, TP. Hồ Chí Minh|01012021"


@pytest.fixture(scope="module")
def booked_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("marks")
    path = folder / "site.toml"
    path.write_text(SITE, encoding="utf-8")
    site = load_site(path)
    with FakeProvider() as sms, ServerProcess(folder / "instance", site=path,
                                              env={"QMS_NOTIFY_SMS_URL": sms.url}) as server:
        store = open_store(f"sqlite:///{folder}/instance/qms.sqlite3")
        now = time.time()
        kept.keep(store, site.id, [{"id": f"bk_{n}", "service": "CCCD",
                                    "day": business_day(site, now),
                                    # The keypad's booking is early for its slot.
                                    "slot_start": now + 1800 if code in EARLY else now - 60,
                                    "slot_end": now + 3600 if code in EARLY else now + 1740,
                                    "code": code, "status": "active",
                                    "cccd_hash": cccd_hash("k", "079123456789") if n == 4 else None,
                                    # asked at booking to be texted
                                    "notify_phone": "0912345678" if code in EARLY else None,
                                    "rev": n}
                                   for n, code in enumerate(CODES + [digits("56789012345"),
                                                                     KEYED, KEYED_L], 1)],
                  6, "k", now)
        store.close()
        yield server


def test_the_counter_and_the_display_mark_booked_citizens(booked_site, new_page):
    url = booked_site.url
    take_ticket(url, "CCCD")
    kiosk = {"X-Kiosk-Token": issue_device_token(url, "K1")}
    for n, code in enumerate(CODES[:2]):
        answer = requests.post(url + "/api/checkin", headers=kiosk, timeout=10,
                               json={"code": code, "request_id": f"r{n}"})
        assert answer.status_code == 201, answer.text
    counter = sign_in_counter(new_page, url, 1)
    page_display = open_display(new_page, url)
    counter.click("button[data-action='open_close']")
    counter.wait_for_function("window.__counter.view.counter.state === 'open'")
    counter.wait_for_selector(".q-next .tag.booked")
    assert counter.locator(".q-next .tag.booked").count() == 2
    os.makedirs(SHOTS, exist_ok=True)
    counter.screenshot(path=f"{SHOTS}/counter-booked-next.png")
    counter.click("button[data-action='call_next']")
    counter.wait_for_selector("#cur-marks .mark.booked")
    assert counter.inner_text("#cur-marks").startswith("Lịch hẹn")
    counter.screenshot(path=f"{SHOTS}/counter-booked-called.png")
    page_display.wait_for_selector(".tile .prio.booked")
    page_display.wait_for_selector(".recent .r-booked")
    page_display.screenshot(path=f"{SHOTS}/display-booked-call.png")
    assert counter.console_errors == [] and page_display.console_errors == []


@pytest.mark.parametrize("size", [{"width": 1920, "height": 1080}, {"width": 1366, "height": 768}])
def test_the_kiosk_checks_a_booking_in_by_its_typed_code_and_by_the_card(booked_site, new_page,
                                                                          size):
    page = with_clock(new_page(size))
    page.goto(kiosk_page(booked_site.url, "kiosk=K1&scanner=1"))
    page.wait_for_selector("#booking-entry:not([hidden])")
    past_the_guard(page)  # touches are ignored for a moment after a screen appears
    page.screenshot(path=f"{SHOTS}/kiosk-booking-entry-{size['width']}.png")
    page.click("#booking-entry")
    page.wait_for_selector("#screen-booking:not([hidden])")
    past_the_guard(page)
    if size["width"] == 1920:
        typo = CODES[0][:-1] + str((int(CODES[0][-1]) + 1) % 10)
        page.fill("#booking-code", shown(typo))  # a typo: the check digit catches it
        page.press("#booking-code", "Enter")
        page.wait_for_selector("#screen-error:not([hidden])")
        assert "kiểm tra lại" in page.inner_text("#error-text")
        past_the_guard(page)
        page.click("#home")
        page.wait_for_selector("#screen-services:not([hidden])")
        past_the_guard(page)
        page.click("#booking-entry")
        page.wait_for_selector("#screen-booking:not([hidden])")
        past_the_guard(page)
        code = CODES[2]
        page.fill("#booking-code", f"{code[:4]}-{code[4:8]}-{code[8]}".lower())
        page.screenshot(path=f"{SHOTS}/kiosk-booking-code.png")
        page.click("#booking-submit")
    else:
        page.keyboard.type(CCCD_QR, delay=0)  # a scanner types the card's QR and Enter
        page.keyboard.press("Enter")
    page.wait_for_selector("#screen-done:not([hidden])")
    assert page.inner_text("#number").startswith("H")
    assert page.inner_text("#ticket-priority").startswith("Lịch hẹn lúc")
    page.screenshot(path=f"{SHOTS}/kiosk-booking-done-{size['width']}.png")
    assert page.console_errors == []


@pytest.mark.parametrize("size", [{"width": 1080, "height": 1920}, {"width": 1920, "height": 1080},
                                  {"width": 1366, "height": 768}])
def test_a_touch_kiosk_types_the_code_on_its_own_keypad(booked_site, new_page, size):
    """A touch kiosk has no keyboard: the code's digits are keys on the screen (the phone
    number's 10-key pad), shown as the booking page shows the code; Delete takes back a wrong
    touch. (The screen had only a text field: a citizen with the code on paper could not check
    in; then 31 letter and digit keys, hard to read aloud: issue 13.)"""
    page = new_page(size)
    code = KEYED if size["width"] == 1080 else KEYED_L
    page.goto(kiosk_page(booked_site.url, "kiosk=K1"))
    page.wait_for_selector("#booking-entry:not([hidden])")
    page.wait_for_timeout(800)  # touches are ignored for a moment after a screen appears
    page.click("#booking-entry")
    page.wait_for_selector("#screen-booking:not([hidden])")
    page.wait_for_timeout(800)
    keys = page.locator("#code-keypad .key")
    assert [keys.nth(i).get_attribute("data-key") for i in range(keys.count())] == \
        list("123456789") + ["clear", "0", "delete"]
    for box in (keys.last.bounding_box(), page.locator("#booking-submit").bounding_box()):
        assert box["y"] + box["height"] <= size["height"]  # all on the screen, none scrolled off
    assert min(keys.nth(i).bounding_box()["width"] for i in range(12)) >= 60
    slip = "1" if code[5] != "1" else "2"
    for ch in code[:5] + slip:
        page.click(f"#code-keypad [data-key='{ch}']")
    page.click("#code-keypad [data-key='delete']")  # the last touch was a slip
    for ch in code[5:] + "4":  # a twelfth digit is not taken
        page.click(f"#code-keypad [data-key='{ch}']")
    assert page.input_value("#booking-code") == shown(code) == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/kiosk-booking-keypad-{size['width']}.png")
    if size["width"] == 1080:
        # A slip in the last character: the check character catches it, and "Nhập lại mã"
        # goes back to the keypad with the code as typed, to fix that one character.
        page.click("#code-keypad [data-key='delete']")
        page.click(f"#code-keypad [data-key='{'2' if code[-1] != '2' else '3'}']")
        page.click("#booking-submit")
        page.wait_for_selector("#screen-error:not([hidden])")
        assert "kiểm tra lại" in page.inner_text("#error-text")
        page.screenshot(path=f"{SHOTS}/kiosk-booking-code-refused.png")
        page.wait_for_timeout(800)
        page.click("#retype")
        page.wait_for_selector("#screen-booking:not([hidden])")
        assert page.input_value("#booking-code")[:-1] == shown(code)[:-1]
        page.wait_for_timeout(800)
        page.click("#code-keypad [data-key='delete']")
        page.click(f"#code-keypad [data-key='{code[-1]}']")
        page.click("#booking-submit")
        page.wait_for_selector("#screen-done:not([hidden])")
        assert page.inner_text("#number").startswith("H")
        # Early for the slot: the slot's time where "0 · you are next" was, here and on the
        # ticket's tracking page.
        slot = page.inner_text("#ticket-priority")[-5:]
        assert (page.inner_text("#ahead"), page.inner_text("#ahead-label")) == \
            (slot, "Được gọi từ giờ hẹn")
        # Asked at booking to be texted: said so, not offered "Nhắn tin" again.
        assert "Sẽ nhắn tới 09xx xxx 678" in page.inner_text("#notify-set")
        assert page.locator("#notify-offer").is_hidden()
        page.screenshot(path=f"{SHOTS}/kiosk-booking-early.png")
        track = page.get_attribute("#track-qr", "src").rsplit("/qr.svg", 1)[0]
        phone = new_page({"width": 390, "height": 844})
        phone.goto(booked_site.url + track)
        phone.wait_for_selector(".facts")
        assert "Được gọi từ giờ hẹn" in phone.inner_text(".facts")
        assert slot in phone.inner_text(".facts") and "tiếp theo" not in phone.inner_text(".facts")
        phone.screenshot(path=f"{SHOTS}/tracking-booking-early.png")
        assert phone.console_errors == []
    elif size["width"] == 1920:  # landscape: the number screen with the texting line still fits 1080 px
        page.click("#booking-submit")
        page.wait_for_selector("#screen-done:not([hidden])")
        assert page.locator("#notify-set").is_visible()
        for selector in ("#notify-set", "#finish"):
            box = page.locator(selector).bounding_box()
            assert box["y"] + box["height"] <= size["height"], selector
        page.screenshot(path=f"{SHOTS}/kiosk-booking-early-{size['width']}.png")
    assert page.console_errors == []
