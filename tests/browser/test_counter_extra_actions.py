"""The counter tablet's extra actions: call a given citizen from the queue list, cancel a ticket.

One demo server for this module; each test works on its own counter and service.
"""
import os

import pytest
import requests
from playwright.sync_api import expect

from browser_helpers import ensure_open, free_counter, sign_in_counter, wait_idle
from support.server_process import Officer, officer_get_ticket, take_ticket

pytestmark = pytest.mark.browser


def ticket_status(base_url, ticket_id):
    return officer_get_ticket(base_url, ticket_id).json()["ticket"]


def site_seq(base_url):
    return requests.get(base_url + "/healthz", timeout=5).json()["seq"]


def test_call_a_chosen_ticket_from_the_queue_list(site, new_page, artifacts):
    # Counter 4 is the only one here with PICKUP tickets waiting (counter 3 stays closed).
    free_counter(site.url, 4)
    tickets = [take_ticket(site.url, "PICKUP").json()["ticket"] for _ in range(3)]
    page = sign_in_counter(new_page, site.url, 4)
    ensure_open(page)
    page.wait_for_function("window.__counter.view.queue.next.length === 3")
    assert page.inner_text("#q-hint").startswith("Chạm vào một số để gọi riêng số đó")
    items = page.locator("#q-next .q-item")
    assert [items.nth(i).inner_text().split("\n")[0].split()[0] for i in range(3)] == \
        [t["number"] for t in tickets]

    # Hủy in the confirm dialog sends nothing.
    seq = site_seq(site.url)
    items.nth(0).click()
    page.wait_for_selector("#dlg-call:not([hidden])")
    page.click("#dlg-call .cancel")
    assert page.is_hidden("#dlg-call")
    assert site_seq(site.url) == seq
    assert page.evaluate("window.__counter.view.counter.current") is None

    # Pick the second entry: the dialog asks in Vietnamese and English, then calls that one.
    head, chosen = tickets[0], tickets[1]
    items.nth(1).click()
    page.wait_for_selector("#dlg-call:not([hidden])")
    title = page.inner_text("#dlg-call-title")
    assert f"Gọi số {chosen['number']} đến quầy này?" in title
    assert f"Call {chosen['number']} to this counter?" in title
    assert "Nhận thẻ Căn cước" in page.inner_text("#call-detail")
    page.screenshot(path=os.path.join(artifacts, "counter-call-specific.png"))
    page.click("#call-yes")
    page.wait_for_function("window.__counter.view.counter.current !== null")
    assert page.is_hidden("#dlg-call")
    assert page.inner_text("#cur-number") == chosen["number"] != head["number"]
    expect(page.locator("#msg-vi")).to_have_text(f"Đã gọi số {chosen['number']}.")
    called = ticket_status(site.url, chosen["id"])
    assert called["status"] == "called" and called["counter"] == 4
    assert ticket_status(site.url, head["id"])["status"] == "waiting"

    # The head of the queue is still first; with a current ticket the list is not tappable.
    page.wait_for_function("window.__counter.view.queue.next.length === 2")
    assert items.nth(0).inner_text().startswith(head["number"])
    assert items.nth(0).is_disabled()
    assert page.inner_text("#q-hint").startswith("Hoàn tất số hiện tại trước khi gọi số khác")
    page.screenshot(path=os.path.join(artifacts, "counter-call-specific-done.png"))

    # Paused: not tappable either, and the hint says why.
    Officer(site.url).post(f"/api/tickets/{chosen['id']}/complete", {"outcome": "accepted"})
    page.wait_for_function("window.__counter.view.counter.current === null")
    assert items.nth(0).is_enabled()
    page.keyboard.press("p")
    page.wait_for_function("window.__counter.view.counter.state === 'paused'")
    assert items.nth(0).is_disabled()
    assert page.inner_text("#q-hint").startswith("Quầy đang tạm dừng")
    page.keyboard.press("p")
    page.wait_for_function("window.__counter.view.counter.state === 'open'")
    assert not page.console_errors


def test_ticket_taken_by_another_counter_meanwhile_is_refused(site, new_page, artifacts):
    # CCCD tickets; counter 1 picks the second one while counter 2 calls that very ticket.
    free_counter(site.url, 1)
    tickets = [take_ticket(site.url, "CCCD").json()["ticket"] for _ in range(2)]
    page = sign_in_counter(new_page, site.url, 1)
    ensure_open(page)
    page.wait_for_function("window.__counter.view.counter.current === null")
    chosen = tickets[1]
    page.click(f"#q-next .q-item[data-ticket='{chosen['id']}']")
    page.wait_for_selector("#dlg-call:not([hidden])")

    other = Officer(site.url)
    other.post("/api/counters/2/open")
    answer = other.post("/api/counters/2/call", {"ticket_id": chosen["id"]})
    assert answer.status_code == 200, answer.text
    page.wait_for_function(
        f"!window.__counter.view.queue.next.some(function (t) {{ return t.id === {chosen['id']}; }})")
    assert page.is_visible("#dlg-call")  # the server decides; the tablet does not guess

    seq = site_seq(site.url)
    page.click("#call-yes")
    page.wait_for_selector("#msg:not([hidden])")
    expect(page.locator("#msg-vi")).to_have_text(f"Số {chosen['number']} đã được quầy 2 gọi.")
    assert "already with counter 2" in page.inner_text("#msg-en")
    page.screenshot(path=os.path.join(artifacts, "counter-call-taken.png"))
    # Nothing changed: no event, counter 1 still free, the ticket still with counter 2.
    assert site_seq(site.url) == seq
    assert page.evaluate("window.__counter.view.counter.current") is None
    assert page.is_visible("#cur-empty")
    taken = ticket_status(site.url, chosen["id"])
    assert taken["status"] == "called" and taken["counter"] == 2
    assert page.is_enabled(f"#q-next .q-item[data-ticket='{tickets[0]['id']}']")
    assert not page.console_errors


def test_cancel_the_current_ticket_with_a_reason(site, new_page, artifacts):
    free_counter(site.url, 5)
    ticket = take_ticket(site.url, "VEHICLE").json()["ticket"]
    page = sign_in_counter(new_page, site.url, 5)
    ensure_open(page)
    page.wait_for_function("window.__counter.view.counter.current === null")
    page.click(f"#q-next .q-item[data-ticket='{ticket['id']}']")
    page.click("#call-yes")
    page.wait_for_function(f"(window.__counter.view.counter.current || {{}}).id === {ticket['id']}")
    wait_idle(page)

    # Complete dialog → Hủy số → confirm step; Esc backs out without cancelling.
    page.keyboard.press("h")
    page.wait_for_selector("#dlg-complete:not([hidden])")
    page.click("#open-cancel")
    page.wait_for_selector("#dlg-cancel:not([hidden])")
    assert page.is_hidden("#dlg-complete")
    assert f"Hủy số {ticket['number']}?" in page.inner_text("#dlg-cancel-title")
    page.keyboard.press("Escape")
    assert page.is_hidden("#dlg-cancel")
    assert ticket_status(site.url, ticket["id"])["status"] == "called"

    page.keyboard.press("h")
    page.keyboard.press("x")
    page.wait_for_selector("#dlg-cancel:not([hidden])")
    page.click("#cancel-reasons .reason[data-reason='citizen_left']")
    assert page.get_attribute("#cancel-reasons .reason[data-reason='citizen_left']",
                              "aria-checked") == "true"
    page.screenshot(path=os.path.join(artifacts, "counter-cancel-dialog.png"))
    page.click("#cancel-yes")
    page.wait_for_function("window.__counter.view.counter.current === null")
    assert page.is_hidden("#dlg-cancel")
    expect(page.locator("#msg-vi")).to_have_text(f"Đã hủy số {ticket['number']}.")
    assert ticket_status(site.url, ticket["id"])["status"] == "cancelled"

    # A cancel dialog whose ticket is handled elsewhere meanwhile closes and sends nothing.
    second = take_ticket(site.url, "VEHICLE").json()["ticket"]
    page.wait_for_selector(f"#q-next .q-item[data-ticket='{second['id']}']:not([disabled])")
    page.keyboard.press("n")
    page.wait_for_function(f"(window.__counter.view.counter.current || {{}}).id === {second['id']}")
    wait_idle(page)
    page.keyboard.press("h")
    page.keyboard.press("x")
    page.wait_for_selector("#dlg-cancel:not([hidden])")
    page.keyboard.press("2")
    assert Officer(site.url).post(f"/api/tickets/{second['id']}/complete",
                                  {"outcome": "accepted"}).status_code == 200
    page.wait_for_selector("#dlg-cancel", state="hidden")
    expect(page.locator("#msg-vi")).to_contain_text("xử lý ở nơi khác")
    assert ticket_status(site.url, second["id"])["status"] == "done"
    assert not page.console_errors


def test_a_no_show_says_whether_the_citizen_went_back_in_line(site, new_page):
    """Found walking the tablet: the banner read the same whether the citizen went back to
    the end of the line (the demo site's first no-show) or the ticket ended (the second)."""
    from browser_helpers import console_with_a_call
    page, called = console_with_a_call(new_page, site.url, 5, "VEHICLE")
    page.click("button[data-action='no_show']")
    wait_idle(page)
    assert "đã đưa về cuối hàng chờ" in page.inner_text("#msg-vi")
    page.click("button[data-action='call_next']")
    page.wait_for_function(f"(window.__counter.view.counter.current || {{}}).id === {called['id']}")
    wait_idle(page)
    page.click("button[data-action='no_show']")
    wait_idle(page)
    assert page.inner_text("#msg-vi") == f"Số {called['number']} vắng mặt: phiếu đã kết thúc."
