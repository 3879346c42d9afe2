"""The citizen's tracking page (/t/<ref>): live over Socket.IO in its ticket's room, polling
only as a fallback; honest wording."""
import pytest
import requests
import socketio

from support.server_process import Officer, take_ticket

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _ref(ticket):
    return ticket["track_url"].rsplit("/t/", 1)[1]


def test_the_call_reaches_the_tracking_page_by_push_not_poll(site, new_page, artifacts):
    ticket = take_ticket(site.url, "VEHICLE").json()["ticket"]
    page = new_page(PHONE)
    # A poll interval far longer than the test: only the push can bring the call.
    page.goto(ticket["track_url"] + "?poll=3600")
    page.wait_for_function("window.__tracking && window.__tracking.status === 'waiting'")
    assert page.locator("#live").get_attribute("data-status") == "waiting"
    page.wait_for_function("window.QMS && document.querySelector('#foot').className === 'foot'")
    page.screenshot(path=f"{artifacts}/tracking-waiting.png")
    officer = Officer(site.url)
    officer.post("/api/counters/5/open")
    called = officer.post("/api/counters/5/call-next").json()
    assert called["ticket"]["id"] == ticket["id"]
    page.wait_for_selector("#live[data-status='called']", timeout=10_000)
    assert "Quầy 5" in page.inner_text("#live")
    assert page.evaluate("window.__tracking.polls") == 0 and page.evaluate("window.__tracking.pushes") >= 1
    assert page.title().startswith("Đến lượt")
    page.screenshot(path=f"{artifacts}/tracking-called.png")


def test_the_ticket_room_is_joined_with_the_public_reference(site):
    ticket = take_ticket(site.url, "PICKUP").json()["ticket"]
    client = socketio.Client(reconnection=False)
    states = []
    client.on("state", states.append)
    client.connect(site.url, transports=["websocket"], wait_timeout=10)
    try:
        ack = client.call("join", {"role": "ticket", "ticket": _ref(ticket)}, timeout=10)
        assert ack["ok"] is True
        assert states[-1]["ticket"]["number"] == ticket["number"]
        bad = client.call("join", {"role": "ticket", "ticket": "no-such-ticket"}, timeout=10)
        assert bad["ok"] is False and bad["error"]["code"] == "unknown_ticket"
    finally:
        client.disconnect()


def test_one_person_ahead_is_said_in_the_singular(site, new_page):
    # VNEID is taken by no other test of this module: the second ticket has one ahead.
    take_ticket(site.url, "VNEID")
    second = take_ticket(site.url, "VNEID").json()["ticket"]
    assert second["position"] == 1
    page = new_page(PHONE)
    page.goto(second["track_url"] + "?poll=3600")
    page.wait_for_function("window.__tracking.status === 'waiting'")
    text = page.inner_text("#live")
    assert "1 person before you" in text and "people" not in text


def test_not_found_page_makes_no_promise_to_refresh(site, new_page):
    answer = requests.get(site.url + "/t/999999", timeout=10)
    assert answer.status_code == 404
    assert "cập nhật" not in answer.text.lower() and "updates every" not in answer.text.lower()
    page = new_page(PHONE)
    page.goto(site.url + "/t/999999")
    assert page.is_visible("#not-found")


def test_a_transfer_that_keeps_the_number_does_not_say_new_number(site, new_page):
    from browser_helpers import free_counter
    officer = free_counter(site.url, 3)
    take_ticket(site.url, "PICKUP")
    called = officer.post("/api/counters/3/call-next").json()["ticket"]
    page = new_page(PHONE)
    page.goto(called["track_url"] + "?poll=3600")
    page.wait_for_function("window.__tracking.status === 'called'")
    moved = officer.post(f"/api/tickets/{called['id']}/transfer", {"to_service": "CORRECT"})
    assert moved.status_code == 200, moved.text
    page.wait_for_selector("#live[data-status='transferred']")
    text = page.inner_text("#live")
    link = page.query_selector("a.next")
    if link is None:  # a successor without a public link of its own: no promise of a new number
        assert "Xem số mới" not in text
        return
    successor = requests.get(site.url + link.get_attribute("href") + "/status.json",
                             timeout=10).json()["ticket"]
    if successor["number"] == called["number"]:
        assert f"Theo dõi tiếp số {called['number']}" in text and "Xem số mới" not in text
    else:
        assert f"Xem số mới {successor['number']}" in text
