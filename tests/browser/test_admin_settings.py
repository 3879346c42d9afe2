"""The admin's settings page in Chromium against a real server: a change saved on the page is an
event in the store with who, reaches a display at once, and a change that breaks the site file's
rules or today's tickets is refused on the page with its reason."""
import os

import pytest
import socketio

from server.store.sql import SqlStore
from browser_helpers import sign_in_page
from support.server_process import ServerProcess, take_ticket
from support.waiting import wait_until

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("instance")
    with ServerProcess(folder) as server:
        server.folder = folder
        yield server


def sign_in(new_page, base, username="admin", password="admin123"):
    return sign_in_page(new_page, base + "/admin/settings", username, password, DESK)


def row_input(page, table, key, field):
    attr = "data-number" if table == "counters" else "data-code"
    return page.locator(f"#{table} tr[{attr}='{key}'] input[aria-label='{field}']")


def test_a_saved_change_is_recorded_and_pushed_to_the_displays(admin_site, new_page, artifacts):
    base = admin_site.url
    wall = new_page({"width": 1920, "height": 1080})
    wall.goto(base + "/display")
    wall.wait_for_function("window.__snapshots >= 1")
    display = socketio.Client()
    names = []
    display.on("state", lambda view: names.append(
        next(s["name_vi"] for s in view["services"] if s["code"] == "VNEID")))
    display.connect(base, transports=["websocket"])
    display.call("join", {"role": "display"}, timeout=10)
    try:
        page = sign_in(new_page, base)
        page.wait_for_selector("#services tbody tr")
        page.screenshot(path=os.path.join(artifacts, "admin-settings-1280.png"), full_page=True)
        row_input(page, "services", "VNEID", "name_vi").fill("Kích hoạt tài khoản VNeID")
        row_input(page, "services", "VEHICLE", "daily_cap").fill("40")
        page.fill("#notice", "Hôm nay nghỉ trưa từ 11:30 đến 13:00")
        page.check("#counters tr[data-number='4'] input[value='CCCD']")
        page.click("#save")
        page.wait_for_selector("#status.ok")
        wait_until(lambda: names and names[-1] == "Kích hoạt tài khoản VNeID")
        # The wall display already open shows the new notice without a reload.
        wall.wait_for_function("document.getElementById('ticker-text').textContent"
                               ".includes('nghỉ trưa từ 11:30')")
        wall.screenshot(path=os.path.join(artifacts, "display-new-notice-1920.png"))
    finally:
        display.disconnect()
    store = SqlStore(f"sqlite:///{admin_site.folder}/qms.sqlite3")
    try:
        event = store.last_event_of_type("demo-ben-nghe", "site_changed")
    finally:
        store.close()
    assert event["by"] == "admin" and event["at"] > 0
    data = event["data"]
    assert data["display"]["notice"] == "Hôm nay nghỉ trưa từ 11:30 đến 13:00"
    assert next(s for s in data["services"] if s["code"] == "VEHICLE")["daily_cap"] == 40
    assert "CCCD" in next(k for k in data["counters"] if k["number"] == 4)["services"]
    # The page reloaded shows what is saved.
    page.reload()
    page.wait_for_selector("#services tbody tr")
    assert row_input(page, "services", "VNEID", "name_vi").input_value() == "Kích hoạt tài khoản VNeID"
    assert page.console_errors == []


def test_refusals_are_shown_with_their_reason(admin_site, new_page, artifacts):
    base = admin_site.url
    assert take_ticket(base, "CCCD").status_code == 201
    page = sign_in(new_page, base)
    page.wait_for_selector("#services tbody tr")
    # The site file's rules: a counter naming a service that is gone.
    page.click("#services tr[data-code='VEHICLE'] button.remove")
    page.click("#save")
    page.wait_for_selector("#status.bad")
    assert "VEHICLE" in page.inner_text("#status") and "không có trong" in page.inner_text("#status")
    page.screenshot(path=os.path.join(artifacts, "admin-settings-refused.png"))
    page.evaluate("window.__settings.reload()")
    page.wait_for_selector("#services tr[data-code='VEHICLE']")
    # Today's tickets: service A has issued numbers, its letter cannot change today.
    row_input(page, "services", "CCCD", "letter").fill("Z")
    page.click("#save")
    page.wait_for_function("document.querySelector('#status').innerText.includes('từ ngày mai')")
    assert page.locator("#status.bad").count() == 1


def test_only_an_admin_gets_the_page(admin_site, new_page):
    page = sign_in(new_page, admin_site.url, "truongdiem", "truongdiem123")
    page.wait_for_selector("text=Trang này dành cho quản trị viên")


def test_opening_hours_and_rating_levels_are_edited_and_checked(admin_site, new_page, artifacts):
    page = sign_in(new_page, admin_site.url)
    page.wait_for_selector("#levels tbody tr")

    def saved_site():
        return page.evaluate("fetch('/api/admin/site').then(r => r.json()).then(b => b.site)")

    page.fill("#hours-open", "07:30")
    page.fill("#hours-close", "17:00")
    page.fill("#hours-lunch", "11:30-13:00")
    page.select_option("#weekdays tr[data-day='sat'] select", "common")
    row_input(page, "levels", "very_satisfied", "vi").fill("Rất hài lòng lắm")
    page.click("#add-reason")
    page.locator("#reasons tbody tr").last.locator("input[aria-label='code']").fill("cham")
    page.locator("#reasons tbody tr").last.locator("input[aria-label='vi']").fill("Chậm")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    page.screenshot(path=os.path.join(artifacts, "admin-settings-hours-ratings-1280.png"),
                    full_page=True)
    site = saved_site()
    assert site["opening_hours"]["open"] == "07:30" and site["opening_hours"]["lunch"] == "11:30-13:00"
    assert site["opening_hours"]["days"][-1] == "sat"
    assert site["ratings"]["levels"][0]["vi"] == "Rất hài lòng lắm"
    assert site["ratings"]["reasons"][-1] == {"code": "cham", "vi": "Chậm", "en": ""}

    # The site file's rules, with the reason shown; nothing is changed.
    page.fill("#hours-lunch", "25:00-26:00")
    page.click("#save")
    page.wait_for_selector("#status.bad")
    assert "opening_hours" in page.inner_text("#status")
    page.screenshot(path=os.path.join(artifacts, "admin-settings-hours-refused.png"))
    assert saved_site()["opening_hours"]["lunch"] == "11:30-13:00"
    page.evaluate("window.__settings.reload()")
    page.wait_for_selector("#levels tbody tr")
    page.click("#levels tbody tr:nth-child(2) button.remove")
    page.click("#levels tbody tr:nth-child(1) button.remove")
    page.click("#levels tbody tr:nth-child(1) button.remove")  # one level left: at least two
    page.click("#save")
    # The earlier refusal is still shown until the answer comes: wait for the new reason.
    page.wait_for_function("document.querySelector('#status').innerText.includes('ratings.levels')")
    assert page.locator("#status.bad").count() == 1
    assert len(saved_site()["ratings"]["levels"]) == 4

    # Per weekday, as the site file allows: Saturday morning only, Sunday closed, the lunch
    # break on the common days; the page shows them again after a reload.
    page.evaluate("window.__settings.reload()")
    page.wait_for_selector("#levels tbody tr")
    page.fill("#hours-lunch", "11:30-13:00")
    page.select_option("#weekdays tr[data-day='sat'] select", "own")
    page.fill("#weekdays tr[data-day='sat'] input", "07:30-11:30")
    page.select_option("#weekdays tr[data-day='sun'] select", "closed")
    page.select_option("#weekdays tr[data-day='wed'] select", "own")
    page.fill("#weekdays tr[data-day='wed'] input", "07:30-11:30, 13:30-16:00")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    hours = saved_site()["opening_hours"]
    assert hours["days"] == ["mon", "tue", "thu", "fri"]
    assert hours["sat"] == ["07:30-11:30"] and hours["sun"] == []
    assert hours["wed"] == ["07:30-11:30", "13:30-16:00"]
    assert hours["lunch"] == "11:30-13:00" and hours["open"] == "07:30"
    page.screenshot(path=os.path.join(artifacts, "admin-settings-weekdays-1280.png"), full_page=True)
    page.reload()
    page.wait_for_selector("#levels tbody tr")
    assert page.input_value("#weekdays tr[data-day='wed'] select") == "own"
    assert page.input_value("#weekdays tr[data-day='wed'] input") == "07:30-11:30, 13:30-16:00"
    assert page.input_value("#weekdays tr[data-day='sun'] select") == "closed"
    assert page.input_value("#weekdays tr[data-day='mon'] select") == "common"
    assert page.is_disabled("#weekdays tr[data-day='mon'] input")
    # Spans that run backwards or overlap are refused with the day named; nothing changes.
    page.fill("#weekdays tr[data-day='sat'] input", "11:30-07:30")
    page.click("#save")
    page.wait_for_function("document.querySelector('#status').innerText.includes('sat')")
    assert page.locator("#status.bad").count() == 1
    assert saved_site()["opening_hours"]["sat"] == ["07:30-11:30"]

    # Back to all-day issuance, so the module's other tests can take tickets at any hour.
    page.evaluate("window.__settings.reload()")
    page.wait_for_selector("#levels tbody tr")
    for field in ("#hours-open", "#hours-close", "#hours-lunch"):
        page.fill(field, "")
    for day in ("wed", "sat", "sun"):
        page.select_option(f"#weekdays tr[data-day='{day}'] select", "common")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    assert "open" not in (saved_site().get("opening_hours") or {})
