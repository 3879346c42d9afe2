"""Appointments end to end (issue 13): a citizen books on the hub's booking page (Chromium, a
phone), the site's sync agent brings the bookings down, the hub goes away (the site serves
the bookings it has), the kiosk checks the citizen in by the CCCD card's QR, the counter calls,
the wall display shows the booked call, and the fake SMS provider gets "Còn 3 người nữa đến
lượt bạn tại Quầy 2". Then the hub comes back and gets the day's events, with no code, phone or
CCCD number in them.

Real parts throughout: `qms hub` on PostgreSQL, `qms serve` (eventlet), `qms sync`, Chromium,
a Socket.IO display, a local HTTP fake of a brand-name SMS API.

One step is not real time: the slots a page offers all start after now, and a booked citizen
is called only from the slot's start, so the test moves the booked slot to the one running now
in the hub's table (as the clock would have moved) before the site fetches it.
"""
import json
import os
import re
import sys
import time

import pytest
import requests
import sqlalchemy as sa

from server.engine.hours import business_day
from server.site_file import load_site
from support.databases import fresh_postgres
from support.fake_provider import FakeProvider
from support.hub_process import HubProcess
from support.network_listener import Listener
from support.server_process import Officer, ServerProcess, issue_device_token, take_ticket
from support.waiting import wait_until
from support.site_files import ALL_DAY as DAYS

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "hub"))
from hubkit import SyncProcess, add_site, hub_log  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SITE_ID = "hen-gio"
CCCD = "079123456789"
CARD_QR = f"{CCCD}|025123456|NGUYỄN VĂN AN|01011990|Nam|12 Lê Lợi, Bến Nghé, Quận 1|01012021"


def site_text(hub_url, key):
    return f'''
[site]
id = "{SITE_ID}"
name = "Công an phường Hẹn Giờ"

[[services]]
code = "CCCD"
letter = "A"
name_vi = "Cấp CCCD"
name_en = "ID card"
expected_service_minutes = 5.0

[[counters]]
number = 1
services = ["CCCD"]

[[counters]]
number = 2
services = ["CCCD"]

[opening_hours]
{DAYS}

[booking]
enabled = true
slot_minutes = 30
walk_in_share = 0.5
max_booked_streak = 2

[hub]
url = "{hub_url}"
key = "{key}"
'''


def book_on_the_page(page, hub_url):
    page.goto(hub_url + "/book")
    page.wait_for_selector("#slots .book-chip")
    page.locator("#slots .book-chip").first.click()
    page.fill("#phone", "0912345678")
    page.fill("#cccd", CCCD)
    assert page.is_checked("#notify")
    page.click("#submit")
    page.wait_for_selector("#done:not([hidden])")
    code = page.inner_text("#code")
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}", code), code  # digits, three groups of four
    return code


def hub_events(hub_db):
    rows, _ = hub_log(hub_db, SITE_ID)
    return [(t, json.loads(b)) for _, t, b in rows]


def test_from_the_booking_page_to_the_counter_with_a_text_when_the_turn_nears(tmp_path,
                                                                              chromium):
    with fresh_postgres("qms_hub_e2e") as hub_db, FakeProvider() as sms:
        key = add_site(hub_db, SITE_ID)
        hub = HubProcess(tmp_path / "hub", hub_db).start()
        try:
            site_path = tmp_path / "site.toml"
            site_path.write_text(site_text(hub.url, key), encoding="utf-8")
            # The site's agent reports its settings to the hub (its slots come from them).
            instance = tmp_path / "instance"
            server = ServerProcess(instance, site=site_path, env={
                "QMS_NOTIFY_SMS_URL": sms.url, "QMS_NOTIFY_SMS_API_KEY": "k",
                "QMS_NOTIFY_SMS_SECRET": "s", "QMS_NOTIFY_SMS_BRANDNAME": "CONGAN",
                "QMS_NOTIFY_AHEAD": "3", "QMS_NOTIFY_BACKOFF": "0.05"}).start()
            try:
                with SyncProcess(site_path, instance, tmp_path / "sync1.log"):
                    wait_until(lambda: requests.get(hub.url + "/api/book/sites", timeout=5)
                               .json()["sites"], timeout=30, message="the site on the hub")
                    phone_browser = chromium.new_context(viewport={"width": 390, "height": 844},
                                                         locale="vi-VN")
                    try:
                        page = phone_browser.new_page()
                        page.set_default_timeout(15_000)
                        code = book_on_the_page(page, hub.url)
                    finally:
                        phone_browser.close()
                    others = []
                    first = requests.get(f"{hub.url}/api/book/sites/{SITE_ID}/slots?service=CCCD",
                                         timeout=5).json()["slots"][0]
                    for phone in ("0900000001", "0900000002", "0900000003"):
                        made = requests.post(hub.url + "/api/book", timeout=5, json={
                            "site_id": SITE_ID, "service": "CCCD", "phone": phone,
                            "slot_start": first["start"]})
                        assert made.status_code == 201, made.text
                        others.append(made.json()["code"])
                    # The clock moves on to the slot (see the module's note).
                    site = load_site(site_path)
                    now = time.time()
                    engine = sa.create_engine(hub_db)
                    with engine.begin() as conn:
                        conn.execute(sa.text(
                            "UPDATE hub_bookings SET slot_start = :s, slot_end = :e, day = :d, "
                            "rev = rev + 100"), {"s": now - 60, "e": now + 1740,
                                                 "d": business_day(site, now)})
                    engine.dispose()
                    walk_in = take_ticket(server.url, "CCCD").json()["ticket"]
                    kiosk = {"X-Kiosk-Token": issue_device_token(server.url, "K1")}

                    def fetched():
                        answer = requests.post(server.url + "/api/checkin", headers=kiosk,
                                               timeout=5, json={"code": others[0],
                                                                "request_id": "probe"})
                        return answer.status_code == 201 and answer.json()["ticket"]
                    first_ticket = wait_until(fetched, timeout=30, message="bookings at the site")
                    assert first_ticket["booked"] and first_ticket["number"] == "H001"
                # The agent stopped and the hub goes away: the site has its bookings.
                hub.stop()
                tickets = [first_ticket]
                for n, other in enumerate(others[1:]):
                    tickets.append(requests.post(server.url + "/api/checkin", headers=kiosk,
                                                 timeout=5, json={"code": other.lower(),
                                                                  "request_id": f"o{n}"}).json()
                                   ["ticket"])
                mine = requests.post(server.url + "/api/checkin", headers=kiosk, timeout=5,
                                     json={"cccd_qr": CARD_QR, "request_id": "mine"})
                assert mine.status_code == 201, mine.text
                mine = mine.json()["ticket"]
                assert (mine["number"], mine["booked"]) == ("H004", True)
                again = requests.post(server.url + "/api/checkin", headers=kiosk, timeout=5,
                                      json={"code": code, "request_id": "twice"})
                assert again.json()["error"]["code"] == "already_checked_in"
                phone = requests.post(server.url + "/api/checkin", timeout=5,
                                      json={"code": code, "request_id": "phone"})
                assert phone.status_code == 403  # a phone on the Wi-Fi cannot check in

                display = Listener(server.url, {"role": "display"})
                officer = Officer(server.url)
                assert officer.post("/api/counters/2/open").status_code == 200
                calls = []
                for _ in range(5):
                    called = officer.post("/api/counters/2/call-next").json()["ticket"]
                    calls.append(called["number"])
                    if called["number"] == "H004":
                        shown = display.wait_for(lambda s: any(
                            c["number"] == "H004" and c["booked"] and c["counter"] == 2
                            for c in s["recent_calls"]))
                    officer.post(f"/api/tickets/{called['id']}/complete",
                                 json={"outcome": "accepted"})
                display.close()
                # Booked first, a walk-in after two booked calls (max_booked_streak = 2).
                assert calls == ["H001", "H002", walk_in["number"], "H003", "H004"]
                assert shown["counters"][1]["number"] == 2
                wait_until(lambda: sms.received, timeout=15, message="the text message")
                time.sleep(0.5)  # nothing more should come
                assert [(r["json"]["Phone"], r["json"]["Content"]) for r in sms.received] == \
                    [("0912345678", "Còn 3 người nữa đến lượt bạn tại Quầy 2")]

                # The hub comes back and gets the day; no code, phone or CCCD number in it.
                hub = HubProcess(tmp_path / "hub", hub_db, port=hub.port).start()
                with SyncProcess(site_path, instance, tmp_path / "sync2.log"):
                    wait_until(lambda: len([b for t, b in hub_events(hub_db)
                                            if t == "ticket_issued" and b.get("booked")]) == 4,
                               timeout=30, message="the check-ins on the hub")
                rows = hub_events(hub_db)
                text = json.dumps(rows, ensure_ascii=False)
                for secret in [code, code.replace("-", ""), "0912345678", CCCD] + others:
                    assert secret not in text
                booked = [b for t, b in rows if t == "ticket_issued" and b.get("booked")]
                assert len(booked) == 4 and all(b["booking"].startswith("bk_") for b in booked)
            finally:
                server.stop()
        finally:
            hub.stop()
