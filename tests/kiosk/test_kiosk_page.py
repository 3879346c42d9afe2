"""The kiosk page in a real headless Chromium against a real server subprocess.

Screenshots (portrait 1080x1920, landscape 1920x1080) go to test-artifacts/ for a human eye.
"""
import os
import re
import time

import pytest
import requests

from agent_process import AgentProcess
from kiosk_helpers import counter_view, issue_token, past_guard, waiting
from support.browser import ARTIFACTS
from support.server_process import Officer, ServerProcess, kiosk_page, take_ticket
from support.waiting import wait_until

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
NUMBER = re.compile(r"^[A-Z]\d{3}$")


@pytest.fixture(scope="module", autouse=True)
def kiosk_agent(shared_server, tmp_path_factory):
    """K1's print agent, on a virtual printer: without a live agent the page rightly tells
    citizens that no slip will come (tests/kiosk/test_agent_presence.py)."""
    folder = tmp_path_factory.mktemp("k1-agent")
    agent = AgentProcess(shared_server.url, issue_token(shared_server.url, "K1"), "virtual://",
                         folder / "journal.jsonl", folder / "agent.log").start()
    wait_until(lambda: any(p["kiosk"] == "K1" and p["status"] == "ok"
                           for p in counter_view(shared_server.url)["printers"]),
               message="K1's agent online")
    yield agent
    agent.stop()


@pytest.fixture
def page_factory(chromium):
    contexts = []

    def make(viewport=PORTRAIT, **options):
        context = chromium.new_context(viewport=viewport, has_touch=True, **options)
        contexts.append(context)
        page = context.new_page()
        # The page's own clock (Date, timers) runs as usual but can be run forward: the
        # double-tap guard, the number's 10 s on screen and retry delays are not waited out.
        page.clock.install()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"kiosk-{name}.png"))


def open_kiosk(page, server, query="kiosk=K1"):
    page.goto(kiosk_page(server.url, query))
    page.wait_for_selector(".service")
    page.wait_for_function("!document.body.classList.contains('booting')")
    past_guard(page)


def stat_text(page, code):
    return page.locator(f'.service[data-service="{code}"] .stat-waiting').inner_text()


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_touch_a_service_no_priority_see_the_number(shared_server, page_factory, orientation):
    page = page_factory(PORTRAIT if orientation == "portrait" else LANDSCAPE)
    open_kiosk(page, shared_server, "kiosk=K1&scanner=1")
    assert page.locator("h1:visible").first.inner_text() == "Lấy số thứ tự"
    assert page.locator(".service").count() == 5
    shot(page, f"{orientation}-1-services")

    before = waiting(shared_server.url, "VNEID")
    page.locator('.service[data-service="VNEID"]').tap()
    page.wait_for_selector("#screen-priority:not([hidden])")
    assert "Định danh điện tử VNeID" in page.locator("#chosen").inner_text()
    assert page.locator(".choice.group").count() == 5
    past_guard(page)
    shot(page, f"{orientation}-2-priority")

    page.locator("#no-priority").tap()
    page.wait_for_selector("#screen-done:not([hidden])")
    number = page.locator("#number").inner_text()
    assert NUMBER.match(number) and number.startswith("B")
    assert "Vui lòng nhận phiếu" in page.locator("#take").inner_text()
    assert waiting(shared_server.url, "VNEID") == before + 1
    # The page's own count follows the server's `state` push.
    page.wait_for_function(
        "n => document.querySelector('.service[data-service=\"VNEID\"] .stat-waiting')"
        ".textContent.startsWith(n + ' ')", arg=before + 1)
    page.wait_for_selector("#track:not([hidden])")
    page.wait_for_timeout(300)
    shot(page, f"{orientation}-3-number")

    # Back to the start by itself after 10 s (run forward, not waited for).
    assert page.locator("#screen-done").is_visible()
    page.clock.run_for(10_500)
    page.wait_for_selector("#screen-services:not([hidden])", timeout=15000)
    assert page.errors == []


def test_priority_ticket_and_english(shared_server, page_factory):
    page = page_factory(LANDSCAPE)
    open_kiosk(page, shared_server)
    page.locator("#lang-toggle").tap()
    assert page.locator("#screen-services h1").inner_text() == "Take a number"
    assert "ID card" in page.locator('.service[data-service="CCCD"] .service-name').inner_text()
    page.locator('.service[data-service="CCCD"]').tap()
    past_guard(page)
    page.locator('.choice.group[data-priority="elderly"]').tap()
    page.wait_for_selector("#screen-done:not([hidden])")
    assert "Priority" in page.locator("#ticket-priority").inner_text()
    assert "Please take your ticket" in page.locator("#take").inner_text()
    shot(page, "landscape-4-priority-english")
    page.clock.run_for(1600)
    page.locator("#finish").tap()  # a touch ends it early, and the next citizen gets Vietnamese
    page.wait_for_selector("#screen-services:not([hidden])")
    assert page.locator("#screen-services h1").inner_text() == "Lấy số thứ tự"


def test_double_tap_makes_one_ticket(shared_server, page_factory):
    page = page_factory(PORTRAIT)
    open_kiosk(page, shared_server)
    before = waiting(shared_server.url, "PICKUP")
    # A double tap on the service must not also answer the priority question.
    page.locator('.service[data-service="PICKUP"]').dblclick()
    page.wait_for_selector("#screen-priority:not([hidden])")
    page.wait_for_timeout(200)
    assert page.locator("#screen-priority").is_visible()
    past_guard(page)
    page.locator("#no-priority").dblclick()
    page.wait_for_selector("#screen-done:not([hidden])")
    page.clock.run_for(1500)
    assert page.locator("#screen-done").is_visible()  # the second tap did not dismiss it
    assert waiting(shared_server.url, "PICKUP") == before + 1


def test_lost_answer_is_retried_with_the_same_request_id(shared_server, page_factory):
    """The ticket is made but the answer is lost (a Wi-Fi blip): the retry gets the same one."""
    page = page_factory(PORTRAIT)
    open_kiosk(page, shared_server)
    sent = []

    def lose_first_answer(route):
        sent.append(route.request.post_data_json)
        if len(sent) == 1:
            route.fetch()  # the server takes the ticket...
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.continue_()

    page.route("**/api/tickets", lose_first_answer)
    before = waiting(shared_server.url, "CORRECT")
    page.locator('.service[data-service="CORRECT"]').tap()
    past_guard(page)
    page.locator("#no-priority").tap()
    page.wait_for_selector("#screen-done:not([hidden])", timeout=20000)
    assert len(sent) >= 2 and len({body["request_id"] for body in sent}) == 1
    assert sent[0]["kiosk"] == "K1"
    assert waiting(shared_server.url, "CORRECT") == before + 1


def test_server_down_is_said_plainly_and_recovers(tmp_path, page_factory):
    server = ServerProcess(tmp_path / "instance").start()
    try:
        page, landscape = page_factory(PORTRAIT), page_factory(LANDSCAPE)
        open_kiosk(page, server)
        open_kiosk(landscape, server)
        server.kill9()
        for kiosk, name in ((page, "portrait"), (landscape, "landscape")):
            # The page waits 1.5 s on its clock before saying it is offline; the second page's
            # installed clock did not always run on by itself while the first was waited on,
            # so it is run forward here until the page has noticed the link is gone.
            wait_until(lambda: kiosk.clock.run_for(500) or kiosk.locator("#offline").is_visible(),
                       timeout=15, message=f"{name} kiosk says it is offline")
            assert "Tạm thời chưa lấy được số" in kiosk.locator("#offline").inner_text()
            shot(kiosk, f"{name}-5-offline")
        server = ServerProcess(tmp_path / "instance", port=server.port).start()
        for kiosk in (page, landscape):
            kiosk.clock.run_for(10_000)  # the reconnection's back-off, run forward
            kiosk.wait_for_selector("#offline", state="hidden", timeout=20000)
        # ... and works again, without a reload.
        page.locator('.service[data-service="CCCD"]').tap()
        past_guard(page)
        page.locator("#no-priority").tap()
        page.wait_for_selector("#screen-done:not([hidden])")
        assert NUMBER.match(page.locator("#number").inner_text())
    finally:
        server.stop()


def test_refusal_is_shown_with_the_servers_words(shared_server, page_factory):
    page = page_factory(PORTRAIT)
    open_kiosk(page, shared_server)
    page.route("**/api/tickets", lambda route: route.fulfill(
        status=409, content_type="application/json",
        body='{"error": {"code": "service_full", "message": "Dịch vụ đã hết số hôm nay.", '
             '"message_en": "No more numbers today."}}'))
    page.locator('.service[data-service="VEHICLE"]').tap()
    past_guard(page)
    page.locator("#no-priority").tap()
    page.wait_for_selector("#screen-error:not([hidden])")
    assert "Dịch vụ đã hết số hôm nay." in page.locator("#error-text").inner_text()


def test_cccd_scan_suggests_elderly_priority_and_sends_nothing_of_the_card(shared_server, page_factory):
    page = page_factory(PORTRAIT)
    open_kiosk(page, shared_server)
    parse = "text => JSON.stringify(CCCD.parse(text, new Date(2026, 10, 23)))"
    assert page.evaluate(parse, "001050123456|012345678|Nguyễn Văn A|01011950|Nam|Hà Nội|15042021") == '{"age":76}'
    # Another layout (field order, count): still found by pattern.
    assert page.evaluate(parse, "x|01011990|001090123456|Nam|||15042021|y|z") == '{"age":36}'
    assert page.evaluate(parse, "no id here|01011950|15042021") == "null"
    assert page.evaluate(parse, "001050123456|31021950") == "null"  # not a date

    bodies = []
    page.on("request", lambda r: bodies.append(r.post_data or "") if r.method == "POST" else None)
    page.keyboard.type("001050123456|012345678|Tran Thi B|02021950|Nu|Phuong X|15042021\n")
    page.locator('.service[data-service="CCCD"]').tap()
    page.wait_for_selector("#screen-priority:not([hidden])")
    page.wait_for_selector('.choice.group.suggested[data-priority="elderly"]')
    assert page.locator("#scan-note").is_visible()
    past_guard(page)
    shot(page, "portrait-6-cccd-elderly")
    page.locator('.choice.group[data-priority="elderly"]').tap()
    page.wait_for_selector("#screen-done:not([hidden])")
    assert bodies and not any("001050123456" in b or "1950" in b or "Tran" in b for b in bodies)


def test_tracking_page_follows_the_ticket(shared_server, page_factory):
    answer = take_ticket(shared_server.url, "VEHICLE", request_id=f"track-{time.time()}")
    ticket = answer.json()["ticket"]
    page = page_factory({"width": 390, "height": 844})
    page.goto(ticket["track_url"])
    assert page.locator("#number").inner_text() == ticket["number"]
    assert "Đang chờ" in page.locator("#live").inner_text()
    shot(page, "tracking-waiting")
    officer = Officer(shared_server.url)
    officer.post("/api/counters/5/open")
    called = officer.post("/api/counters/5/call-next")
    assert called.status_code == 200, called.text
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # refresh now
    page.wait_for_function("document.getElementById('live').textContent.includes('Mời công dân đến')")
    assert "Quầy 5" in page.locator("#live").inner_text()
    shot(page, "tracking-called")
    assert requests.get(shared_server.url + "/t/999999", timeout=10).status_code == 404


def test_a_faulty_printer_makes_the_page_ask_to_remember_the_number(shared_server, page_factory):
    import socketio
    # The kiosk's print agent reports paper out, as it does when its printer says so.
    agent = socketio.Client(reconnection=False)
    agent.connect(shared_server.url, auth={"device_token": issue_token(shared_server.url, "K9")},
                  transports=["websocket"], wait_timeout=10)
    try:
        ack = agent.call("printer_status", {"status": "paper_out", "message": "Hết giấy"}, timeout=10)
        assert ack == {"ok": True}
        page = page_factory(LANDSCAPE)
        open_kiosk(page, shared_server, "kiosk=K9")
        page.locator('.service[data-service="PICKUP"]').tap()
        past_guard(page)
        page.locator("#no-priority").tap()
        page.wait_for_selector("#screen-done:not([hidden])")
        take = page.locator("#take").inner_text()
        assert "Máy in đang gặp sự cố" in take and "ghi nhớ số" in take
        assert NUMBER.match(page.locator("#number").inner_text())
        shot(page, "landscape-7-printer-fault")
        # Paper back: the next citizen is told to take the ticket again.
        assert agent.call("printer_status", {"status": "ok", "message": ""}, timeout=10)["ok"]
        page.clock.run_for(500)
        page.locator("#finish").tap()
        page.wait_for_selector("#screen-services:not([hidden])")
        past_guard(page)
        page.locator('.service[data-service="PICKUP"]').tap()
        past_guard(page)
        page.locator("#no-priority").tap()
        page.wait_for_selector("#screen-done:not([hidden])")
        assert "Vui lòng nhận phiếu" in page.locator("#take").inner_text()
    finally:
        agent.disconnect()
