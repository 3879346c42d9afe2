"""The tracking page's "Nhắc tôi khi sắp đến lượt · Remind me" section in Chromium on a
390×844 phone, against a site server that texts (local fake SMS provider) and pushes (local
fake push service): the SMS form, the service worker and its notification, a subscribe that
cannot reach a push service (headless Chromium has none), and a browser with no Web Push."""
import json
from urllib.parse import urlsplit

import pytest

from server.hub.booking_api import phone_number
from support.browser import CHROMIUM, CHROMIUM_ARGS
from support.fake_provider import FakeProvider, FakePushService
from support.server_process import Officer, ServerProcess, take_ticket
from support.waiting import wait_until

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def reminding_site(tmp_path_factory):
    with FakeProvider() as sms, FakePushService() as push_service:
        env = {"QMS_NOTIFY_SMS_URL": sms.url, "QMS_NOTIFY_PUSH_SUB": "mailto:cntt@congan.example.vn",
               "QMS_NOTIFY_PUSH_SERVICES": push_service.origin, "QMS_NOTIFY_AHEAD": "3"}
        with ServerProcess(tmp_path_factory.mktemp("instance"), env=env) as proc:
            # Tickets ahead, so the ones the tests follow are far from the front: nothing is
            # sent while a test looks at the page.
            for _ in range(6):
                take_ticket(proc.url, "CCCD")
            yield proc, sms


def waiting_ticket(site):
    ticket = take_ticket(site.url, "CCCD").json()["ticket"]
    assert ticket["position"] > 3
    return ticket


def open_tracking(new_page, ticket, permissions=()):
    page = new_page(PHONE)
    if permissions:
        page.context.grant_permissions(list(permissions))
    page.goto(ticket["track_url"] + "?poll=3600")
    page.wait_for_function("window.__tracking && window.__tracking.status === 'waiting'")
    return page


def test_the_section_shows_while_waiting_and_the_sms_form_keeps_the_phone(
        reminding_site, new_page, artifacts):
    site, sms = reminding_site
    ticket = waiting_ticket(site)
    page = open_tracking(new_page, ticket)
    section = page.locator("#remind")
    assert section.is_visible()
    assert "Nhắc tôi khi sắp đến lượt" in section.inner_text()
    assert page.is_visible("#push-on") and page.is_visible("#sms-form")
    field = page.locator("#sms-phone")
    assert (field.get_attribute("type"), field.get_attribute("inputmode")) == ("tel", "numeric")
    page.wait_for_function("window.__remind.worker === 'registered'")
    page.screenshot(path=f"{artifacts}/tracking-remind-waiting.png", full_page=True)

    field.fill("12345")
    page.click("#sms-send")
    page.wait_for_selector("#sms-msg.err")
    assert "bắt đầu bằng 03, 05, 07, 08 hoặc 09" in page.inner_text("#sms-msg")
    assert field.get_attribute("aria-invalid") == "true"
    assert not page.is_visible("#sms-done")

    field.fill("0987 654 321")
    page.click("#sms-send")
    page.wait_for_selector("#sms-msg.ok")
    assert "Đã lưu" in page.inner_text("#sms-msg")
    assert "Sẽ nhắn tới 09xx xxx 321" in page.inner_text("#sms-done")
    page.screenshot(path=f"{artifacts}/tracking-remind-opted.png", full_page=True)
    assert sms.received == []  # kept, not sent: the turn is far

    page.reload()  # the page says what was asked for, from the server
    page.wait_for_function("window.__tracking && window.__tracking.status === 'waiting'")
    assert page.is_visible("#sms-done") and "09xx xxx 321" in page.inner_text("#sms-done")


def test_the_section_goes_once_the_ticket_is_called(reminding_site, new_page):
    site, _ = reminding_site
    take_ticket(site.url, "PICKUP")  # any earlier PICKUP ticket is called first: follow the last
    officer = Officer(site.url)
    officer.post("/api/counters/4/open")
    ticket = take_ticket(site.url, "PICKUP").json()["ticket"]
    page = open_tracking(new_page, ticket)
    assert page.is_visible("#remind")
    while True:
        called = officer.post("/api/counters/4/call-next").json()["ticket"]
        if called["id"] == ticket["id"]:
            break
        officer.post(f"/api/tickets/{called['id']}/complete", {"outcome": "other"})
    page.wait_for_selector("#live[data-status='called']")
    assert not page.is_visible("#remind")


def test_the_phone_rule_is_the_servers(reminding_site, new_page):
    site, _ = reminding_site
    page = open_tracking(new_page, waiting_ticket(site))
    samples = ["0987654321", "0987 654 321", "098.765.4321", "098-765-4321", "+84987654321",
               "84987654321", "+84 98 765 4321", "0387654321", "0587654321", "0787654321",
               "0887654321", "0187654321", "0287654321", "087654321", "09876543210",
               "849876543210", "84 987 654 321", "", "   ", "abc", "09876543a1",
               "09８７６５４３２１", "0987654321\n", "\t0987654321", "+840987654321"]
    in_page = page.evaluate("(samples) => samples.map(QMS.mobilePhone)", samples)
    assert in_page == [phone_number(sample) for sample in samples]


def registration_id(page):
    """The id Chromium gives this page's service worker registration. DevTools' ServiceWorker
    domain reports the workers of every context of the browser (other tests' pages on the same
    origin have registrations of the same scope): the one wanted is the activated worker that
    controls this page's target."""
    cdp = page.context.new_cdp_session(page)
    me = cdp.send("Target.getTargetInfo")["targetInfo"]["targetId"]
    versions = []
    cdp.on("ServiceWorker.workerVersionUpdated", lambda e: versions.extend(e["versions"]))
    cdp.send("ServiceWorker.enable")

    def found():
        page.evaluate("1")  # a call into the browser hands on the events that came meanwhile
        return next((v["registrationId"] for v in reversed(versions)
                     if v["status"] == "activated" and me in v.get("controlledClients", ())),
                    None)
    return cdp, wait_until(found, timeout=10, message="the worker controlling the page")


@pytest.mark.full_chromium  # the headless shell shows no notifications
def test_the_service_worker_shows_a_push_as_a_notification(reminding_site, new_page):
    site, _ = reminding_site
    ticket = waiting_ticket(site)
    page = open_tracking(new_page, ticket, permissions=["notifications"])
    origin = page.evaluate("location.origin")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == origin + "/t/"  # every tracking page, from /t/sw.js
    cdp, registration = registration_id(page)
    body = "Còn 3 người nữa đến lượt bạn tại Quầy 2\n3 people ahead of you at counter 2"
    payload = {"title": f"Số {ticket['number']} sắp đến lượt", "body": body,
               "url": f"/t/{ticket['track']}"}
    notifications = """navigator.serviceWorker.ready.then(r => r.getNotifications())
        .then(list => list.map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url,
                                      vibrate: n.vibrate.length})))"""
    shown = None
    # Under a loaded box, a message delivered through DevTools was once in a few runs never
    # dispatched to the worker (nothing shown in 60 s; never reproduced with diagnostics on):
    # delivered again once. A worker that does not show it still fails the test.
    for _ in range(2):
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": origin, "registrationId": registration, "data": json.dumps(payload)})
        try:
            # evaluate() awaits the promise: polled until the worker has shown it.
            shown = wait_until(lambda: page.evaluate(notifications), timeout=10,
                               message="the notification")
            break
        except AssertionError:
            continue
    assert shown, "the worker showed no notification for two pushes"
    assert shown == [{"title": payload["title"], "body": body, "tag": f"qms-turn /t/{ticket['track']}",
                      "url": f"/t/{ticket['track']}", "vibrate": 5}]


def test_a_subscribe_that_cannot_reach_a_push_service_says_so_and_keeps_sms(
        reminding_site, new_page, artifacts):
    """Headless Chromium here has no push service to reach: the page must say it plainly."""
    site, _ = reminding_site
    page = open_tracking(new_page, waiting_ticket(site), permissions=["notifications"])
    page.wait_for_function("window.__remind.worker === 'registered'")
    page.click("#push-on")
    page.wait_for_selector("#push-msg.err", timeout=30_000)
    assert "Không bật được thông báo" in page.inner_text("#push-msg")
    assert page.is_enabled("#push-on") and not page.is_visible("#push-done")
    assert page.is_visible("#sms-form") and page.is_enabled("#sms-send")
    page.screenshot(path=f"{artifacts}/tracking-remind-push-failed.png", full_page=True)


def test_notifications_not_allowed_are_said_plainly(reminding_site, new_page):
    site, _ = reminding_site
    page = open_tracking(new_page, waiting_ticket(site))
    page.evaluate("Notification.permission")  # headless: no prompt, the ask is answered "denied"
    page.click("#push-on")
    page.wait_for_selector("#push-msg.err", timeout=30_000)
    assert "Thông báo chưa được cho phép" in page.inner_text("#push-msg")
    assert page.is_visible("#sms-form")


def test_a_browser_without_web_push_hides_the_button_and_says_why(
        reminding_site, chromium, artifacts):
    """A page served over plain http on a name other than localhost is not a secure context:
    Chromium then has no service worker and no PushManager, as iOS Safari outside a
    home-screen app has none."""
    site, _ = reminding_site
    ticket = waiting_ticket(site)
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS + ["--host-resolver-rules=MAP qms-site.test 127.0.0.1"])
    try:
        page = browser.new_page(viewport=PHONE, locale="vi-VN")
        address = urlsplit(ticket["track_url"])
        page.goto(address._replace(netloc=f"qms-site.test:{address.port}").geturl() + "?poll=3600")
        page.wait_for_selector("#remind")
        assert page.evaluate("[isSecureContext, 'serviceWorker' in navigator]") == [False, False]
        assert not page.is_visible("#push-on")
        assert page.is_visible("#push-none")
        assert "Màn hình chính" in page.inner_text("#push-none")
        assert page.is_visible("#sms-form")
        page.screenshot(path=f"{artifacts}/tracking-remind-no-push.png", full_page=True)
    finally:
        browser.close()


def test_a_worker_that_cannot_register_fails_the_tap_at_once(reminding_site, chromium):
    """As on a phone that does not trust the site's certificate (or a proxy that mangles the
    script): registration fails, and the tap must say so rather than wait for ever on
    serviceWorker.ready. Here the worker's script answers 404."""
    site, _ = reminding_site
    context = chromium.new_context(viewport=PHONE, locale="vi-VN")
    try:
        context.route("**/t/sw.js", lambda route: route.fulfill(status=404, body="gone"))
        context.grant_permissions(["notifications"])
        page = context.new_page()
        page.goto(waiting_ticket(site)["track_url"] + "?poll=3600")
        page.wait_for_function("window.__remind && window.__remind.worker !== 'none'")
        assert page.evaluate("window.__remind.worker") == "failed"
        page.click("#push-on")
        page.wait_for_selector("#push-msg.err")
        assert "Không bật được thông báo" in page.inner_text("#push-msg")
        assert page.is_visible("#sms-form")
    finally:
        context.close()
