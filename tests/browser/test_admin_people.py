"""The admin's officers and devices page in Chromium against a real server: create an officer
who can then sign in, change a role, reset a password, pair and revoke a kiosk; every change in
the audit log with who; refusals shown with their reason; admins only."""
import os
import re

import pytest
import requests

from browser_helpers import sign_in_page
from support.server_process import Officer, ServerProcess

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def people_site(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("instance")) as server:
        yield server


def sign_in(new_page, base, username="admin", password="admin123"):
    return sign_in_page(new_page, base + "/admin/people", username, password, DESK)


def test_officers_and_devices_from_the_page(people_site, new_page, artifacts):
    base = people_site.url
    page = sign_in(new_page, base)
    page.wait_for_selector("#officers tr[data-username='canbo']")
    page.fill("#new-officer input[name=username]", "lan")
    page.fill("#new-officer input[name=display_name]", "Trần Thị Lan")
    page.select_option("#new-officer select[name=role]", "officer")
    page.fill("#new-officer input[name=password]", "matkhau-lan")
    page.click("#new-officer button[type=submit]")
    page.wait_for_selector("#officers tr[data-username='lan']")
    Officer(base, "lan", "matkhau-lan")  # she can sign in
    # The same name again is refused with a reason.
    page.fill("#new-officer input[name=username]", "lan")
    page.fill("#new-officer input[name=password]", "matkhau-2")
    page.click("#new-officer button[type=submit]")
    page.wait_for_selector("#status.bad:has-text('Đã có cán bộ')")
    # She becomes the site chief: the reports open for her.
    page.select_option("#officers tr[data-username='lan'] select[aria-label=role]", "chief")
    page.wait_for_selector("#status.ok:has-text('Đã đổi vai trò')")
    chief = Officer(base, "lan", "matkhau-lan")
    assert chief.http.get(base + "/reports").status_code == 200
    # A new password: the old one no longer works.
    page.once("dialog", lambda d: d.accept("matkhau-moi"))
    page.click("#officers tr[data-username='lan'] button:has-text('Đặt lại mật khẩu')")
    page.wait_for_selector("#status.ok:has-text('Đã đặt lại mật khẩu')")
    old = requests.post(base + "/api/login", json={"username": "lan", "password": "matkhau-lan"})
    assert old.status_code == 401
    Officer(base, "lan", "matkhau-moi")
    # Disabled: she cannot sign in; enabled again: she can.
    page.click("#officers tr[data-username='lan'] button:has-text('Khóa tài khoản')")
    page.wait_for_selector("#officers tr.disabled[data-username='lan']")
    locked = requests.post(base + "/api/login", json={"username": "lan", "password": "matkhau-moi"})
    assert locked.status_code == 403 and locked.json()["error"]["code"] == "officer_disabled"
    page.click("#officers tr[data-username='lan'] button:has-text('Mở khóa')")
    page.wait_for_selector("#officers tr:not(.disabled)[data-username='lan']")
    Officer(base, "lan", "matkhau-moi")
    # A kiosk paired here gets a token shown once; revoked, it no longer connects.
    page.fill("#pair-kiosk input[name=kiosk]", "K7")
    page.click("#pair-kiosk button[type=submit]")
    page.wait_for_selector("#devices tr[data-device='K7']")
    paired = page.inner_text("#devices tr[data-device='K7'] td:nth-child(3)")
    assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", paired), paired  # not raw ISO 8601
    token = page.inner_text("#token").rsplit(" ", 1)[-1]
    assert len(token) > 30
    page.screenshot(path=os.path.join(artifacts, "admin-people-1280.png"), full_page=True)
    page.once("dialog", lambda d: d.accept())
    page.click("#devices tr[data-device='K7'] button:has-text('Thu hồi')")
    page.wait_for_selector("#devices tr[data-device='K7']", state="detached")
    admin = Officer(base, "admin", "admin123")
    entries = admin.http.get(base + "/api/audit").json()["entries"]
    done = {(e["action"], e["target"], e["actor"]) for e in entries}
    for action, target in (("officer_created", "lan"), ("officer_role_changed", "lan"),
                           ("officer_password_reset", "lan"), ("officer_disabled", "lan"),
                           ("officer_enabled", "lan"), ("device_added", "K7"),
                           ("device_removed", "K7")):
        assert (action, target, "admin") in done, action
    assert page.console_errors == []


def test_only_an_admin_gets_the_page(people_site, new_page):
    page = sign_in(new_page, people_site.url, "canbo", "canbo123")
    page.wait_for_selector("text=Trang này dành cho quản trị viên")
    officer = Officer(people_site.url)
    assert officer.post("/api/admin/officers", json={"username": "x", "password": "123456",
                                                     "role": "admin"}).status_code == 403
